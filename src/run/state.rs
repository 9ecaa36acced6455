//! What each source remembers between runs (its state file), its state and
//! lock files, the lock itself, and the crash-test hook.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::error::Error;
use crate::run::source::RunKind;

/// What one source's state file remembers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub name: String,
    pub kind: Option<RunKind>,
    /// The last commit whose records are durable in the output.
    pub commit: Option<String>,
    /// A shallow clone's boundary commits when `commit` was mined (sorted
    /// hex ids; empty for a complete history). When it changes (`git fetch
    /// --unshallow` or `--deepen`), history appeared before what was mined,
    /// and the next run mines the whole history again. `None` in a state
    /// written before revmine recorded it: unknown, so the next run of a
    /// drafts source mines the whole history once (ids already in the
    /// output are not written twice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shallow: Option<Vec<String>>,
    pub output: PathBuf,
    pub records: u64,
    pub runs: u64,
    pub updated: Option<String>,
}

/// A file name for a source: readable, and unique even when two names
/// differ only in characters a file name cannot hold.
pub fn file_key(name: &str) -> String {
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

/// Where a source keeps its state (`KEY.json`) and its lock (`KEY.lock`)
/// in the state folder; `KEY` is [`file_key`] of its name.
#[derive(Debug, Clone)]
pub struct Paths {
    pub state: PathBuf,
    pub lock: PathBuf,
}

impl Paths {
    pub fn of(state_dir: &Path, name: &str) -> Self {
        let key = file_key(name);
        Paths {
            state: state_dir.join(format!("{key}.json")),
            lock: state_dir.join(format!("{key}.lock")),
        }
    }
}

impl State {
    /// The state at `path`; a missing file is a source never run. A file
    /// that is not a state is an error naming it (it is never overwritten).
    pub fn load(path: &Path) -> Result<Self, Error> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Input {
                message: format!("{}: corrupt state file: {e}", path.display()),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(source) => Err(Error::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Replaces the state at `path` atomically, then syncs its folder: a
    /// state is durable only once the rename is.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| Error::Input {
            message: format!("state: {e}"),
        })?;
        crate::output::write_file(path, &bytes)?;
        let dir = crate::output::parent_dir(path);
        crate::output::sync_dir(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })
    }
}

/// What taking a source's lock gave.
#[derive(Debug)]
pub enum Lock {
    /// Held until the file is dropped (or the process dies: an OS advisory
    /// lock, released by the kernel).
    Held(File),
    /// Another run holds it.
    Busy,
}

/// Takes the lock at `path`, creating the file; with `wait`, blocks until
/// another run lets go, after calling `waiting` once.
pub fn lock(path: &Path, wait: bool, waiting: impl FnOnce()) -> Result<Lock, Error> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(err)?;
    match file.try_lock() {
        Ok(()) => Ok(Lock::Held(file)),
        Err(std::fs::TryLockError::WouldBlock) if wait => {
            waiting();
            file.lock().map_err(err)?;
            Ok(Lock::Held(file))
        }
        Err(std::fs::TryLockError::WouldBlock) => Ok(Lock::Busy),
        Err(std::fs::TryLockError::Error(source)) => Err(err(source)),
    }
}

/// For the crash test: with `REVMINE_CRASH_AT=N`, the process kills itself
/// with SIGKILL at the N-th point it passes (no destructor, no flush runs),
/// so a test can stop a run at every step and check what the next run does.
#[doc(hidden)]
pub fn crash_point(_what: &str) {
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
    fn file_keys_are_safe_and_distinct() {
        let a = file_key("team/notes");
        let b = file_key("team:notes");
        assert_ne!(a, b);
        assert!(a.starts_with("team_notes-"), "{a}");
    }
}
