//! Ctrl-C: a flag set by the signal handler and checked between buffers, so an interrupted run
//! stops early and writes no report at all (never a partial one).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler (once per process; later calls do nothing).
pub fn install() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

/// `Err(Interrupted)` once Ctrl-C was pressed.
pub fn check() -> Result<()> {
    if INTERRUPTED.load(Ordering::Relaxed) {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}
