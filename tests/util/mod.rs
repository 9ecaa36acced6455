//! Test scaffolding shared by every command's tests: a temp dir with files,
//! the real binary run inside it with no user config leaking in, and readers
//! for what it writes. Dataset and note fixtures are in `records`, git
//! repositories in `repo`, Python tools from PyPI in `python`.

mod python;
mod records;
mod repo;

pub use python::{datasets_python, venv};
pub use records::{LOG, PLAN, TYPES, hard_cases, rec, v8_profile, varied};
pub use repo::{Repo, git, git_cmd, sides, skipped};

use std::path::{Path, PathBuf};

use serde_json::Value;

pub struct Dir {
    pub dir: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Self {
        Dir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, bytes).expect("write fixture");
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).expect("read output")
    }

    pub fn revmine(&self) -> assert_cmd::Command {
        revmine_in(self.path())
    }
}

/// The real binary, run in `dir` with no `REVMINE_CONFIG` leaking in, as a
/// std `Command`: for tests that hand it open files as stdin or stdout.
pub fn revmine_std(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_revmine"));
    cmd.current_dir(dir).env_remove("REVMINE_CONFIG");
    cmd
}

/// The real binary, run in `dir` with no `REVMINE_CONFIG` leaking in.
pub fn revmine_in(dir: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(revmine_std(dir))
}

/// Runs and returns (exit code, stdout, stderr), so a failing assertion can show all three.
pub fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().expect("run revmine");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// One JSON document printed by a command (a `--json` report); panics
/// showing the text when it is not JSON.
pub fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// The records of JSONL text, one per line.
pub fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("JSONL"))
        .collect()
}

/// The records of a JSONL file the command wrote.
pub fn read_jsonl(path: &Path) -> Vec<Value> {
    jsonl(&std::fs::read_to_string(path).expect("output written"))
}

/// Every result of gate `name` in a `check --json` report (or the `check`
/// part of `build --json`), in report order.
pub fn gates_named<'r>(report: &'r Value, name: &str) -> Vec<&'r Value> {
    report["gates"]
        .as_array()
        .expect("gates array")
        .iter()
        .filter(|g| g["name"] == name)
        .collect()
}

/// The first result of gate `name` in a `check --json` report.
pub fn gate_named(report: &Value, name: &str) -> Value {
    gates_named(report, name)
        .first()
        .map(|g| (*g).clone())
        .unwrap_or_else(|| panic!("no gate {name} in {report}"))
}

/// The names in a folder, sorted.
pub fn ls(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether the tests run as root (device nodes, apt-get).
pub fn is_root() -> bool {
    let id = std::process::Command::new("id")
        .arg("-u")
        .output()
        .expect("id -u");
    String::from_utf8_lossy(&id.stdout).trim() == "0"
}

/// `apt-get install PACKAGE` (after `apt-get update`), as root or through
/// password-less sudo, for a test that needs a tool the machine may lack;
/// says what it tried when it cannot.
pub fn apt_install(package: &str) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let root = is_root();
    let sudo = !root
        && Command::new("sudo")
            .args(["-n", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !root && !sudo {
        return Err("not root and no password-less sudo".into());
    }
    let apt = |args: &[&str]| -> Result<(), String> {
        let mut cmd = if sudo {
            let mut c = Command::new("sudo");
            c.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            c
        } else {
            let mut c = Command::new("apt-get");
            c.env("DEBIAN_FRONTEND", "noninteractive");
            c
        };
        let out = cmd
            .args(args)
            .output()
            .map_err(|e| format!("cannot run apt-get: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "apt-get {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    apt(&["update", "-q"])?;
    apt(&["install", "-y", "-q", "--no-install-recommends", package])
}
