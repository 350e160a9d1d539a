//! Input discovery: files and folders in (an `AWSLogs/` tree, say), the sorted list of log files
//! to read and the files skipped (with their names) out.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Files to read and files skipped.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<PathBuf>,
}

/// Whether a file found while walking a folder is a flow-log text file by name.
pub fn is_log_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".log", ".log.gz", ".gz", ".txt", ".parquet"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Walks inputs: a file named on the command line is always read; inside folders only log files
/// (by name) are, hidden entries are ignored and other files are listed as skipped.
pub fn discover(inputs: &[PathBuf]) -> Result<Discovery> {
    let mut out = Discovery::default();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|source| Error::Read {
            path: input.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk_dir(input, &mut out)?;
        } else {
            out.files.push(input.clone());
        }
    }
    out.files.sort();
    out.files.dedup();
    out.skipped.sort();
    Ok(out)
}

fn walk_dir(dir: &Path, out: &mut Discovery) -> Result<()> {
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
        if file_type.is_dir() {
            walk_dir(&path, out)?;
        } else if is_log_name(&name) {
            out.files.push(path);
        } else {
            out.skipped.push(path);
        }
    }
    Ok(())
}
