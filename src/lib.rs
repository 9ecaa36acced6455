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

/// The stages in import order: a module may use only stages before its own
/// (and its own). `imports_flow_one_way` holds the tree to it.
#[cfg(test)]
const STAGE_ORDER: &[&str] = &[
    "source", "error", "dataset", "output", "secrets", "mine", "convert", "review", "gate",
    "assemble", "run", "hook", "config",
];

#[cfg(test)]
mod tests {
    use super::STAGE_ORDER;
    use std::path::Path;

    /// Drops `#[cfg(test)]` items (a test may read the default config) and
    /// `//` comments (doc links are not imports).
    fn code_only(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("#[cfg(test)]") {
            out.push_str(&rest[..at]);
            let after = &rest[at..];
            let (Some(brace), semi) = (after.find('{'), after.find(';')) else {
                rest = "";
                break;
            };
            if semi.is_some_and(|s| s < brace) {
                rest = &after[semi.unwrap_or(0) + 1..];
                continue;
            }
            let mut depth = 0usize;
            let mut end = after.len();
            for (i, c) in after[brace..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = brace + i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &after[end..];
        }
        out.push_str(rest);
        out.lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The lint behind lib.rs's "imports go one way": outside tests, no
    /// library file names a stage after its own in [`STAGE_ORDER`], nor the
    /// binary's commands.
    #[test]
    fn imports_flow_one_way() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let rank = |stage: &str| STAGE_ORDER.iter().position(|s| *s == stage);
        let mut bad = Vec::new();
        let mut checked = 0;
        let mut stack = vec![src.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let rel = path
                    .strip_prefix(&src)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let stage = rel.split('/').next().unwrap_or("").trim_end_matches(".rs");
                if stage == "cli" || stage == "main" || stage == "lib" || !rel.ends_with(".rs") {
                    continue;
                }
                let own = rank(stage)
                    .unwrap_or_else(|| panic!("{rel}: stage `{stage}` not in STAGE_ORDER"));
                checked += 1;
                let text = code_only(&std::fs::read_to_string(&path).unwrap());
                for (at, _) in text.match_indices("crate::") {
                    let after = &text[at + 7..];
                    // `crate::{a::X, b}` names every stage in the group.
                    let names: Vec<&str> = match after.strip_prefix('{') {
                        Some(group) => group
                            .split('}')
                            .next()
                            .unwrap_or("")
                            .split(',')
                            .map(|item| item.trim().split("::").next().unwrap_or(""))
                            .collect(),
                        None => vec![after],
                    };
                    for name in names {
                        let name: String = name
                            .chars()
                            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                            .collect();
                        match rank(&name) {
                            Some(r) if r > own => bad.push(format!("{rel}: uses crate::{name}")),
                            None if name == "cli" => bad.push(format!("{rel}: uses crate::cli")),
                            _ => {}
                        }
                    }
                }
            }
        }
        assert!(checked > 40, "only {checked} files read");
        assert!(
            bad.is_empty(),
            "imports against the stage order:\n{}",
            bad.join("\n")
        );
    }
}
