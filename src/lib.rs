//! revmine turns the git history of notes and drafts into training data for a
//! conversational assistant, and guards that dataset with gates.
//!
//! The library is the pipeline, one folder per stage; data flows one way:
//!
//! ```text
//!  source ─┬─▶ mine ────┐                          ┌─▶ gate ─────▶ verdicts (check, hook, promote)
//!  (git,   │  (pairs)   ├─▶ dataset records (JSONL) ┼─▶ assemble ─▶ train/eval sets, trainer rows
//!  files)  └─▶ convert ─┘   redacted by secrets     └─▶ review ───▶ spot-check sheets, sign-offs
//!             (chats)            every file written goes through output
//! ```
//!
//! - [`source`]: git repositories (history walk, blobs, where a file lives)
//!   and the bundled sample repositories;
//! - [`mine`]: a file's revisions as Markdown response units, each real edit
//!   of a unit a chosen/rejected preference pair;
//! - [`convert`]: planning notes ([`convert::notes`]) and chat exports
//!   ([`convert::ingest`]) as chat records with prior exchanges;
//! - [`dataset`]: what a record is (types, schema and its fast path, content
//!   hash) and what is computed from one (near-duplicate signatures,
//!   fingerprints, hard-case tags);
//! - [`secrets`]: finds and redacts keys, tokens, passwords, e-mail addresses
//!   and phone numbers, for the writers and the `secrets` gate;
//! - [`gate`]: [`gate::scan`] reads JSONL datasets in one streaming, parallel
//!   pass, the gates judge the scans against the [`config`]'s thresholds,
//!   [`gate::stats`] recomputes the plan's measured-state block;
//! - [`assemble`]: train and eval sets from many sources ([`assemble::build`])
//!   and the rows trainers read ([`assemble::export`]);
//! - [`review`]: the spot-check sample, its HTML page, sign-offs, and
//!   [`review::promote`], which moves a dataset into place only when it passes;
//! - [`run`]: what the periodic job keeps between runs (state, shards, which
//!   records are new or out of date);
//! - [`hook`]: the git pre-commit hook;
//! - [`output`]: the one writer every file goes through (atomic replace,
//!   FIFOs and devices written through, inputs never outputs);
//! - [`error`]: the library's typed errors;
//! - [`config`]: `revmine.toml`, deserialised into each stage's own settings
//!   types (`gate::settings`, `assemble::build::Build`, `run::source`, ...).
//!
//! Imports go one way, from a module to those before it in this order:
//! `source`, `error`, `dataset`, `output`, `secrets`, `mine`, `convert`,
//! `review`, `gate`, `assemble`, `run`, `hook`, `config`. Each stage owns its
//! settings and takes them as arguments; only `config` sees the whole file.
//! The commands live in the binary (`src/cli/`, one file per command with
//! its flags).
//!
//! ```
//! use revmine::config::Config;
//! use revmine::dataset::role::Role;
//! use revmine::gate::scan::{Input, Scanner};
//! use revmine::dataset::schema::Schema;
//!
//! let line = r#"{"id":"c1","record_type":"chat","input":"User: hi","output":"Hello!"}"#;
//! let schema = Schema::builtin()?;
//! let config = Config::default();
//! let mut scanner = Scanner::new(&schema, config.scan_options(false));
//! let input = Input::from_bytes("mem.jsonl", Role::Other, line.as_bytes().to_vec());
//! let scan = scanner.scan(input, &indicatif::ProgressBar::hidden());
//! assert!(scan.problems.is_empty());
//! let gates = revmine::gate::run_all(&[scan], &config.gates, &config.near_duplicates);
//! assert!(gates.iter().all(|g| g.passed));
//! # Ok::<(), revmine::error::Error>(())
//! ```

pub mod assemble;
pub mod config;
pub mod convert;
pub mod dataset;
pub mod error;
pub mod gate;
pub mod hook;
pub mod mine;
pub mod output;
pub mod review;
pub mod run;
pub mod secrets;
pub mod source;
