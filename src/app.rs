//! The commands, as the binary runs them: each takes plain options (no clap
//! here), writes its report to `out`, and says how the process should exit.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::config::{Config, Role};
use crate::error::Error;
use crate::gate::{self, GateResult};
use crate::scan::{FileScan, Input, Options, ProblemKind, Scanner};
use crate::schema::Schema;
use crate::stats;

/// How a command ended; the binary maps it to the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything passed.
    Ok,
    /// 1: a gate or validation failed.
    Failed,
    /// 2: usage or input error (e.g. an unreadable file).
    Error,
    /// 75 (EX_TEMPFAIL): another run holds a lock; try again later.
    Busy,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Error => 2,
            Exit::Busy => 75,
        }
    }
}

/// Options shared by the dataset commands (`validate`, `check`, `stats`).
#[derive(Debug, Clone, Default)]
pub struct DatasetOptions {
    /// Files to read; `-` is standard input. `check` finds dataset files when empty.
    pub files: Vec<PathBuf>,
    /// Files judged as train (whole-set gates) whatever their names.
    pub train: Vec<PathBuf>,
    /// Files judged as eval whatever their names.
    pub eval: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    pub schema: Option<PathBuf>,
    pub json: bool,
    pub cwd: PathBuf,
    /// Read the dataset files staged in the git index instead of `files`.
    pub staged: bool,
}

/// Config, schema and inputs of one dataset command, before any record is read.
pub(crate) struct Session {
    pub(crate) config: Config,
    pub(crate) schema: Schema,
    pub(crate) inputs: Vec<Input>,
    /// Files that could not be opened: reported, and the run exits 2.
    pub(crate) errors: Vec<Error>,
    /// Said on stderr before the report (e.g. a file named twice).
    pub(crate) warnings: Vec<String>,
}

/// What names one input, whatever its spelling: its device and inode
/// ([`crate::output::input_identity`], `-` included); `-` on a terminal,
/// which has none, is still one input however often named.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileKey {
    Stdin,
    File(crate::output::Identity),
}

fn file_key(cwd: &Path, path: &Path) -> Option<FileKey> {
    match crate::output::input_identity(cwd, path) {
        Some(id) => Some(FileKey::File(id)),
        None => (path.as_os_str() == "-").then_some(FileKey::Stdin),
    }
}

/// Each file once, however many times (or spellings) it is named: reading it
/// twice would make every record a duplicate of itself. A role given with
/// `--train`/`--eval` wins over the one the name gives; the warnings name
/// both spellings. Files that cannot be read are kept, to be reported.
fn read_once(
    listed: Vec<(PathBuf, Option<Role>)>,
    cwd: &Path,
) -> (Vec<(PathBuf, Option<Role>)>, Vec<String>) {
    let mut kept: Vec<(PathBuf, Option<Role>, Option<FileKey>)> = Vec::new();
    let mut warnings = Vec::new();
    for (path, role) in listed {
        let key = file_key(cwd, &path);
        let first = key.as_ref().and_then(|k| {
            kept.iter_mut()
                .find(|(_, _, seen)| seen.as_ref() == Some(k))
        });
        let Some((first_path, first_role, _)) = first else {
            kept.push((path, role, key));
            continue;
        };
        let mut said = if *first_path == path {
            format!(
                "warning: `{}` is named twice; it is read once",
                path.display()
            )
        } else {
            format!(
                "warning: `{}` and `{}` name the same file; it is read once",
                first_path.display(),
                path.display()
            )
        };
        match (*first_role, role) {
            (None, Some(r)) => {
                *first_role = Some(r);
                said.push_str(&format!(" (as {})", role_word(r)));
            }
            (Some(a), Some(b)) if a != b => said.push_str(&format!(
                " (as {}, the role it was named with first, not {})",
                role_word(a),
                role_word(b)
            )),
            _ => {}
        }
        warnings.push(said);
    }
    (kept.into_iter().map(|(p, r, _)| (p, r)).collect(), warnings)
}

fn role_word(role: Role) -> &'static str {
    match role {
        Role::Train => "train",
        Role::Eval => "eval",
        Role::Other => "other",
    }
}

/// The config (named, found upwards, or built in) and the schema it or `schema` names.
pub(crate) fn config_and_schema(
    config: Option<&Path>,
    schema: Option<&Path>,
    cwd: &Path,
) -> Result<(Config, Schema), Error> {
    let config = Config::load(config, cwd)?;
    let schema = match schema
        .map(Path::to_path_buf)
        .or_else(|| config.schema_path())
    {
        Some(path) => Schema::from_file(&path)?,
        None => Schema::builtin()?,
    };
    Ok((config, schema))
}

impl Session {
    fn open(opts: &DatasetOptions, discover: bool) -> Result<Self, Error> {
        let (config, schema) =
            config_and_schema(opts.config.as_deref(), opts.schema.as_deref(), &opts.cwd)?;
        let roles = config.matchers()?;
        if opts.staged {
            // Sign-off ledgers of staged files are read from the work tree.
            let work_tree = crate::source::git::work_tree(&opts.cwd);
            let keep =
                |p: &str| roles.is_dataset(Path::new(p)) || roles.role(Path::new(p)) != Role::Other;
            let inputs = crate::source::git::staged_files(&opts.cwd, &keep)?
                .into_iter()
                .map(|f| {
                    let role = roles.role(Path::new(&f.path));
                    let origin = work_tree.as_ref().map(|w| w.join(&f.path));
                    let input = Input::from_bytes(f.path, role, f.content);
                    match origin {
                        Some(o) => input.with_origin(o),
                        None => input,
                    }
                })
                .collect();
            return Ok(Session {
                config,
                schema,
                inputs,
                errors: Vec::new(),
                warnings: Vec::new(),
            });
        }
        let mut listed: Vec<(PathBuf, Option<Role>)> = Vec::new();
        listed.extend(opts.files.iter().map(|p| (p.clone(), None)));
        listed.extend(opts.train.iter().map(|p| (p.clone(), Some(Role::Train))));
        listed.extend(opts.eval.iter().map(|p| (p.clone(), Some(Role::Eval))));
        if listed.is_empty() && discover {
            listed = walk_files(&opts.cwd, |p| {
                roles.is_dataset(p) || roles.role(p) != Role::Other
            })?
            .into_iter()
            .map(|p| (p, None))
            .collect();
        }
        let (listed, warnings) = read_once(listed, &opts.cwd);
        let mut inputs = Vec::new();
        let mut errors = Vec::new();
        for (path, role) in listed {
            let role = role.unwrap_or_else(|| roles.role(&path));
            let opened = if path.as_os_str() == "-" {
                Ok(Input::stdin(role))
            } else {
                Input::open_in(&opts.cwd, &path, role)
            };
            match opened {
                Ok(input) => inputs.push(input),
                Err(e) => errors.push(e),
            }
        }
        Ok(Session {
            config,
            schema,
            inputs,
            errors,
            warnings,
        })
    }

    /// Says the session's warnings on `err` (stderr).
    pub(crate) fn warn(&self, err: &mut dyn Write) {
        for w in &self.warnings {
            writeln!(err, "revmine: {w}").ok();
        }
    }

    /// `leaks`: read eval files first so train files are probed for eval
    /// records in the same pass (only `check` judges leakage, and only it
    /// pays for the order: a duplicate id is then "first" in the eval file).
    pub(crate) fn scan(self, full_stats: bool, leaks: bool) -> (Config, Vec<FileScan>, Vec<Error>) {
        let total: u64 = self.inputs.iter().filter_map(Input::size).sum();
        let progress = progress_bar(total);
        let mut options = Options::from_config(&self.config, full_stats);
        if self.inputs.iter().any(|i| i.role == Role::Eval) {
            options.tagger = crate::tags::Tagger::new(&self.config.tags)
                .ok()
                .map(std::sync::Arc::new);
        }
        let mut scanner = Scanner::new(&self.schema, options);
        // Eval files first, so train files can be probed against their
        // fingerprints in the same pass; the report keeps the given order.
        let mut order: Vec<(usize, Input)> = self.inputs.into_iter().enumerate().collect();
        if leaks {
            order.sort_by_key(|(i, input)| (input.role != Role::Eval, *i));
        }
        let mut scans: Vec<(usize, FileScan)> = Vec::with_capacity(order.len());
        let mut indexed = !(leaks && self.config.gates.leakage.enabled);
        for (i, input) in order {
            if input.role != Role::Eval && !indexed {
                indexed = true;
                let evals: Vec<&FileScan> = scans.iter().map(|(_, s)| s).collect();
                if !evals.is_empty() {
                    let threshold = self.config.near_duplicates.threshold;
                    let index = crate::scan::leak_index(&evals, threshold);
                    scanner.set_leak_index(std::sync::Arc::new(index));
                }
            }
            scans.push((i, scanner.scan(input, &progress)));
        }
        scans.sort_by_key(|(i, _)| *i);
        let scans: Vec<FileScan> = scans.into_iter().map(|(_, s)| s).collect();
        progress.finish_and_clear();
        (self.config, scans, self.errors)
    }
}

/// A byte-count bar on stderr for inputs worth waiting on; indicatif draws
/// nothing when stderr is not a terminal, so scripts and the hook stay quiet.
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    const WORTH_SHOWING: u64 = 32 << 20;
    if total < WORTH_SHOWING {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} checking {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {wide_bar}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Files under `root` (paths relative to it, sorted) that `keep` accepts,
/// honouring .gitignore. A directory that cannot be read is an error naming
/// it, not a silent gap in the dataset.
fn walk_files(root: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    for entry in ignore::WalkBuilder::new(root).build() {
        let entry = entry.map_err(|e| Error::Read {
            path: root.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        if entry.file_type().is_some_and(|t| t.is_file()) {
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_path_buf();
            if keep(&rel) {
                found.push(rel);
            }
        }
    }
    found.sort();
    Ok(found)
}

pub(crate) fn exit_for(failed: bool, scans: &[FileScan], errors: &[Error]) -> Exit {
    let io = scans
        .iter()
        .flat_map(|s| &s.problems)
        .any(|p| p.kind == ProblemKind::Io);
    if !errors.is_empty() || io {
        Exit::Error
    } else if failed {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

/// A failed write to standard output, named as such.
pub(crate) fn stdout_error(source: std::io::Error) -> Error {
    Error::Write {
        path: "<stdout>".into(),
        source,
    }
}

pub(crate) fn report_errors(errors: &[Error], err: &mut dyn Write) -> std::io::Result<()> {
    for e in errors {
        writeln!(err, "revmine: {e}")?;
    }
    Ok(())
}

pub(crate) fn files_json(scans: &[FileScan]) -> Vec<serde_json::Value> {
    scans
        .iter()
        .map(|s| {
            json!({
                "path": s.label,
                "role": s.role,
                "records": s.records,
                "problems": s.problems.len(),
            })
        })
        .collect()
}

/// `revmine validate`: every problem of every line, one per line.
pub fn validate(
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
        writeln!(out, "{report}").map_err(stdout_error)?;
    } else {
        for p in &problems {
            writeln!(out, "{p}").map_err(stdout_error)?;
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
pub fn check(
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
            writeln!(out, "{report}").map_err(stdout_error)?;
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
    crate::signoff::attach_ledgers(&mut scans);
    let gates = gate::run_all(&scans, &config);
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
        writeln!(out, "{report}").map_err(stdout_error)?;
    } else if opts.staged {
        write!(
            out,
            "{}",
            render_staged(&scans, &gates, config.report.max_problems)
        )
        .map_err(stdout_error)?;
    } else {
        write!(
            out,
            "{}",
            render_check(&scans, &gates, config.report.max_problems, unread)
        )
        .map_err(stdout_error)?;
    }
    report_errors(&errors, err).ok();
    Ok(exit_for(!passed, &scans, &errors))
}

/// Inputs that could not be opened, or not read to their end: a report over
/// the rest must not call the dataset passed.
pub(crate) fn unread(scans: &[FileScan], errors: &[Error]) -> usize {
    errors.len()
        + scans
            .iter()
            .filter(|s| s.problems.iter().any(|p| p.kind == ProblemKind::Io))
            .count()
}

/// The `status` of a `check --json` report: `not_checked` when an input
/// could not be read, whatever the gates said of the rest.
pub(crate) fn status(passed: bool, unread: usize) -> &'static str {
    if unread > 0 {
        "not_checked"
    } else if passed {
        "passed"
    } else {
        "failed"
    }
}

/// The human report of `check`: files, the first problems, then the gate
/// table, and a verdict that never says PASSED when `unread` inputs (files
/// that could not be read) were left out.
pub fn render_check(
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
            "revmine: staged {} pass every gate ({})",
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
pub fn stats(
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
        writeln!(out, "{}", json!({ "files": all })).map_err(stdout_error)?;
    } else {
        for (i, s) in all.iter().enumerate() {
            if i > 0 {
                writeln!(out).map_err(stdout_error)?;
            }
            write!(out, "{}", stats::render(s)).map_err(stdout_error)?;
        }
    }
    report_errors(&errors, err).ok();
    Ok(exit_for(false, &scans, &errors))
}

/// `revmine init`: writes the commented default config.
pub fn init(path: &Path, force: bool) -> Result<(), Error> {
    // Only a file that would be replaced needs --force; a FIFO, a device or
    // standard output is written to, not replaced.
    let replaces = matches!(
        crate::output::resolve(path)?,
        crate::output::Dest::Replace(_)
    );
    if replaces && path.exists() && !force {
        return Err(Error::Exists {
            path: path.to_path_buf(),
        });
    }
    crate::output::write_file(path, crate::config::DEFAULT_TOML.as_bytes())
}

/// [`crate::output::refuse_overlap`] for a command of many inputs and one
/// optional output; without one, records go to standard output (`-`).
fn refuse_overlap(cwd: &Path, inputs: &[PathBuf], output: Option<&Path>) -> Result<(), Error> {
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    crate::output::refuse_overlap(cwd, &inputs, &[output.unwrap_or(Path::new("-"))])
}

/// How records and reports name standard input (`-`).
pub(crate) const STDIN_LABEL: &str = "<stdin>";

/// `-` (standard input) can be read once: a second `-` would read nothing.
fn stdin_at_most_once(paths: &[PathBuf], flag: &'static str) -> Result<(), Error> {
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Error::Usage {
            flag,
            message: "`-` (standard input) is named more than once; it can be read only once"
                .into(),
        });
    }
    Ok(())
}

/// A usage error for `-` where a command cannot read standard input, saying why.
pub(crate) fn no_stdin(paths: &[PathBuf], flag: &'static str, why: &str) -> Result<(), Error> {
    if paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(Error::Usage {
            flag,
            message: format!("`-` (standard input) cannot be used here: {why}"),
        });
    }
    Ok(())
}

/// "1 file", "2 files".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Options of `revmine mine` beyond the config.
#[derive(Debug, Clone, Default)]
pub struct MineArgs {
    pub repos: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub cwd: PathBuf,
    pub rev: Option<String>,
    pub history: Option<crate::config::HistoryMode>,
    pub pairs: Option<crate::config::PairsMode>,
    pub paths: Vec<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub authors: Vec<String>,
    pub exclude_authors: Vec<String>,
    pub diff: bool,
    pub json: bool,
}

/// `revmine mine`: every repo's pairs, written atomically, and a summary.
pub fn mine(args: &MineArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    no_stdin(
        &args.repos,
        "REPO",
        "mine reads a git repository's history, which standard input cannot hold; name the repository",
    )?;
    refuse_overlap(&args.cwd, &args.repos, args.output.as_deref())?;
    let config = Config::load(args.config.as_deref(), &args.cwd)?;
    let opts = crate::mine_options::build(&config, args)?;
    // A tracked note's work-tree copy holds what its author edits next: an
    // output there would destroy it (a tracked dataset file is fine).
    if let Some(o) = &args.output
        && let Some(inside) = crate::source::git::tracked_path(&args.cwd.join(o))
        && opts.paths.is_match(&inside)
    {
        return Err(Error::Output {
            path: o.clone(),
            message: format!(
                "is `{inside}`, a note git tracks and mine reads ([mine] paths); name another output"
            ),
        });
    }
    // A spinner on a terminal (indicatif draws nothing otherwise), counting commits.
    let progress = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos} commits ({per_sec})")
    {
        progress.set_style(style);
    }
    let mut pairs = Vec::new();
    let mut summaries = Vec::new();
    for repo in &args.repos {
        progress.set_message(format!("mining {}", repo.display()));
        progress.set_position(0);
        let path = args.cwd.join(repo);
        let (mut p, mut s) = crate::mine::mine_repo(&path, &opts, &progress).map_err(Error::Git)?;
        s.path = repo.display().to_string();
        pairs.append(&mut p);
        summaries.push(s);
    }
    progress.finish_and_clear();
    let mut seen = std::collections::HashSet::new();
    pairs.retain(|p| seen.insert(p.id.clone()));
    // A damaged object is bad input: the pairs that could be read are
    // written, and the exit code says something was lost (ripgrep's way).
    let corrupt = summaries.iter().any(|s| !s.corrupt.is_empty());
    let target = write_jsonl(
        pairs.iter().map(|p| p.line.as_str()),
        args.output.as_deref(),
        &args.cwd,
        out,
    )?;
    if args.json {
        let report = json!({ "pairs": pairs.len(), "output": target, "repos": summaries });
        writeln!(out, "{report}").map_err(stdout_error)?;
    } else {
        write!(err, "{}", render_mine(&summaries, pairs.len(), &target)).ok();
    }
    Ok(if corrupt { Exit::Error } else { Exit::Ok })
}

fn render_mine(summaries: &[crate::mine::RepoSummary], pairs: usize, target: &str) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for r in summaries {
        let _ = writeln!(
            s,
            "{} ({}): {} walked, {} files, {} versions, {} units, {} pairs",
            r.path,
            r.repo,
            count(r.commits as usize, "commit"),
            r.files,
            r.versions,
            r.units,
            r.pairs
        );
        if r.unborn {
            let _ = writeln!(
                s,
                "  empty repository (no commits on HEAD): nothing to mine"
            );
        }
        if r.shallow {
            let _ = writeln!(s, "  shallow clone: only the history it holds was mined");
        }
        if r.merges_skipped > 0 {
            let _ = writeln!(
                s,
                "  {} merges skipped (--history branches reads their branch commits)",
                r.merges_skipped
            );
        }
        for c in &r.corrupt {
            let error = crate::scan::sanitise(&c.error);
            let _ = if c.blob.is_empty() {
                writeln!(
                    s,
                    "  error: commit {} or its tree is corrupt: {error} (its changes were skipped, mining went on)",
                    c.commit
                )
            } else {
                writeln!(
                    s,
                    "  error: corrupt object {} at commit {} path {}: {error} (skipped, mining went on)",
                    &c.blob[..c.blob.len().min(12)],
                    c.commit,
                    crate::scan::sanitise(&c.path)
                )
            };
        }
        if !r.redacted.is_empty() {
            let _ = writeln!(s, "  redacted: {}", render_counts(&r.redacted));
        }
        if !r.skipped.is_empty() {
            let _ = writeln!(s, "  skipped:");
            for (reason, n) in &r.skipped {
                let _ = writeln!(s, "    {reason:<34} {n}");
            }
        }
    }
    let _ = writeln!(s, "wrote {} to {target}", count(pairs, "pair"));
    s
}

/// `email 2, phone 1`: redaction counts on one line.
fn render_counts(counts: &crate::secrets::Counts) -> String {
    counts
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes JSONL lines to `output` (atomically, resolved from `cwd`) or to
/// `out`; returns how to name where they went in a summary.
fn write_jsonl<'l>(
    lines: impl Iterator<Item = &'l str>,
    output: Option<&Path>,
    cwd: &Path,
    out: &mut dyn Write,
) -> Result<String, Error> {
    let mut jsonl = String::new();
    for l in lines {
        jsonl.push_str(l);
        jsonl.push('\n');
    }
    match output {
        Some(path) => {
            crate::output::write_file_in(cwd, path, jsonl.as_bytes())?;
            Ok(path.display().to_string())
        }
        None => {
            out.write_all(jsonl.as_bytes()).map_err(stdout_error)?;
            Ok("standard output".to_string())
        }
    }
}

/// Options of `revmine notes` beyond the config.
#[derive(Debug, Clone, Default)]
pub struct NotesArgs {
    pub paths: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub cwd: PathBuf,
    pub rev: Option<String>,
    pub turns: Option<usize>,
    /// Also "what changed" exchanges from each repository's history of its notes.
    pub history: bool,
    pub json: bool,
    /// Which files are notes, in place of `[notes] paths` when not empty
    /// (a `[[source]]`'s `globs`).
    pub globs: Vec<String>,
}

/// "What changed" records from the history of the notes in `repo` (at
/// `at`): each revision of a note, against the version before it, dated by
/// that version.
fn notes_history(
    repo: &Path,
    at: &crate::source::git::Location,
    keep: &(dyn Fn(&str) -> bool + Sync),
    max_bytes: u64,
    secrets: Option<&crate::secrets::Scanner>,
    summary: &mut crate::notes::NotesSummary,
) -> Result<Vec<String>, Error> {
    use crate::source::git::{BlobReader, GitRepo, History};
    let git = GitRepo::open(repo)?;
    let reader = BlobReader::open(repo, max_bytes)?;
    // Path -> the date of the version it holds, to say "since when".
    let mut dated: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut lines = Vec::new();
    git.walk(
        None,
        History::FirstParent,
        None,
        keep,
        &mut |info, changes| {
            let date = chrono::DateTime::from_timestamp(info.time, 0)
                .zip(chrono::FixedOffset::east_opt(info.offset_minutes * 60))
                .map(|(t, off)| t.with_timezone(&off).format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            let commit = info.id.to_string();
            for c in changes {
                let from = c.renamed_from.as_deref().unwrap_or(&c.path);
                let since = dated.remove(from);
                if let (Some(old), Some(new), Some(since)) = (c.old, c.new, since.as_deref())
                    && let (Ok(old), Ok(new)) = (reader.text(old.id), reader.text(new.id))
                {
                    let note = at.join(&c.path);
                    lines.extend(crate::notes::what_changed(
                        &old,
                        &new,
                        (&note.repo, &note.path),
                        since,
                        &commit[..12],
                        secrets,
                        summary,
                    ));
                }
                if c.new.is_some() {
                    dated.insert(c.path.clone(), date.clone());
                }
            }
        },
    )?;
    Ok(lines)
}

/// What `notes` read: its records (JSONL lines, in order), its counts, and
/// where each note it read lives (a note with no section still counts: its
/// earlier records are out of date).
#[derive(Debug, Default)]
pub(crate) struct NotesRead {
    pub lines: Vec<String>,
    pub summary: crate::notes::NotesSummary,
    pub notes: Vec<crate::source::git::Location>,
    /// The files on disk those notes are (for a repository read at a
    /// revision, the work-tree file at the same path), which no output may
    /// be; relative to the command's folder, as the user named them.
    pub files: Vec<PathBuf>,
}

/// Reads the notes `args` names into records, writing nothing.
pub(crate) fn read_notes(args: &NotesArgs) -> Result<NotesRead, Error> {
    use crate::notes::NotesOptions;
    use crate::source::git::{locate, slashed};
    let config = Config::load(args.config.as_deref(), &args.cwd)?;
    let n = &config.notes;
    let mut opts = NotesOptions {
        turns: args.turns.unwrap_or(n.turns),
        secrets: config.redactor(),
        ..NotesOptions::default()
    };
    let mut rules = Vec::new();
    for r in &n.rules {
        rules.push(
            NotesOptions::rule(&r.heading, &r.question).map_err(|e| Error::Usage {
                flag: "notes.rules",
                message: e.to_string(),
            })?,
        );
    }
    rules.append(&mut opts.rules);
    opts.rules = rules;
    let globs = {
        let mut b = globset::GlobSetBuilder::new();
        let patterns = if args.globs.is_empty() {
            &n.paths
        } else {
            &args.globs
        };
        for g in patterns {
            b.add(globset::Glob::new(g).map_err(|e| Error::Usage {
                flag: "notes.paths",
                message: e.to_string(),
            })?);
        }
        b.build().map_err(|e| Error::Usage {
            flag: "notes.paths",
            message: e.to_string(),
        })?
    };
    let keep =
        |p: &str| globs.is_match(p) || Path::new(p).file_name().is_some_and(|f| globs.is_match(f));
    let mut read = NotesRead::default();
    let mut unreadable = 0u64;
    stdin_at_most_once(&args.paths, "PATH")?;
    for given in &args.paths {
        if given.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map_err(
                |source| Error::Read {
                    path: given.clone(),
                    source,
                },
            )?;
            let text = String::from_utf8(bytes).map_err(|_| Error::Usage {
                flag: "PATH",
                message: "standard input is not UTF-8 text".into(),
            })?;
            read.lines.extend(crate::notes::convert(
                &text,
                "",
                STDIN_LABEL,
                &opts,
                &mut read.summary,
            ));
            continue;
        }
        let path = args.cwd.join(given);
        let read_err = |source| Error::Read {
            path: given.clone(),
            source,
        };
        // Ids and provenance name the repository or folder and the path
        // inside it, never `given` as typed.
        let at = locate(&path);
        // (where, text) of each note this argument names.
        let mut notes: Vec<(crate::source::git::Location, String)> = Vec::new();
        if args.history && path.is_dir() && crate::source::git::is_repo(&path) {
            read.lines.extend(notes_history(
                &path,
                &at,
                &keep,
                config.mine.max_file_bytes,
                opts.secrets.as_deref(),
                &mut read.summary,
            )?);
        }
        if path.is_dir() && crate::source::git::is_repo(&path) {
            for (file, text) in crate::source::git::files_at(
                &path,
                args.rev.as_deref(),
                &keep,
                config.mine.max_file_bytes,
            )? {
                read.files.push(given.join(&file));
                match text {
                    Ok(t) => notes.push((at.join(&file), t)),
                    Err(_) => unreadable += 1,
                }
            }
        } else if path.is_dir() {
            let files = walk_files(&path, |p| p.to_str().is_some_and(&keep))?;
            for rel in files {
                let f = path.join(&rel);
                read.files.push(given.join(&rel));
                match std::fs::read(&f).map(String::from_utf8) {
                    Ok(Ok(t)) => notes.push((at.join(&slashed(&rel)), t)),
                    Ok(Err(_)) => unreadable += 1,
                    Err(e) => {
                        return Err(Error::Read {
                            path: f.clone(),
                            source: e,
                        });
                    }
                }
            }
        } else {
            let bytes = std::fs::read(&path).map_err(read_err)?;
            let text = String::from_utf8(bytes).map_err(|_| Error::Usage {
                flag: "PATH",
                message: format!("`{}` is not UTF-8 text", given.display()),
            })?;
            notes.push((at, text));
            read.files.push(given.clone());
        }
        for (note, text) in notes {
            read.lines.extend(crate::notes::convert(
                &text,
                &note.repo,
                &note.path,
                &opts,
                &mut read.summary,
            ));
            read.notes.push(note);
        }
    }
    if unreadable > 0 {
        read.summary.skipped.insert("unreadable_file", unreadable);
    }
    Ok(read)
}

/// `revmine notes`: planning and status notes (files, folders, or a repo at a
/// revision) become one conversation per note, written atomically.
pub fn notes(args: &NotesArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    refuse_overlap(&args.cwd, &args.paths, args.output.as_deref())?;
    let NotesRead {
        lines,
        summary,
        files,
        ..
    } = read_notes(args)?;
    // A folder's notes are known only once it is walked; nothing is written yet.
    refuse_overlap(&args.cwd, &files, args.output.as_deref())?;
    let target = write_jsonl(
        lines.iter().map(String::as_str),
        args.output.as_deref(),
        &args.cwd,
        out,
    )?;
    if args.json {
        writeln!(out, "{}", json!({ "output": target, "summary": summary }))
            .map_err(stdout_error)?;
    } else {
        let mut text = format!(
            "{} read, {} sections, wrote {} to {target}\n",
            count(summary.notes as usize, "note"),
            summary.sections,
            count(summary.records as usize, "record")
        );
        if !summary.redacted.is_empty() {
            text.push_str(&format!(
                "  redacted: {}\n",
                render_counts(&summary.redacted)
            ));
        }
        for (reason, n) in &summary.skipped {
            text.push_str(&format!("  skipped {reason}: {n}\n"));
        }
        err.write_all(text.as_bytes()).ok();
    }
    Ok(Exit::Ok)
}

/// Options of `revmine ingest`.
#[derive(Debug, Clone)]
pub struct IngestArgs {
    pub files: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    pub cwd: PathBuf,
    pub format: crate::ingest::Format,
    pub turns: usize,
    pub keep_going: bool,
    pub json: bool,
    /// For `[limits]` and `[secrets]`; found upwards from `cwd` when not given.
    pub config: Option<PathBuf>,
}

/// `revmine ingest`: transcripts become chat records, streamed to the output;
/// the output is replaced only when every file was read (or `--keep-going`).
pub fn ingest(args: &IngestArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    use crate::ingest::{IngestOptions, ingest_file_at, ingest_reader};
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
        Some(p) => Some(crate::output::Output::create_in(&args.cwd, p)?),
        None => None,
    };
    let mut summaries = Vec::new();
    let mut failure: Option<Error> = None;
    for given in &args.files {
        let mut write_err = None;
        let mut emit = |line: String| {
            let written = match file.as_mut() {
                Some(f) => f.line(&line),
                None => writeln!(out, "{line}").map_err(stdout_error),
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
            let at = crate::source::git::locate(&path);
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
        writeln!(out, "{report}").map_err(stdout_error)?;
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

/// What `revmine build` was asked for; unset values come from `[build]`.
#[derive(Debug, Clone)]
pub struct BuildArgs {
    pub sources: Vec<PathBuf>,
    pub train: Option<PathBuf>,
    pub eval: Option<PathBuf>,
    pub seed: Option<u64>,
    pub json: bool,
    pub config: Option<PathBuf>,
    pub cwd: PathBuf,
}

/// `revmine build`: assemble, write both files, then judge them with `check`.
pub fn build(args: &BuildArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    use crate::build::{BuildOptions, Source};
    no_stdin(
        &args.sources,
        "FILE",
        "build names every source in its report so the same files and seed rebuild the same \
         sets; standard input cannot be named again, so save it to a file first",
    )?;
    let config = Config::load(args.config.as_deref(), &args.cwd)?;
    let schema = match config.schema_path() {
        Some(path) => Schema::from_file(&path)?,
        None => Schema::builtin()?,
    };
    // Paths from the config are relative to its file, those typed to the shell.
    let config_dir = config
        .origin
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| args.cwd.clone(), |p| args.cwd.join(p));
    let sources = if args.sources.is_empty() {
        let mut found = Vec::new();
        for s in &config.build.sources {
            for path in expand(&config_dir, &s.path)? {
                found.push(Source {
                    path,
                    kind: s.source,
                    split: s.split,
                });
            }
        }
        found
    } else {
        args.sources
            .iter()
            .map(|p| Source {
                path: args.cwd.join(p),
                kind: None,
                split: crate::config::Split::Any,
            })
            .collect()
    };
    let pick = |typed: &Option<PathBuf>, configured: &Path| match typed {
        // `-`: standard output, written through once the set is checked.
        Some(p) if p.as_os_str() == "-" => p.clone(),
        Some(p) => args.cwd.join(p),
        None => config_dir.join(configured),
    };
    let opts = BuildOptions {
        sources,
        train: pick(&args.train, &config.build.train),
        eval: pick(&args.eval, &config.build.eval),
        seed: args.seed.unwrap_or(config.build.seed),
    };
    let inputs: Vec<&Path> = opts.sources.iter().map(|s| s.path.as_path()).collect();
    crate::output::refuse_overlap(&args.cwd, &inputs, &[&opts.train, &opts.eval])?;
    // The sets are checked after they are written, so they must be read
    // back: a FIFO or device output is built and checked in a scratch
    // folder (under the same file names), then written through.
    let through = |p: &Path| -> Result<bool, Error> {
        Ok(!matches!(
            crate::output::resolve(p)?,
            crate::output::Dest::Replace(_)
        ))
    };
    let scratch = if through(&opts.train)? || through(&opts.eval)? {
        Some(tempfile::tempdir().map_err(|source| Error::Write {
            path: opts.train.clone(),
            source,
        })?)
    } else {
        None
    };
    // Where the sets are built and checked, and their names there.
    let (check_cwd, check_train, check_eval) = match &scratch {
        Some(dir) => {
            let name = |p: &Path, other: &str| {
                PathBuf::from(
                    p.file_name()
                        .map_or_else(|| other.into(), |n| n.to_os_string()),
                )
            };
            let train = name(&opts.train, "train");
            let mut eval = name(&opts.eval, "eval");
            if eval == train {
                eval = PathBuf::from(format!("eval.{}", eval.display()));
            }
            (dir.path().to_path_buf(), train, eval)
        }
        None => (args.cwd.clone(), opts.train.clone(), opts.eval.clone()),
    };
    let build_opts = BuildOptions {
        train: check_cwd.join(&check_train),
        eval: check_cwd.join(&check_eval),
        ..opts.clone()
    };
    let mut report = crate::build::build(&build_opts, &config, &schema)?;
    let check_opts = DatasetOptions {
        files: Vec::new(),
        train: vec![check_train],
        eval: vec![check_eval],
        // In the scratch folder, the config found from here still applies.
        config: match &scratch {
            Some(_) => config.origin.clone(),
            None => args.config.clone(),
        },
        schema: None,
        json: args.json,
        cwd: check_cwd,
        staged: false,
    };
    let mut checked = Vec::new();
    let exit = check(&check_opts, &mut checked, err)?;
    if scratch.is_some() {
        for (built, dest) in [
            (&build_opts.train, &opts.train),
            (&build_opts.eval, &opts.eval),
        ] {
            // A scratch file that cannot be read back is named by its output.
            crate::output::copy_to(built, dest).map_err(|e| match e {
                Error::Read { source, .. } => Error::Read {
                    path: dest.clone(),
                    source,
                },
                e => e,
            })?;
        }
        report.train = opts.train.clone();
        report.eval = opts.eval.clone();
    }
    // A set written to standard output keeps it for records: the report
    // goes to stderr then.
    let out: &mut dyn Write = if crate::output::is_stdout(&args.cwd, &opts.train)
        || crate::output::is_stdout(&args.cwd, &opts.eval)
    {
        err
    } else {
        out
    };
    if args.json {
        let check_json: serde_json::Value =
            serde_json::from_slice(&checked).unwrap_or(serde_json::Value::Null);
        let v = json!({ "build": report, "check": check_json });
        writeln!(out, "{v}").map_err(stdout_error)?;
    } else {
        write!(out, "{}", render_build(&report)).map_err(stdout_error)?;
        writeln!(out).map_err(stdout_error)?;
        out.write_all(&checked).map_err(stdout_error)?;
    }
    Ok(exit)
}

/// A config source path, or every file its glob matches (sorted), relative
/// to `base`; a glob that matches nothing is an error, not an empty source.
fn expand(base: &Path, pattern: &str) -> Result<Vec<PathBuf>, Error> {
    if !pattern.contains(['*', '?', '[', '{']) {
        return Ok(vec![base.join(pattern)]);
    }
    let glob = globset::Glob::new(pattern)
        .map_err(|e| Error::Input {
            message: format!("build.sources: bad glob `{pattern}`: {e}"),
        })?
        .compile_matcher();
    let found: Vec<PathBuf> = walk_files(base, |p| glob.is_match(p))?
        .into_iter()
        .map(|p| base.join(p))
        .collect();
    if found.is_empty() {
        return Err(Error::Input {
            message: format!(
                "build.sources: `{pattern}` matches no file under {}",
                base.display()
            ),
        });
    }
    Ok(found)
}

/// The human report of `build`: one row per type and source.
pub fn render_build(r: &crate::build::BuildReport) -> String {
    use crate::build::Drop;
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "build (seed {}): {} sources -> {} train, {} eval records",
        r.seed,
        r.sources.len(),
        r.train_records,
        r.eval_records
    );
    let _ = write!(
        s,
        "{:<22} {:>8} {:>8} {:>6}",
        "type/source", "in", "train", "eval"
    );
    for d in Drop::ALL {
        let _ = write!(s, " {:>14}", d.as_str());
    }
    s.push('\n');
    for (key, t) in &r.tallies {
        let _ = write!(s, "{key:<22} {:>8} {:>8} {:>6}", t.input, t.train, t.eval);
        for d in Drop::ALL {
            let _ = write!(s, " {:>14}", t.dropped.get(&d).copied().unwrap_or(0));
        }
        s.push('\n');
    }
    let tags: Vec<String> = r
        .eval_tags
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    let _ = writeln!(
        s,
        "train real share {:.3}; eval hard cases: {}",
        r.train_real_share,
        tags.join(", ")
    );
    let _ = writeln!(s, "wrote {} and {}", r.train.display(), r.eval.display());
    for w in &r.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    s
}
