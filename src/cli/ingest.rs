//! `revmine ingest`: real chat transcripts into chat records.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use revmine::config::Config;
use revmine::error::Error;

use crate::cli::common::*;

#[derive(Debug, Args)]
pub(crate) struct Flags {
    /// Transcript files.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Write the records here (JSONL, replaced atomically); default standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    #[arg(long, default_value = "auto", value_parser = ["auto", "text", "markdown", "sharegpt", "openai", "chatgpt"])]
    pub(crate) format: String,
    /// Prior turns in each record's input (1-3).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub(crate) turns: u8,
    /// Keep the conversations read before a fault in a broken file, and go on.
    #[arg(long)]
    pub(crate) keep_going: bool,
    /// Print the summary as JSON on stdout (needs --output).
    #[arg(long, requires = "output")]
    pub(crate) json: bool,
}

pub(crate) fn command(
    flags: &Flags,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let args = IngestArgs {
        files: flags.files.clone(),
        output: stdout_dash(&flags.output),
        cwd: std::env::current_dir()?,
        format: flags.format.parse().map_err(anyhow::Error::msg)?,
        turns: usize::from(flags.turns),
        keep_going: flags.keep_going,
        json: flags.json,
        config: config.clone(),
    };
    Ok(ingest(&args, out, err)?)
}

/// Options of `revmine ingest`.
#[derive(Debug, Clone)]
pub(crate) struct IngestArgs {
    pub(crate) files: Vec<PathBuf>,
    pub(crate) output: Option<PathBuf>,
    pub(crate) cwd: PathBuf,
    pub(crate) format: revmine::convert::ingest::Format,
    pub(crate) turns: usize,
    pub(crate) keep_going: bool,
    pub(crate) json: bool,
    /// For `[limits]` and `[secrets]`; found upwards from `cwd` when not given.
    pub(crate) config: Option<PathBuf>,
}

/// `revmine ingest`: transcripts become chat records, streamed to the output;
/// the output is replaced only when every file was read (or `--keep-going`).
pub(crate) fn ingest(
    args: &IngestArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    use revmine::convert::ingest::{IngestOptions, ingest_file_at, ingest_reader};
    stdin_at_most_once(&args.files, "FILE")?;
    refuse_overlap(&args.cwd, &args.files, args.output.as_deref())?;
    let config = Config::load(args.config.as_deref(), &args.cwd)?;
    // A byte-count bar on a terminal for big transcripts (indicatif draws nothing otherwise).
    let total: u64 = args
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(args.cwd.join(f)).ok())
        .map(|m| m.len())
        .sum();
    let progress = if total >= 32 << 20 {
        indicatif::ProgressBar::new(total)
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} ingesting {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {wide_bar}",
    ) {
        progress.set_style(style);
    }
    let opts = IngestOptions {
        format: args.format,
        turns: args.turns,
        keep_going: args.keep_going,
        progress: progress.clone(),
        max_line_bytes: config.limits.max_line_bytes,
        secrets: config.redactor(),
    };
    let mut file = match &args.output {
        Some(p) => Some(revmine::output::Output::create_in(&args.cwd, p)?),
        None => None,
    };
    let mut summaries = Vec::new();
    let mut failure: Option<Error> = None;
    for given in &args.files {
        let mut write_err = None;
        let mut emit = |line: String| {
            let written = match file.as_mut() {
                Some(f) => f.line(&line),
                None => writeln!(out, "{line}").map_err(Error::stdout),
            };
            if let Err(e) = written {
                write_err.get_or_insert(e);
            }
        };
        let ingested = if given.as_os_str() == "-" {
            ingest_reader(std::io::stdin().lock(), STDIN_LABEL, &opts, &mut emit)
        } else {
            let path = args.cwd.join(given);
            // Records name the file by where it lives, not by how it was typed.
            let at = revmine::source::git::locate(&path);
            ingest_file_at(
                &path,
                &given.display().to_string(),
                &at.repo,
                &at.path,
                &opts,
                &mut emit,
            )
        };
        match ingested {
            Ok(summary) => summaries.push(summary),
            Err(e) => {
                failure = Some(Error::Input {
                    message: e.to_string(),
                });
                break;
            }
        }
        if let Some(e) = write_err {
            return Err(e);
        }
    }
    progress.finish_and_clear();
    if let Some(e) = failure {
        // Nothing is written: the temp output is dropped with `file`.
        return Err(e);
    }
    if let Some(f) = file {
        f.commit()?;
    }
    let records: u64 = summaries.iter().map(|s| s.records).sum();
    let faults: Vec<String> = summaries.iter().filter_map(|s| s.fault.clone()).collect();
    let target = args
        .output
        .as_ref()
        .map_or("standard output".to_string(), |p| p.display().to_string());
    if args.json {
        let report = json!({ "records": records, "output": target, "files": summaries });
        writeln!(out, "{report}").map_err(Error::stdout)?;
    } else {
        let mut text = String::new();
        for s in &summaries {
            text.push_str(&format!(
                "{} ({}): {}, {}\n",
                s.file,
                s.format,
                count(s.conversations as usize, "conversation"),
                count(s.records as usize, "record")
            ));
            if !s.redacted.is_empty() {
                text.push_str(&format!("  redacted: {}\n", render_counts(&s.redacted)));
            }
            for (reason, n) in &s.skipped {
                text.push_str(&format!("  skipped {reason}: {n}\n"));
            }
            if let Some(fault) = &s.fault {
                text.push_str(&format!(
                    "  broken input kept up to the fault ({} lost): {fault}\n",
                    count(s.lost as usize, "conversation")
                ));
            }
        }
        text.push_str(&format!(
            "wrote {} to {target}\n",
            count(records as usize, "record")
        ));
        err.write_all(text.as_bytes()).ok();
    }
    // Kept going past broken input: the records are written, and the exit says the input was bad.
    Ok(if faults.is_empty() {
        Exit::Ok
    } else {
        Exit::Error
    })
}
