//! Security policy: the `--policy` value (`cheapest`, `secure`, `strict` or a file) in; which AWS
//! services must stay on the AWS network through a VPC endpoint out. `secure` is the shipped
//! list `data/security-policy.csv`; a file has the same format (CSV `service,reason,source`,
//! `#` comment lines), and its errors name the file and line.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

/// The shipped `secure` list.
pub const EMBEDDED_POLICY: &str = include_str!("../data/security-policy.csv");

/// Where the shipped list lives, for reports.
pub const EMBEDDED_POLICY_PATH: &str = "data/security-policy.csv";

/// How the policy decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// The lowest monthly cost, whatever path the traffic takes.
    Cheapest,
    /// The listed services must use endpoints; the others only where an endpoint pays for itself.
    List,
    /// Every AWS service that has an endpoint must use it (NAT only for the internet).
    Strict,
}

/// One service a policy keeps on the AWS network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyService {
    /// Endpoint service short name (`s3`, `sts`, `ecr.dkr`...), as in data/endpoint-services.csv.
    pub service: String,
    /// Why the endpoint is a security control for it (may be empty in a user's file).
    pub reason: String,
    /// Where the reason comes from (may be empty in a user's file).
    pub source: String,
}

/// The security policy recommendations follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// `cheapest`, `secure`, `strict`, or the file as given.
    pub name: String,
    pub kind: PolicyKind,
    /// Where the list comes from (`data/security-policy.csv` or the file); empty otherwise.
    pub source: String,
    /// The listed services (empty for `cheapest` and `strict`).
    pub services: Vec<PolicyService>,
}

impl Policy {
    /// Lowest cost.
    pub fn cheapest() -> Policy {
        Policy {
            name: "cheapest".into(),
            kind: PolicyKind::Cheapest,
            source: String::new(),
            services: Vec::new(),
        }
    }

    /// Every AWS service with an endpoint on it.
    pub fn strict() -> Policy {
        Policy {
            name: "strict".into(),
            kind: PolicyKind::Strict,
            source: String::new(),
            services: Vec::new(),
        }
    }

    /// The shipped list (the default).
    pub fn secure() -> Policy {
        let services = parse(EMBEDDED_POLICY, Path::new(EMBEDDED_POLICY_PATH))
            .expect("the shipped data/security-policy.csv parses (checked by tests)");
        Policy {
            name: "secure".into(),
            kind: PolicyKind::List,
            source: EMBEDDED_POLICY_PATH.into(),
            services,
        }
    }

    /// A user's list.
    pub fn from_path(path: &Path) -> Result<Policy> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Policy {
            name: path.display().to_string(),
            kind: PolicyKind::List,
            source: path.display().to_string(),
            services: parse(&text, path)?,
        })
    }

    /// The policy's name, as reports print it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `--policy` value: a keyword, else a file.
    pub fn from_arg(value: &str) -> std::result::Result<Policy, String> {
        match value {
            "cheapest" => Ok(Policy::cheapest()),
            "secure" => Ok(Policy::secure()),
            "strict" => Ok(Policy::strict()),
            path => Policy::from_path(&PathBuf::from(path)).map_err(|e| {
                format!("{e}\n(--policy takes cheapest, secure, strict or a CSV file: service,reason,source)")
            }),
        }
    }

    /// Whether the policy requires an endpoint for `service` (`other-aws`, unnamed AWS
    /// traffic, is required only by `strict`: a list cannot name it).
    pub fn requires(&self, service: &str) -> bool {
        match self.kind {
            PolicyKind::Cheapest => false,
            PolicyKind::Strict => true,
            PolicyKind::List => self.services.iter().any(|s| s.service == service),
        }
    }

    /// The listed services, for the scenario that adds them (`None` unless a list).
    pub fn listed(&self) -> Option<Vec<String>> {
        (self.kind == PolicyKind::List)
            .then(|| self.services.iter().map(|s| s.service.clone()).collect())
    }
}

/// Parses a policy file: header `service,reason,source`, one service a line, `#` comments.
fn parse(text: &str, path: &Path) -> Result<Vec<PolicyService>> {
    let known = crate::dns::EndpointServices::embedded()?;
    let known = known.services();
    let bad = |line: u64, reason: String| Error::Malformed {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header_line = text
        .lines()
        .position(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map_or(1, |i| i as u64 + 1);
    let headers = reader
        .headers()
        .map_err(|e| bad(header_line, e.to_string()))?
        .clone();
    if headers.iter().collect::<Vec<_>>() != ["service", "reason", "source"] {
        return Err(bad(
            header_line,
            "the header must be `service,reason,source` (reason and source may be empty)".into(),
        ));
    }
    let mut out: Vec<PolicyService> = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() > 3 {
            return Err(bad(
                line,
                format!("{} columns, expected 3 (service,reason,source): quote a reason that has commas", record.len()),
            ));
        }
        let service = record.get(0).unwrap_or("").to_string();
        if service.is_empty() {
            return Err(bad(line, "no service named".into()));
        }
        if !known.contains(&service.as_str()) {
            return Err(bad(
                line,
                format!(
                    "unknown endpoint service '{service}'; known: {}",
                    known.join(", ")
                ),
            ));
        }
        if out.iter().any(|s| s.service == service) {
            return Err(bad(line, format!("'{service}' is listed twice")));
        }
        out.push(PolicyService {
            service,
            reason: record.get(1).unwrap_or("").to_string(),
            source: record.get(2).unwrap_or("").to_string(),
        });
    }
    if out.is_empty() {
        return Err(bad(header_line, "the policy lists no service".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_list_is_justified() {
        let p = Policy::secure();
        assert!(p.requires("s3") && p.requires("sts") && p.requires("kms"));
        assert!(!p.requires("codebuild") && !p.requires("other-aws"));
        for s in &p.services {
            assert!(
                !s.reason.is_empty() && !s.source.is_empty(),
                "{}",
                s.service
            );
        }
        assert!(Policy::strict().requires("other-aws"));
        assert!(!Policy::cheapest().requires("s3"));
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse(
            "# mine\nservice,reason,source\ns3,,\nsqs ,queues,\nkmss,,\n",
            Path::new("p.csv"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("p.csv:5: unknown endpoint service 'kmss'"),
            "{e}"
        );
        let e = parse("svc\ns3\n", Path::new("p.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.csv:1: the header"), "{e}");
        let e = parse("service,reason,source\ns3,a,b\ns3,,\n", Path::new("p.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.csv:3:") && e.contains("twice"), "{e}");
    }
}
