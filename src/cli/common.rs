//! What the commands share: how a command ends ([`Exit`]), reading dataset
//! files once into scans ([`Session`]), and small report helpers (counts,
//! stdin checks, JSONL writing).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use revmine::config::Config;
use revmine::dataset::role::Role;
use revmine::dataset::schema::Schema;
use revmine::error::Error;
use revmine::gate::scan::{FileScan, Input, ProblemKind, Scanner};

/// How a command ended; the binary maps it to the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
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
    pub(crate) fn code(self) -> u8 {
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
pub(crate) struct DatasetOptions {
    /// Files to read; `-` is standard input. `check` finds dataset files when empty.
    pub(crate) files: Vec<PathBuf>,
    /// Files judged as train (whole-set gates) whatever their names.
    pub(crate) train: Vec<PathBuf>,
    /// Files judged as eval whatever their names.
    pub(crate) eval: Vec<PathBuf>,
    pub(crate) config: Option<PathBuf>,
    pub(crate) schema: Option<PathBuf>,
    pub(crate) json: bool,
    pub(crate) cwd: PathBuf,
    /// Read the dataset files staged in the git index instead of `files`.
    pub(crate) staged: bool,
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
/// ([`revmine::output::input_identity`], `-` included); `-` on a terminal,
/// which has none, is still one input however often named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileKey {
    Stdin,
    File(revmine::output::Identity),
}

pub(crate) fn file_key(cwd: &Path, path: &Path) -> Option<FileKey> {
    match revmine::output::input_identity(cwd, path) {
        Some(id) => Some(FileKey::File(id)),
        None => (path.as_os_str() == "-").then_some(FileKey::Stdin),
    }
}

/// Each file once, however many times (or spellings) it is named: reading it
/// twice would make every record a duplicate of itself. A role given with
/// `--train`/`--eval` wins over the one the name gives; the warnings name
/// both spellings. Files that cannot be read are kept, to be reported.
pub(crate) fn read_once(
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
                said.push_str(&format!(" (as {})", r.as_str()));
            }
            (Some(a), Some(b)) if a != b => said.push_str(&format!(
                " (as {}, the role it was named with first, not {})",
                a.as_str(),
                b.as_str()
            )),
            _ => {}
        }
        warnings.push(said);
    }
    (kept.into_iter().map(|(p, r, _)| (p, r)).collect(), warnings)
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
    pub(crate) fn open(opts: &DatasetOptions, discover: bool) -> Result<Self, Error> {
        let (config, schema) =
            config_and_schema(opts.config.as_deref(), opts.schema.as_deref(), &opts.cwd)?;
        let roles = config.matchers()?;
        if opts.staged {
            // Read through the `git` command, which honours the environment
            // git gives a hook (GIT_INDEX_FILE, GIT_DIR...) and every index
            // format. Sign-off ledgers of staged files are read from the work tree.
            let keep = |p: &Path| roles.is_dataset(p) || roles.role(p) != Role::Other;
            let staged =
                revmine::source::git::staged_files(&opts.cwd, &keep).map_err(|e| Error::Input {
                    message: e.to_string(),
                })?;
            let inputs = staged
                .files
                .into_iter()
                .map(|f| {
                    let role = roles.role(&f.path);
                    let origin = staged.work_tree.as_ref().map(|w| w.join(&f.path));
                    // A staged Git LFS pointer: its content is in the local
                    // LFS store once `git add` ran the clean filter.
                    let pointer = revmine::dataset::lfs::lfs_pointer(&f.content);
                    let smudged = pointer.as_ref().map(|p| {
                        let dir = staged.work_tree.as_deref().unwrap_or(&opts.cwd);
                        (
                            p.size,
                            revmine::source::lfs::smudge_pointer(dir, &f.path, &f.content),
                        )
                    });
                    let mut input = Input::from_bytes(f.label, role, f.content);
                    match smudged {
                        Some((size, Ok(content))) => input = input.with_content(content, size),
                        Some((_, Err(why))) => input = input.with_lfs_note(why.to_string()),
                        None => {}
                    }
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
                Ok(mut input) => {
                    // A Git LFS pointer: read its content through git-lfs when
                    // it can; otherwise the scan says what the file is.
                    if let Some(pointer) = input.lfs_pointer() {
                        input = match revmine::source::lfs::smudge(&opts.cwd.join(&path)) {
                            Ok(content) => input.with_content(content, pointer.size),
                            Err(why) => input.with_lfs_note(why.to_string()),
                        };
                    }
                    inputs.push(input)
                }
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
        let mut options = self.config.scan_options(full_stats);
        if self.inputs.iter().any(|i| i.role == Role::Eval) {
            options.tagger = revmine::dataset::tags::Tagger::new(&self.config.tags)
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
                    let index = revmine::gate::scan::leak_index(&evals, threshold);
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
pub(crate) fn progress_bar(total: u64) -> indicatif::ProgressBar {
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

/// The files under `root` that `keep` accepts, relative and sorted; a walk
/// error names `root`.
pub(crate) fn walk_files(root: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, Error> {
    revmine::source::files::walk(root, keep).map_err(|source| Error::Read {
        path: root.to_path_buf(),
        source,
    })
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

/// [`revmine::output::refuse_overlap`] for a command of many inputs and one
/// optional output; without one, records go to standard output (`-`).
pub(crate) fn refuse_overlap(
    cwd: &Path,
    inputs: &[PathBuf],
    output: Option<&Path>,
) -> Result<(), Error> {
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    revmine::output::refuse_overlap(cwd, &inputs, &[output.unwrap_or(Path::new("-"))])
}

/// How records and reports name standard input (`-`).
pub(crate) const STDIN_LABEL: &str = "<stdin>";

/// `-` (standard input) can be read once: a second `-` would read nothing.
pub(crate) fn stdin_at_most_once(paths: &[PathBuf], flag: &'static str) -> Result<(), Error> {
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
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `email 2, phone 1`: redaction counts on one line.
pub(crate) fn render_counts(counts: &revmine::secrets::Counts) -> String {
    counts
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes JSONL lines to `output` (atomically, resolved from `cwd`) or to
/// `out`; returns how to name where they went in a summary.
pub(crate) fn write_jsonl<'l>(
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
            revmine::output::write_file_in(cwd, path, jsonl.as_bytes())?;
            Ok(path.display().to_string())
        }
        None => {
            out.write_all(jsonl.as_bytes()).map_err(Error::stdout)?;
            Ok("standard output".to_string())
        }
    }
}

/// `-o -` names standard output, as leaving `-o` out does.
pub(crate) fn stdout_dash(p: &Option<PathBuf>) -> Option<PathBuf> {
    p.clone().filter(|p| p.as_os_str() != "-")
}
