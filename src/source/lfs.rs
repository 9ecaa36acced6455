//! The content behind a Git LFS pointer, read through the `git lfs` the user
//! has installed (`git lfs smudge`, which is what `git checkout` runs): from
//! the local LFS store, or downloaded as a checkout would. revmine does not
//! talk to LFS servers itself.

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

/// Why the content behind a pointer cannot be asked of git-lfs. Each says
/// it as the end of "not the dataset: …" (see `LfsPointer::message`).
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error("git cannot be run ({0}), so neither can git-lfs")]
    NoGit(#[source] io::Error),
    #[error("git-lfs is not installed (https://git-lfs.com)")]
    NotInstalled,
    #[error("it is not in a git repository, where git-lfs would find its content")]
    NotInRepository,
    #[error("cannot read the pointer: {0}")]
    Pointer(#[source] io::Error),
    #[error("cannot run `git lfs smudge`: {0}")]
    Spawn(#[source] io::Error),
}

/// Streams the content of the pointer file `file` through `git lfs smudge`,
/// run in the file's folder; see [`smudge_pointer`].
pub fn smudge(file: &Path) -> Result<Box<dyn Read + Send>, Unavailable> {
    let pointer = std::fs::read(file).map_err(Unavailable::Pointer)?;
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    smudge_pointer(
        dir,
        Path::new(file.file_name().unwrap_or(file.as_os_str())),
        &pointer,
    )
}

/// Streams the content behind `pointer` (a pointer file's bytes, e.g. a
/// staged blob) through `git lfs smudge -- PATH`, run in `dir` (inside the
/// repository; `path` names the file for git-lfs's messages). `Err` says why
/// it cannot start: git or git-lfs not installed, `dir` not in a repository.
/// A smudge that fails later (the object neither local nor downloadable)
/// fails the read, with git-lfs's reason.
pub fn smudge_pointer(
    dir: &Path,
    path: &Path,
    pointer: &[u8],
) -> Result<Box<dyn Read + Send>, Unavailable> {
    let quiet = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
    };
    match quiet(&["lfs", "version"]) {
        Err(e) => return Err(Unavailable::NoGit(e)),
        Ok(false) => return Err(Unavailable::NotInstalled),
        Ok(true) => {}
    }
    // outside a repository smudge prints its complaint where the content would be
    if !quiet(&["rev-parse", "--git-dir"]).unwrap_or(false) {
        return Err(Unavailable::NotInRepository);
    }
    // stderr to a file, not a pipe: nothing reads it until the end
    let errors = tempfile::tempfile().map_err(Unavailable::Spawn)?;
    let errors_for_child = errors.try_clone().map_err(Unavailable::Spawn)?;
    let mut child = Command::new("git")
        .args(["lfs", "smudge", "--"])
        .arg(path)
        .current_dir(dir)
        // fail rather than wait for a password nobody will type
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(errors_for_child)
        .spawn()
        .map_err(Unavailable::Spawn)?;
    // a pointer is under 1 KiB: the pipe takes it whole before smudge reads
    if let Some(mut stdin) = child.stdin.take() {
        io::Write::write_all(&mut stdin, pointer).ok();
    }
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Unavailable::Spawn(io::Error::other("no standard output")))?;
    Ok(Box::new(Smudged {
        child,
        stdout,
        errors,
        done: false,
    }))
}

/// The output of a running `git lfs smudge`; its end is an error unless the
/// process succeeded.
struct Smudged {
    child: Child,
    stdout: ChildStdout,
    errors: File,
    done: bool,
}

impl Read for Smudged {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.stdout.read(buf)?;
        if n > 0 || buf.is_empty() || self.done {
            return Ok(n);
        }
        self.done = true;
        let status = self.child.wait()?;
        if status.success() {
            return Ok(0);
        }
        let mut said = String::new();
        self.errors.rewind()?;
        (&self.errors)
            .take(64 * 1024)
            .read_to_string(&mut said)
            .ok();
        Err(io::Error::other(format!(
            "`git lfs smudge` could not give the content ({status}): {}",
            reason(&said)
        )))
    }
}

impl Drop for Smudged {
    fn drop(&mut self) {
        if !self.done {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

/// git-lfs's reason in one line: its `Error…` lines, or the first thing it said.
fn reason(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("Error ") || l.starts_with("Error:") || l.starts_with("fatal:"))
        .collect();
    let said = if errors.is_empty() {
        lines
            .first()
            .copied()
            .unwrap_or("it said nothing")
            .to_string()
    } else {
        errors.join("; ")
    };
    let mut said: String = said.chars().filter(|c| !c.is_control()).take(300).collect();
    if said.len() >= 300 {
        said.push('…');
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_git_lfs_own_error_line() {
        let stderr = "Downloading train.jsonl (55 B)\nError downloading object: train.jsonl (02e9a92): Smudge error: batch request: missing protocol: \"\"\n\nErrors logged to '/tmp/x.log'.\nUse `git lfs logs last` to view the log.\n";
        assert_eq!(
            reason(stderr),
            "Error downloading object: train.jsonl (02e9a92): Smudge error: batch request: missing protocol: \"\""
        );
        assert_eq!(
            reason("Not in a Git repository.\n"),
            "Not in a Git repository."
        );
        assert_eq!(reason(""), "it said nothing");
    }
}
