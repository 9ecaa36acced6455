//! The review commands as the binary runs them: `sample`, `review sign-off`
//! and `promote`. Like every command, each takes plain options, writes its
//! report to `out`/`err` and says how the process should exit; the work is in
//! [`revmine::review::sample`], [`revmine::review::html`], [`revmine::review::signoff`] and [`revmine::review::promote`].

use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::check::render_check;
use crate::cli::common::*;
use revmine::config::Config;
use revmine::error::Error;
use revmine::gate::scan::{Input, ProblemKind};
use revmine::review::promote::How;
use revmine::review::sample::{Sample, SheetHeader, draw, parse_sheet, render_sheet};
use revmine::review::signoff::{self, Ledger};

/// Options of `revmine sample`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SampleArgs {
    pub(crate) file: PathBuf,
    /// Records to draw (default `gates.spot_check.sample_size`).
    pub(crate) n: Option<usize>,
    /// Default `gates.spot_check.seed`.
    pub(crate) seed: Option<u64>,
    /// The Markdown sheet; standard output when `None`.
    pub(crate) output: Option<PathBuf>,
    pub(crate) html: Option<PathBuf>,
    pub(crate) config: Option<PathBuf>,
    pub(crate) cwd: PathBuf,
    pub(crate) json: bool,
}

fn draw_file(cwd: &Path, shown: &Path, n: usize, seed: u64) -> Result<Sample, Error> {
    let read_err = |source| Error::Read {
        path: shown.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(cwd.join(shown)).map_err(read_err)?;
    if file.metadata().map_err(read_err)?.is_dir() {
        return Err(read_err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a directory, not a JSONL file",
        )));
    }
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    draw(&mut reader, n, seed).map_err(read_err)
}

/// `revmine sample`: a reproducible spot-check sheet (and page) of one dataset.
pub(crate) fn sample(
    args: &SampleArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    if args.file.as_os_str() == "-" {
        return Err(Error::Usage {
            flag: "FILE",
            message: "a sheet must name a file its reviewer can sign off against; standard input cannot be sampled".into(),
        });
    }
    let outputs: Vec<&Path> = [&args.output, &args.html]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path)
        .collect();
    revmine::output::refuse_overlap(&args.cwd, &[&args.file], &outputs)?;
    if args.output.is_none() {
        // The sheet goes to standard output, which must not be the dataset.
        revmine::output::refuse_overlap(&args.cwd, &[&args.file], &[Path::new("-")])?;
    }
    let config = Config::load(args.config.as_deref(), &args.cwd)?;
    let spot = &config.gates.spot_check;
    let (n, seed) = (
        args.n.unwrap_or(spot.sample_size),
        args.seed.unwrap_or(spot.seed),
    );
    let sample = draw_file(&args.cwd, &args.file, n, seed)?;
    let dataset = args.file.display().to_string();
    let header = SheetHeader::new(&dataset, &sample, &signoff::now_utc());
    let sheet = render_sheet(&header, &sample);
    if let Some(page) = &args.html {
        revmine::output::write_file_in(
            &args.cwd,
            page,
            revmine::review::html::render(&header, &sample).as_bytes(),
        )?;
    }
    match &args.output {
        Some(path) => revmine::output::write_file_in(&args.cwd, path, sheet.as_bytes())?,
        None => out.write_all(sheet.as_bytes()).map_err(Error::stdout)?,
    }
    let shown = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    if args.json {
        let report = json!({
            "dataset": dataset,
            "content_hash": sample.content_hash,
            "records": sample.lines,
            "sampled": sample.picked.len(),
            "n": n,
            "seed": seed,
            "skipped": sample.skipped,
            "sheet": shown(&args.output),
            "html": shown(&args.html),
        });
        writeln!(out, "{report}").map_err(Error::stdout)?;
    } else {
        let mut to: Vec<String> = [&args.output, &args.html]
            .iter()
            .filter_map(|p| shown(p))
            .collect();
        if args.output.is_none() {
            to.insert(0, "standard output".into());
        }
        let mut text = format!(
            "sampled {} of {} records of {dataset} (seed {seed}, {}) to {}\n",
            sample.picked.len(),
            sample.lines,
            sample.content_hash,
            to.join(" and ")
        );
        if sample.skipped > 0 {
            text.push_str(&format!(
                "  {} lines could not be drawn (not a JSON object, or no id; `revmine validate {dataset}` lists them)\n",
                sample.skipped
            ));
        }
        err.write_all(text.as_bytes()).ok();
    }
    Ok(Exit::Ok)
}

/// Options of `revmine review sign-off`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SignOffArgs {
    pub(crate) sheet: PathBuf,
    /// Who signs; default git's `user.name`.
    pub(crate) by: Option<String>,
    /// The dataset, when it is no longer where the sheet names it.
    pub(crate) dataset: Option<PathBuf>,
    /// For `[gates.spot_check]`, to say whether `check` will count the sign-off.
    pub(crate) config: Option<PathBuf>,
    pub(crate) cwd: PathBuf,
    pub(crate) json: bool,
}

/// Where the dataset a sheet names is: from the working directory, else beside the sheet.
fn find_dataset(args: &SignOffArgs, named: &str) -> Result<PathBuf, Error> {
    if let Some(d) = &args.dataset {
        return Ok(d.clone());
    }
    let named = Path::new(named);
    let beside_sheet = revmine::output::parent_dir(&args.sheet).join(named);
    for candidate in [named.to_path_buf(), beside_sheet] {
        if args.cwd.join(&candidate).is_file() {
            return Ok(candidate);
        }
    }
    Err(Error::Usage {
        flag: "--dataset",
        message: format!(
            "the sheet's dataset `{}` is neither under the working directory nor beside the sheet; name it with --dataset",
            named.display()
        ),
    })
}

/// `revmine review sign-off`: records a sign-off of a fully ticked sheet of the dataset's current content.
pub(crate) fn sign_off(
    args: &SignOffArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    crate::cli::common::no_stdin(
        std::slice::from_ref(&args.sheet),
        "SHEET",
        "sign-off re-reads the sheet's dataset from disk and keeps its ledger beside it; \
         name the sheet file `revmine sample -o` wrote",
    )?;
    if let Some(d) = &args.dataset {
        crate::cli::common::no_stdin(
            std::slice::from_ref(d),
            "--dataset",
            "a sign-off is kept in a ledger beside the dataset file; name the file",
        )?;
    }
    let text =
        std::fs::read_to_string(args.cwd.join(&args.sheet)).map_err(|source| Error::Read {
            path: args.sheet.clone(),
            source,
        })?;
    let sheet = parse_sheet(&text).map_err(|message| Error::Sheet {
        path: args.sheet.clone(),
        message,
    })?;
    let by = match args.by.as_deref().map(str::trim) {
        Some("") => {
            return Err(Error::Usage {
                flag: "--by",
                message: "the name is empty".into(),
            });
        }
        Some(name) => name.to_string(),
        None => revmine::source::git::user_name(&args.cwd).ok_or(Error::Usage {
            flag: "--by",
            message: "say who signs off (--by NAME); git config user.name is not set either".into(),
        })?,
    };
    let dataset = find_dataset(args, &sheet.header.dataset)?;
    let now = draw_file(&args.cwd, &dataset, sheet.header.n, sheet.header.seed)?;
    let sheet_name = args.sheet.display().to_string();
    let ledger = signoff::ledger_path(&dataset);
    match signoff::verify(&sheet, &sheet_name, &now, &by, &signoff::now_utc()) {
        Ok(entry) => {
            // Said before anything is recorded, so a bad config costs nothing.
            let spot_check = Config::load(args.config.as_deref(), &args.cwd)?
                .gates
                .spot_check;
            let short = revmine::gate::spot_check_shortfall(
                &spot_check,
                &dataset.display().to_string(),
                entry.sampled,
                entry.records,
            );
            signoff::append(&args.cwd.join(&dataset), std::slice::from_ref(&entry))?;
            if args.json {
                let report = json!({
                    "signed": true,
                    "dataset": dataset,
                    "ledger": ledger,
                    "signoff": entry,
                    "counts_for_spot_check": short.is_none(),
                    "spot_check": short,
                });
                writeln!(out, "{report}").map_err(Error::stdout)?;
            } else {
                writeln!(
                    err,
                    "signed off {} ({}) by {by}: {} of {} records reviewed; recorded in {}",
                    dataset.display(),
                    entry.content_hash,
                    entry.sampled,
                    entry.records,
                    ledger.display()
                )
                .ok();
                if let Some(why) = &short {
                    writeln!(
                        err,
                        "warning: `check` will not count this sign-off: it {why}"
                    )
                    .ok();
                }
            }
            Ok(Exit::Ok)
        }
        Err(refusal) => {
            if args.json {
                let report =
                    json!({ "signed": false, "dataset": dataset, "refused": refusal.to_string() });
                writeln!(out, "{report}").map_err(Error::stdout)?;
            } else {
                writeln!(err, "revmine review sign-off: not signed: {refusal}").ok();
            }
            Ok(Exit::Failed)
        }
    }
}

/// Options of `revmine promote`.
#[derive(Debug, Clone)]
pub(crate) struct PromoteArgs {
    /// The candidate dataset.
    pub(crate) new: PathBuf,
    /// The name it is to have; its role (train/eval) comes from the config's globs.
    pub(crate) name: PathBuf,
    pub(crate) how: How,
    pub(crate) config: Option<PathBuf>,
    pub(crate) schema: Option<PathBuf>,
    pub(crate) cwd: PathBuf,
    pub(crate) json: bool,
}

/// Both ledgers a promoted file's sign-off may be in: the candidate's, and
/// the target's (sign-offs are keyed by content, so either may vouch).
fn merged_ledger(new: &Path, name: &Path) -> Ledger {
    match (signoff::load(new), signoff::load(name)) {
        (Ledger::Unreadable(why), _) | (_, Ledger::Unreadable(why)) => Ledger::Unreadable(why),
        (Ledger::Found(mut a), Ledger::Found(b)) => {
            a.extend(b);
            Ledger::Found(a)
        }
        (Ledger::Found(a), _) | (_, Ledger::Found(a)) => Ledger::Found(a),
        _ => Ledger::Absent,
    }
}

/// `revmine promote`: judge NEW as NAME would be judged; only if every gate
/// passes, put it in place atomically.
pub(crate) fn promote(
    args: &PromoteArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    let (new_at, name_at) = (args.cwd.join(&args.new), args.cwd.join(&args.name));
    if args.new.as_os_str() == "-" {
        return Err(Error::Usage {
            flag: "NEW",
            message: "standard input cannot be promoted; name a file".into(),
        });
    }
    if let (Ok(a), Ok(b)) = (new_at.canonicalize(), name_at.canonicalize())
        && a == b
    {
        return Err(Error::Usage {
            flag: "--as",
            message: format!("`{}` is NEW itself", args.name.display()),
        });
    }
    // A hard link is the same file under another name: renaming one over
    // the other would do nothing, and copying would truncate both.
    revmine::output::refuse_overlap(&args.cwd, &[&args.new], &[&args.name])?;
    let (config, schema) =
        config_and_schema(args.config.as_deref(), args.schema.as_deref(), &args.cwd)?;
    let role = config.matchers()?.role(&args.name);
    let input = Input::open_in(&args.cwd, &args.new, role)?;
    let session = Session {
        config,
        schema,
        inputs: vec![input],
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let (config, mut scans, errors) = session.scan(false, true);
    for s in &mut scans {
        s.signoffs = merged_ledger(&new_at, &name_at);
    }
    let gates = revmine::gate::run_all(&scans, &config.gates, &config.near_duplicates);
    let passed = gates.iter().all(|g| g.passed);
    let io = scans
        .iter()
        .flat_map(|s| &s.problems)
        .any(|p| p.kind == ProblemKind::Io);
    let judged = scans.first().and_then(|s| s.content_hash);
    let mut promoted = false;
    if let (true, false, true, Some(hash)) = (passed, io, errors.is_empty(), judged) {
        // The sign-offs first: an entry for content that then fails to land is harmless.
        if let Ledger::Found(entries) = signoff::load(&new_at) {
            signoff::append(&name_at, &entries)?;
        }
        revmine::review::promote::place(&new_at, &name_at, &hash, args.how)?;
        if args.how == How::Move {
            let _ = std::fs::remove_file(signoff::ledger_path(&new_at));
        }
        promoted = true;
    }
    let (new, name) = (
        args.new.display().to_string(),
        args.name.display().to_string(),
    );
    if args.json {
        let report = json!({
            "promoted": promoted,
            "from": new,
            "to": name,
            "role": role,
            "how": args.how,
            "passed": passed && errors.is_empty() && !io,
            "files": files_json(&scans),
            "gates": gates,
            "errors": errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        writeln!(out, "{report}").map_err(Error::stdout)?;
    } else {
        let verdict = if promoted {
            let did = if args.how == How::Move {
                "moved"
            } else {
                "copied"
            };
            format!("promoted: {new} {did} to {name}")
        } else {
            format!("not promoted: {name} is untouched")
        };
        write!(
            out,
            "judging {new} as {name} ({})\n{}\n{verdict}\n",
            role.as_str(),
            render_check(
                &scans,
                &gates,
                config.report.max_problems,
                crate::cli::common::unread(&scans, &errors)
            )
        )
        .map_err(Error::stdout)?;
    }
    report_errors(&errors, err).ok();
    Ok(exit_for(!passed, &scans, &errors))
}

#[derive(Debug, Args)]
pub(crate) struct SampleFlags {
    /// The JSONL dataset.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Records to draw (default gates.spot_check.sample_size, 100).
    #[arg(short = 'n', long = "count", value_name = "N")]
    pub(crate) n: Option<usize>,
    /// Seed of the draw (default gates.spot_check.seed).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Write the Markdown sheet here (replaced atomically); default standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Also write the sample as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// Print a JSON summary on stdout (needs --output).
    #[arg(long, requires = "output")]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ReviewFlags {
    #[command(subcommand)]
    pub(crate) action: ReviewAction,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReviewAction {
    /// Sign off a fully ticked sheet: records who, when and the dataset's content hash.
    #[command(
        after_help = "Examples:\n  revmine sample train.jsonl -o review.md   # draw the sheet, then tick every box\n  \
        revmine review sign-off review.md --by 'Ana Ruiz'\n  \
        revmine review sign-off review.md            # the name from git config user.name\n  \
        revmine review sign-off old/review.md --dataset data/train.jsonl --json\n\n\
        Refused (exit 1, nothing recorded) when the dataset changed since the sheet was drawn, when the\n\
        sheet's records are not the ones the dataset and seed draw, or when a box is still open. A sheet\n\
        smaller than gates.spot_check.sample_size (or the whole of a smaller file) is recorded with a\n\
        warning that the spot_check gate will not count it."
    )]
    SignOff {
        /// The ticked sheet `revmine sample` wrote.
        #[arg(value_name = "SHEET")]
        sheet: PathBuf,
        /// Who signs (default: git config user.name).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// The dataset, if it is no longer where the sheet names it.
        #[arg(long, value_name = "FILE")]
        dataset: Option<PathBuf>,
        /// Print the outcome as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct PromoteFlags {
    /// The candidate dataset.
    #[arg(value_name = "NEW")]
    pub(crate) new: PathBuf,
    /// The name it is to have.
    #[arg(long = "as", value_name = "NAME")]
    pub(crate) name: PathBuf,
    /// Rename NEW instead of copying it.
    #[arg(long = "move")]
    pub(crate) move_: bool,
    /// JSON Schema replacing the built-in record schema.
    #[arg(long, value_name = "FILE")]
    pub(crate) schema: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn sample_command(
    flags: &SampleFlags,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let args = SampleArgs {
        file: flags.file.clone(),
        n: flags.n,
        seed: flags.seed,
        output: stdout_dash(&flags.output),
        html: stdout_dash(&flags.html),
        config: config.clone(),
        cwd: std::env::current_dir()?,
        json: flags.json,
    };
    Ok(sample(&args, out, err)?)
}

pub(crate) fn review_command(
    flags: &ReviewFlags,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let ReviewAction::SignOff {
        sheet,
        by,
        dataset,
        json,
    } = &flags.action;
    let args = SignOffArgs {
        sheet: sheet.clone(),
        by: by.clone(),
        dataset: dataset.clone(),
        config: config.clone(),
        cwd: std::env::current_dir()?,
        json: *json,
    };
    Ok(sign_off(&args, out, err)?)
}

pub(crate) fn promote_command(
    flags: &PromoteFlags,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let args = PromoteArgs {
        new: flags.new.clone(),
        name: flags.name.clone(),
        how: if flags.move_ {
            revmine::review::promote::How::Move
        } else {
            revmine::review::promote::How::Copy
        },
        config: config.clone(),
        schema: flags.schema.clone(),
        cwd: std::env::current_dir()?,
        json: flags.json,
    };
    Ok(promote(&args, out, err)?)
}
