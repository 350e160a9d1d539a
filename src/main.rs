//! The `vpce-advisor` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    return_freed_memory();
    vpce_advisor::app::main_with_args(std::env::args_os())
}

/// glibc serves a large allocation from its heap once a freed one raised its dynamic mmap
/// threshold, and keeps the space when it is freed: the per-file hash tables of a scan then stay
/// resident (about 180 MiB more at 50M records). A fixed threshold maps every table of 256 KiB
/// or more on its own, so freeing it returns it to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_freed_memory() {
    // SAFETY: mallopt only changes allocator settings; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_freed_memory() {}
