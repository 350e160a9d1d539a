//! CloudWatch Logs subscription payloads in (what a subscription filter sends to Lambda, Kinesis
//! or Data Firehose, once un-gzipped: `{"messageType":"DATA_MESSAGE","owner","logGroup",
//! "logStream","subscriptionFilters","logEvents":[{"id","timestamp","message"}]}`, one document or
//! several back to back with no separator, as Firehose writes them to S3); each event's message
//! handed to the scanner as a flow-log line out. CONTROL_MESSAGE documents are counted and
//! skipped. When the record format has no `interface-id`, the log stream name (`eni-...-all`)
//! supplies it.

use serde::Deserialize;

use super::format::{Field, RecordFormat};
use super::scan::Scanner;
use crate::error::{Error, Result};

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "messageType")]
    message_type: String,
    #[serde(rename = "logStream", default)]
    log_stream: String,
    #[serde(rename = "logEvents", default)]
    log_events: Vec<Event>,
}

#[derive(Deserialize)]
struct Event {
    message: String,
}

/// Whether the JSON text is a subscription document: an object with a `"messageType":
/// "DATA_MESSAGE"` or `"CONTROL_MESSAGE"` member (keys may come in any order).
pub fn is_subscription(bytes: &[u8]) -> bool {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if start.is_none_or(|i| bytes[i] != b'{') {
        return false;
    }
    memchr::memmem::find_iter(bytes, b"\"messageType\"").any(|at| {
        let rest = bytes[at + 13..].trim_ascii_start();
        rest.strip_prefix(b":").is_some_and(|v| {
            let v = v.trim_ascii_start();
            v.starts_with(b"\"DATA_MESSAGE\"") || v.starts_with(b"\"CONTROL_MESSAGE\"")
        })
    })
}

/// The interface a log stream is named after: `eni-0123abcd-all` (or `-accept`, `-reject`).
pub fn interface_of_stream(stream: &str) -> Option<&str> {
    let eni = stream
        .strip_suffix("-all")
        .or_else(|| stream.strip_suffix("-accept"))
        .or_else(|| stream.strip_suffix("-reject"))?;
    let hex = eni.strip_prefix("eni-")?;
    (!hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(eni)
}

/// Reads every document of `bytes` into `scanner`.
pub(super) fn scan(scanner: &mut Scanner<'_>, bytes: &[u8], compression: &str) -> Result<()> {
    let base = scanner.format.clone();
    // Records without an interface-id field get the log stream's interface as an extra column.
    let with_interface = (!base.has(Field::InterfaceId)).then(|| {
        RecordFormat::from_names(
            base.description
                .split(' ')
                .chain(std::iter::once(Field::InterfaceId.name())),
        )
    });
    let (mut documents, mut events, mut control) = (0u64, 0u64, 0u64);
    let mut line_no = 0u64;
    for doc in serde_json::Deserializer::from_slice(bytes).into_iter::<Document>() {
        let doc = doc.map_err(|e| Error::Format {
            path: scanner.path().to_path_buf(),
            reason: format!(
                "CloudWatch Logs subscription document {} is not valid: {e}",
                documents + 1
            ),
        })?;
        documents += 1;
        match doc.message_type.as_str() {
            "DATA_MESSAGE" => {}
            "CONTROL_MESSAGE" => {
                control += 1;
                continue;
            }
            other => {
                return Err(Error::Format {
                    path: scanner.path().to_path_buf(),
                    reason: format!(
                        "CloudWatch Logs subscription document {documents} has messageType '{other}' (expected DATA_MESSAGE or CONTROL_MESSAGE)"
                    ),
                })
            }
        }
        let eni = interface_of_stream(&doc.log_stream).unwrap_or("-");
        for event in &doc.log_events {
            events += 1;
            line_no += 1;
            scanner.out.accounting.lines += 1;
            let message = event.message.trim_end_matches(['\n', '\r']);
            match &with_interface {
                Some(format) => {
                    let mut fields: Vec<&[u8]> = message
                        .split(' ')
                        .filter(|f| !f.is_empty())
                        .map(str::as_bytes)
                        .collect();
                    if fields.is_empty() {
                        scanner.out.accounting.blank_lines += 1;
                        continue;
                    }
                    if fields.len() == base.field_count {
                        fields.push(eni.as_bytes());
                        if scanner.format != *format {
                            scanner.replace_format(format.clone());
                        }
                    } else if scanner.format != base {
                        scanner.replace_format(base.clone());
                    }
                    let n = fields.len();
                    scanner.data(&fields, n, line_no)?;
                }
                None => scanner.line(message.as_bytes(), line_no)?,
            }
        }
    }
    scanner.out.accounting.control_messages += control;
    scanner.out.detected = format!(
        "{compression}, CloudWatch Logs subscription payload ({documents} document(s), {events} event(s), {control} control message(s))"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_from_stream_names() {
        assert_eq!(
            interface_of_stream("eni-0123456789abcdef0-all"),
            Some("eni-0123456789abcdef0")
        );
        assert_eq!(
            interface_of_stream("eni-16105f5a-accept"),
            Some("eni-16105f5a")
        );
        assert_eq!(interface_of_stream("i-01fb3c5139e4b27bb"), None);
        assert_eq!(interface_of_stream("eni--all"), None);
        assert_eq!(interface_of_stream("eni-xyz-all"), None);
    }

    #[test]
    fn subscription_detection() {
        assert!(is_subscription(
            br#" {"messageType":"DATA_MESSAGE","owner":"1"}"#
        ));
        assert!(!is_subscription(br#"{"events":[]}"#));
        assert!(!is_subscription(br#"[{"messageType":1}]"#));
        assert!(is_subscription(
            br#"{"logEvents":[], "messageType" : "CONTROL_MESSAGE"}"#
        ));
        assert!(!is_subscription(br#"{"messageType":"OTHER"}"#));
    }
}
