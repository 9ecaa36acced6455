//! The pre-commit hook with the real `git commit`, in repositories made in temp dirs.
//! `situations` holds the repository shapes and git workflows of issue 14.

mod situations;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{Dir, rec, varied};

/// A git repository driven through the git command, with revmine on PATH.
struct Git {
    dir: Dir,
}

impl Git {
    fn new() -> Self {
        let g = Git { dir: Dir::new() };
        g.ok(&["init", "-q", "-b", "main"]);
        g.ok(&["config", "user.name", "Ana Ruiz"]);
        g.ok(&["config", "user.email", "ana@example.org"]);
        g.ok(&["config", "commit.gpgsign", "false"]);
        g
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn cmd(&self, program: &str) -> Command {
        let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_revmine"))
            .parent()
            .expect("bin dir")
            .to_path_buf();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = Command::new(program);
        c.current_dir(self.path())
            .env("PATH", path)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("REVMINE_CONFIG")
            .env_remove("REVMINE");
        c
    }

    /// Runs git; returns (success, stdout + stderr).
    fn git(&self, args: &[&str]) -> (bool, String) {
        let out = self.cmd("git").args(args).output().expect("git runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, text) = self.git(args);
        assert!(ok, "git {args:?} failed:\n{text}");
        text
    }

    fn revmine(&self, args: &[&str]) -> (bool, String) {
        let out = self
            .cmd("revmine")
            .args(args)
            .output()
            .expect("revmine runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// Runs `cmd`; returns (success, stdout + stderr).
    fn run(&self, cmd: &mut Command) -> (bool, String) {
        let out = cmd.output().expect("command runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn write(&self, name: &str, text: &str) {
        self.dir.write(name, text);
    }

    fn commits(&self) -> usize {
        let (_, text) = self.git(&["rev-list", "--count", "--all"]);
        text.trim().parse().unwrap_or(0)
    }
}

/// A train set that passes every gate, and one that fails `schema` on line 3.
fn good() -> String {
    varied("t", 10, 4)
}

fn bad() -> String {
    let mut lines: Vec<String> = good().lines().map(String::from).collect();
    lines[2] = r#"{"id":"broken","record_type":"qa","input":"q"}"#.into();
    lines.join("\n") + "\n"
}

#[test]
fn a_bad_staged_dataset_is_blocked_and_a_good_one_committed() {
    let g = Git::new();
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(ok, "{said}");
    g.write("data/assistant_train.jsonl", &bad());
    g.ok(&["add", "."]);
    let (ok, out) = g.git(&["commit", "-qm", "bad data"]);
    assert!(!ok, "the bad dataset was committed:\n{out}");
    assert!(
        out.contains("data/assistant_train.jsonl:3: broken: output: missing required field"),
        "{out}"
    );
    assert!(out.contains("gate schema failed"), "{out}");
    assert!(out.contains("git commit --no-verify"), "{out}");
    assert_eq!(g.commits(), 0);
    g.write("data/assistant_train.jsonl", &good());
    g.ok(&["add", "."]);
    let out = g.ok(&["commit", "-qm", "good data"]);
    assert!(out.contains("every gate passes on the staged"), "{out}");
    assert_eq!(g.commits(), 1);
}

#[test]
fn the_staged_content_is_judged_not_the_work_tree() {
    let g = Git::new();
    g.revmine(&["hook", "install"]);
    // staged bad, work tree fixed: still blocked
    g.write("x_train.jsonl", &bad());
    g.ok(&["add", "x_train.jsonl"]);
    g.write("x_train.jsonl", &good());
    let (ok, out) = g.git(&["commit", "-qm", "staged bad"]);
    assert!(!ok, "{out}");
    // staged good, work tree broken: committed
    g.ok(&["add", "x_train.jsonl"]);
    g.write("x_train.jsonl", "{not json\n");
    let out = g.ok(&["commit", "-qm", "staged good"]);
    assert!(out.contains("every gate passes on the staged"), "{out}");
    assert_eq!(g.commits(), 1);
}

#[test]
fn a_commit_without_dataset_files_passes_quietly() {
    let g = Git::new();
    g.revmine(&["hook", "install"]);
    g.write("broken_train.jsonl", &bad()); // present but not staged
    g.write("notes.md", "# Notes\n");
    g.ok(&["add", "notes.md"]);
    let out = g.ok(&["commit", "-qm", "notes only"]);
    assert_eq!(out.trim(), "", "no report for a commit without datasets");
    // and a staged deletion of a dataset is not judged
    g.write("old_train.jsonl", &good());
    g.ok(&["add", "old_train.jsonl"]);
    g.ok(&["commit", "-qm", "add"]);
    g.ok(&["rm", "-q", "old_train.jsonl"]);
    g.ok(&["commit", "-qm", "remove"]);
    assert_eq!(g.commits(), 3);
}

#[test]
fn an_existing_hook_is_kept_chained_and_restored_byte_for_byte() {
    let g = Git::new();
    let hooks = g.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    let theirs =
        "#!/bin/sh\n# team lint\nif [ -f STOP ]; then echo 'team hook says stop' >&2; exit 1; fi\n";
    std::fs::write(hooks.join("pre-commit"), theirs).expect("write hook");
    std::fs::set_permissions(
        hooks.join("pre-commit"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(ok && said.contains("revmine-chained/pre-commit"), "{said}");
    let (_, again) = g.revmine(&["hook", "install"]);
    assert!(again.contains("already installed"), "{again}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("revmine-chained/pre-commit")).expect("chained"),
        theirs
    );
    // the old hook runs first and can block
    g.write("STOP", "");
    g.write("a.md", "x\n");
    g.ok(&["add", "a.md"]);
    let (ok, out) = g.git(&["commit", "-qm", "blocked by the team hook"]);
    assert!(!ok && out.contains("team hook says stop"), "{out}");
    std::fs::remove_file(g.path().join("STOP")).expect("rm");
    // and revmine's check still runs after it
    g.write("d_train.jsonl", &bad());
    g.ok(&["add", "d_train.jsonl"]);
    let (ok, out) = g.git(&["commit", "-qm", "bad"]);
    assert!(!ok && out.contains("gate schema failed"), "{out}");
    let (_, status) = g.revmine(&["hook", "status"]);
    assert!(
        status.contains("revmine's pre-commit hook is installed") && status.contains("chained"),
        "{status}"
    );
    let (ok, said) = g.revmine(&["hook", "uninstall"]);
    assert!(ok && said.contains("restored the previous one"), "{said}");
    assert_eq!(
        std::fs::read(hooks.join("pre-commit")).expect("restored"),
        theirs.as_bytes()
    );
    assert!(!hooks.join("revmine-chained").exists());
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(hooks.join("pre-commit"))
            .expect("meta")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o755);
}

#[test]
fn core_hooks_path_is_honoured() {
    let g = Git::new();
    g.ok(&["config", "core.hooksPath", "team-hooks"]);
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(ok, "{said}");
    assert!(g.path().join("team-hooks/pre-commit").is_file(), "{said}");
    assert!(!g.path().join(".git/hooks/pre-commit").exists());
    g.write(
        "e_train.jsonl",
        &format!("{}\n", rec("only", "qa", "real", "x")),
    );
    g.ok(&["add", "e_train.jsonl"]);
    let (ok, out) = g.git(&["commit", "-qm", "one type only"]);
    assert!(!ok && out.contains("gate mix failed"), "{out}");
    let (ok, said) = g.revmine(&["hook", "uninstall"]);
    assert!(ok && said.contains("removed"), "{said}");
    assert!(!g.path().join("team-hooks/pre-commit").exists());
}

#[test]
fn a_missing_revmine_blocks_only_what_could_be_a_dataset() {
    let g = Git::new();
    g.revmine(&["hook", "install"]);
    let commit = |msg: &str| {
        g.run(
            g.cmd("git")
                .args(["commit", "-qm", msg])
                .env("REVMINE", "/nonexistent/revmine"),
        )
    };
    // no dataset staged: the commit goes on, and says why nothing was checked
    g.write("a.md", "x\n");
    g.ok(&["add", "a.md"]);
    let (ok, out) = commit("notes");
    assert!(ok, "{out}");
    assert!(
        out.contains("was not found; no dataset file is staged"),
        "{out}"
    );
    // a dataset staged: blocked, with instructions
    g.write("d_train.jsonl", &good());
    g.ok(&["add", "d_train.jsonl"]);
    let (ok, out) = commit("data");
    assert!(!ok, "{out}");
    assert!(
        out.contains("was not found, so the dataset gates cannot run on d_train.jsonl")
            && out.contains("--no-verify"),
        "{out}"
    );
    assert_eq!(g.commits(), 1);
}

/// The pre-commit framework, installed from PyPI into a virtual environment
/// kept under the target dir, so only the first run pays for the install.
fn pre_commit() -> PathBuf {
    crate::util::venv("pre-commit-venv", "pre-commit==4.7.0").join("bin/pre-commit")
}

#[test]
fn the_pre_commit_framework_runs_the_manifest() {
    let pre_commit = pre_commit();
    let g = Git::new();
    let home = tempfile::tempdir().expect("pre-commit home");
    let try_repo = |g: &Git| {
        let out = g
            .cmd(pre_commit.to_str().expect("utf-8 path"))
            .args(["try-repo", env!("CARGO_MANIFEST_DIR"), "revmine-check"])
            .env("PRE_COMMIT_HOME", home.path())
            .output()
            .expect("pre-commit runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    g.write("data/assistant_train.jsonl", &bad());
    g.ok(&["add", "."]);
    let (ok, out) = try_repo(&g);
    assert!(!ok, "pre-commit passed a bad dataset:\n{out}");
    assert!(
        out.contains("revmine check (dataset gates)") && out.contains("Failed"),
        "{out}"
    );
    assert!(
        out.contains("broken: output: missing required field"),
        "{out}"
    );
    g.write("data/assistant_train.jsonl", &good());
    g.ok(&["add", "."]);
    let (ok, out) = try_repo(&g);
    assert!(ok, "pre-commit failed a good dataset:\n{out}");
    assert!(out.contains("Passed"), "{out}");
}
