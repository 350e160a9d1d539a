//! ip-ranges service labels -> what a VPC endpoint can do for them: `data/endpoint-labels.csv`
//! (label, fit, endpoint, reason, source) in; a lookup from label to [`EndpointFit`] out. Only
//! labels whose prefixes serve an endpoint's API are mapped; the rest are internet-like.

use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The mapping shipped with the tool.
pub const EMBEDDED_LABELS: &str = include_str!("../../data/endpoint-labels.csv");

/// What a VPC endpoint can do for an ip-ranges service label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointFit {
    /// Free gateway endpoint (same region): `s3` or `dynamodb`.
    Gateway(&'static str),
    /// Interface endpoint (PrivateLink) service short name; `other-aws` when the label cannot
    /// say which API (AMAZON ranges front SSM, STS, SQS, KMS, ECR... alike).
    Interface(&'static str),
    /// No AWS endpoint carries it (EC2-hosted third parties, CloudFront and other edge services,
    /// labels whose prefixes are not an endpoint's API).
    None,
}

/// One row of the mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRow {
    pub label: String,
    pub fit: EndpointFit,
    pub reason: String,
    pub source: String,
}

/// Parses mapping text; `origin` names it in errors (`origin:line: ...`).
pub fn parse(text: &str, origin: &str) -> Result<Vec<LabelRow>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let bad = |line: u64, reason: String| Error::Invalid(format!("{origin}:{line}: {reason}"));
    let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    if headers.iter().collect::<Vec<_>>() != ["label", "fit", "endpoint", "reason", "source"] {
        return Err(bad(
            1,
            "header must be label,fit,endpoint,reason,source".into(),
        ));
    }
    let mut rows: Vec<LabelRow> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(0, e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let label = field(0);
        let endpoint = field(2);
        // Parsed once per process (see `rows`): the names live as long as the mapping.
        let endpoint: &'static str = Box::leak(endpoint.to_string().into_boxed_str());
        let fit = match field(1) {
            "gateway" if !endpoint.is_empty() => EndpointFit::Gateway(endpoint),
            "interface" if !endpoint.is_empty() => EndpointFit::Interface(endpoint),
            "internet-like" if endpoint.is_empty() => EndpointFit::None,
            "gateway" | "interface" => {
                return Err(bad(
                    line,
                    format!("{label}: a mapped label names its endpoint"),
                ))
            }
            "internet-like" => {
                return Err(bad(
                    line,
                    format!("{label}: an internet-like label has no endpoint"),
                ))
            }
            other => {
                return Err(bad(
                    line,
                    format!("{label}: fit '{other}' is not gateway, interface or internet-like"),
                ))
            }
        };
        if label.is_empty() || field(3).is_empty() || field(4).is_empty() {
            return Err(bad(
                line,
                "every row needs a label, a reason and a source".into(),
            ));
        }
        if rows.iter().any(|r| r.label == label) {
            return Err(bad(line, format!("{label} is listed twice")));
        }
        rows.push(LabelRow {
            label: label.to_string(),
            fit,
            reason: field(3).to_string(),
            source: field(4).to_string(),
        });
    }
    Ok(rows)
}

/// The shipped mapping (parsed once; tests check it parses).
pub fn rows() -> &'static [LabelRow] {
    static ROWS: OnceLock<Vec<LabelRow>> = OnceLock::new();
    ROWS.get_or_init(|| {
        parse(EMBEDDED_LABELS, "data/endpoint-labels.csv")
            .expect("the shipped data/endpoint-labels.csv parses (checked by tests)")
    })
}

/// Endpoint fit of an ip-ranges service label; a label the mapping does not list (from a newer
/// ip-ranges.json) is internet-like until a row says otherwise.
pub fn endpoint_fit(service: &str) -> EndpointFit {
    rows()
        .iter()
        .find(|r| r.label == service)
        .map_or(EndpointFit::None, |r| r.fit.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits() {
        assert_eq!(endpoint_fit("S3"), EndpointFit::Gateway("s3"));
        assert_eq!(endpoint_fit("EC2"), EndpointFit::None);
        assert_eq!(endpoint_fit("CLOUDFRONT"), EndpointFit::None);
        assert_eq!(endpoint_fit("CODEBUILD"), EndpointFit::None);
        assert_eq!(endpoint_fit("AMAZON"), EndpointFit::Interface("other-aws"));
        assert_eq!(endpoint_fit("NEW_LABEL"), EndpointFit::None);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse(
            "label,fit,endpoint,reason,source\nS3,gateway,s3,r,s\nX,interface,,r,s\n",
            "f.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("f.csv:3"), "{e}");
        let e = parse(
            "label,fit,endpoint,reason,source\nS3,tunnel,,r,s\n",
            "f.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("f.csv:2") && e.contains("tunnel"), "{e}");
    }
}
