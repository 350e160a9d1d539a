//! Delivery layouts: a folder path or S3 key (its `/`-separated parts) in; what its folders say
//! (account, region, day, hour) and whether `--since`/`--until`/`--regions`/`--accounts` can
//! select anything under it out. The same test prunes local folders and S3 prefixes.
//!
//! Layouts read: the S3 text delivery `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/[HH/]`,
//! Hive-style Parquet folders (`aws-account-id=`, `aws-service=`, `aws-region=`, `year=`,
//! `month=`, `day=`, `hour=`) and Security Lake (`region=`, `accountId=`, `eventDay=YYYYMMDD`).
//! The date of a folder is the day AWS delivered the files in it (UTC).

use std::collections::BTreeSet;

use crate::text::looks_like_region;
use crate::units::days_from_civil;

/// What a path's folders say about the files below them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyFacts {
    pub account: Option<String>,
    pub region: Option<String>,
    pub year: Option<i64>,
    pub month: Option<i64>,
    pub day: Option<i64>,
}

impl KeyFacts {
    /// Days (since 1970-01-01) covered by the folder's date: `[first, last]`, or `None` when the
    /// path carries no year.
    fn days(&self) -> Option<(i64, i64)> {
        let y = self.year?;
        Some(match (self.month, self.day) {
            (Some(m), Some(d)) => {
                let day = days_from_civil(y, m, d);
                (day, day)
            }
            (Some(m), None) => {
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                (days_from_civil(y, m, 1), days_from_civil(ny, nm, 1) - 1)
            }
            _ => (days_from_civil(y, 1, 1), days_from_civil(y + 1, 1, 1) - 1),
        })
    }
}

fn digits(s: &str, len: usize) -> Option<i64> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads the layout facts from a path's parts (any prefix before `AWSLogs/` or the Hive folders
/// is ignored; the file name, if among the parts, says nothing).
pub fn facts<'a>(parts: impl IntoIterator<Item = &'a str>) -> KeyFacts {
    #[derive(PartialEq)]
    enum Next {
        Other,
        Account,
        Service,
        Region,
        Year,
        Month,
        Day,
        Hour,
    }
    let mut f = KeyFacts::default();
    let mut next = Next::Other;
    for part in parts {
        if let Some((key, value)) = part.split_once('=') {
            match key {
                "aws-account-id" | "accountId" if is_account(value) => {
                    f.account = Some(value.to_string())
                }
                "aws-region" | "region" if looks_like_region(value) => {
                    f.region = Some(value.to_string())
                }
                "year" => f.year = digits(value, 4),
                "month" => f.month = digits(value, 2).filter(|m| (1..=12).contains(m)),
                "day" => f.day = digits(value, 2).filter(|d| (1..=31).contains(d)),
                "eventDay" if value.len() == 8 => {
                    f.year = digits(&value[..4], 4);
                    f.month = digits(&value[4..6], 2).filter(|m| (1..=12).contains(m));
                    f.day = digits(&value[6..], 2).filter(|d| (1..=31).contains(d));
                }
                _ => {}
            }
            next = Next::Other;
            continue;
        }
        next = match next {
            Next::Account if is_account(part) => {
                f.account = Some(part.to_string());
                Next::Service
            }
            Next::Service if part == "vpcflowlogs" => Next::Region,
            Next::Region if looks_like_region(part) => {
                f.region = Some(part.to_string());
                Next::Year
            }
            Next::Year => match digits(part, 4) {
                Some(y) => {
                    f.year = Some(y);
                    Next::Month
                }
                None => Next::Other,
            },
            Next::Month => match digits(part, 2).filter(|m| (1..=12).contains(m)) {
                Some(m) => {
                    f.month = Some(m);
                    Next::Day
                }
                None => Next::Other,
            },
            Next::Day => match digits(part, 2).filter(|d| (1..=31).contains(d)) {
                Some(d) => {
                    f.day = Some(d);
                    Next::Hour
                }
                None => Next::Other,
            },
            _ if part == "AWSLogs" => Next::Account,
            _ => Next::Other,
        };
    }
    f
}

/// `--since`, `--until`, `--regions`, `--accounts`: which delivery folders to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// First day (days since 1970-01-01), inclusive.
    pub since: Option<i64>,
    /// Last day, inclusive.
    pub until: Option<i64>,
    pub regions: BTreeSet<String>,
    pub accounts: BTreeSet<String>,
}

/// `YYYY-MM-DD` -> days since 1970-01-01 (a day that does not exist is refused).
pub fn parse_day(flag: &str, text: &str) -> Result<i64, String> {
    let err = || format!("{flag}: '{text}' is not a day (YYYY-MM-DD)");
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(err());
    }
    let y = digits(&text[..4], 4).ok_or_else(err)?;
    let m = digits(&text[5..7], 2).ok_or_else(err)?;
    let d = digits(&text[8..], 2).ok_or_else(err)?;
    if !(1..=12).contains(&m) || d < 1 {
        return Err(err());
    }
    let day = days_from_civil(y, m, d);
    // 2026-02-31 rolls over into March: refuse it.
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    if day >= days_from_civil(ny, nm, 1) {
        return Err(err());
    }
    Ok(day)
}

impl Selection {
    /// From the flags' text; errors name the flag.
    pub fn new(
        since: Option<&str>,
        until: Option<&str>,
        regions: &[String],
        accounts: &[String],
    ) -> Result<Selection, String> {
        let since = since.map(|s| parse_day("--since", s)).transpose()?;
        let until = until.map(|s| parse_day("--until", s)).transpose()?;
        if let (Some(a), Some(b)) = (since, until) {
            if b < a {
                return Err("--until is before --since".into());
            }
        }
        for r in regions {
            if !looks_like_region(r) {
                return Err(format!(
                    "--regions: '{}' is not an AWS region name",
                    r.escape_default()
                ));
            }
        }
        for a in accounts {
            if !is_account(a) {
                return Err(format!(
                    "--accounts: '{}' is not a 12-digit account id",
                    a.escape_default()
                ));
            }
        }
        Ok(Selection {
            since,
            until,
            regions: regions.iter().cloned().collect(),
            accounts: accounts.iter().cloned().collect(),
        })
    }

    /// No filter at all: everything is read.
    pub fn is_empty(&self) -> bool {
        self.since.is_none()
            && self.until.is_none()
            && self.regions.is_empty()
            && self.accounts.is_empty()
    }

    /// Whether files under a folder (or a file) with these layout facts can be selected. A fact
    /// the path does not carry never excludes anything.
    pub fn admits(&self, f: &KeyFacts) -> bool {
        if let Some(a) = &f.account {
            if !self.accounts.is_empty() && !self.accounts.contains(a) {
                return false;
            }
        }
        if let Some(r) = &f.region {
            if !self.regions.is_empty() && !self.regions.contains(r) {
                return false;
            }
        }
        if let Some((first, last)) = f.days() {
            if self.since.is_some_and(|s| last < s) || self.until.is_some_and(|u| first > u) {
                return false;
            }
        }
        true
    }

    /// Whether going further down below a folder with these facts can exclude more: false once
    /// every filtered fact is known (then the rest is listed in one go).
    pub fn can_narrow(&self, f: &KeyFacts) -> bool {
        (!self.accounts.is_empty() && f.account.is_none())
            || (!self.regions.is_empty() && f.region.is_none())
            || ((self.since.is_some() || self.until.is_some()) && f.day.is_none())
    }

    /// Whether a path (its parts) can hold selected files.
    pub fn admits_path<'a>(&self, parts: impl IntoIterator<Item = &'a str>) -> bool {
        self.is_empty() || self.admits(&facts(parts))
    }

    /// One line for the report: what was selected.
    pub fn describe(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let day = |d: i64| crate::text::iso_utc((d * 86_400) as u64)[..10].to_string();
        let mut parts = Vec::new();
        if let Some(s) = self.since {
            parts.push(format!("since {}", day(s)));
        }
        if let Some(u) = self.until {
            parts.push(format!("until {}", day(u)));
        }
        if !self.regions.is_empty() {
            parts.push(format!(
                "regions {}",
                self.regions.iter().cloned().collect::<Vec<_>>().join(",")
            ));
        }
        if !self.accounts.is_empty() {
            parts.push(format!(
                "accounts {}",
                self.accounts.iter().cloned().collect::<Vec<_>>().join(",")
            ));
        }
        Some(format!(
            "delivery folders {} (by the date, region and account in their path)",
            parts.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<&str> {
        s.split('/').collect()
    }

    #[test]
    fn s3_text_layout() {
        let f = facts(split(
            "logs/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/01/13/x.log.gz",
        ));
        assert_eq!(f.account.as_deref(), Some("123456789012"));
        assert_eq!(f.region.as_deref(), Some("eu-west-1"));
        assert_eq!((f.year, f.month, f.day), (Some(2026), Some(11), Some(1)));
        let partial = facts(split("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/"));
        assert_eq!((partial.year, partial.month), (Some(2026), None));
    }

    #[test]
    fn hive_and_security_lake() {
        let f = facts(split("p/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=02/day=28/hour=05/f.parquet"));
        assert_eq!(f.account.as_deref(), Some("123456789012"));
        assert_eq!(f.region.as_deref(), Some("us-east-1"));
        assert_eq!((f.year, f.month, f.day), (Some(2026), Some(2), Some(28)));
        let f = facts(split("ext/VPC_FLOW/2.0/region=ap-south-1/accountId=210987654321/eventDay=20261231/x.gz.parquet"));
        assert_eq!(f.account.as_deref(), Some("210987654321"));
        assert_eq!(f.region.as_deref(), Some("ap-south-1"));
        assert_eq!((f.year, f.month, f.day), (Some(2026), Some(12), Some(31)));
    }

    #[test]
    fn selection_prunes_by_day_region_account() {
        let sel = Selection::new(
            Some("2026-11-01"),
            Some("2026-11-02"),
            &["eu-west-1".into()],
            &[],
        )
        .unwrap();
        let ok = |p: &str| sel.admits_path(split(p));
        assert!(ok("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/01"));
        assert!(ok(
            "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/02/07"
        ));
        assert!(ok("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026"));
        assert!(ok("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11"));
        assert!(!ok("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/10"));
        assert!(!ok("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025"));
        assert!(!ok("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/03"));
        assert!(!ok("AWSLogs/123456789012/vpcflowlogs/us-east-1"));
        assert!(ok("AWSLogs/123456789012/vpcflowlogs"));
        assert!(ok("anything/else"));
        assert!(sel.can_narrow(&facts(split(
            "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026"
        ))));
        assert!(!sel.can_narrow(&facts(split(
            "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/01"
        ))));
        let acc = Selection::new(None, None, &[], &["210987654321".into()]).unwrap();
        assert!(!acc.admits_path(split("AWSLogs/123456789012")));
        assert!(acc.admits_path(split("AWSLogs/210987654321")));
    }

    #[test]
    fn days_are_checked() {
        assert!(parse_day("--since", "2026-02-29").is_err());
        assert!(parse_day("--since", "2024-02-29").is_ok());
        assert!(parse_day("--since", "2026-13-01").is_err());
        assert!(parse_day("--since", "26-01-01").is_err());
        assert_eq!(parse_day("--since", "1970-01-02"), Ok(1));
        assert!(Selection::new(Some("2026-01-02"), Some("2026-01-01"), &[], &[]).is_err());
        assert!(Selection::new(None, None, &["mars".into()], &[]).is_err());
    }
}
