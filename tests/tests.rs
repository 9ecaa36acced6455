#![allow(unreachable_pub)]
//! Integration tests: the real binary on real files in temp dirs.
//! One test binary keeps link time down.

mod util;

mod browser;
mod build;
mod check;
mod convert;
mod export;
mod hook;
mod hostile;
mod mine;
mod output;
mod review;
mod run;
mod secrets;
mod stats_init_demo;
mod validate;
