//! Output folder: a report folder path and a function that writes the report files in; the
//! folder replaced as a whole (or refused) out.
//!
//! Every file name the tool writes is one of [`KNOWN_OUTPUTS`]: none comes from input. The files
//! are written into a sibling temporary folder `.<name>.tmp-<pid>`, which is then renamed into
//! place, so a reader sees the old report or the new one, never a mix. An existing folder is
//! replaced only when it looks like one of ours (nothing in it but the tool's known outputs);
//! otherwise the tool refuses, unless `--force`, which writes the tool's files into the folder
//! in place and leaves every other file alone (nothing of the user's is ever deleted).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Names the tool writes in a report folder (`charts` is a folder of PNG/SVG charts).
pub const KNOWN_OUTPUTS: [&str; 9] = [
    "report.json",
    "report.md",
    "report.html",
    "costs.csv",
    "traffic.csv",
    "actions.sh",
    "endpoints.tf",
    "endpoint-policy.json",
    "charts",
];

/// How to treat an existing output folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FolderOptions {
    /// Write into a folder that holds files the tool did not write (in place, deleting nothing).
    pub force: bool,
}

/// Whether a name in an existing folder is one the tool writes (or a leftover temporary file of
/// [`super::write_file`]).
fn is_known(name: &str) -> bool {
    KNOWN_OUTPUTS.contains(&name)
        || name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".tmp"))
            .is_some_and(|n| KNOWN_OUTPUTS.contains(&n))
}

/// Entries of `dir` that the tool did not write, sorted (at most `limit`).
fn foreign_entries(dir: &Path, limit: usize) -> Result<Vec<String>> {
    let rerr = |source| Error::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(rerr)? {
        let entry = entry.map_err(rerr)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().map_err(rerr)?.is_dir();
        let ok = if name == "charts" {
            is_dir && charts_are_ours(&entry.path())?
        } else {
            !is_dir && is_known(&name)
        };
        if !ok {
            out.push(name);
        }
    }
    out.sort();
    out.truncate(limit);
    Ok(out)
}

/// A `charts` folder holds only `.png` / `.svg` files.
fn charts_are_ours(dir: &Path) -> Result<bool> {
    let rerr = |source| Error::Read {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(rerr)? {
        let entry = entry.map_err(rerr)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().map_err(rerr)?.is_file()
            || !(name.ends_with(".png") || name.ends_with(".svg"))
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Writes a report folder at `dir`: `fill` writes the files into the folder it is given.
///
/// - `dir` missing: filled as `.<name>.tmp-<pid>` next to it, then renamed to `dir`.
/// - `dir` holds only the tool's outputs: the new folder is filled beside it, the old one is
///   renamed aside (`.<name>.old-<pid>`), the new one renamed in, the old one removed; if the
///   second rename fails the old folder is put back.
/// - `dir` holds anything else: refused, naming the folder and the first foreign entries, unless
///   `options.force`, in which case `fill` writes into `dir` itself (each file still atomic).
/// - `dir` is a link to a folder, or `.`-like (no name of its own): after the same check, `fill`
///   writes into it.
///
/// Returns the folder the files are in (`dir`).
pub fn replace_folder(
    dir: &Path,
    options: FolderOptions,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<PathBuf> {
    let out_err = |reason: String| Error::Output {
        path: dir.to_path_buf(),
        reason,
    };
    let meta = std::fs::symlink_metadata(dir).ok();
    if let Some(m) = &meta {
        if !m.is_dir() && !m.file_type().is_symlink() {
            return Err(out_err("exists and is not a folder".into()));
        }
        if m.file_type().is_symlink() && !dir.is_dir() {
            return Err(out_err(
                "is a link to something that is not a folder".into(),
            ));
        }
    }
    if let Some(m) = &meta {
        let foreign = foreign_entries(dir, 5)?;
        if !foreign.is_empty() {
            if !options.force {
                return Err(out_err(format!(
                    "holds files vpce-advisor did not write ({}{}); refusing to replace it. Choose another --out, empty it, or pass --force to write the report files into it and leave the others alone",
                    foreign
                        .iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if foreign.len() == 5 { ", ..." } else { "" }
                )));
            }
            fill(dir)?;
            return Ok(dir.to_path_buf());
        }
        if m.file_type().is_symlink() || dir.file_name().is_none() {
            // Renaming would replace the link itself, or `.` / `..` / `/` cannot be renamed:
            // write into the folder instead.
            fill(dir)?;
            return Ok(dir.to_path_buf());
        }
    }
    let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Err(out_err(
            "has no folder name of its own (use a path such as ./report)".into(),
        ));
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|source| Error::Write {
        path: parent.clone(),
        source,
    })?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(werr(&tmp))?;
    }
    std::fs::create_dir(&tmp).map_err(werr(&tmp))?;
    if let Err(e) = fill(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if meta.is_none() {
        if let Err(e) = std::fs::rename(&tmp, dir) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(werr(dir)(e));
        }
        return Ok(dir.to_path_buf());
    }
    let old = parent.join(format!(".{name}.old-{pid}"));
    if let Err(e) = std::fs::rename(dir, &old) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(werr(dir)(e));
    }
    if let Err(e) = std::fs::rename(&tmp, dir) {
        let _ = std::fs::rename(&old, dir);
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(werr(dir)(e));
    }
    std::fs::remove_dir_all(&old).map_err(werr(&old))?;
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn write_one(name: &'static str) -> impl FnOnce(&Path) -> Result<()> {
        move |d: &Path| super::super::write_file(d, name, b"x")
    }

    #[test]
    fn creates_replaces_and_refuses() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("r");
        replace_folder(&out, FolderOptions::default(), write_one("report.json")).unwrap();
        assert_eq!(names(&out), ["report.json"]);
        // Ours: replaced as a whole (the old file is gone), no temporary folders left.
        replace_folder(&out, FolderOptions::default(), write_one("costs.csv")).unwrap();
        assert_eq!(names(&out), ["costs.csv"]);
        assert_eq!(names(root.path()), ["r"]);
        // A failing fill leaves the old folder as it was.
        let failed = replace_folder(&out, FolderOptions::default(), |_| {
            Err(Error::Invalid("boom".into()))
        });
        assert!(failed.is_err());
        assert_eq!(names(&out), ["costs.csv"]);
        assert_eq!(names(root.path()), ["r"]);
        // Not ours: refused, then --force writes in place and keeps the user's file.
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = replace_folder(&out, FolderOptions::default(), write_one("report.md"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("notes.txt") && err.contains("--force") && err.contains("/r"),
            "{err}"
        );
        replace_folder(&out, FolderOptions { force: true }, write_one("report.md")).unwrap();
        assert_eq!(names(&out), ["costs.csv", "notes.txt", "report.md"]);
        // A file where the folder should be.
        let file = root.path().join("f");
        std::fs::write(&file, "x").unwrap();
        assert!(replace_folder(&file, FolderOptions { force: true }, write_one("a")).is_err());
    }

    #[test]
    fn a_link_to_a_report_folder_stays_a_link() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        replace_folder(&link, FolderOptions::default(), write_one("report.md")).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(names(&real), ["report.md"]);
        assert_eq!(names(root.path()), ["link", "real"]);
    }

    #[test]
    fn known_names() {
        assert!(is_known("report.json"));
        assert!(is_known(".report.json.tmp"));
        assert!(!is_known("report.json.bak"));
        assert!(!is_known("../report.json"));
    }
}
