//! Git repositories for the tests: one built commit by commit through
//! libgit2 on a fixed clock (`Repo`), and the git command line with no user
//! or system config (`git`, `git_cmd`), for what only real git does
//! (staging, rewriting history, cloning). Plus readers of a mining summary.

use std::path::Path;
use std::process::Command;

use super::{Dir, read_jsonl, run};

/// A repository built commit by commit on a fixed clock, so ids are stable.
/// It lives at `repo/` inside `dir`, where the commands run.
pub struct Repo {
    pub dir: Dir,
    pub b: revmine::source::materialise::RepoBuilder,
    clock: i64,
    /// Seconds between commits: a day by default, so one author's commits
    /// are separate revisions (beyond `[mine] fold_window_minutes`); set it
    /// lower to commit within one editing session.
    pub step: i64,
}

impl Repo {
    pub fn new() -> Self {
        let dir = Dir::new();
        let b = revmine::source::materialise::RepoBuilder::init(&dir.path().join("repo"))
            .expect("git init");
        Repo {
            dir,
            b,
            // The first commit at 2026-09-21T15:13:20Z, then one a day.
            clock: 1_790_003_600 - 86_400,
            step: 86_400,
        }
    }

    fn sig(&mut self) -> git2::Signature<'static> {
        self.clock += self.step;
        git2::Signature::new(
            "Ana Ruiz",
            "ana@example.org",
            &git2::Time::new(self.clock, 60),
        )
        .expect("signature")
    }

    /// Writes `files` (path, content) and commits them with subject `msg`.
    pub fn commit(&mut self, msg: &str, files: &[(&str, &str)]) -> String {
        for (p, c) in files {
            self.b.write(p, c.as_bytes());
        }
        let sig = self.sig();
        self.b.commit(msg, &sig).expect("commit").to_string()
    }

    pub fn commit_bytes(&mut self, msg: &str, files: &[(&str, &[u8])]) -> String {
        for (p, c) in files {
            self.b.write(p, c);
        }
        let sig = self.sig();
        self.b.commit(msg, &sig).expect("commit").to_string()
    }

    pub fn commit_as(&mut self, author: &str, msg: &str, files: &[(&str, &str)]) -> String {
        for (p, c) in files {
            self.b.write(p, c.as_bytes());
        }
        self.clock += self.step;
        let (name, email) = author.split_once(" <").expect("Name <email>");
        let sig = git2::Signature::new(
            name,
            email.trim_end_matches('>'),
            &git2::Time::new(self.clock, 0),
        )
        .expect("sig");
        self.b.commit(msg, &sig).expect("commit").to_string()
    }

    pub fn merge(&mut self, branch: &str, msg: &str) -> String {
        let sig = self.sig();
        self.b.merge(branch, msg, &sig).expect("merge").to_string()
    }

    /// A merge that also writes `files` (a conflict resolved by hand, or
    /// both sides' edits combined): versions no parent holds.
    pub fn merge_writing(&mut self, branch: &str, msg: &str, files: &[(&str, &str)]) -> String {
        let sig = self.sig();
        let files: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (*p, c.as_bytes())).collect();
        self.b
            .merge_writing(branch, msg, &sig, &files)
            .expect("merge")
            .to_string()
    }

    /// Runs `revmine mine repo -o pairs.jsonl` plus `args`; returns the pairs and stderr.
    pub fn mine(&self, args: &[&str]) -> (Vec<serde_json::Value>, String) {
        let out = self.dir.path().join("pairs.jsonl");
        let _ = std::fs::remove_file(&out);
        let (code, stdout, stderr) = run(self
            .revmine()
            .args(["mine", "repo", "-o", "pairs.jsonl"])
            .args(args));
        assert_eq!(code, 0, "mine failed:\n{stdout}\n{stderr}");
        (read_jsonl(&out), stderr)
    }

    pub fn revmine(&self) -> assert_cmd::Command {
        self.dir.revmine()
    }
}

/// (rejected, chosen) of each pair, for whole-output assertions.
pub fn sides(pairs: &[serde_json::Value]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|p| {
            (
                p["rejected"].as_str().unwrap_or("").to_string(),
                p["chosen"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The count a mining summary gives for a skip reason (0 when absent).
pub fn skipped(summary: &str, reason: &str) -> u64 {
    summary
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next() == Some(reason))
                .then(|| parts.next().and_then(|n| n.parse::<u64>().ok()))
                .flatten()
        })
        .sum()
}

/// `git` in `dir`, reading no user or system config, committing as Ana.
pub fn git_cmd(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ana")
        .env("GIT_AUTHOR_EMAIL", "ana@example.org")
        .env("GIT_COMMITTER_NAME", "Ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.org");
    c
}

/// Runs `git args` in `dir` (see `git_cmd`); fails the test when git does,
/// else returns its standard output, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_cmd(dir).args(args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
