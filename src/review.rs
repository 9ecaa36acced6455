//! The review commands as the binary runs them: `sample`, `review sign-off`
//! and `promote`. Like [`crate::app`], each takes plain options, writes its
//! report to `out`/`err` and says how the process should exit; the work is in
//! [`crate::sample`], [`crate::html`], [`crate::signoff`] and [`crate::promote`].

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::app::{
    Exit, Session, config_and_schema, exit_for, files_json, render_check, report_errors,
    stdout_error,
};
use crate::config::{Config, Role};
use crate::error::Error;
use crate::promote::How;
use crate::sample::{Sample, SheetHeader, draw, parse_sheet, render_sheet};
use crate::scan::{Input, ProblemKind};
use crate::signoff::{self, Ledger};

/// Options of `revmine sample`.
#[derive(Debug, Clone, Default)]
pub struct SampleArgs {
    pub file: PathBuf,
    /// Records to draw (default `gates.spot_check.sample_size`).
    pub n: Option<usize>,
    /// Default `gates.spot_check.seed`.
    pub seed: Option<u64>,
    /// The Markdown sheet; standard output when `None`.
    pub output: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub cwd: PathBuf,
    pub json: bool,
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
pub fn sample(args: &SampleArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
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
    crate::output::refuse_overlap(&args.cwd, &[&args.file], &outputs)?;
    if args.output.is_none() {
        // The sheet goes to standard output, which must not be the dataset.
        crate::output::refuse_overlap(&args.cwd, &[&args.file], &[Path::new("-")])?;
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
        crate::output::write_file_in(
            &args.cwd,
            page,
            crate::html::render(&header, &sample).as_bytes(),
        )?;
    }
    match &args.output {
        Some(path) => crate::output::write_file_in(&args.cwd, path, sheet.as_bytes())?,
        None => out.write_all(sheet.as_bytes()).map_err(stdout_error)?,
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
        writeln!(out, "{report}").map_err(stdout_error)?;
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
pub struct SignOffArgs {
    pub sheet: PathBuf,
    /// Who signs; default git's `user.name`.
    pub by: Option<String>,
    /// The dataset, when it is no longer where the sheet names it.
    pub dataset: Option<PathBuf>,
    /// For `[gates.spot_check]`, to say whether `check` will count the sign-off.
    pub config: Option<PathBuf>,
    pub cwd: PathBuf,
    pub json: bool,
}

/// Where the dataset a sheet names is: from the working directory, else beside the sheet.
fn find_dataset(args: &SignOffArgs, named: &str) -> Result<PathBuf, Error> {
    if let Some(d) = &args.dataset {
        return Ok(d.clone());
    }
    let named = Path::new(named);
    let beside_sheet = crate::output::parent_dir(&args.sheet).join(named);
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
pub fn sign_off(
    args: &SignOffArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    crate::app::no_stdin(
        std::slice::from_ref(&args.sheet),
        "SHEET",
        "sign-off re-reads the sheet's dataset from disk and keeps its ledger beside it; \
         name the sheet file `revmine sample -o` wrote",
    )?;
    if let Some(d) = &args.dataset {
        crate::app::no_stdin(
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
        None => crate::source::git::user_name(&args.cwd).ok_or(Error::Usage {
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
            let short = crate::gate::spot_check_shortfall(
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
                writeln!(out, "{report}").map_err(stdout_error)?;
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
                writeln!(out, "{report}").map_err(stdout_error)?;
            } else {
                writeln!(err, "revmine review sign-off: not signed: {refusal}").ok();
            }
            Ok(Exit::Failed)
        }
    }
}

/// Options of `revmine promote`.
#[derive(Debug, Clone)]
pub struct PromoteArgs {
    /// The candidate dataset.
    pub new: PathBuf,
    /// The name it is to have; its role (train/eval) comes from the config's globs.
    pub name: PathBuf,
    pub how: How,
    pub config: Option<PathBuf>,
    pub schema: Option<PathBuf>,
    pub cwd: PathBuf,
    pub json: bool,
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Train => "train",
        Role::Eval => "eval",
        Role::Other => "other",
    }
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
pub fn promote(
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
    crate::output::refuse_overlap(&args.cwd, &[&args.new], &[&args.name])?;
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
    let gates = crate::gate::run_all(&scans, &config);
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
        crate::promote::place(&new_at, &name_at, &hash, args.how)?;
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
        writeln!(out, "{report}").map_err(stdout_error)?;
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
            role_name(role),
            render_check(
                &scans,
                &gates,
                config.report.max_problems,
                crate::app::unread(&scans, &errors)
            )
        )
        .map_err(stdout_error)?;
    }
    report_errors(&errors, err).ok();
    Ok(exit_for(!passed, &scans, &errors))
}
