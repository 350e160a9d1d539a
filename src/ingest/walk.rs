//! Input discovery: files and folders in (an `AWSLogs/` tree, say), the sorted list of log files
//! to read and the files skipped (with their names) out.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::source::layout::Selection;

/// Files to read and files skipped.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<PathBuf>,
    /// Folders and files left out by the selection (`--since`, `--regions`...).
    pub pruned: u64,
}

/// Endings of the files read when found in a folder. Plain `.json` is not among them (folders
/// hold expected totals, inventories...): name such a file on the command line to read it.
pub const LOG_ENDINGS: &[&str] = &[
    ".log", ".gz", ".txt", ".parquet", ".jsonl", ".ndjson", ".csv",
];

/// Whether a file found while walking a folder is a flow-log file by name: one of
/// [`LOG_ENDINGS`], a Data Firehose S3 object (no extension when Firehose does not compress:
/// `<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>`), or a CloudWatch Logs export object once
/// decompressed (`<task-id>/<log-stream>/000000.gz` -> `000000`).
pub fn is_log_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    LOG_ENDINGS.iter().any(|ext| lower.ends_with(ext))
        || is_firehose_object(&lower)
        || is_export_object(&lower)
}

/// A CloudWatch Logs export task's object name without its `.gz`: six digits.
fn is_export_object(name: &str) -> bool {
    name.len() == 6 && name.bytes().all(|b| b.is_ascii_digit())
}

/// `<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<8-4-4-4-12 hex uuid>`.
fn is_firehose_object(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    if parts.len() < 13 {
        return false;
    }
    let n = parts.len();
    let uuid = &parts[n - 5..];
    let time = &parts[n - 11..n - 5];
    let hex = |p: &str, len: usize| p.len() == len && p.bytes().all(|b| b.is_ascii_hexdigit());
    let digits = |p: &str, len: usize| p.len() == len && p.bytes().all(|b| b.is_ascii_digit());
    [8, 4, 4, 4, 12].iter().zip(uuid).all(|(&l, p)| hex(p, l))
        && digits(time[0], 4)
        && time[1..].iter().all(|p| digits(p, 2))
}

/// Walks inputs: a file named on the command line is always read; inside folders only log files
/// (by name) are, hidden entries are ignored and other files are listed as skipped.
pub fn discover(inputs: &[PathBuf]) -> Result<Discovery> {
    discover_selected(inputs, &Selection::default())
}

/// [`discover`], leaving out the folders (and files in folders) whose delivery-layout path
/// (date, region, account) the selection excludes; files named on the command line are read.
pub fn discover_selected(inputs: &[PathBuf], selection: &Selection) -> Result<Discovery> {
    let mut out = Discovery::default();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|source| Error::Read {
            path: input.clone(),
            source,
        })?;
        if meta.is_dir() {
            if admitted(input, selection) {
                walk_dir(input, selection, &mut out)?;
            } else {
                out.pruned += 1;
            }
        } else {
            out.files.push(input.clone());
        }
    }
    out.files.sort();
    out.files.dedup();
    out.skipped.sort();
    Ok(out)
}

fn admitted(path: &Path, selection: &Selection) -> bool {
    selection.is_empty()
        || selection.admits_path(path.iter().map(|p| p.to_str().unwrap_or_default()))
}

fn walk_dir(dir: &Path, selection: &Selection, out: &mut Discovery) -> Result<()> {
    let read_err = |source| Error::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(read_err)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type().map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        if (file_type.is_dir() || is_log_name(&name)) && !admitted(&path, selection) {
            out.pruned += 1;
        } else if file_type.is_dir() {
            walk_dir(&path, selection, out)?;
        } else if is_log_name(&name) {
            out.files.push(path);
        } else {
            out.skipped.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_names() {
        assert!(is_log_name("x.log.gz"));
        assert!(is_log_name("events.JSONL"));
        assert!(!is_log_name("expected-totals.json"));
        assert!(is_log_name("athena.csv"));
        assert!(is_log_name(
            "flowlogs-stream-1-2021-04-08-10-18-00-0f8a1d5e-3c2b-4e6f-9a7d-1b2c3d4e5f60"
        ));
        assert!(!is_log_name("README.md"));
        assert!(is_log_name("000000") && is_log_name("000001.gz"));
        assert!(!is_log_name("00000") && !is_log_name("0000000") && !is_log_name("00000a"));
        assert!(!is_log_name("a-1-2021-04-08-10-18-00-nothex"));
    }
}
