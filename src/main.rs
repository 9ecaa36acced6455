//! The thin binary: parse, run, map the outcome to an exit code.

mod cli;

/// glibc malloc was a sixth of ingest's time (a small allocation per turn and record).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match cli::run(cli::Cli::parse()) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => {
            // A closed pipe (`revmine validate big.jsonl | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // Library errors already carry their cause in their message.
            eprintln!("revmine: {e}");
            ExitCode::from(2)
        }
    }
}
