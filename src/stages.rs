//! Stage timings: named marks from the pipeline in; per stage (scan, merge, vantage, classify,
//! price, render) the wall time and the peak resident memory during it out, for `--verbose`.
//!
//! Recording is off until [`start`]; [`mark`] is then cheap (one lock per stage). The peak is the
//! kernel's high-water mark of the process (VmHWM, Linux) at the end of each stage: the highest
//! resident memory so far, so the stage where it grows is the one that needed it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One finished stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub name: &'static str,
    pub wall: Duration,
    /// Peak resident set size in bytes of the run so far, when the platform says.
    pub peak_bytes: Option<u64>,
}

struct Recorder {
    last: Instant,
    stages: Vec<Stage>,
}

static RECORDER: Mutex<Option<Recorder>> = Mutex::new(None);
static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Adds a line printed under the table (no-op unless [`start`] was called).
pub fn note(text: String) {
    let recording = RECORDER.lock().map(|r| r.is_some()).unwrap_or(false);
    if let (true, Ok(mut notes)) = (recording, NOTES.lock()) {
        notes.push(text);
    }
}

/// The notes so far (they are cleared).
pub fn take_notes() -> Vec<String> {
    NOTES
        .lock()
        .map(|mut n| std::mem::take(&mut *n))
        .unwrap_or_default()
}

/// Starts recording (the clock of the first stage starts now).
pub fn start() {
    if let Ok(mut r) = RECORDER.lock() {
        *r = Some(Recorder {
            last: Instant::now(),
            stages: Vec::new(),
        });
    }
}

/// Ends the stage `name` now (no-op unless [`start`] was called).
pub fn mark(name: &'static str) {
    let Ok(mut guard) = RECORDER.lock() else {
        return;
    };
    let Some(r) = guard.as_mut() else { return };
    let now = Instant::now();
    r.stages.push(Stage {
        name,
        wall: now - r.last,
        peak_bytes: peak_rss(),
    });
    r.last = Instant::now();
}

/// The stages recorded so far (recording stops).
pub fn take() -> Vec<Stage> {
    RECORDER
        .lock()
        .ok()
        .and_then(|mut r| r.take())
        .map(|r| r.stages)
        .unwrap_or_default()
}

/// Peak resident set size of this process so far, in bytes.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A small table: stage, wall seconds, peak MiB; and the total.
pub fn render(stages: &[Stage]) -> String {
    let mib = |b: Option<u64>| b.map_or("-".to_string(), |b| format!("{} MiB", b >> 20));
    let mut out = String::from("stage       wall time   peak memory so far\n");
    for s in stages {
        out.push_str(&format!(
            "{:<10} {:>8.2} s   {:>11}\n",
            s.name,
            s.wall.as_secs_f64(),
            mib(s.peak_bytes)
        ));
    }
    let total: Duration = stages.iter().map(|s| s.wall).sum();
    let peak = stages.iter().filter_map(|s| s.peak_bytes).max();
    out.push_str(&format!(
        "{:<10} {:>8.2} s   {:>11}\n",
        "total",
        total.as_secs_f64(),
        mib(peak)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_recorded_in_order_and_rendered() {
        start();
        mark("scan");
        mark("merge");
        let s = take();
        assert_eq!(
            s.iter().map(|s| s.name).collect::<Vec<_>>(),
            ["scan", "merge"]
        );
        let text = render(&s);
        assert!(text.contains("scan") && text.contains("total"));
        // Off again after take: marks are ignored.
        mark("ignored");
        assert!(take().is_empty());
    }
}
