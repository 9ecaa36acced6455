//! `revmine mine`: revision history into preference pairs.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use revmine::config::Config;
use revmine::config::MineOverrides;
use revmine::error::Error;

use crate::cli::common::*;

#[derive(Debug, Args)]
pub(crate) struct Flags {
    /// Git repositories to mine.
    #[arg(value_name = "REPO", required = true)]
    pub(crate) repos: Vec<PathBuf>,
    /// Write the pairs here (JSONL, replaced atomically); default standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Walk from this revision instead of HEAD.
    #[arg(long, value_name = "REV")]
    pub(crate) rev: Option<String>,
    /// first-parent: history as merged; branches: every non-merge commit (pull-request workflows).
    #[arg(long, value_parser = ["first-parent", "branches"])]
    pub(crate) history: Option<String>,
    /// consecutive: each revision against the one before; final: each earlier version against the last.
    #[arg(long, value_parser = ["consecutive", "final"])]
    pub(crate) pairs: Option<String>,
    /// branch: with --history branches, a merged branch's commits are one revision per file; none: each commit is one.
    #[arg(long, value_parser = ["none", "branch"])]
    pub(crate) fold: Option<String>,
    /// Only files matching GLOB (repeatable; replaces mine.paths).
    #[arg(long = "path", value_name = "GLOB")]
    pub(crate) paths: Vec<String>,
    /// Only revisions committed on or after DATE (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub(crate) since: Option<String>,
    /// Only revisions committed on or before DATE.
    #[arg(long, value_name = "DATE")]
    pub(crate) until: Option<String>,
    /// Only revisions by authors matching REGEX ("Name <email>"; repeatable).
    #[arg(long = "author", value_name = "REGEX")]
    pub(crate) authors: Vec<String>,
    /// Fold revisions by authors matching REGEX into the next one (repeatable; adds to mine.exclude_authors).
    #[arg(long = "exclude-author", value_name = "REGEX")]
    pub(crate) exclude_authors: Vec<String>,
    /// Add a unified diff of each pair to its meta.
    #[arg(long)]
    pub(crate) diff: bool,
    /// Also write every candidate pair a filter dropped here (JSONL, its
    /// reason in meta.dropped).
    #[arg(long, value_name = "FILE")]
    pub(crate) dropped: Option<PathBuf>,
    /// Print the summary as JSON on stdout (needs --output).
    #[arg(long, requires = "output")]
    pub(crate) json: bool,
}

/// Options of `revmine mine`: what to read and where to write, and the
/// miner's overrides of `[mine]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct MineArgs {
    pub(crate) repos: Vec<PathBuf>,
    pub(crate) output: Option<PathBuf>,
    /// `--dropped`: where the dropped candidate pairs go.
    pub(crate) dropped: Option<PathBuf>,
    pub(crate) config: Option<PathBuf>,
    pub(crate) cwd: PathBuf,
    pub(crate) json: bool,
    pub(crate) mine: MineOverrides,
}

fn mine_args(a: &Flags, config: &Option<PathBuf>) -> anyhow::Result<MineArgs> {
    use revmine::mine::{FoldMode, PairMode};
    use revmine::source::git::History;
    Ok(MineArgs {
        repos: a.repos.clone(),
        output: stdout_dash(&a.output),
        dropped: a.dropped.clone(),
        config: config.clone(),
        cwd: std::env::current_dir()?,
        json: a.json,
        mine: MineOverrides {
            rev: a.rev.clone(),
            history: a.history.as_deref().map(|h| {
                if h == "branches" {
                    History::Branches
                } else {
                    History::FirstParent
                }
            }),
            pairs: a.pairs.as_deref().map(|p| {
                if p == "final" {
                    PairMode::Final
                } else {
                    PairMode::Consecutive
                }
            }),
            fold: a.fold.as_deref().map(|f| {
                if f == "branch" {
                    FoldMode::Branch
                } else {
                    FoldMode::None
                }
            }),
            paths: a.paths.clone(),
            since: a.since.clone(),
            until: a.until.clone(),
            authors: a.authors.clone(),
            exclude_authors: a.exclude_authors.clone(),
            diff: a.diff,
        },
    })
}

pub(crate) fn command(
    flags: &Flags,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    Ok(mine(&mine_args(flags, config)?, out, err)?)
}

/// `revmine mine`: every repo's pairs, written atomically, and a summary.
pub(crate) fn mine(
    args: &MineArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    no_stdin(
        &args.repos,
        "REPO",
        "mine reads a git repository's history, which standard input cannot hold; name the repository",
    )?;
    {
        let repos: Vec<&std::path::Path> = args.repos.iter().map(PathBuf::as_path).collect();
        let mut outputs = vec![args.output.as_deref().unwrap_or(std::path::Path::new("-"))];
        outputs.extend(args.dropped.as_deref());
        revmine::output::refuse_overlap(&args.cwd, &repos, &outputs)?;
    }
    let config = Config::load(args.config.as_deref(), &args.cwd)?;
    let mut opts = config.mine_options(&args.mine)?;
    opts.keep_dropped = args.dropped.is_some();
    // A tracked note's work-tree copy holds what its author edits next: an
    // output there would destroy it (a tracked dataset file is fine).
    for o in args.output.iter().chain(&args.dropped) {
        if let Some(inside) = revmine::source::git::tracked_path(&args.cwd.join(o))
            && opts.paths.is_match(&inside)
        {
            return Err(Error::Output {
                path: o.clone(),
                message: format!(
                    "is `{inside}`, a note git tracks and mine reads ([mine] paths); name another output"
                ),
            });
        }
    }
    // A spinner on a terminal (indicatif draws nothing otherwise), counting commits.
    let progress = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos} commits ({per_sec})")
    {
        progress.set_style(style);
    }
    let mut pairs = Vec::new();
    let mut dropped = Vec::new();
    let mut summaries = Vec::new();
    // The same pair (or an edit's reverse) from two repositories is written once.
    let mut settle = revmine::mine::Settle::default();
    let mut ids = std::collections::HashSet::new();
    // Why file versions were missing, per repository that lacked some.
    let mut missing = Vec::new();
    for repo in &args.repos {
        progress.set_message(format!("mining {}", repo.display()));
        progress.set_position(0);
        let path = args.cwd.join(repo);
        let (mut p, mut s) =
            revmine::mine::mine_repo(&path, &opts, &progress).map_err(Error::Git)?;
        s.path = repo.display().to_string();
        if let Some(&n) = s.skipped.get("missing_blob")
            && n > 0
        {
            let opened = revmine::source::git::GitRepo::open(&path).map_err(Error::Git)?;
            missing.push(missing_blobs(
                &opened,
                &s.path,
                n,
                "pairs around them are missing from the output; mine again",
            ));
        }
        p.retain(|p| p.dropped.is_some() || ids.insert(p.id.clone()));
        let p = settle.settle(p, opts.keep_dropped, &mut s.skipped);
        s.pairs = p.iter().filter(|p| p.dropped.is_none()).count() as u64;
        let (kept, gone): (Vec<_>, Vec<_>) = p.into_iter().partition(|p| p.dropped.is_none());
        pairs.extend(kept);
        dropped.extend(gone);
        summaries.push(s);
    }
    progress.finish_and_clear();
    // A damaged object is bad input: the pairs that could be read are
    // written, and the exit code says something was lost (ripgrep's way).
    let corrupt = summaries.iter().any(|s| !s.corrupt.is_empty()) || !missing.is_empty();
    let target = write_jsonl(
        pairs.iter().map(|p| p.line.as_str()),
        args.output.as_deref(),
        &args.cwd,
        out,
    )?;
    let dropped_target = match &args.dropped {
        Some(path) => Some(write_jsonl(
            dropped.iter().map(|p| p.line.as_str()),
            Some(path.as_path()).filter(|p| p.as_os_str() != "-"),
            &args.cwd,
            out,
        )?),
        None => None,
    };
    if args.json {
        let mut report = json!({ "pairs": pairs.len(), "output": target, "repos": summaries });
        if !missing.is_empty() {
            report["errors"] = json!(missing);
        }
        if let Some(d) = &dropped_target {
            report["dropped"] = json!({ "pairs": dropped.len(), "output": d });
        }
        writeln!(out, "{report}").map_err(Error::stdout)?;
    } else {
        write!(err, "{}", render_mine(&summaries, pairs.len(), &target)).ok();
        for m in &missing {
            writeln!(err, "error: {m}").ok();
        }
        if let Some(d) = &dropped_target {
            writeln!(
                err,
                "wrote {} dropped by the filters to {d}",
                count(dropped.len(), "candidate pair")
            )
            .ok();
        }
    }
    Ok(if corrupt { Exit::Error } else { Exit::Ok })
}

/// Why `n` file versions of `repo` (named `shown` to the user) were not in
/// its object database, and how to get them; `then` says what happens
/// next. A partial clone (`git clone --filter`, see git's
/// Documentation/technical/partial-clone.txt) never downloaded them: with
/// its filter unset, `git fetch --refetch` (git >= 2.36) downloads every
/// object as a full clone would, and later fetches stay complete.
pub(crate) fn missing_blobs(
    repo: &revmine::source::git::GitRepo,
    shown: &str,
    n: u64,
    then: &str,
) -> String {
    let versions = count(n as usize, "file version");
    let are = if n == 1 { "is" } else { "are" };
    match repo.promisor_remote() {
        Some(remote) => format!(
            "{versions} of `{shown}` {are} not downloaded: it is a partial clone \
             (cloned with --filter, its remote `{remote}` keeps them); {then} after fetching \
             them: git -C {shown} config --unset remote.{remote}.partialclonefilter && \
             git -C {shown} fetch --refetch {remote}"
        ),
        None => format!(
            "{versions} of `{shown}` {are} missing from its object database (an incomplete \
             or damaged repository: `git -C {shown} fsck` names them); {then} once they are back"
        ),
    }
}

fn render_mine(summaries: &[revmine::mine::RepoSummary], pairs: usize, target: &str) -> String {
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
            let error = revmine::dataset::line::sanitise(&c.error);
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
                    revmine::dataset::line::sanitise(&c.path)
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
