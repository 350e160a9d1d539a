//! S3 inputs: `s3://bucket/prefix` URLs, the credentials and region the AWS CLI would use, and the
//! selection in; the objects to read (listed with pruning by the delivery layout) and a blocking
//! reader per object (its GetObject body streamed through a bounded channel) out, with the LIST
//! and GET requests made counted.
//!
//! The AWS SDK for Rust's config loader resolves credentials like the AWS CLI: environment,
//! shared config and credentials files (`--profile` / `AWS_PROFILE`, SSO, assume-role,
//! credential_process), web identity, container and instance metadata. Requests are retried with
//! exponential backoff on throttling, 5xx and timeouts; a body that breaks off is resumed with a
//! ranged GET of the rest (same ETag).

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::Client;

use super::layout::{facts, Selection};
use crate::error::{Error, Result};

/// `s3://bucket/prefix`, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    /// Key prefix (no leading `/`); empty for the whole bucket.
    pub prefix: String,
}

impl S3Url {
    /// `Some` for an `s3://` URL (`Err` when it has no bucket).
    pub fn parse(text: &str) -> Option<Result<S3Url>> {
        let rest = text.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Some(Err(Error::Invalid(format!(
                "{text}: an S3 input is s3://BUCKET or s3://BUCKET/PREFIX"
            ))));
        }
        Some(Ok(S3Url {
            bucket: bucket.to_string(),
            prefix: prefix.trim_start_matches('/').to_string(),
        }))
    }
}

impl std::fmt::Display for S3Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// One S3 object to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct S3Object {
    pub bucket: String,
    pub key: String,
    pub size: u64,
    /// As S3 lists it (quoted); empty when the store gives none.
    pub etag: String,
}

impl S3Object {
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// How to reach S3 (`--profile`, `--endpoint-url`, `--s3-read-timeout`).
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// Longest wait for a response or the next part of a body before the request is retried.
    pub read_timeout: Option<Duration>,
}

/// Requests and bytes, counted as they are made.
#[derive(Debug, Default)]
pub struct Counters {
    pub list_requests: AtomicU64,
    pub get_requests: AtomicU64,
    pub bytes_read: AtomicU64,
    pub objects_read: AtomicU64,
}

/// Tries per request (first one included), unless AWS_MAX_ATTEMPTS / AWS_RETRY_MODE say
/// otherwise.
pub const MAX_ATTEMPTS: u32 = 5;
/// Default `--s3-read-timeout`.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Chunks of a body held between the network and the scanner, per object.
const CHANNEL_CHUNKS: usize = 16;
/// Ranged GETs to resume one body that broke off.
const RESUMES: u32 = 3;
/// Largest Parquet object read into memory (Parquet needs random access).
pub const MAX_PARQUET_BYTES: u64 = 2 << 30;

/// An S3 connection: a small tokio runtime (only for the SDK), the resolved config and one
/// client per bucket region.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    config: aws_config::SdkConfig,
    options: S3Options,
    clients: Mutex<HashMap<String, Client>>,
    pub counters: Arc<Counters>,
    /// Region of each bucket's client (for the request prices).
    regions: Mutex<HashMap<String, String>>,
}

impl Session {
    /// Resolves credentials and region as the AWS CLI does (nothing is sent yet).
    pub fn new(options: &S3Options) -> Result<Session> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("s3")
            .enable_all()
            .build()
            .map_err(|e| Error::Invalid(format!("cannot start the S3 client: {e}")))?;
        let timeout = options.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT);
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(http)
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .read_timeout(timeout)
                    .operation_attempt_timeout(timeout)
                    .build(),
            );
        if std::env::var_os("AWS_MAX_ATTEMPTS").is_none()
            && std::env::var_os("AWS_RETRY_MODE").is_none()
        {
            loader = loader.retry_config(
                aws_config::retry::RetryConfig::standard()
                    .with_max_attempts(MAX_ATTEMPTS)
                    .with_initial_backoff(Duration::from_millis(200)),
            );
        }
        if let Some(p) = &options.profile {
            loader = loader.profile_name(p);
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = runtime.block_on(loader.load());
        Ok(Session {
            runtime,
            config,
            options: options.clone(),
            clients: Mutex::new(HashMap::new()),
            counters: Arc::new(Counters::default()),
            regions: Mutex::new(HashMap::new()),
        })
    }

    /// The region requests go to unless a bucket lives elsewhere (then S3 says where).
    fn default_region(&self) -> String {
        self.config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string())
    }

    /// The region whose request prices apply to a bucket.
    pub fn bucket_region(&self, bucket: &str) -> String {
        self.regions
            .lock()
            .expect("regions lock")
            .get(bucket)
            .cloned()
            .unwrap_or_else(|| self.default_region())
    }

    fn client_in(&self, region: &str) -> Client {
        let mut clients = self.clients.lock().expect("clients lock");
        clients
            .entry(region.to_string())
            .or_insert_with(|| {
                let mut b = aws_sdk_s3::config::Builder::from(&self.config)
                    .region(aws_sdk_s3::config::Region::new(region.to_string()));
                if self.options.endpoint_url.is_some() {
                    // S3-compatible stores and local servers take the bucket in the path.
                    b = b.force_path_style(true);
                }
                Client::from_conf(b.build())
            })
            .clone()
    }

    fn client(&self, bucket: &str) -> Client {
        let region = self.bucket_region(bucket);
        self.client_in(&region)
    }

    /// Lists the objects under `url` whose name `is_log_name` accepts and that the selection
    /// admits, in key order.
    pub fn list(
        &self,
        url: &S3Url,
        selection: &Selection,
        is_log_name: fn(&str) -> bool,
    ) -> Result<Vec<S3Object>> {
        // A URL whose last part is a log file's name is that object; anything else is a folder.
        let last = url.prefix.rsplit('/').next().unwrap_or("");
        let mut prefix = url.prefix.clone();
        let single = !prefix.is_empty() && !prefix.ends_with('/') && is_log_name(last);
        if !prefix.is_empty() && !prefix.ends_with('/') && !single {
            prefix.push('/');
        }
        let mut out = Vec::new();
        if single {
            let page = self.list_page(url, &prefix, None, None)?;
            out.extend(page.objects.into_iter().filter(|o| o.key == prefix));
            if out.is_empty() {
                return Err(Error::S3 {
                    url: url.to_string(),
                    reason: "no such object".into(),
                });
            }
            return Ok(out);
        }
        self.walk(url, &prefix, selection, is_log_name, &mut out)?;
        out.sort();
        Ok(out)
    }

    /// Below `prefix`: one level at a time while the selection can still exclude folders, then
    /// everything below in one flat listing.
    fn walk(
        &self,
        url: &S3Url,
        prefix: &str,
        selection: &Selection,
        is_log_name: fn(&str) -> bool,
        out: &mut Vec<S3Object>,
    ) -> Result<()> {
        let here = facts(prefix.split('/'));
        let narrow = !selection.is_empty() && selection.can_narrow(&here);
        let delimiter = narrow.then_some("/");
        let mut token = None;
        loop {
            let page = self.list_page(url, prefix, delimiter, token.take())?;
            for o in page.objects {
                let name = o.key.rsplit('/').next().unwrap_or("");
                if is_log_name(name) && selection.admits_path(o.key.split('/')) {
                    out.push(o);
                }
            }
            for sub in page.prefixes {
                if selection.admits_path(sub.split('/')) {
                    self.walk(url, &sub, selection, is_log_name, out)?;
                }
            }
            match page.next {
                Some(t) => token = Some(t),
                None => return Ok(()),
            }
        }
    }

    fn list_page(
        &self,
        url: &S3Url,
        prefix: &str,
        delimiter: Option<&str>,
        token: Option<String>,
    ) -> Result<Page> {
        let bucket = &url.bucket;
        let mut redirected = false;
        loop {
            let client = self.client(bucket);
            self.counters.list_requests.fetch_add(1, Ordering::Relaxed);
            let result = self.runtime.block_on(
                client
                    .list_objects_v2()
                    .bucket(bucket)
                    .prefix(prefix)
                    .set_delimiter(delimiter.map(str::to_string))
                    .set_continuation_token(token.clone())
                    .send(),
            );
            match result {
                Ok(out) => {
                    let objects = out
                        .contents()
                        .iter()
                        .filter_map(|o| {
                            Some(S3Object {
                                bucket: bucket.clone(),
                                key: o.key()?.to_string(),
                                size: o.size().unwrap_or(0).max(0) as u64,
                                etag: o.e_tag().unwrap_or("").to_string(),
                            })
                        })
                        .collect();
                    let prefixes = out
                        .common_prefixes()
                        .iter()
                        .filter_map(|p| p.prefix().map(str::to_string))
                        .collect();
                    let next = if out.is_truncated() == Some(true) {
                        out.next_continuation_token().map(str::to_string)
                    } else {
                        None
                    };
                    return Ok(Page {
                        objects,
                        prefixes,
                        next,
                    });
                }
                Err(e) => {
                    if !redirected {
                        if let Some(region) = other_region(&e, &self.bucket_region(bucket)) {
                            self.regions
                                .lock()
                                .expect("regions lock")
                                .insert(bucket.clone(), region);
                            redirected = true;
                            continue;
                        }
                    }
                    return Err(list_error(url, prefix, &e));
                }
            }
        }
    }

    /// Starts reading an object: waits for the response (errors name the object and the
    /// permission needed), then streams the body through a bounded channel.
    pub fn open(&self, object: &S3Object) -> Result<S3Reader> {
        crate::interrupt::check()?;
        let client = self.client(&object.bucket);
        let counters = self.counters.clone();
        let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(CHANNEL_CHUNKS);
        let (head_tx, head_rx) = tokio::sync::oneshot::channel();
        let object_c = object.clone();
        let timeout = self.options.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT);
        self.runtime.spawn(async move {
            let object = object_c;
            let get = |range: Option<String>| {
                counters.get_requests.fetch_add(1, Ordering::Relaxed);
                let etag =
                    (range.is_some() && !object.etag.is_empty()).then(|| object.etag.clone());
                client
                    .get_object()
                    .bucket(&object.bucket)
                    .key(&object.key)
                    .set_range(range)
                    .set_if_match(etag)
                    .send()
            };
            let mut body = match get(None).await {
                Ok(out) => {
                    let _ = head_tx.send(Ok(()));
                    out.body
                }
                Err(e) => {
                    let _ = head_tx.send(Err(get_error(&object, &e)));
                    return;
                }
            };
            let mut offset = 0u64;
            let mut resumes = 0;
            loop {
                let next = tokio::time::timeout(timeout, body.try_next()).await;
                let fault = match next {
                    Ok(Ok(Some(chunk))) => {
                        offset += chunk.len() as u64;
                        counters
                            .bytes_read
                            .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                        if tx.send(Ok(chunk)).await.is_err() {
                            return; // the reader is gone (done, failed or interrupted)
                        }
                        continue;
                    }
                    Ok(Ok(None)) => {
                        counters.objects_read.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Ok(Err(e)) => format!("the response broke off: {e}"),
                    Err(_) => format!("no data for {} s", timeout.as_secs()),
                };
                if resumes >= RESUMES || offset >= object.size {
                    let _ = tx
                        .send(Err(std::io::Error::other(format!(
                            "{} after {offset} bytes ({resumes} resumed GETs)",
                            fault
                        ))))
                        .await;
                    return;
                }
                resumes += 1;
                match get(Some(format!("bytes={offset}-"))).await {
                    Ok(out) => body = out.body,
                    Err(e) => {
                        let _ = tx
                            .send(Err(std::io::Error::other(format!(
                                "{fault}; resuming at byte {offset} failed: {}",
                                get_error(&object, &e)
                            ))))
                            .await;
                        return;
                    }
                }
            }
        });
        match head_rx.blocking_recv() {
            Ok(Ok(())) => Ok(S3Reader {
                rx,
                current: bytes::Bytes::new(),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::S3 {
                url: object.url(),
                reason: "the S3 client stopped".into(),
            }),
        }
    }
}

struct Page {
    objects: Vec<S3Object>,
    prefixes: Vec<String>,
    next: Option<String>,
}

/// A GetObject body as a blocking `Read`.
pub struct S3Reader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<bytes::Bytes>>,
    current: bytes::Bytes,
}

impl Read for S3Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

/// The region S3 says a bucket is in, when a request went to another one.
fn other_region<E>(
    e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    asked: &str,
) -> Option<String> {
    let region = e
        .raw_response()?
        .headers()
        .get("x-amz-bucket-region")?
        .to_string();
    (region != asked && crate::text::looks_like_region(&region)).then_some(region)
}

fn status<E>(e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// What went wrong, with the code S3 gave and the full cause chain (no credentials found, a
/// connection refused...).
fn describe<E>(e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            match (err.code(), err.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                _ => format!("HTTP {}", s.raw().status().as_u16()),
            }
        }
        other => DisplayErrorContext(other).to_string(),
    }
}

const CREDENTIALS_HINT: &str = "the credentials come from the environment (AWS_ACCESS_KEY_ID...), --profile / AWS_PROFILE in ~/.aws/config and ~/.aws/credentials (SSO: run `aws sso login` first), web identity, or container/instance metadata, as for the AWS CLI";

fn list_error<E>(
    url: &S3Url,
    prefix: &str,
    e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = e.as_service_error().and_then(|s| s.code()).unwrap_or("");
    let bucket = &url.bucket;
    let what = describe(e);
    let reason = match (code, status(e)) {
        ("NoSuchBucket", _) | (_, Some(404)) => format!(
            "bucket '{bucket}' does not exist ({what}): check the name, and the account and region the credentials point at"
        ),
        ("AccessDenied", _) | (_, Some(403)) => format!(
            "access denied listing bucket '{bucket}' under prefix '{prefix}' ({what}): the credentials need s3:ListBucket on arn:aws:s3:::{bucket} (with an s3:prefix condition that allows '{prefix}'); {CREDENTIALS_HINT}"
        ),
        ("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "ExpiredToken", _) => {
            format!("the credentials were refused listing bucket '{bucket}' ({what}); {CREDENTIALS_HINT}")
        }
        _ if what.to_ascii_lowercase().contains("credential") => format!(
            "no usable AWS credentials to list bucket '{bucket}' ({what}); {CREDENTIALS_HINT}"
        ),
        _ => format!("cannot list bucket '{bucket}' under prefix '{prefix}': {what}"),
    };
    Error::S3 {
        url: url.to_string(),
        reason,
    }
}

fn get_error<E>(object: &S3Object, e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = e.as_service_error().and_then(|s| s.code()).unwrap_or("");
    let (bucket, key) = (&object.bucket, &object.key);
    let what = describe(e);
    let reason = match (code, status(e)) {
        ("AccessDenied", _) | (_, Some(403)) => format!(
            "access denied reading object '{key}' in bucket '{bucket}' ({what}): the credentials need s3:GetObject on arn:aws:s3:::{bucket}/{key} (and kms:Decrypt on the key if the object is SSE-KMS encrypted); {CREDENTIALS_HINT}"
        ),
        ("NoSuchBucket", _) => format!("bucket '{bucket}' does not exist ({what})"),
        ("NoSuchKey", _) | (_, Some(404)) => format!(
            "object '{key}' in bucket '{bucket}' is gone ({what}): it was listed, then deleted"
        ),
        _ => format!("cannot read object '{key}' in bucket '{bucket}': {what}"),
    };
    Error::S3 {
        url: object.url(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = S3Url::parse("s3://b/AWSLogs/1").unwrap().unwrap();
        assert_eq!((u.bucket.as_str(), u.prefix.as_str()), ("b", "AWSLogs/1"));
        let u = S3Url::parse("s3://b").unwrap().unwrap();
        assert_eq!(u.prefix, "");
        assert!(S3Url::parse("s3://").unwrap().is_err());
        assert!(S3Url::parse("/data/x").is_none());
    }
}
