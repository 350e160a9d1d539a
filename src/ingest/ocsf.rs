//! OCSF 1.1 Network Activity events (class_uid 4001: VPC flow logs as Amazon Security Lake and
//! OCSF mappers write them) in, as JSON lines (or events one after another) or one JSON array
//! (Security Lake's Parquet rows come through [`event`] from `parquet.rs`); each event handed to
//! the scanner as a flow-log record out. Mapping (ocsf/examples `mappings/markdown/AWS/v1.1.0/VPC Flowlogs`):
//! `src_endpoint.ip`/`dst_endpoint.ip` hold the pkt-* address, the interface's own address in
//! `intermediate_ips` when they differ; the interface and VPC sit on the src endpoint for egress
//! (direction_id 2) and the dst endpoint for ingress (1); `connection_info.boundary_id` is the
//! traffic-path; `action_id` 1/2 is ACCEPT/REJECT; `status_code` the log-status.

use serde_json::Value;

use super::format::RecordFormat;
use super::scan::Scanner;
use crate::error::{Error, Result};

/// The flow-log fields each event is turned into, in this order.
const FIELDS: &str = "interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr srcport dstport packets bytes start end action log-status vpc-id region az-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path";

/// Whether the JSON text holds OCSF Network Activity events.
pub fn is_ocsf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1 << 16)];
    memchr::memmem::find_iter(head, b"\"class_uid\"").any(|at| {
        head[at + 11..]
            .trim_ascii_start()
            .strip_prefix(b":")
            .is_some_and(|v| v.trim_ascii_start().starts_with(b"4001"))
    })
}

/// Tells `scanner` that records come in [`FIELDS`] order, described as `detected`.
pub(super) fn begin(scanner: &mut Scanner<'_>, detected: String) {
    scanner.set_known_format(RecordFormat::from_names(FIELDS.split(' ')), detected);
}

/// Hands one event (at line or row `line_no`) to `scanner`: a flow record, or a located
/// malformed line when it is not Network Activity. Returns whether it was an event of 4001.
pub(super) fn event(scanner: &mut Scanner<'_>, event: &Value, line_no: u64) -> Result<bool> {
    scanner.out.accounting.lines += 1;
    if event["class_uid"].as_u64() != Some(4001) {
        // Not a network-activity event, so no flow record: counted as malformed, located.
        scanner.out.accounting.records += 1;
        scanner.malformed(
            line_no,
            format!(
                "not an OCSF Network Activity event (class_uid {}, expected 4001)",
                event["class_uid"]
            ),
        )?;
        return Ok(false);
    }
    let fields = record(event);
    let refs: Vec<&[u8]> = fields.iter().map(|f| f.as_bytes()).collect();
    scanner.data(&refs, refs.len(), line_no)?;
    Ok(true)
}

/// Reads every event of `bytes` (JSON lines or an array) into `scanner`.
pub(super) fn scan(scanner: &mut Scanner<'_>, bytes: &[u8], compression: &str) -> Result<()> {
    begin(scanner, String::new());
    let array = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'[');
    let mut events = 0u64;
    let mut one = |scanner: &mut Scanner<'_>, e: Value, line_no: u64| -> Result<()> {
        events += u64::from(event(scanner, &e, line_no)?);
        Ok(())
    };
    if array {
        let all: Vec<Value> = serde_json::from_slice(bytes).map_err(|e| Error::Format {
            path: scanner.path().to_path_buf(),
            reason: format!("OCSF JSON array is not valid: {e}"),
        })?;
        for (i, event) in all.into_iter().enumerate() {
            one(scanner, event, i as u64 + 1)?;
        }
    } else {
        // JSON lines, or pretty-printed events one after another: a stream of documents.
        let stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
        for (i, event) in stream.enumerate() {
            let event = event.map_err(|e| Error::Format {
                path: scanner.path().to_path_buf(),
                reason: format!("OCSF event {} is not valid JSON: {e}", i + 1),
            })?;
            one(scanner, event, i as u64 + 1)?;
        }
    }
    scanner.out.detected = format!(
        "{compression}, OCSF Network Activity JSON{} ({events} events)",
        if array { " array" } else { "" }
    );
    Ok(())
}

/// An event's values in [`FIELDS`] order (`-` where absent).
fn record(e: &Value) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => "-".to_string(),
    };
    let conn = &e["connection_info"];
    let direction = conn["direction_id"].as_u64();
    let (src, dst) = (&e["src_endpoint"], &e["dst_endpoint"]);
    // The logged interface: src endpoint for egress, dst endpoint for ingress.
    let own = match direction {
        Some(2) => src,
        Some(1) => dst,
        _ if src.get("interface_uid").is_some() => src,
        _ => dst,
    };
    let plain = |ep: &Value| match ep["intermediate_ips"].get(0) {
        Some(v) => text(v),
        None => text(&ep["ip"]),
    };
    let seconds = |ms: &Value, dt: &Value| match ms.as_u64() {
        Some(ms) => (ms / 1000).to_string(),
        None => dt
            .as_str()
            .and_then(iso_seconds)
            .map_or_else(|| text(dt), |s| s.to_string()),
    };
    let start = match e.get("start_time") {
        Some(v) => seconds(v, &e["start_time_dt"]),
        None => seconds(&Value::Null, &e["start_time_dt"]),
    };
    let end = match e.get("end_time") {
        Some(v) => seconds(v, &e["end_time_dt"]),
        None => seconds(&Value::Null, &e["end_time_dt"]),
    };
    let action = match e["action_id"].as_u64() {
        Some(1) => "ACCEPT".to_string(),
        Some(2) => "REJECT".to_string(),
        _ => match e["disposition_id"].as_u64() {
            Some(1) => "ACCEPT".to_string(),
            Some(2) => "REJECT".to_string(),
            _ => "-".to_string(),
        },
    };
    let flow_direction = match direction {
        Some(1) => "ingress",
        Some(2) => "egress",
        _ => "-",
    };
    // OCSF boundary_id -> flow-log traffic-path (Same VPC .. Internet Gateway = 1 .. 8).
    let traffic_path = match conn["boundary_id"].as_u64() {
        Some(b @ 4..=11) => (b - 3).to_string(),
        _ => "-".to_string(),
    };
    vec![
        text(&own["interface_uid"]),
        plain(src),
        plain(dst),
        text(&src["ip"]),
        text(&dst["ip"]),
        text(&src["port"]),
        text(&dst["port"]),
        text(&e["traffic"]["packets"]),
        text(&e["traffic"]["bytes"]),
        start,
        end,
        action,
        text(&e["status_code"]),
        text(&own["vpc_uid"]),
        text(&e["cloud"]["region"]),
        text(&e["cloud"]["zone"]),
        text(&src["svc_name"]),
        text(&dst["svc_name"]),
        flow_direction.to_string(),
        traffic_path,
    ]
}

/// Unix seconds of an ISO 8601 date-time with an offset (`2022-04-11T20:02:12.000-04:00`, `...Z`).
pub fn iso_seconds(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hhmm = rest[1..].replace(':', "");
            if hhmm.len() != 4 || !hhmm.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let oh: i64 = hhmm[..2].parse().ok()?;
            let om: i64 = hhmm[2..].parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = crate::units::days_from_civil(y, mo, d);
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + sec - offset).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times() {
        assert_eq!(
            iso_seconds("2022-04-11T20:02:12.000-04:00"),
            Some(1_649_721_732)
        );
        assert_eq!(iso_seconds("2022-04-12T00:02:12Z"), Some(1_649_721_732));
        assert_eq!(iso_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(iso_seconds("2022-13-12T00:02:12Z"), None);
        assert_eq!(iso_seconds("yesterday"), None);
    }

    #[test]
    fn detection() {
        assert!(is_ocsf(br#"{"class_uid": 4001, "time": 1}"#));
        assert!(!is_ocsf(br#"{"class_uid": 3002}"#));
    }
}
