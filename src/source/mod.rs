//! Input sources: the command line's inputs (local files and folders, `s3://` URLs) and the
//! selection in; the list of inputs to read, each a local file or an S3 object that opens as a
//! `Read`, out, with what reading S3 cost (objects, bytes, requests).

pub mod layout;
pub mod s3;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::error::{Error, Result};
use layout::Selection;
use s3::{S3Object, S3Options, S3Url, Session};

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    Local(PathBuf),
    S3(S3Object),
}

impl Input {
    /// The name used in messages and the report (`s3://bucket/key` for an object); its folders
    /// give the region (`.../vpcflowlogs/<region>/...`) like a local path's.
    pub fn path(&self) -> PathBuf {
        match self {
            Input::Local(p) => p.clone(),
            Input::S3(o) => PathBuf::from(o.url()),
        }
    }

    /// Size in bytes (0 when a local file cannot be read: the scan reports why).
    pub fn size(&self) -> u64 {
        match self {
            Input::Local(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Input::S3(o) => o.size,
        }
    }
}

/// Opens inputs: local files directly, S3 objects through the session.
#[derive(Clone, Default)]
pub struct Opener {
    pub s3: Option<Arc<Session>>,
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Opener {{ s3: {} }}", self.s3.is_some())
    }
}

impl Opener {
    pub fn open(&self, input: &Input) -> Result<Box<dyn Read + Send>> {
        match input {
            Input::Local(p) => std::fs::File::open(p)
                .map(|f| Box::new(f) as Box<dyn Read + Send>)
                .map_err(|source| Error::Read {
                    path: p.clone(),
                    source,
                }),
            Input::S3(o) => {
                let session = self.s3.as_ref().ok_or_else(|| Error::S3 {
                    url: o.url(),
                    reason: "no S3 session".into(),
                })?;
                Ok(Box::new(session.open(o)?))
            }
        }
    }
}

/// Whether a command-line input is an S3 URL.
pub fn is_s3(path: &Path) -> bool {
    path.to_str().is_some_and(|s| s.starts_with("s3://"))
}

/// What was read from S3, for the report's inputs section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct S3Summary {
    pub buckets: Vec<String>,
    /// The `s3://` inputs as given.
    pub prefixes: Vec<String>,
    /// Objects listed and selected (duplicates included).
    pub objects: u64,
    /// Their total size.
    pub object_bytes: u64,
    /// Bytes received in GetObject bodies.
    pub bytes_read: u64,
    pub list_requests: u64,
    pub get_requests: u64,
    /// What the requests cost at S3 Standard request prices.
    pub request_cost_usd: rust_decimal::Decimal,
    /// The prices used, with their source and date.
    pub request_prices: String,
    /// Objects skipped because an earlier key has the same ETag and size.
    pub duplicate_objects: u64,
}

/// One S3 session per run, made when the first `s3://` input is met and shared by the flow-log
/// and DNS-log readers (so the report counts every request).
#[derive(Clone, Default)]
pub struct SessionCache(Arc<std::sync::Mutex<Option<Arc<Session>>>>);

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionCache")
    }
}

impl SessionCache {
    pub fn get(&self, options: &S3Options) -> Result<Arc<Session>> {
        let mut slot = self.0.lock().expect("session lock");
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let s = Arc::new(Session::new(options)?);
        *slot = Some(s.clone());
        Ok(s)
    }
}

/// Reads every object under the `s3://` URLs among `paths` whole (for small files such as
/// Route 53 Resolver query logs): (name, bytes) in key order.
pub fn read_s3_objects(
    paths: &[PathBuf],
    cache: &SessionCache,
    options: &S3Options,
    is_log_name: fn(&str) -> bool,
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    for p in paths.iter().filter(|p| is_s3(p)) {
        let url = S3Url::parse(p.to_str().unwrap_or_default()).expect("an s3:// URL")?;
        let session = cache.get(options)?;
        let objects = session.list(&url, &Selection::default(), is_log_name)?;
        if objects.is_empty() {
            return Err(Error::NoInput(url.to_string()));
        }
        for o in objects {
            let name = PathBuf::from(o.url());
            let limit = crate::bounded::max_document_bytes();
            let mut bytes = Vec::with_capacity(o.size.min(limit) as usize);
            crate::bounded::read_to_end_capped(session.open(&o)?, &mut bytes, limit).map_err(
                |e| {
                    e.into_error(&name, |source| Error::Read {
                        path: name.clone(),
                        source,
                    })
                },
            )?;
            out.push((name, bytes));
        }
    }
    Ok(out)
}

impl S3Summary {
    /// One plain-text paragraph for the Markdown and HTML reports.
    pub fn sentence(&self) -> String {
        format!(
            "Read from S3 ({}): {} objects ({} bytes listed, {} bytes read), {} LIST and {} GET requests costing ${} at {}{}. Data transfer is not included: free to AWS compute in the bucket's region, charged per GB when read from outside AWS or another region.",
            self.prefixes.join(", "),
            self.objects,
            self.object_bytes,
            self.bytes_read,
            self.list_requests,
            self.get_requests,
            self.request_cost_usd,
            self.request_prices,
            if self.duplicate_objects > 0 {
                format!(
                    "; {} duplicate objects (same ETag and size) read once",
                    self.duplicate_objects
                )
            } else {
                String::new()
            }
        )
    }
}

/// S3 inputs resolved: the objects to read (duplicates removed) and the session.
pub struct Resolved {
    pub inputs: Vec<Input>,
    /// Objects left out: (the object, the URL of the earlier key with its ETag and size).
    pub duplicates: Vec<(S3Object, String)>,
    pub session: Option<Arc<Session>>,
    pub urls: Vec<S3Url>,
    pub objects: u64,
    pub object_bytes: u64,
}

/// Lists the `s3://` inputs among `urls` (with the selection) and sets objects with the same
/// ETag and size as an earlier key aside.
pub fn resolve_s3(
    urls: &[&Path],
    cache: &SessionCache,
    options: &S3Options,
    selection: &Selection,
    is_log_name: fn(&str) -> bool,
) -> Result<Resolved> {
    let mut parsed = Vec::new();
    for u in urls {
        let text = u.to_str().unwrap_or_default();
        if let Some(url) = S3Url::parse(text) {
            parsed.push(url?);
        }
    }
    if parsed.is_empty() {
        return Ok(Resolved {
            inputs: Vec::new(),
            duplicates: Vec::new(),
            session: None,
            urls: Vec::new(),
            objects: 0,
            object_bytes: 0,
        });
    }
    let session = cache.get(options)?;
    let mut objects = Vec::new();
    for url in &parsed {
        let found = session.list(url, selection, is_log_name)?;
        if found.is_empty() {
            return Err(Error::NoInput(format!(
                "{url}{}",
                selection
                    .describe()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            )));
        }
        objects.extend(found);
    }
    objects.sort();
    objects.dedup();
    let total = objects.len() as u64;
    let object_bytes = objects.iter().map(|o| o.size).sum();
    let mut first: std::collections::BTreeMap<(String, u64), String> = Default::default();
    let mut inputs = Vec::new();
    let mut duplicates = Vec::new();
    for o in objects {
        // Multipart ETags are not content hashes of the whole, but equal ETags and sizes in
        // one bucket are the same upload copied.
        if !o.etag.is_empty() && o.size > 0 {
            let id = (format!("{}\u{0}{}", o.bucket, o.etag), o.size);
            if let Some(same) = first.get(&id) {
                duplicates.push((o.clone(), same.clone()));
                continue;
            }
            first.insert(id, o.url());
        }
        inputs.push(Input::S3(o));
    }
    Ok(Resolved {
        inputs,
        duplicates,
        session: Some(session),
        urls: parsed,
        objects: total,
        object_bytes,
    })
}

impl Resolved {
    /// The report's summary, once everything was read.
    pub fn summary(&self) -> Option<S3Summary> {
        let session = self.session.as_ref()?;
        let c = &session.counters;
        let ordering = std::sync::atomic::Ordering::Relaxed;
        let list_requests = c.list_requests.load(ordering);
        let get_requests = c.get_requests.load(ordering);
        let mut buckets: Vec<String> = self.urls.iter().map(|u| u.bucket.clone()).collect();
        buckets.sort();
        buckets.dedup();
        let region = session.bucket_region(&buckets[0]);
        let prices = request_prices(&region);
        let thousand = rust_decimal::Decimal::from(1000);
        let cost = (prices.get_per_1000 * rust_decimal::Decimal::from(get_requests)
            + prices.list_per_1000 * rust_decimal::Decimal::from(list_requests))
            / thousand;
        Some(S3Summary {
            buckets,
            prefixes: self.urls.iter().map(|u| u.to_string()).collect(),
            objects: self.objects,
            object_bytes: self.object_bytes,
            bytes_read: c.bytes_read.load(ordering),
            list_requests,
            get_requests,
            request_cost_usd: cost.normalize(),
            request_prices: prices.describe(),
            duplicate_objects: self.duplicates.len() as u64,
        })
    }
}

/// S3 Standard request prices of a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPrices {
    pub region: String,
    /// The region asked for, when its price is not listed and another region's was used.
    pub asked: Option<String>,
    pub get_per_1000: rust_decimal::Decimal,
    pub list_per_1000: rust_decimal::Decimal,
    pub source: String,
    pub as_of: String,
}

impl RequestPrices {
    fn describe(&self) -> String {
        let fallback = match &self.asked {
            Some(a) => format!(" ({a} is not listed: {} prices used)", self.region),
            None => String::new(),
        };
        format!(
            "{}{fallback}: GET ${} and LIST ${} per 1,000 requests (S3 Standard; {}, as of {})",
            self.region, self.get_per_1000, self.list_per_1000, self.source, self.as_of
        )
    }
}

const S3_REQUEST_PRICES: &str = include_str!("../../data/s3-request-prices.csv");

/// The request prices for `region` from data/s3-request-prices.csv (us-east-1's when the region
/// is not listed, said so).
pub fn request_prices(region: &str) -> RequestPrices {
    let rows: Vec<RequestPrices> = S3_REQUEST_PRICES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("region,") && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.splitn(5, ',').collect();
            Some(RequestPrices {
                region: f.first()?.to_string(),
                asked: None,
                get_per_1000: f.get(1)?.parse().ok()?,
                list_per_1000: f.get(2)?.parse().ok()?,
                as_of: f.get(3)?.to_string(),
                source: f.get(4)?.to_string(),
            })
        })
        .collect();
    if let Some(p) = rows.iter().find(|p| p.region == region) {
        return p.clone();
    }
    let mut p = rows
        .iter()
        .find(|p| p.region == "us-east-1")
        .cloned()
        .expect("data/s3-request-prices.csv lists us-east-1");
    p.asked = Some(region.to_string());
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_have_a_source() {
        let p = request_prices("us-east-1");
        assert_eq!(p.get_per_1000, rust_decimal_macros::dec!(0.0004));
        assert_eq!(p.list_per_1000, rust_decimal_macros::dec!(0.005));
        assert!(p.source.contains("aws.amazon.com/s3/pricing"));
        let other = request_prices("xx-nowhere-9");
        assert_eq!(other.asked.as_deref(), Some("xx-nowhere-9"));
        assert!(other.describe().contains("not listed"));
    }
}
