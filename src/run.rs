//! `revmine run`: the periodic job over every `[[source]]` of the config,
//! from cron or CI. Each source remembers, in its own state file, the last
//! commit it mined, so a run reads only newer history and appends only
//! records whose ids its output does not hold yet.
//!
//! Durability, in this order, per source: the output is rewritten as a temp
//! file beside it (old records, then new ones), fsynced and renamed into
//! place, and the directory fsynced; only then does the state advance, the
//! same way. A run killed at any point leaves the previous output and state,
//! or the new output with the old state: the next run then finds the same
//! records again and their ids are already there, so none is written twice.
//!
//! Concurrency: one lock file per source (an OS advisory lock, released by
//! the kernel when the process dies); a second run waits with `--wait`, or
//! exits at once with [`Exit::Busy`] naming the lock.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::json;
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use crate::app::Exit;
use crate::config::{Config, RunKind, RunSource};
use crate::error::Error;

#[derive(Debug, Clone)]
pub struct RunArgs {
    pub config: Option<PathBuf>,
    pub cwd: PathBuf,
    /// `(k, n)`: only sources whose name hashes to `k` modulo `n`.
    pub shard: Option<(u64, u64)>,
    /// Only these sources (by name); all when empty.
    pub only: Vec<String>,
    pub wait: bool,
    pub json: bool,
}

/// Parses `K/N` (K counted from 0, as a Kubernetes indexed Job or a Slurm
/// array numbers its tasks).
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("`{s}`: expected K/N, e.g. 0/4"))?;
    let (k, n): (u64, u64) = (
        k.trim()
            .parse()
            .map_err(|_| format!("`{s}`: K is not a number"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("`{s}`: N is not a number"))?,
    );
    if n == 0 || k >= n {
        return Err(format!("`{s}`: need 0 <= K < N"));
    }
    Ok((k, n))
}

/// Which shard a source belongs to: by its name, not its position, so
/// adding a source never moves the others between shards.
pub fn shard_of(name: &str, n: u64) -> u64 {
    xxh3_64(name.as_bytes()) % n
}

/// What one source's state file remembers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    name: String,
    kind: Option<RunKind>,
    /// The last commit whose records are durable in the output.
    commit: Option<String>,
    output: PathBuf,
    records: u64,
    runs: u64,
    updated: Option<String>,
}

/// One source's part of the run summary (`--json` prints these).
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    pub name: String,
    pub kind: RunKind,
    pub status: &'static str,
    pub error: Option<String>,
    pub commit: Option<String>,
    pub previous_commit: Option<String>,
    /// The remembered commit was no longer in the history: re-mined whole.
    pub rewritten: bool,
    pub commits: u64,
    pub found: u64,
    pub written: u64,
    pub already_present: u64,
    /// Records removed from the output as out of date (see [`Supersede`]).
    pub superseded: u64,
    pub total: u64,
    pub skipped: BTreeMap<String, u64>,
    pub seconds: f64,
}

/// Runs every selected source; one failing source does not stop the others.
pub fn run(args: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
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
    crate::output::refuse_overlap(&base, &[], &outputs)?;
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
        let path = state_dir.join(format!("{}.lock", file_key(&s.name())));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) if args.wait => {
                writeln!(err, "revmine run: waiting for {}", path.display()).ok();
                file.lock().map_err(|source| Error::Write {
                    path: path.clone(),
                    source,
                })?;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                writeln!(
                    err,
                    "revmine run: another run holds {} (source `{}`); try again later or pass --wait",
                    path.display(),
                    s.name()
                )
                .ok();
                return Ok(Exit::Busy);
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(Error::Write { path, source });
            }
        }
        locks.push(file);
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
        writeln!(out, "{v}").map_err(crate::app::stdout_error)?;
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
    use crate::app::count;
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
            return format!(
                "{head}: up to date (no commit since {}); {in_output}",
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

/// A file name for a source: readable, and unique even when two names
/// differ only in characters a file name cannot hold.
fn file_key(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("{slug}-{:08x}", xxh3_64(name.as_bytes()) as u32)
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
    let key = file_key(&s.name());
    let state_path = state_dir.join(format!("{key}.json"));
    let state: State = match std::fs::read(&state_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Input {
            message: format!("{}: corrupt state file: {e}", state_path.display()),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
        Err(source) => {
            return Err(Error::Read {
                path: state_path,
                source,
            });
        }
    };
    let path = expand_home(&s.path, base);
    let output = expand_home(&s.output, base);
    let mut report = SourceReport::new(s, state.commit.clone());
    // The output is read back to skip what it holds: only a regular file
    // (or a symlink to one) can be a run's output.
    crate::output::replace_target(&output)?;
    // Nor the source, its state or its lock (which holds other runs off).
    let lock_path = state_dir.join(format!("{key}.lock"));
    crate::output::refuse_overlap(base, &[&path, &lock_path], &[&output, &state_path])?;
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
    match s.kind {
        RunKind::Drafts | RunKind::Notes => {
            let repo = crate::source::git::GitRepo::open(&path)?;
            let target = repo.resolve(s.rev.as_deref())?;
            report.commit = target.clone();
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
            }
            if s.kind == RunKind::Drafts {
                let mine_args = crate::app::MineArgs {
                    repos: vec![path.clone()],
                    rev: Some(target.clone()),
                    history: s.history,
                    paths: s.globs.clone(),
                    config: args.config.clone(),
                    cwd: args.cwd.clone(),
                    ..Default::default()
                };
                let mut opts = crate::mine_options::build(config, &mine_args)?;
                opts.after = after;
                let (pairs, summary) =
                    crate::mine::mine_repo(&path, &opts, &indicatif::ProgressBar::hidden())?;
                report.commits = summary.commits;
                report.skipped = summary
                    .skipped
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect();
                // Already in memory: no need for the round trip through a file.
                mined = pairs
                    .into_iter()
                    .map(|p| (xxh3_128(p.id.as_bytes()), p.line))
                    .collect();
            } else {
                // Notes are whole documents: any new commit re-reads them at
                // the target, and each note's records are replaced by those
                // of its current version (a record whose text did not change
                // keeps its id and stays).
                let notes_args = crate::app::NotesArgs {
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
                let read = crate::app::read_notes(&notes_args)?;
                let inputs: Vec<&Path> = read.files.iter().map(PathBuf::as_path).collect();
                crate::output::refuse_overlap(base, &inputs, &[&output])?;
                for line in read.lines {
                    mined.push((record_head(&line, &produced, 0)?.id, line));
                }
                let at = crate::source::git::locate(&path);
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
            crate::output::refuse_overlap(base, &inputs, &[&output])?;
            let format = match &s.format {
                Some(f) => f.parse().map_err(|message| Error::Usage {
                    flag: "[[source]] format",
                    message,
                })?,
                None => crate::ingest::Format::Auto,
            };
            let ingest_args = crate::app::IngestArgs {
                files: files.iter().map(|f| relative(f, base)).collect(),
                output: Some(produced.clone()),
                cwd: base.to_path_buf(),
                format,
                turns: s.turns.unwrap_or(config.notes.turns),
                keep_going: false,
                json: true,
                config: args.config.clone(),
            };
            if crate::app::ingest(&ingest_args, &mut sink, &mut quiet)? != Exit::Ok {
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
                        let l = crate::source::git::locate(f);
                        (l.repo, l.path)
                    })
                    .collect(),
                scope: {
                    let at = crate::source::git::locate(&path);
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
    let new_lines = new_records(mined, &existing, &mut report);
    report.total = kept.len() as u64 + new_lines.len() as u64;
    if s.kind == RunKind::Transcripts && new_lines.is_empty() && report.superseded == 0 {
        report.status = "up_to_date";
    }
    if report.superseded > 0 {
        kept.extend(new_lines);
        crate::output::replace_lines(&output, &kept, &mut crash_point)?;
    } else if !new_lines.is_empty() || !output.exists() {
        crate::output::append_lines(&output, &new_lines, &mut crash_point)?;
    }
    crash_point("after_output");
    let next = State {
        name: s.name(),
        kind: Some(s.kind),
        commit: report.commit.clone(),
        output: output.clone(),
        records: report.total,
        runs: state.runs + 1,
        updated: Some(crate::signoff::now_utc()),
    };
    let bytes = serde_json::to_vec_pretty(&next).map_err(|e| Error::Input {
        message: format!("state: {e}"),
    })?;
    crate::output::write_file(&state_path, &bytes)?;
    sync_dir(state_dir)?;
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
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(dir).build() {
        let entry = entry.map_err(|e| Error::Read {
            path: dir.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        if globs.is_empty() || set.is_match(rel) {
            files.push(entry.path().to_path_buf());
        }
    }
    files.sort();
    Ok(files)
}

/// What `run` needs of a record: its id (hashed) and the provenance that
/// says which document or commits it came from.
#[derive(Debug, Default)]
struct Head {
    id: u128,
    origin: Option<String>,
    repo: Option<String>,
    file: Option<String>,
    /// A mined pair's `rejected_commit` and `chosen_commit`.
    commits: Vec<String>,
}

/// Reads `line` (line `n` of `path`, for the error) as a record with an id.
fn record_head(line: &str, path: &Path, n: usize) -> Result<Head, Error> {
    #[derive(Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
        #[serde(default)]
        meta: serde_json::Value,
    }
    let raw: Raw<'_> = serde_json::from_str(line).map_err(|e| Error::Input {
        message: format!(
            "{}:{n}: not a record with an id ({e}); fix or move the file, nothing was written",
            path.display(),
        ),
    })?;
    let text = |key: &str| {
        raw.meta
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    Ok(Head {
        id: xxh3_128(raw.id.as_bytes()),
        origin: text("origin"),
        repo: text("repo"),
        file: text("file"),
        commits: ["rejected_commit", "chosen_commit"]
            .iter()
            .filter_map(|k| text(k))
            .collect(),
    })
}

/// Calls `each` with the head and text of every record line of `path` (a
/// missing file has none). A line that is not a record with an id means the
/// file is not ours to write to: an error naming it, nothing written.
fn each_record(path: &Path, mut each: impl FnMut(Head, String)) -> Result<(), Error> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let head = record_head(&line, path, n + 1)?;
        each(head, line);
    }
    Ok(())
}

/// The ids already in `output`.
fn count_existing(output: &Path) -> Result<HashSet<u128>, Error> {
    let mut ids = HashSet::new();
    each_record(output, |head, _| {
        ids.insert(head.id);
    })?;
    Ok(ids)
}

/// Which records already in a source's output a run replaces: the rule the
/// README's `run` section states.
#[derive(Debug)]
enum Supersede {
    /// Nothing: new records are only added.
    Nothing,
    /// Notes and transcripts are re-read whole, so for every document read
    /// (`origin`, and `(repo, file)` as records name it) the records of its
    /// current version are the truth: one of its records that was not found
    /// again (an edited section, a corrected turn, or a later record quoting
    /// either) is out of date and removed.
    Documents {
        origin: &'static str,
        read: HashSet<(String, String)>,
        /// The source's own place, `(repo, folder inside it)`: a record of a
        /// file under it that was not read this run (deleted, renamed, no
        /// longer matched by `globs`) is out of date too.
        scope: (String, String),
    },
    /// After a rewritten history (amend, rebase, force-push): a pair of this
    /// repository naming a commit the new history does not hold is removed;
    /// the re-mine writes the pairs of the new history.
    Unreachable {
        repo: String,
        reachable: HashSet<String>,
    },
}

impl Supersede {
    /// True when `head`, a record in the output, is out of date; `found`
    /// holds the ids of the records this run found.
    fn drops(&self, head: &Head, found: &HashSet<u128>) -> bool {
        match self {
            Supersede::Nothing => false,
            Supersede::Documents {
                origin,
                read,
                scope: (scope_repo, folder),
            } => {
                let under = |file: &str| {
                    folder.is_empty()
                        || file
                            .strip_prefix(folder.as_str())
                            .is_some_and(|rest| rest.starts_with('/'))
                };
                !found.contains(&head.id)
                    && head.origin.as_deref() == Some(*origin)
                    && match (&head.repo, &head.file) {
                        (Some(repo), Some(file)) => {
                            read.contains(&(repo.clone(), file.clone()))
                                || (repo == scope_repo && under(file))
                        }
                        _ => false,
                    }
            }
            Supersede::Unreachable { repo, reachable } => {
                head.origin.as_deref() == Some("git")
                    && head.repo.as_deref() == Some(repo.as_str())
                    && head.commits.iter().any(|c| !reachable.contains(c))
            }
        }
    }
}

/// The found records whose ids the output does not hold yet, in order.
fn new_records(
    found: Vec<(u128, String)>,
    existing: &HashSet<u128>,
    report: &mut SourceReport,
) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (id, line) in found {
        report.found += 1;
        if existing.contains(&id) || !seen.insert(id) {
            report.already_present += 1;
        } else {
            out.push(line);
        }
    }
    report.written = out.len() as u64;
    out
}

/// A rename is durable only once its directory is synced.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })
}

/// For the crash test: with `REVMINE_CRASH_AT=N`, the process kills itself
/// with SIGKILL at the N-th point it passes (no destructor, no flush runs),
/// so a test can stop a run at every step and check what the next run does.
fn crash_point(_what: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static PASSED: AtomicU64 = AtomicU64::new(0);
    let Some(at) = std::env::var("REVMINE_CRASH_AT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    if PASSED.fetch_add(1, Ordering::SeqCst) + 1 == at {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &std::process::id().to_string()])
            .status();
        // kill(1) missing: abort is as abrupt for what the test checks.
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_sources_by_name_exactly_once() {
        let names: Vec<String> = (0..200).map(|i| format!("repo-{i}")).collect();
        for n in [1, 2, 3, 7] {
            let mut hits = vec![0; names.len()];
            for k in 0..n {
                for (i, name) in names.iter().enumerate() {
                    if shard_of(name, n) == k {
                        hits[i] += 1;
                    }
                }
            }
            assert!(hits.iter().all(|&h| h == 1), "n = {n}");
        }
        assert_eq!(parse_shard("1/4"), Ok((1, 4)));
        assert!(parse_shard("4/4").is_err());
        assert!(parse_shard("x").is_err());
    }

    #[test]
    fn file_keys_are_safe_and_distinct() {
        let a = file_key("team/notes");
        let b = file_key("team:notes");
        assert_ne!(a, b);
        assert!(a.starts_with("team_notes-"), "{a}");
    }
}
