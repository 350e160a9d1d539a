//! The `vpce-advisor` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    vpce_advisor::app::main_with_args(std::env::args_os())
}
