//! `revmine validate`, `check` and `stats`: the dataset commands, which read
//! JSONL files once and report problems, gates or the measured-state block.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use revmine::dataset::role::Role;
use revmine::error::Error;
use revmine::gate::scan::FileScan;
use revmine::gate::{self, GateResult, stats};

use crate::cli::common::*;

/// What `validate` and `stats` read: files, a schema, a report format.
/// `check`'s roles (--train, --eval) and --staged judge nothing here.
#[derive(Debug, Args)]
pub(crate) struct ReadArgs {
    /// JSONL dataset files; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    /// JSON Schema replacing the built-in record schema.
    #[arg(long, value_name = "FILE")]
    pub(crate) schema: Option<PathBuf>,
    /// Print a machine-readable JSON report on stdout instead of the human one.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DatasetArgs {
    /// JSONL dataset files; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    /// Judge FILE as a train set (mix, real_share) whatever its name.
    #[arg(long, value_name = "FILE")]
    pub(crate) train: Vec<PathBuf>,
    /// Judge FILE as an eval set whatever its name.
    #[arg(long, value_name = "FILE")]
    pub(crate) eval: Vec<PathBuf>,
    /// JSON Schema replacing the built-in record schema.
    #[arg(long, value_name = "FILE")]
    pub(crate) schema: Option<PathBuf>,
    /// Print a machine-readable JSON report on stdout instead of the human one.
    #[arg(long)]
    pub(crate) json: bool,
    /// Check the dataset files staged in the git index (their staged content), as the pre-commit hook does.
    #[arg(long, conflicts_with_all = ["files", "train", "eval"])]
    pub(crate) staged: bool,
}

/// `check`'s options from its flags.
fn dataset_options(args: &DatasetArgs, config: &Option<PathBuf>) -> anyhow::Result<DatasetOptions> {
    Ok(DatasetOptions {
        files: args.files.clone(),
        train: args.train.clone(),
        eval: args.eval.clone(),
        config: config.clone(),
        schema: args.schema.clone(),
        json: args.json,
        cwd: std::env::current_dir()?,
        staged: args.staged,
    })
}

/// `validate` and `stats` read the files named, in no role of their own.
fn read_options(args: &ReadArgs, config: &Option<PathBuf>) -> anyhow::Result<DatasetOptions> {
    Ok(DatasetOptions {
        files: args.files.clone(),
        config: config.clone(),
        schema: args.schema.clone(),
        json: args.json,
        cwd: std::env::current_dir()?,
        ..DatasetOptions::default()
    })
}

pub(crate) fn validate_command(
    flags: &ReadArgs,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    Ok(validate(&read_options(flags, config)?, out, err)?)
}

pub(crate) fn check_command(
    flags: &DatasetArgs,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    Ok(check(&dataset_options(flags, config)?, out, err)?)
}

pub(crate) fn stats_command(
    flags: &ReadArgs,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    Ok(stats(&read_options(flags, config)?, out, err)?)
}

/// `revmine validate`: every problem of every line, one per line.
pub(crate) fn validate(
    opts: &DatasetOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    if opts.files.is_empty() && opts.train.is_empty() && opts.eval.is_empty() {
        writeln!(
            err,
            "revmine validate: name at least one FILE (or - for standard input)"
        )
        .ok();
        return Ok(Exit::Error);
    }
    let session = Session::open(opts, false)?;
    session.warn(err);
    let (_, scans, errors) = session.scan(false, false);
    let problems: Vec<_> = scans.iter().flat_map(|s| &s.problems).collect();
    if opts.json {
        let report = json!({
            "passed": problems.is_empty() && errors.is_empty(),
            "files": files_json(&scans),
            "problems": problems,
            "errors": errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        writeln!(out, "{report}").map_err(Error::stdout)?;
    } else {
        for p in &problems {
            writeln!(out, "{p}").map_err(Error::stdout)?;
        }
        let records: u64 = scans.iter().map(|s| s.records).sum();
        writeln!(
            err,
            "{} in {} records of {}",
            count(problems.len(), "problem"),
            records,
            count(scans.len(), "file")
        )
        .ok();
    }
    report_errors(&errors, err).ok();
    if !opts.json && !errors.is_empty() {
        // "0 problems" must not read as a clean bill for what was never read.
        writeln!(
            err,
            "NOT VALIDATED: {} could not be read",
            count(errors.len(), "input")
        )
        .ok();
    }
    Ok(exit_for(!problems.is_empty(), &scans, &errors))
}

/// `revmine check`: every gate, as a table or as JSON.
pub(crate) fn check(
    opts: &DatasetOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    let session = Session::open(opts, true)?;
    session.warn(err);
    if opts.staged && session.inputs.is_empty() {
        // The common case for a pre-commit hook: nothing to judge, return at once.
        if opts.json {
            let report = json!({ "passed": true, "status": "passed", "unread": 0, "files": [], "gates": [], "errors": [] });
            writeln!(out, "{report}").map_err(Error::stdout)?;
        }
        return Ok(Exit::Ok);
    }
    if session.inputs.is_empty() && session.errors.is_empty() {
        writeln!(
            err,
            "revmine check: no dataset files given, and none under {} match the configured globs",
            opts.cwd.display()
        )
        .ok();
        return Ok(Exit::Error);
    }
    let (config, mut scans, errors) = session.scan(false, true);
    revmine::gate::scan::attach_ledgers(&mut scans);
    let gates = gate::run_all(&scans, &config.gates, &config.near_duplicates);
    let passed = gates.iter().all(|g| g.passed);
    let unread = unread(&scans, &errors);
    if opts.json {
        let report = json!({
            "passed": passed && unread == 0,
            "status": status(passed, unread),
            "unread": unread,
            "files": files_json(&scans),
            "gates": gates,
            "errors": errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        writeln!(out, "{report}").map_err(Error::stdout)?;
    } else if opts.staged {
        write!(
            out,
            "{}",
            render_staged(&scans, &gates, config.report.max_problems)
        )
        .map_err(Error::stdout)?;
    } else {
        write!(
            out,
            "{}",
            render_check(&scans, &gates, config.report.max_problems, unread)
        )
        .map_err(Error::stdout)?;
    }
    report_errors(&errors, err).ok();
    Ok(exit_for(!passed, &scans, &errors))
}

/// The human report of `check`: files, the first problems, then the gate
/// table, and a verdict that never says PASSED when `unread` inputs (files
/// that could not be read) were left out.
pub(crate) fn render_check(
    scans: &[FileScan],
    gates: &[GateResult],
    max_problems: usize,
    unread: usize,
) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for f in scans {
        let role = match f.role {
            Role::Train => "train",
            Role::Eval => "eval",
            Role::Other => "other",
        };
        let _ = writeln!(s, "{} ({role}): {} records", f.label, f.records);
    }
    let problems: Vec<_> = scans.iter().flat_map(|f| &f.problems).collect();
    if !problems.is_empty() {
        let _ = writeln!(s, "\nproblems:");
        for p in problems.iter().take(max_problems) {
            let _ = writeln!(s, "  {p}");
        }
        if problems.len() > max_problems {
            let _ = writeln!(
                s,
                "  … and {} more (`revmine validate` lists them all)",
                problems.len() - max_problems
            );
        }
    }
    let rows: Vec<[String; 6]> = gates
        .iter()
        .map(|g| {
            let value = match &g.value {
                serde_json::Value::Null => "-".to_string(),
                v => v.to_string(),
            };
            let result = if g.skipped {
                "skip"
            } else if g.passed {
                "pass"
            } else {
                "FAIL"
            };
            [
                g.name.to_string(),
                g.scope.clone(),
                value,
                g.threshold.clone(),
                result.into(),
                g.detail.clone(),
            ]
        })
        .collect();
    let header = ["gate", "scope", "value", "threshold", "result", "detail"].map(String::from);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let _ = writeln!(s);
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (w, cell) in widths.iter().zip(row.iter()) {
            let _ = write!(line, "{cell:<w$}  ");
        }
        let _ = writeln!(s, "{line}{}", row[5]);
    }
    let failed: Vec<&str> = gates.iter().filter(|g| !g.passed).map(|g| g.name).collect();
    let _ = writeln!(s);
    if failed.is_empty() && unread == 0 {
        let _ = writeln!(s, "PASSED: {} checked", count(gates.len(), "gate"));
    } else if !failed.is_empty() {
        let mut names = failed.clone();
        names.dedup();
        let _ = writeln!(
            s,
            "FAILED: {} of {} ({})",
            failed.len(),
            count(gates.len(), "gate"),
            names.join(", ")
        );
    }
    if unread > 0 {
        let _ = writeln!(
            s,
            "NOT CHECKED: {} could not be read{}",
            count(unread, "input"),
            if scans.is_empty() {
                String::new()
            } else {
                format!(
                    " (the gates above judged only what was read of {})",
                    count(scans.len(), "file")
                )
            }
        );
    }
    s
}

/// The pre-commit report: one line per problem and per failed gate, naming
/// file, line and gate, and how to get past it when the user must.
fn render_staged(scans: &[FileScan], gates: &[GateResult], max_problems: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let files: Vec<&str> = scans.iter().map(|f| f.label.as_str()).collect();
    let failed: Vec<&GateResult> = gates.iter().filter(|g| !g.passed).collect();
    if failed.is_empty() {
        let _ = writeln!(
            s,
            "revmine: every gate passes on the staged {} ({})",
            count(files.len(), "dataset file"),
            files.join(", ")
        );
        return s;
    }
    let problems: Vec<_> = scans.iter().flat_map(|f| &f.problems).collect();
    for p in problems.iter().take(max_problems) {
        let _ = writeln!(s, "{p}");
    }
    if problems.len() > max_problems {
        let _ = writeln!(
            s,
            "… and {} more (`revmine validate FILE` lists them all)",
            problems.len() - max_problems
        );
    }
    for g in &failed {
        let _ = writeln!(
            s,
            "gate {} failed on {}: {} (needs {}): {}",
            g.name, g.scope, g.value, g.threshold, g.detail
        );
    }
    let _ = writeln!(
        s,
        "revmine: commit blocked: {} of {} failed on the staged {} (fix and `git add` them; `git commit --no-verify` skips this check)",
        count(failed.len(), "gate"),
        gates.len(),
        files.join(", ")
    );
    s
}

/// `revmine stats`: the plan's measured-state block per file.
pub(crate) fn stats(
    opts: &DatasetOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    if opts.files.is_empty() {
        writeln!(
            err,
            "revmine stats: name at least one FILE (or - for standard input)"
        )
        .ok();
        return Ok(Exit::Error);
    }
    let session = Session::open(opts, false)?;
    session.warn(err);
    let (_, scans, errors) = session.scan(true, false);
    let all: Vec<stats::FileStats> = scans.iter().map(stats::compute).collect();
    if opts.json {
        writeln!(out, "{}", json!({ "files": all })).map_err(Error::stdout)?;
    } else {
        for (i, s) in all.iter().enumerate() {
            if i > 0 {
                writeln!(out).map_err(Error::stdout)?;
            }
            write!(out, "{}", stats::render(s)).map_err(Error::stdout)?;
        }
    }
    report_errors(&errors, err).ok();
    Ok(exit_for(false, &scans, &errors))
}
