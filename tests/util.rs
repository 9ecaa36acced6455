//! Test scaffolding: a temp dir with files, and the real binary run inside it
//! with no user config leaking in.

use std::path::{Path, PathBuf};

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
        let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_revmine"));
        cmd.current_dir(self.dir.path())
            .env_remove("REVMINE_CONFIG");
        cmd
    }
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

/// One valid record of `ty` whose judged text is `text`.
pub fn rec(id: &str, ty: &str, source: &str, text: &str) -> String {
    let body = match ty {
        "preference" => format!(
            r#""prompt":"How should I say {id}?","chosen":"{text}","rejected":"draft of {text}""#
        ),
        "chat" => format!(r#""input":"User: what next for {id}?","output":"{text}""#),
        _ => format!(r#""input":"question {id}","output":"{text}""#),
    };
    format!(r#"{{"id":"{id}","record_type":"{ty}","source":"{source}",{body}}}"#)
}

pub const TYPES: [&str; 6] = {
    use revmine::record::RecordType as T;
    [
        T::Chat.as_str(),
        T::Qa.as_str(),
        T::Preference.as_str(),
        T::Knowledge.as_str(),
        T::Memory.as_str(),
        T::Trajectory.as_str(),
    ]
};

/// The plan's v8 profile: 18,000 synthetic records, 6 unique outputs per type.
pub fn v8_profile() -> String {
    let counts = [6000, 3000, 3000, 2000, 2000, 2000];
    let mut out = String::new();
    let mut n = 0;
    for (ty, count) in TYPES.iter().zip(counts) {
        for i in 0..count {
            n += 1;
            out.push_str(&rec(
                &format!("v8_{n:05}"),
                ty,
                "synthetic",
                &format!("Template answer {}.", i % 6),
            ));
            out.push('\n');
        }
    }
    out
}

/// A healthy train set: every type, `real` of each 10 records real, all texts distinct.
pub fn varied(prefix: &str, per_type: usize, real_per_10: usize) -> String {
    let mut out = String::new();
    for ty in TYPES {
        for i in 0..per_type {
            let source = if i % 10 < real_per_10 {
                "real"
            } else {
                "synthetic"
            };
            out.push_str(&rec(
                &format!("{prefix}_{ty}_{i}"),
                ty,
                source,
                &format!("Distinct answer {i} for {ty} in {prefix}."),
            ));
            out.push('\n');
        }
    }
    out
}

/// Eval hard cases: five chat records per tag, each distinct, so an eval
/// file meets the default `eval_hard_cases` minimums.
pub fn hard_cases(prefix: &str) -> String {
    let inputs = [
        "User: Can you fix it for case {i}? Not sure which one you need.",
        "User: Sales promised date {i} but legal wants a review; I can't do both. Which first?",
        "User: Production is down for customer {i} and I'm panicking.",
        "User: Plan sprint {i}.\\nAssistant: Sure, what scope?\\nUser: Only the billing work.",
    ];
    let mut out = String::new();
    for (t, input) in inputs.iter().enumerate() {
        for i in 0..5 {
            let input = input.replace("{i}", &i.to_string());
            out.push_str(&format!(
                r#"{{"id":"{prefix}_h{t}_{i}","record_type":"chat","source":"real","input":"{input}","output":"Hard case answer {t} {i} from {prefix}."}}"#
            ));
            out.push('\n');
        }
    }
    out
}

/// A repository built commit by commit on a fixed clock, so ids are stable.
pub struct Repo {
    pub dir: tempfile::TempDir,
    pub b: revmine::source::materialise::RepoBuilder,
    clock: i64,
}

impl Repo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let b = revmine::source::materialise::RepoBuilder::init(&dir.path().join("repo"))
            .expect("git init");
        Repo {
            dir,
            b,
            clock: 1_790_000_000,
        }
    }

    fn sig(&mut self) -> git2::Signature<'static> {
        self.clock += 3600;
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
        self.clock += 3600;
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

    /// Runs `revmine mine repo -o pairs.jsonl` plus `args`; returns the pairs and stderr.
    pub fn mine(&self, args: &[&str]) -> (Vec<serde_json::Value>, String) {
        let out = self.dir.path().join("pairs.jsonl");
        let _ = std::fs::remove_file(&out);
        let (code, stdout, stderr) = run(self
            .revmine()
            .args(["mine", "repo", "-o", "pairs.jsonl"])
            .args(args));
        assert_eq!(code, 0, "mine failed:\n{stdout}\n{stderr}");
        let text = std::fs::read_to_string(out).expect("pairs written");
        let pairs = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSONL"))
            .collect();
        (pairs, stderr)
    }

    pub fn revmine(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_revmine"));
        cmd.current_dir(self.dir.path())
            .env_remove("REVMINE_CONFIG");
        cmd
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

/// A Python virtual environment under the target dir with `package` (pinned,
/// from PyPI) installed; only the first run pays for the install. Returns the
/// venv's directory.
pub fn venv(name: &str, package: &str) -> std::path::PathBuf {
    use std::process::Command;
    let venv = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let stamp = venv.join(".installed");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == package) {
        return venv;
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 -m venv");
    assert!(made.success(), "cannot create a virtual environment");
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", package])
        .status()
        .expect("pip");
    assert!(pip.success(), "cannot install {package} from PyPI");
    std::fs::write(&stamp, package).expect("stamp");
    venv
}
