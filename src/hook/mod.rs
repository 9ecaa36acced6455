//! The pre-commit hook. Takes a repository; installs `hooks/pre-commit` where git really looks for
//! hooks (git is asked, so `core.hooksPath` and worktrees are honoured), and
//! never loses a hook that was there: a foreign one is kept as
//! `pre-commit.legacy` and run first, as the pre-commit framework does.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;

/// The hook script as shipped in `hooks/pre-commit`.
pub const SCRIPT: &str = include_str!("../../hooks/pre-commit");
/// The line that marks a pre-commit hook as revmine's.
const MARKER: &str = "revmine-hook v1";

/// What `hook status` (and install/uninstall) found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    pub hooks_dir: PathBuf,
    pub installed: Installed,
    /// A previous hook kept as `pre-commit.legacy`, run before revmine's.
    pub chained: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Installed {
    None,
    Revmine,
    /// Revmine's hook from another version: `install` updates it.
    RevmineOutdated,
    Other,
}

/// What a call changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Installed,
    InstalledChained,
    Updated,
    AlreadyInstalled,
    Removed,
    RemovedRestored,
    NotInstalled,
    ForeignLeftAlone,
}

/// Asks git where hooks go for the repository at `repo`.
pub fn hooks_dir(repo: &Path) -> Result<PathBuf, Error> {
    let hook_err = |message: String| Error::Hook {
        repo: repo.to_path_buf(),
        message,
    };
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        .output()
        .map_err(|e| hook_err(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(hook_err(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if path.is_empty() {
        return Err(hook_err("git gave no hooks path".into()));
    }
    Ok(PathBuf::from(path))
}

pub fn status(repo: &Path) -> Result<Status, Error> {
    let dir = hooks_dir(repo)?;
    let installed = match std::fs::read_to_string(dir.join("pre-commit")) {
        Ok(text) if text == SCRIPT => Installed::Revmine,
        Ok(text) if text.contains(MARKER) => Installed::RevmineOutdated,
        Ok(_) => Installed::Other,
        // A binary hook is someone else's too.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Installed::Other,
        Err(_) if dir.join("pre-commit").exists() => Installed::Other,
        Err(_) => Installed::None,
    };
    let chained = dir.join("pre-commit.legacy").exists();
    Ok(Status {
        hooks_dir: dir,
        installed,
        chained,
    })
}

pub fn install(repo: &Path, force: bool) -> Result<(Outcome, Status), Error> {
    let before = status(repo)?;
    let dir = &before.hooks_dir;
    let (hook, legacy) = (dir.join("pre-commit"), dir.join("pre-commit.legacy"));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let outcome = match before.installed {
        Installed::Revmine if !force => Outcome::AlreadyInstalled,
        Installed::Revmine | Installed::RevmineOutdated => {
            write_hook(&hook)?;
            Outcome::Updated
        }
        Installed::Other => {
            if legacy.exists() {
                return Err(Error::Hook {
                    repo: repo.to_path_buf(),
                    message: format!(
                        "{} is not revmine's and {} already exists; move one of them away first (nothing was changed)",
                        hook.display(),
                        legacy.display()
                    ),
                });
            }
            // A rename keeps the old hook byte for byte, mode included.
            std::fs::rename(&hook, &legacy).map_err(io(&legacy))?;
            write_hook(&hook)?;
            Outcome::InstalledChained
        }
        Installed::None => {
            write_hook(&hook)?;
            Outcome::Installed
        }
    };
    Ok((outcome, status(repo)?))
}

pub fn uninstall(repo: &Path) -> Result<(Outcome, Status), Error> {
    let before = status(repo)?;
    let dir = &before.hooks_dir;
    let (hook, legacy) = (dir.join("pre-commit"), dir.join("pre-commit.legacy"));
    let outcome = match before.installed {
        Installed::None => Outcome::NotInstalled,
        Installed::Other => Outcome::ForeignLeftAlone,
        Installed::Revmine | Installed::RevmineOutdated if before.chained => {
            std::fs::rename(&legacy, &hook).map_err(|source| Error::Write {
                path: hook.clone(),
                source,
            })?;
            Outcome::RemovedRestored
        }
        Installed::Revmine | Installed::RevmineOutdated => {
            std::fs::remove_file(&hook).map_err(|source| Error::Write {
                path: hook.clone(),
                source,
            })?;
            Outcome::Removed
        }
    };
    Ok((outcome, status(repo)?))
}

/// Writes the script atomically, executable.
fn write_hook(path: &Path) -> Result<(), Error> {
    crate::output::write_file(path, SCRIPT.as_bytes())?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|source| {
        Error::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}
