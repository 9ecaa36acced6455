//! revmine turns the git history of notes and drafts into training data for a
//! conversational assistant, and guards that dataset with gates.
//!
//! Data flows one way: sources (files, git) → records → gates and writers.
//!
//! - [`scan`] reads JSONL datasets in one streaming, parallel pass;
//! - [`schema`] and [`record`] say what a valid record is;
//! - [`gate`] judges finished scans against the [`config`]'s thresholds;
//! - [`secrets`] finds and redacts keys, tokens, passwords, e-mail addresses
//!   and phone numbers, for the writers and the `secrets` gate;
//! - [`stats`] recomputes the plan's measured-state block;
//! - [`export`] writes records as TRL, OpenAI or ShareGPT rows;
//! - [`build`] assembles train and eval sets from many sources;
//! - [`sample`], [`html`] and [`signoff`] make and record the spot-check review,
//!   [`promote`] moves a dataset into place only when it passes;
//! - [`app`] and [`review`] hold the commands as the binary runs them.
//!
//! ```
//! use revmine::config::{Config, Role};
//! use revmine::scan::{Input, Options, Scanner};
//! use revmine::schema::Schema;
//!
//! let line = r#"{"id":"c1","record_type":"chat","input":"User: hi","output":"Hello!"}"#;
//! let schema = Schema::builtin()?;
//! let config = Config::default();
//! let mut scanner = Scanner::new(&schema, Options::from_config(&config, false));
//! let input = Input::from_bytes("mem.jsonl", Role::Other, line.as_bytes().to_vec());
//! let scan = scanner.scan(input, &indicatif::ProgressBar::hidden());
//! assert!(scan.problems.is_empty());
//! let gates = revmine::gate::run_all(&[scan], &config);
//! assert!(gates.iter().all(|g| g.passed));
//! # Ok::<(), revmine::error::Error>(())
//! ```

pub mod app;
pub mod build;
pub mod config;
pub mod content_hash;
pub mod demo;
pub mod error;
pub mod export;
pub mod fast;
pub mod fingerprint;
pub mod gate;
pub mod hook;
pub mod html;
pub mod ingest;
pub mod markdown;
pub mod mine;
pub mod mine_options;
pub mod neardup;
pub mod notes;
pub mod output;
pub mod promote;
pub mod record;
pub mod review;
pub mod run;
pub mod sample;
pub mod scan;
pub mod schema;
pub mod secrets;
pub mod signoff;
pub mod source;
pub mod stats;
pub mod tags;
pub mod unit;
