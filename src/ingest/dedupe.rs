//! Duplicate inputs: the list of files to read in, the same list with every file whose content
//! equals an earlier one's (by path order) taken out, and those duplicates (with the file they
//! repeat) out. A folder synced twice, or a file reached under two names, is read once.
//!
//! Only files that share their size with another are hashed (BLAKE3 over the whole content), so
//! a folder of distinct logs costs one `stat` per file.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

/// A file left out because an earlier file (in path order) has the same content.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DuplicateFile {
    /// The file not read.
    pub path: String,
    /// The file read in its place.
    pub same_as: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Splits `files` (sorted) into the files to read and the duplicates left out. A file that
/// cannot be read here is kept, so the scan reports its error.
pub fn split(files: &[PathBuf]) -> (Vec<PathBuf>, Vec<DuplicateFile>) {
    let mut by_size: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, path) in files.iter().enumerate() {
        if let Ok(meta) = std::fs::metadata(path) {
            // Empty files hold nothing to count twice.
            if meta.len() > 0 {
                by_size.entry(meta.len()).or_default().push(i);
            }
        }
    }
    let candidates: Vec<(u64, usize)> = by_size
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .flat_map(|(size, v)| v.iter().map(move |&i| (*size, i)))
        .collect();
    let hashes: Vec<Option<(u64, [u8; 32], usize)>> = candidates
        .par_iter()
        .with_max_len(1)
        .map(|&(size, i)| hash_file(&files[i]).map(|h| (size, h, i)))
        .collect();
    // First file (in path order) per (size, hash).
    let mut first: BTreeMap<(u64, [u8; 32]), usize> = BTreeMap::new();
    let mut duplicate_of: BTreeMap<usize, usize> = BTreeMap::new();
    let mut hashed: Vec<(u64, [u8; 32], usize)> = hashes.into_iter().flatten().collect();
    hashed.sort_by_key(|&(_, _, i)| i);
    for (size, hash, i) in hashed {
        match first.get(&(size, hash)) {
            Some(&orig) => {
                duplicate_of.insert(i, orig);
            }
            None => {
                first.insert((size, hash), i);
            }
        }
    }
    let mut keep = Vec::with_capacity(files.len() - duplicate_of.len());
    let mut dups = Vec::new();
    for (i, path) in files.iter().enumerate() {
        match duplicate_of.get(&i) {
            Some(&orig) => dups.push(DuplicateFile {
                path: path.display().to_string(),
                same_as: files[orig].display().to_string(),
                bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            }),
            None => keep.push(path.clone()),
        }
    }
    (keep, dups)
}

fn hash_file(path: &Path) -> Option<[u8; 32]> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(*hasher.finalize().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_content_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.log");
        let b = dir.path().join("b.log");
        let c = dir.path().join("c.log");
        let e1 = dir.path().join("e1.log");
        let e2 = dir.path().join("e2.log");
        std::fs::write(&a, "same").unwrap();
        std::fs::write(&b, "diff").unwrap();
        std::fs::write(&c, "same").unwrap();
        std::fs::write(&e1, "").unwrap();
        std::fs::write(&e2, "").unwrap();
        let files = vec![a.clone(), b.clone(), c.clone(), e1.clone(), e2.clone()];
        let (keep, dups) = split(&files);
        assert_eq!(keep, vec![a.clone(), b, e1, e2]);
        assert_eq!(
            dups,
            vec![DuplicateFile {
                path: c.display().to_string(),
                same_as: a.display().to_string(),
                bytes: 4,
            }]
        );
    }
}
