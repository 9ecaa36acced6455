//! `revmine run`: the periodic job over every `[[source]]` of the config,
//! from cron or CI. Each source is mined, converted or ingested as its
//! command would, and [`revmine::run`] decides what its output gains and
//! loses. A second run waits for a source's lock with `--wait`, or exits at
//! once with [`Exit::Busy`] naming the lock.

use clap::Args;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use serde_json::json;

use crate::cli::common::{Exit, walk_files};
use revmine::config::Config;
use revmine::error::Error;
use revmine::run::records::{NewRecords, id_hash, new_records};
use revmine::run::records::{Supersede, count_existing, each_record, record_head};
use revmine::run::shard::{parse_shard, shard_of};
use revmine::run::source::{RunKind, RunSource};
use revmine::run::state::{Lock, Paths, State, crash_point, lock};

#[derive(Debug, Clone)]
pub(crate) struct RunArgs {
    pub(crate) config: Option<PathBuf>,
    pub(crate) cwd: PathBuf,
    /// `(k, n)`: only sources whose name hashes to `k` modulo `n`.
    pub(crate) shard: Option<(u64, u64)>,
    /// Only these sources (by name); all when empty.
    pub(crate) only: Vec<String>,
    pub(crate) wait: bool,
    pub(crate) json: bool,
}

/// One source's part of the run summary (`--json` prints these).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SourceReport {
    pub(crate) name: String,
    pub(crate) kind: RunKind,
    pub(crate) status: &'static str,
    pub(crate) error: Option<String>,
    pub(crate) commit: Option<String>,
    pub(crate) previous_commit: Option<String>,
    /// The remembered commit was no longer in the history: re-mined whole.
    pub(crate) rewritten: bool,
    /// A shallow clone: only the history it holds was read.
    pub(crate) shallow: bool,
    /// The shallow clone grew deeper since the last run (`git fetch
    /// --unshallow`, `--deepen`): re-mined whole.
    pub(crate) deepened: bool,
    pub(crate) commits: u64,
    pub(crate) found: u64,
    pub(crate) written: u64,
    pub(crate) already_present: u64,
    /// Records removed from the output as out of date (see [`Supersede`]).
    pub(crate) superseded: u64,
    pub(crate) total: u64,
    pub(crate) skipped: BTreeMap<String, u64>,
    pub(crate) seconds: f64,
}

/// Runs every selected source; one failing source does not stop the others.
pub(crate) fn run(args: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let config = Config::load(args.config.as_deref(), &args.cwd)?;
    let base = config
        .origin
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| args.cwd.clone(), |p| args.cwd.join(p));
    if config.source.is_empty() {
        writeln!(
            err,
            "revmine run: no [[source]] in the config (see `revmine init` for the format)"
        )
        .ok();
        return Ok(Exit::Error);
    }
    for want in &args.only {
        if !config.source.iter().any(|s| &s.name() == want) {
            return Err(Error::Usage {
                flag: "--source",
                message: format!("no [[source]] named `{want}`"),
            });
        }
    }
    let mut names = HashSet::new();
    for s in &config.source {
        if !names.insert(s.name()) {
            return Err(Error::Usage {
                flag: "[[source]]",
                message: format!(
                    "two sources are named `{}`; give each a distinct name",
                    s.name()
                ),
            });
        }
    }
    // Each source replaces its own records in its output: two sharing one
    // file (however spelled) would remove each other's, and their locks
    // would not keep two runs apart.
    let outputs: Vec<PathBuf> = config
        .source
        .iter()
        .map(|s| expand_home(&s.output, &base))
        .collect();
    let outputs: Vec<&Path> = outputs.iter().map(PathBuf::as_path).collect();
    revmine::output::refuse_overlap(&base, &[], &outputs)?;
    let selected: Vec<&RunSource> = config
        .source
        .iter()
        .filter(|s| args.only.is_empty() || args.only.contains(&s.name()))
        .filter(|s| args.shard.is_none_or(|(k, n)| shard_of(&s.name(), n) == k))
        .collect();
    let state_dir = base.join(&config.run.state_dir);
    std::fs::create_dir_all(&state_dir).map_err(|source| Error::Write {
        path: state_dir.clone(),
        source,
    })?;
    // Every lock first, in name order (so two waiting runs cannot deadlock),
    // before any work: a busy source never leaves a run half done.
    let mut locks = Vec::new();
    let mut order: Vec<&RunSource> = selected.clone();
    order.sort_by_key(|s| s.name());
    for s in &order {
        let path = Paths::of(&state_dir, &s.name()).lock;
        let waiting = || {
            writeln!(err, "revmine run: waiting for {}", path.display()).ok();
        };
        match lock(&path, args.wait, waiting)? {
            Lock::Held(file) => locks.push(file),
            Lock::Busy => {
                writeln!(
                    err,
                    "revmine run: another run holds {} (source `{}`); try again later or pass --wait",
                    path.display(),
                    s.name()
                )
                .ok();
                return Ok(Exit::Busy);
            }
        }
    }
    let started = Instant::now();
    let mut reports = Vec::new();
    for s in &selected {
        let t = Instant::now();
        let mut report = match run_source(s, &config, &base, &state_dir, args) {
            Ok(r) => r,
            Err(e) => failed(s, e.to_string()),
        };
        report.seconds = t.elapsed().as_secs_f64();
        reports.push(report);
    }
    drop(locks);
    let failures = reports.iter().filter(|r| r.status == "failed").count();
    if args.json {
        let v = json!({
            "passed": failures == 0,
            "shard": args.shard.map(|(k, n)| format!("{k}/{n}")),
            "sources": reports,
            "seconds": started.elapsed().as_secs_f64(),
        });
        writeln!(out, "{v}").map_err(Error::stdout)?;
    } else {
        for r in &reports {
            writeln!(err, "{}", summary_line(r)).ok();
        }
        if args.shard.is_some() && reports.is_empty() {
            writeln!(err, "revmine run: no source falls in this shard").ok();
        }
    }
    Ok(if failures > 0 { Exit::Failed } else { Exit::Ok })
}

/// A source's kind as the config spells it.
fn kind_name(kind: RunKind) -> &'static str {
    match kind {
        RunKind::Drafts => "drafts",
        RunKind::Notes => "notes",
        RunKind::Transcripts => "transcripts",
    }
}

/// One source's line of the human summary: only what is true of that kind
/// of source (transcripts have no commits; notes are re-read at a commit).
fn summary_line(r: &SourceReport) -> String {
    use crate::cli::common::count;
    let head = format!("{} ({})", r.name, kind_name(r.kind));
    if let Some(e) = &r.error {
        return format!("{head}: FAILED: {e}");
    }
    let in_output = format!("{} in output", count(r.total as usize, "record"));
    let short = |c: &Option<String>| {
        c.as_deref()
            .map(|c| c.get(..8).unwrap_or(c).to_string())
            .unwrap_or_default()
    };
    match r.status {
        // A transcripts source has no commits: it is up to date when its
        // files gave nothing new; said below with what was found.
        "up_to_date" if r.kind == RunKind::Transcripts => {}
        "up_to_date" => {
            let shallow = if r.shallow && r.kind == RunKind::Drafts {
                "; shallow clone: only the history it holds was mined (after `git fetch --unshallow` the next run mines the rest)"
            } else {
                ""
            };
            return format!(
                "{head}: up to date (no commit since {}); {in_output}{shallow}",
                short(&r.commit)
            );
        }
        "empty" => return format!("{head}: the repository has no commits yet; {in_output}"),
        _ => {}
    }
    let mut parts = Vec::new();
    match r.kind {
        RunKind::Drafts => parts.push(format!(
            "{} read up to {}",
            count(r.commits as usize, "commit"),
            short(&r.commit)
        )),
        RunKind::Notes => parts.push(format!("notes read at {}", short(&r.commit))),
        RunKind::Transcripts => {}
    }
    let found = count(r.found as usize, "record");
    if r.found == 0 {
        parts.push("no records found".to_string());
    } else if r.written == 0 && r.superseded == 0 {
        parts.push(format!("{found} found, all already present: up to date"));
    } else {
        parts.push(format!(
            "{found} found: {} new, {} already present",
            r.written, r.already_present
        ));
    }
    if r.superseded > 0 {
        parts.push(format!(
            "{} removed as out of date",
            count(r.superseded as usize, "record")
        ));
    }
    if r.rewritten {
        parts.push("history was rewritten, re-mined whole".to_string());
    }
    if r.deepened {
        parts.push("the shallow clone grew deeper, re-mined whole".to_string());
    }
    if r.shallow && r.kind == RunKind::Drafts {
        parts.push(
            "shallow clone: only the history it holds was mined (after `git fetch --unshallow` the next run mines the rest)"
                .to_string(),
        );
    }
    format!(
        "{head}: {}; {in_output}{}",
        parts.join("; "),
        skipped_text(&r.skipped)
    )
}

fn skipped_text(skipped: &BTreeMap<String, u64>) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = skipped.iter().map(|(k, v)| format!("{k} {v}")).collect();
    format!("; skipped: {}", parts.join(", "))
}

impl SourceReport {
    /// A report with nothing done yet.
    fn new(s: &RunSource, previous_commit: Option<String>) -> Self {
        SourceReport {
            name: s.name(),
            kind: s.kind,
            status: "ok",
            error: None,
            commit: None,
            previous_commit,
            rewritten: false,
            shallow: false,
            deepened: false,
            commits: 0,
            found: 0,
            written: 0,
            already_present: 0,
            superseded: 0,
            total: 0,
            skipped: BTreeMap::new(),
            seconds: 0.0,
        }
    }
}

fn failed(s: &RunSource, error: String) -> SourceReport {
    SourceReport {
        status: "failed",
        error: Some(error),
        ..SourceReport::new(s, None)
    }
}

/// `~/x` is the user's home, as in a crontab line.
fn expand_home(p: &Path, base: &Path) -> PathBuf {
    if let (Ok(rest), Some(home)) = (p.strip_prefix("~"), std::env::var_os("HOME")) {
        return PathBuf::from(home).join(rest);
    }
    base.join(p)
}

fn run_source(
    s: &RunSource,
    config: &Config,
    base: &Path,
    state_dir: &Path,
    args: &RunArgs,
) -> Result<SourceReport, Error> {
    let Paths {
        state: state_path,
        lock: lock_path,
    } = Paths::of(state_dir, &s.name());
    let state = State::load(&state_path)?;
    let path = expand_home(&s.path, base);
    let output = expand_home(&s.output, base);
    let mut report = SourceReport::new(s, state.commit.clone());
    // The output is read back to skip what it holds: only a regular file
    // (or a symlink to one) can be a run's output.
    revmine::output::replace_target(&output)?;
    // Nor the source, its state or its lock (which holds other runs off).
    revmine::output::refuse_overlap(base, &[&path, &lock_path], &[&output, &state_path])?;
    let tmp = tempfile::Builder::new()
        .prefix(".revmine-run-")
        .tempdir()
        .map_err(|source| Error::Write {
            path: output.clone(),
            source,
        })?;
    let produced = tmp.path().join("records.jsonl");
    // (id hash, line) of every record this run found, in order.
    let mut mined: Vec<(u128, String)> = Vec::new();
    // Which records of the output the ones found this run make out of date.
    let mut supersede = Supersede::Nothing;
    let mut sink = Vec::new();
    let mut quiet = Vec::new();
    // A shallow clone's boundary as this run found it, for the next state.
    let mut shallow = Vec::new();
    match s.kind {
        RunKind::Drafts | RunKind::Notes => {
            let repo = revmine::source::git::GitRepo::open(&path)?;
            let target = repo.resolve(s.rev.as_deref())?;
            report.commit = target.clone();
            shallow = repo.shallow_boundary();
            report.shallow = !shallow.is_empty();
            let Some(target) = target else {
                report.status = "empty";
                report.total = count_existing(&output)?.len() as u64;
                return Ok(report);
            };
            let after = match &state.commit {
                Some(old) if repo.contains(&target, old) => Some(old.clone()),
                Some(_) => {
                    report.rewritten = true;
                    None
                }
                None => None,
            };
            // History appeared before what was mined: mined again whole,
            // ids already in the output are not written twice.
            let after = match after {
                Some(_)
                    if s.kind == RunKind::Drafts
                        && state
                            .shallow
                            .as_ref()
                            .is_some_and(|was| !was.is_empty() && *was != shallow) =>
                {
                    report.deepened = true;
                    None
                }
                // A state from before the boundary was recorded: whether
                // history appeared is unknown, so all of it is read once.
                Some(_) if s.kind == RunKind::Drafts && state.shallow.is_none() => None,
                after => after,
            };
            if after.as_deref() == Some(target.as_str()) {
                report.status = "up_to_date";
                report.total = state.records;
                return Ok(report);
            }
            if s.kind == RunKind::Drafts && report.rewritten {
                // Pairs from commits the new history no longer holds are
                // dropped; the whole re-mine below finds what replaces them.
                supersede = Supersede::Unreachable {
                    repo: repo.identity.clone(),
                    reachable: repo.reachable(&target)?,
                };
            } else if report.deepened && shallow.is_empty() {
                // Only a complete history is the truth about every pair: a
                // clone made shallower, or deepened but still shallow,
                // removes nothing (what it cannot see may still be right).
                supersede = Supersede::Remined {
                    repo: repo.identity.clone(),
                };
            }
            if s.kind == RunKind::Drafts {
                let mut opts = config.mine_options(&revmine::config::MineOverrides {
                    rev: Some(target.clone()),
                    history: s.history,
                    paths: s.globs.clone(),
                    ..Default::default()
                })?;
                opts.after = after;
                let (pairs, summary) =
                    revmine::mine::mine_repo(&path, &opts, &indicatif::ProgressBar::hidden())?;
                // Pairs built around a missing version would differ from
                // those of the whole history, and a state past them would
                // never read them: nothing is written, the state stays.
                if let Some(&n) = summary.skipped.get("missing_blob")
                    && n > 0
                {
                    return Err(Error::Input {
                        message: crate::cli::mine::missing_blobs(
                            &repo,
                            &s.path.display().to_string(),
                            n,
                            "nothing was written and the state stays where it was; run again",
                        ),
                    });
                }
                report.commits = summary.commits;
                report.skipped = summary
                    .skipped
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect();
                // Already in memory: no need for the round trip through a file.
                mined = pairs
                    .into_iter()
                    .map(|p| (id_hash(&p.id), p.line))
                    .collect();
            } else {
                // Notes are whole documents: any new commit re-reads them at
                // the target, and each note's records are replaced by those
                // of its current version (a record whose text did not change
                // keeps its id and stays).
                let notes_args = crate::cli::notes::NotesArgs {
                    paths: vec![relative(&path, base)],
                    output: None,
                    config: args.config.clone(),
                    cwd: base.to_path_buf(),
                    rev: Some(target.clone()),
                    turns: s.turns,
                    history: false,
                    json: true,
                    globs: s.globs.clone(),
                };
                let read = crate::cli::notes::read_notes(&notes_args)?;
                let inputs: Vec<&Path> = read.files.iter().map(PathBuf::as_path).collect();
                revmine::output::refuse_overlap(base, &inputs, &[&output])?;
                for line in read.lines {
                    mined.push((record_head(&line, &produced, 0)?.id, line));
                }
                let at = revmine::source::git::locate(&path);
                supersede = Supersede::Documents {
                    origin: "notes",
                    read: read.notes.into_iter().map(|l| (l.repo, l.path)).collect(),
                    scope: (at.repo, at.path),
                };
            }
        }
        RunKind::Transcripts => {
            let files = transcript_files(&path, &s.globs)?;
            let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
            revmine::output::refuse_overlap(base, &inputs, &[&output])?;
            let format = match &s.format {
                Some(f) => f.parse().map_err(|message| Error::Usage {
                    flag: "[[source]] format",
                    message,
                })?,
                None => revmine::convert::ingest::Format::Auto,
            };
            let ingest_args = crate::cli::ingest::IngestArgs {
                files: files.iter().map(|f| relative(f, base)).collect(),
                output: Some(produced.clone()),
                cwd: base.to_path_buf(),
                format,
                turns: s.turns.unwrap_or(config.notes.turns),
                keep_going: false,
                json: true,
                config: args.config.clone(),
            };
            if crate::cli::ingest::ingest(&ingest_args, &mut sink, &mut quiet)? != Exit::Ok {
                return Err(Error::Input {
                    message: String::from_utf8_lossy(&quiet).trim().to_string(),
                });
            }
            // Transcripts are re-read whole: each file's records are replaced
            // by those of its current text.
            supersede = Supersede::Documents {
                origin: "transcript",
                read: files
                    .iter()
                    .map(|f| {
                        let l = revmine::source::git::locate(f);
                        (l.repo, l.path)
                    })
                    .collect(),
                scope: {
                    let at = revmine::source::git::locate(&path);
                    (at.repo, at.path)
                },
            };
        }
    }
    each_record(&produced, |head, line| mined.push((head.id, line)))?;
    // The output's records, less those the records found make out of date.
    let found: HashSet<u128> = mined.iter().map(|(id, _)| *id).collect();
    let mut kept: Vec<String> = Vec::new();
    let mut existing: HashSet<u128> = HashSet::new();
    each_record(&output, |head, line| {
        if supersede.drops(&head, &found) {
            report.superseded += 1;
        } else {
            existing.insert(head.id);
            kept.push(line);
        }
    })?;
    let NewRecords {
        lines: new_lines,
        found: found_count,
        already_present,
    } = new_records(mined, &existing);
    report.found = found_count;
    report.already_present = already_present;
    report.written = new_lines.len() as u64;
    report.total = kept.len() as u64 + new_lines.len() as u64;
    if s.kind == RunKind::Transcripts && new_lines.is_empty() && report.superseded == 0 {
        report.status = "up_to_date";
    }
    if report.superseded > 0 {
        kept.extend(new_lines);
        revmine::output::replace_lines(&output, &kept, &mut crash_point)?;
    } else if !new_lines.is_empty() || !output.exists() {
        revmine::output::append_lines(&output, &new_lines, &mut crash_point)?;
    }
    crash_point("after_output");
    let next = State {
        name: s.name(),
        kind: Some(s.kind),
        commit: report.commit.clone(),
        shallow: Some(shallow),
        output: output.clone(),
        records: report.total,
        runs: state.runs + 1,
        updated: Some(revmine::review::signoff::now_utc()),
    };
    next.save(&state_path)?;
    crash_point("after_state");
    Ok(report)
}

/// `path` as seen from the config's directory: record ids and provenance
/// name files this way, so they stay the same wherever the checkout lives.
fn relative(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base).unwrap_or(path).to_path_buf()
}

/// The transcript files under `dir` that `globs` name (every file when empty), sorted.
fn transcript_files(dir: &Path, globs: &[String]) -> Result<Vec<PathBuf>, Error> {
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        b.add(globset::Glob::new(g).map_err(|e| Error::Usage {
            flag: "[[source]] globs",
            message: e.to_string(),
        })?);
    }
    let set = b.build().map_err(|e| Error::Usage {
        flag: "[[source]] globs",
        message: e.to_string(),
    })?;
    let files = walk_files(dir, |rel| globs.is_empty() || set.is_match(rel))?;
    Ok(files.into_iter().map(|rel| dir.join(rel)).collect())
}

#[derive(Debug, Args)]
pub(crate) struct Flags {
    /// Only the sources whose name hashes to K of N (K from 0): the shards of N hosts or array
    /// tasks together cover every source exactly once.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub(crate) shard: Option<(u64, u64)>,
    /// Only this source (by name); repeatable.
    #[arg(long = "source", value_name = "NAME")]
    pub(crate) only: Vec<String>,
    /// Wait for another run's locks instead of exiting with 75.
    #[arg(long)]
    pub(crate) wait: bool,
    /// One JSON object on stdout: per source its status, commits, records found and written, skips, seconds.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn command(
    flags: &Flags,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let args = RunArgs {
        config: config.clone(),
        cwd: std::env::current_dir()?,
        shard: flags.shard,
        only: flags.only.clone(),
        wait: flags.wait,
        json: flags.json,
    };
    Ok(run(&args, out, err)?)
}
