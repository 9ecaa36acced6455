//! The git hooks. Takes a repository; installs [`SCRIPT`] (`hooks/pre-commit`)
//! as `pre-commit` and as `pre-merge-commit` (git runs the latter, not
//! `pre-commit`, for a merge it commits by itself) where git really looks
//! for hooks (git is asked, so `core.hooksPath` and worktrees are honoured),
//! and never loses or changes a hook that was there:
//!
//! - a plain foreign hook moves to `revmine-chained/NAME` beside revmine's
//!   and runs first. It keeps its file name, so a script that dispatches on
//!   `basename "$0"` still works, and gets the same arguments and standard
//!   input. (`NAME.legacy`, revmine-hook v1's place and the pre-commit
//!   framework's, renamed the hook: husky v9's stub, which looks for the
//!   user's script by its own file name, then found nothing and passed.)
//! - a hook that a hook manager wrote (husky, lefthook, the pre-commit
//!   framework), or one that finds files beside itself (`dirname "$0"`,
//!   `BASH_SOURCE`...), which no move keeps working, is left exactly as it is:
//!   nothing is installed, and [`advice`] says how to run revmine from the
//!   manager's config, which the manager keeps (husky rewrites `.husky/_/`).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;

/// The hook script as shipped in `hooks/pre-commit` (its `hook` and
/// `revmine_bin` lines are filled in by [`script`]).
pub const SCRIPT: &str = include_str!("../../hooks/pre-commit");
/// The hooks revmine installs, in order.
pub const HOOKS: [&str; 2] = ["pre-commit", "pre-merge-commit"];
/// The folder beside revmine's hooks that keeps the hooks it chains.
pub const CHAINED_DIR: &str = "revmine-chained";
/// The line that marks a hook as this version of revmine's.
const MARKER: &str = "revmine-hook v2";
/// Any version's marker.
const ANY_MARKER: &str = "revmine-hook v";
const HOOK_LINE: &str = "\nhook=pre-commit\n";
const BIN_LINE: &str = "\nrevmine_bin=''\n";

/// What `hook status` (and install/uninstall) found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    pub hooks_dir: PathBuf,
    /// One per name in [`HOOKS`], in that order.
    pub hooks: Vec<HookState>,
    /// Hook managers the repository uses: their hooks in the hooks folder or
    /// their config at the top of the work tree.
    pub managers: Vec<Manager>,
}

/// One hook file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HookState {
    pub name: &'static str,
    pub path: PathBuf,
    pub installed: Installed,
    /// The hook revmine's runs first: `revmine-chained/NAME`, or `NAME.legacy`
    /// beside a revmine-hook v1 script.
    pub chained: Option<PathBuf>,
    /// The binary revmine's hook runs (recorded at install; `None`: the
    /// `revmine` on PATH).
    pub revmine: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Installed {
    None,
    Revmine,
    /// Revmine's hook from another version: `install` updates it.
    RevmineOutdated,
    Other(Foreign),
}

/// What kind of hook someone else put there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Foreign {
    /// A hook manager's: left alone, see [`advice`].
    Manager(Manager),
    /// Finds files beside itself through its own path, or is a symlink: a
    /// move would break it.
    FindsItsFiles,
    /// Anything else: chained under its own name.
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Manager {
    /// husky (`core.hooksPath` is `.husky/_` in v9, `.husky` before).
    Husky,
    /// lefthook (`lefthook.yml` and its spellings).
    Lefthook,
    /// The pre-commit framework (`.pre-commit-config.yaml`).
    PreCommit,
}

impl Manager {
    /// The manager's name in a sentence ("husky", "the pre-commit framework").
    pub fn name(self) -> &'static str {
        match self {
            Manager::Husky => "husky",
            Manager::Lefthook => "lefthook",
            Manager::PreCommit => "the pre-commit framework",
        }
    }
}

/// What a call changed, for one hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Installed,
    InstalledChained,
    Updated,
    AlreadyInstalled,
    /// A hook revmine must not move is there: nothing was written for any hook.
    LeftAlone(Foreign),
    /// Another hook was left alone, so this one was not installed either.
    NotInstalled,
    Removed,
    RemovedRestored,
    Absent,
    ForeignLeftAlone,
}

/// Where git looks for hooks, and the top of the work tree (`None` in a bare
/// repository), asked of git for the repository at `repo`.
fn locate(repo: &Path) -> Result<(PathBuf, Option<PathBuf>), Error> {
    let hook_err = |message: String| Error::Hook {
        repo: repo.to_path_buf(),
        message,
    };
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .output()
            .map_err(|e| hook_err(format!("cannot run git: {e}")))
    };
    let out = git(&["rev-parse", "--path-format=absolute", "--git-path", "hooks"])?;
    if !out.status.success() {
        return Err(hook_err(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if path.is_empty() {
        return Err(hook_err("git gave no hooks path".into()));
    }
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let top = String::from_utf8_lossy(&top.stdout).trim().to_string();
    Ok((PathBuf::from(path), (!top.is_empty()).then(|| top.into())))
}

/// Asks git where hooks go for the repository at `repo`.
pub fn hooks_dir(repo: &Path) -> Result<PathBuf, Error> {
    Ok(locate(repo)?.0)
}

/// The hook script for `hook` (a name in [`HOOKS`]) running `revmine`
/// (recorded as a single-quoted shell word; `None` leaves it to PATH).
pub fn script(hook: &str, revmine: Option<&Path>) -> String {
    let bin = revmine
        .and_then(Path::to_str)
        .map(|p| format!("\nrevmine_bin='{}'\n", p.replace('\'', r"'\''")))
        .unwrap_or_else(|| BIN_LINE.to_string());
    SCRIPT
        .replacen(HOOK_LINE, &format!("\nhook={hook}\n"), 1)
        .replacen(BIN_LINE, &bin, 1)
}

/// The binary a hook installed now records: this one, when it can be named.
fn this_binary() -> Option<PathBuf> {
    std::env::current_exe().ok().filter(|p| p.is_absolute())
}

/// The path a revmine script records, and whether it is this version's script.
fn read_revmine(hook: &str, text: &str) -> (bool, Option<PathBuf>) {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("revmine_bin="))
        .unwrap_or("''");
    let recorded = line
        .strip_prefix('\'')
        .and_then(|l| l.strip_suffix('\''))
        .map(|l| l.replace(r"'\''", "'"))
        .filter(|p| !p.is_empty());
    let current = text.contains(MARKER)
        && text.replacen(&format!("\nrevmine_bin={line}\n"), BIN_LINE, 1) == script(hook, None);
    (current, recorded.map(PathBuf::from))
}

/// The manager a foreign hook's text names, if any.
fn manager_of(text: &str) -> Option<Manager> {
    if text.contains("husky") {
        Some(Manager::Husky)
    } else if text.contains("lefthook") {
        Some(Manager::Lefthook)
    } else if text.contains("pre-commit.com") || text.contains("pre_commit") {
        Some(Manager::PreCommit)
    } else {
        None
    }
}

/// Whether a script finds files through its own path (`dirname "$0"`,
/// `BASH_SOURCE`, `__file__`...), which moving it would break.
fn finds_its_files(text: &str) -> bool {
    [
        "dirname",
        "BASH_SOURCE",
        "__file__",
        "__dirname",
        "realpath",
        "readlink",
        "${0%",
        "$(cd \"${0",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// Hook managers whose config or hooks folder the repository has.
fn managers_around(hooks_dir: &Path, top: Option<&Path>) -> Vec<Manager> {
    let mut found = Vec::new();
    if hooks_dir.components().any(|c| c.as_os_str() == ".husky") {
        found.push(Manager::Husky);
    }
    if let Some(top) = top {
        let exists = |names: &[&str]| names.iter().any(|n| top.join(n).exists());
        if exists(&[".husky"]) && !found.contains(&Manager::Husky) {
            found.push(Manager::Husky);
        }
        let lefthook = [
            "lefthook.yml",
            ".lefthook.yml",
            "lefthook.yaml",
            ".lefthook.yaml",
            "lefthook.toml",
            ".lefthook.toml",
            "lefthook.json",
            ".lefthook.json",
        ];
        if exists(&lefthook) {
            found.push(Manager::Lefthook);
        }
        if exists(&[".pre-commit-config.yaml", ".pre-commit-config.yml"]) {
            found.push(Manager::PreCommit);
        }
    }
    found
}

fn hook_state(dir: &Path, name: &'static str, husky_dir: bool) -> HookState {
    let path = dir.join(name);
    // A symlinked hook (`../../scripts/pre-commit`) would point at nothing
    // once moved into `revmine-chained/`: it stays where it is.
    let link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
    let (installed, revmine) = match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) if text.contains(ANY_MARKER) => {
                let (current, recorded) = read_revmine(name, &text);
                let installed = if current {
                    Installed::Revmine
                } else {
                    Installed::RevmineOutdated
                };
                (installed, recorded)
            }
            Ok(text) => {
                let foreign = match manager_of(&text) {
                    Some(m) => Foreign::Manager(m),
                    None if husky_dir => Foreign::Manager(Manager::Husky),
                    None if link || finds_its_files(&text) => Foreign::FindsItsFiles,
                    None => Foreign::Plain,
                };
                (Installed::Other(foreign), None)
            }
            // A binary hook is someone else's too.
            Err(_) if link => (Installed::Other(Foreign::FindsItsFiles), None),
            Err(_) => (Installed::Other(Foreign::Plain), None),
        },
        Err(_) if link => (Installed::Other(Foreign::FindsItsFiles), None),
        Err(_) if path.exists() => (Installed::Other(Foreign::Plain), None),
        Err(_) => (Installed::None, None),
    };
    let chained = match installed {
        Installed::Revmine | Installed::RevmineOutdated => [
            dir.join(CHAINED_DIR).join(name),
            dir.join(format!("{name}.legacy")),
        ]
        .into_iter()
        .find(|p| p.exists()),
        _ => None,
    };
    HookState {
        name,
        path,
        installed,
        chained,
        revmine,
    }
}

/// What is installed in the hooks folder git uses for `repo`, hook by hook,
/// and which hook managers the repository uses. Errors when git cannot say
/// where hooks go (not a repository, git missing).
pub fn status(repo: &Path) -> Result<Status, Error> {
    let (dir, top) = locate(repo)?;
    let husky_dir = dir.components().any(|c| c.as_os_str() == ".husky");
    let hooks: Vec<HookState> = HOOKS
        .iter()
        .map(|name| hook_state(&dir, name, husky_dir))
        .collect();
    let mut managers = managers_around(&dir, top.as_deref());
    for h in &hooks {
        if let Installed::Other(Foreign::Manager(m)) = h.installed
            && !managers.contains(&m)
        {
            managers.push(m);
        }
    }
    managers.sort();
    Ok(Status {
        hooks_dir: dir,
        hooks,
        managers,
    })
}

/// Installs revmine's hooks, recording this binary's path in them; one
/// outcome per name in [`HOOKS`]. Nothing
/// is written when a hook that must not move is there (see the module doc),
/// nor when a hook cannot be chained because its place in `revmine-chained/`
/// is taken (an error).
pub fn install(repo: &Path, force: bool) -> Result<(Vec<Outcome>, Status), Error> {
    let before = status(repo)?;
    let dir = &before.hooks_dir;
    let bin = this_binary();
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    // husky rewrites its hooks folder: nothing written there would last.
    let husky_dir = dir.components().any(|c| c.as_os_str() == ".husky");
    let left_alone = husky_dir
        || before
            .hooks
            .iter()
            .any(|h| matches!(h.installed, Installed::Other(f) if f != Foreign::Plain));
    if left_alone {
        let outcomes = before
            .hooks
            .iter()
            .map(|h| match h.installed {
                Installed::Other(f) if f != Foreign::Plain => Outcome::LeftAlone(f),
                _ => Outcome::NotInstalled,
            })
            .collect();
        return Ok((outcomes, before));
    }
    for h in &before.hooks {
        let target = dir.join(CHAINED_DIR).join(h.name);
        if h.installed == Installed::Other(Foreign::Plain) && target.exists() {
            return Err(Error::Hook {
                repo: repo.to_path_buf(),
                message: format!(
                    "{} is not revmine's and {} already exists; move one of them away first (nothing was changed)",
                    h.path.display(),
                    target.display()
                ),
            });
        }
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut outcomes = Vec::new();
    for h in &before.hooks {
        let text = script(h.name, bin.as_deref());
        let target = dir.join(CHAINED_DIR).join(h.name);
        let outcome = match h.installed {
            Installed::Revmine
                if !force && std::fs::read_to_string(&h.path).ok().as_ref() == Some(&text) =>
            {
                Outcome::AlreadyInstalled
            }
            Installed::Revmine | Installed::RevmineOutdated => {
                // revmine-hook v1 kept the chained hook as NAME.legacy.
                let legacy = dir.join(format!("{}.legacy", h.name));
                if h.chained.as_deref() == Some(legacy.as_path()) && !target.exists() {
                    chain(&legacy, &target)?;
                }
                write_hook(&h.path, &text)?;
                Outcome::Updated
            }
            Installed::Other(_) => {
                chain(&h.path, &target)?;
                write_hook(&h.path, &text)?;
                Outcome::InstalledChained
            }
            Installed::None => {
                write_hook(&h.path, &text)?;
                Outcome::Installed
            }
        };
        outcomes.push(outcome);
    }
    Ok((outcomes, status(repo)?))
}

/// Moves a hook to `to` in `revmine-chained/`: a rename keeps it byte for
/// byte, mode included.
fn chain(from: &Path, to: &Path) -> Result<(), Error> {
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(write_err(parent))?;
    }
    std::fs::rename(from, to).map_err(write_err(to))
}

/// Removes revmine's hooks, putting back the ones they chained (from
/// `revmine-chained/` or revmine-hook v1's `NAME.legacy`); a hook that is not
/// revmine's is left alone. One outcome per name in [`HOOKS`].
pub fn uninstall(repo: &Path) -> Result<(Vec<Outcome>, Status), Error> {
    let before = status(repo)?;
    let mut outcomes = Vec::new();
    for h in &before.hooks {
        let write_err = |source| Error::Write {
            path: h.path.clone(),
            source,
        };
        let outcome = match (h.installed, &h.chained) {
            (Installed::None, _) => Outcome::Absent,
            (Installed::Other(_), _) => Outcome::ForeignLeftAlone,
            (_, Some(chained)) => {
                std::fs::rename(chained, &h.path).map_err(write_err)?;
                Outcome::RemovedRestored
            }
            (_, None) => {
                std::fs::remove_file(&h.path).map_err(write_err)?;
                Outcome::Removed
            }
        };
        outcomes.push(outcome);
    }
    // Only when empty: anything else in it is not revmine's to remove.
    let _ = std::fs::remove_dir(before.hooks_dir.join(CHAINED_DIR));
    Ok((outcomes, status(repo)?))
}

/// How to run revmine's check from `manager`'s own config.
pub fn advice(manager: Manager) -> &'static str {
    match manager {
        Manager::Husky => {
            "husky runs the scripts in .husky/; add this line to .husky/pre-commit and to .husky/pre-merge-commit (create it, as husky does, for merges git commits by itself):\n    revmine check --staged"
        }
        Manager::Lefthook => {
            "add to lefthook.yml, then run `lefthook install`:\n    pre-commit:\n      commands:\n        revmine:\n          run: revmine check --staged\n    pre-merge-commit:\n      commands:\n        revmine:\n          run: revmine check --staged"
        }
        Manager::PreCommit => {
            "add to .pre-commit-config.yaml, then run `pre-commit install --hook-type pre-commit --hook-type pre-merge-commit`:\n    repos:\n      - repo: local\n        hooks:\n          - id: revmine-check\n            name: revmine check --staged\n            entry: revmine check --staged\n            language: system\n            pass_filenames: false\n            always_run: true\n            stages: [pre-commit, pre-merge-commit]"
        }
    }
}

/// Writes the script atomically, executable.
fn write_hook(path: &Path, text: &str) -> Result<(), Error> {
    crate::output::write_file(path, text.as_bytes())?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|source| {
        Error::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_filled_in_once_and_read_back() {
        assert_eq!(SCRIPT.matches(HOOK_LINE).count(), 1);
        assert_eq!(SCRIPT.matches(BIN_LINE).count(), 1);
        let text = script("pre-merge-commit", Some(Path::new("/opt/it's/revmine")));
        assert!(text.contains("\nhook=pre-merge-commit\n"), "{text}");
        assert!(
            text.contains(r"revmine_bin='/opt/it'\''s/revmine'"),
            "{text}"
        );
        let (current, recorded) = read_revmine("pre-merge-commit", &text);
        assert!(current);
        assert_eq!(recorded, Some(PathBuf::from("/opt/it's/revmine")));
        // the pre-commit script is not the pre-merge-commit one
        assert!(!read_revmine("pre-commit", &text).0);
        assert_eq!(
            read_revmine("pre-commit", &script("pre-commit", None)),
            (true, None)
        );
    }

    #[test]
    fn foreign_hooks_are_told_apart() {
        assert_eq!(
            manager_of("#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"\n# husky"),
            Some(Manager::Husky)
        );
        assert_eq!(
            manager_of("# File generated by pre-commit: https://pre-commit.com\n"),
            Some(Manager::PreCommit)
        );
        assert_eq!(
            manager_of("call_lefthook run \"pre-commit\" \"$@\""),
            Some(Manager::Lefthook)
        );
        assert!(finds_its_files(". \"$(dirname \"$0\")/h\""));
        assert!(!finds_its_files("#!/bin/sh\nmake lint\n"));
    }
}
