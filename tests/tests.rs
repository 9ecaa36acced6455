#![allow(unreachable_pub)]
//! Integration tests: the real binary on real files in temp dirs.
//! One test binary keeps link time down.
//!
//! One module per command or pipeline stage; shared set-up (temp dirs, the
//! binary, dataset fixtures, git repositories, Python tools, readers of what
//! the commands write) is in `util`.

mod util;

mod browser;
mod build;
mod check;
mod cli;
mod demo;
mod export;
mod history;
mod hook;
mod hostile;
mod ingest;
mod init;
mod mine;
mod mine_quality;
mod notes;
mod output;
mod read;
mod review;
mod run;
mod secrets;
mod stats;
mod units;
mod validate;
