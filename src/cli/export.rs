//! `revmine export`: one dataset file as a trainer's rows.

use std::io::Write;

use clap::Args;
use std::path::{Path, PathBuf};

use revmine::assemble::export::{ExportError, Format, Kind, Options, Summary, export, split_path};
use revmine::error::Error;

use crate::cli::common::{Exit, stdout_dash};

#[derive(Debug, Args)]
pub(crate) struct Flags {
    /// The JSONL dataset; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Row format to write.
    #[arg(long, value_name = "FORMAT", value_parser = ["trl", "openai", "sharegpt"])]
    pub(crate) to: String,
    /// Write here (replaced atomically; split in two for a mixed input); default standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// TRL preference rows: conversational (role/content messages, rendered with the model's chat
    /// template) or standard (plain strings) [default: conversational].
    #[arg(long, value_parser = ["conversational", "standard"])]
    pub(crate) style: Option<String>,
    /// auto: whatever the input holds; sft or preference: only that kind (the other is skipped and counted).
    #[arg(long, default_value = "auto", value_parser = ["auto", "sft", "preference"])]
    pub(crate) kind: String,
    /// Add each record's id as an `id` column.
    #[arg(long)]
    pub(crate) with_id: bool,
    /// Print the summary as JSON on stdout (needs --output).
    #[arg(long, requires = "output")]
    pub(crate) json: bool,
}

fn export_args(a: &Flags) -> anyhow::Result<ExportArgs> {
    let format: Format = a.to.parse().map_err(anyhow::Error::msg)?;
    if a.style.is_some() && format != Format::Trl {
        anyhow::bail!(
            "--style applies to --to trl only (OpenAI and ShareGPT have one preference shape)"
        );
    }
    Ok(ExportArgs {
        file: a.file.clone(),
        output: stdout_dash(&a.output),
        cwd: std::env::current_dir()?,
        options: Options {
            format,
            style: a
                .style
                .as_deref()
                .unwrap_or("conversational")
                .parse()
                .map_err(anyhow::Error::msg)?,
            kind: a.kind.parse().map_err(anyhow::Error::msg)?,
            with_id: a.with_id,
        },
        json: a.json,
    })
}

pub(crate) fn command(
    flags: &Flags,
    _config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    Ok(run(&export_args(flags)?, out, err)?)
}

/// Options of `revmine export`.
#[derive(Debug, Clone)]
pub(crate) struct ExportArgs {
    /// The JSONL dataset; `-` reads standard input.
    pub(crate) file: PathBuf,
    pub(crate) output: Option<PathBuf>,
    pub(crate) cwd: PathBuf,
    pub(crate) options: Options,
    pub(crate) json: bool,
}

/// `revmine export`: converts one dataset file, writes atomically, reports.
pub(crate) fn run(
    args: &ExportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, ExportError> {
    let label = args.file.display().to_string();
    match &args.output {
        Some(o) => {
            // A mixed input is split beside the output: those names count too.
            let (sft, pref) = (split_path(o, "sft"), split_path(o, "pref"));
            revmine::output::refuse_overlap(&args.cwd, &[&args.file], &[o, &sft, &pref])?;
        }
        None => revmine::output::refuse_overlap(&args.cwd, &[&args.file], &[Path::new("-")])?,
    }
    let real_dest = args.output.as_ref().map(|p| args.cwd.join(p));
    let dest = real_dest.as_deref().zip(args.output.as_deref());
    let summary = if args.file.as_os_str() == "-" {
        let hidden = indicatif::ProgressBar::hidden();
        export(
            std::io::stdin().lock(),
            "<stdin>",
            dest,
            &args.options,
            out,
            &hidden,
        )?
    } else {
        let path = args.cwd.join(&args.file);
        let read_err = |source| Error::Read {
            path: args.file.clone(),
            source,
        };
        let f = std::fs::File::open(&path).map_err(read_err)?;
        let meta = f.metadata().map_err(read_err)?;
        if meta.is_dir() {
            return Err(read_err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory, not a JSONL file",
            ))
            .into());
        }
        // A byte-count bar for inputs worth waiting on; indicatif draws
        // nothing when stderr is not a terminal.
        let progress = if meta.len() >= 32 << 20 {
            indicatif::ProgressBar::new(meta.len())
        } else {
            indicatif::ProgressBar::hidden()
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} exporting {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {wide_bar}",
        ) {
            progress.set_style(style);
        }
        let s = export(f, &label, dest, &args.options, out, &progress);
        progress.finish_and_clear();
        s?
    };
    if args.json {
        let text = serde_json::to_string(&summary).map_err(|e| Error::Input {
            message: e.to_string(),
        })?;
        writeln!(out, "{text}").map_err(Error::stdout)?;
    } else {
        err.write_all(render_summary(&summary, &args.options).as_bytes())
            .ok();
    }
    Ok(Exit::Ok)
}

fn render_summary(s: &Summary, opts: &Options) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let types: Vec<String> = s.types.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(
        t,
        "{}: {} record{}{}",
        s.input,
        s.records,
        if s.records == 1 { "" } else { "s" },
        if types.is_empty() {
            String::new()
        } else {
            format!(" ({})", types.join(", "))
        }
    );
    for o in &s.outputs {
        let shape = match (o.kind, opts.format) {
            ("preference", Format::Trl) => format!("trl {} preference", opts.style.as_str()),
            ("preference", f) => format!("{} preference", f.as_str()),
            (_, f) => format!("{} sft", f.as_str()),
        };
        let _ = writeln!(
            t,
            "wrote {} {shape} row{} to {}",
            o.rows,
            if o.rows == 1 { "" } else { "s" },
            o.path
        );
    }
    if s.outputs.len() == 2 {
        let _ = writeln!(
            t,
            "  the input holds SFT and preference records: split in two files (their columns differ)"
        );
    }
    if s.skipped > 0 {
        let other = if opts.kind == Kind::Sft {
            "preference"
        } else {
            "SFT"
        };
        let _ = writeln!(t, "  skipped {} {other} records (--kind)", s.skipped);
    }
    if s.system_dropped > 0 {
        let _ = writeln!(
            t,
            "  dropped {} system prompts: --style standard has no place for them (--style conversational keeps them)",
            s.system_dropped
        );
    }
    t
}
