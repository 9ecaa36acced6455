//! How `validate` and `check` read a dataset: refusing by line what trainers
//! refuse (repeated keys, numbers past a double or 64 bits, lone surrogates),
//! reading `.jsonl.gz` through, and telling once, for the file, what is not
//! JSONL at all (JSON over many lines, a Git LFS pointer).

use std::io::Write;
use std::process::Command;

use crate::util::{Dir, datasets_python, git, json, rec, run};

/// Lines a lenient JSON reader takes and an Arrow-based trainer refuses, with
/// valid lines around them.
fn refused_lines() -> String {
    [
        rec("a1", "qa", "real", "Fine."),
        r#"{"id":"d1","record_type":"qa","input":"q","output":"","output":"The answer."}"#.into(),
        r#"{"id":"g2","id":"g3","record_type":"qa","input":"q","output":"o"}"#.into(),
        r#"{"id":"d2","record_type":"qa","input":"q","output":"o","meta":{"turns":[{"role":"user"},{"role":"user","role":"assistant"}]}}"#.into(),
        r#"{"id":"n1","record_type":"qa","input":"q","output":"o","meta":{"x":1e400}}"#.into(),
        r#"{"id":"n2","record_type":"qa","input":"q","output":"o","meta":{"big":123456789012345678901234567890}}"#.into(),
        r#"{"id":"s1","record_type":"qa","input":"q","output":"\ud800 half an emoji"}"#.into(),
        // what a double holds, and a whole surrogate pair, are fine
        r#"{"id":"ok","record_type":"qa","input":"q","output":"\ud83d\ude00","meta":{"f":1e19,"i":-9223372036854775808}}"#.into(),
    ]
    .join("\n")
        + "\n"
}

#[test]
fn what_trainers_refuse_is_an_error_on_its_line() {
    let d = Dir::new();
    d.write("data.jsonl", refused_lines());
    let (code, out, err) = run(d.revmine().args(["validate", "data.jsonl"]));
    assert_eq!(code, 1, "{err}");
    let expected = r#"data.jsonl:2: d1: output: duplicate key "output" at column 55: Hugging Face datasets refuses the file, other readers keep one of the values
data.jsonl:3: g3: id: duplicate key "id" at column 12: Hugging Face datasets refuses the file, other readers keep one of the values
data.jsonl:4: d2: meta.turns.1.role: duplicate key "role" at column 104: Hugging Face datasets refuses the file, other readers keep one of the values
data.jsonl:5: -: -: invalid JSON: number 1e400 at column 68 is beyond what a double holds: Hugging Face datasets (Arrow) refuses it
data.jsonl:6: n2: meta.big: integer 123456789012345678901234567890 at column 70 does not fit in 64 bits: readers round it to a double (1.2345678901234568e29) and lose digits (write it as a string)
data.jsonl:7: -: -: invalid JSON: lone UTF-16 surrogate \ud800 at column 53: \ud800-\udbff must be followed by \udc00-\udfff (a pair encodes one character), and no reader of Arrow or Hugging Face datasets accepts one alone
"#;
    assert_eq!(out, expected, "stderr: {err}");
    assert!(err.contains("6 problems in 8 records of 1 file"), "{err}");

    // `check` refuses the same lines: the schema gate fails, with their fields
    let (code, out, err) = run(d.revmine().args(["check", "data.jsonl", "--json"]));
    assert_eq!(code, 1, "{out}{err}");
    let report = json(&out);
    let schema = crate::util::gate_named(&report, "schema");
    assert_eq!(schema["passed"], false, "{schema}");
    assert_eq!(schema["value"], 6, "{schema}");
    let (code, out, _) = run(d.revmine().args(["check", "data.jsonl"]));
    assert_eq!(code, 1);
    for line in expected.lines() {
        assert!(out.contains(line), "check does not list {line}:\n{out}");
    }
}

/// Both the fast path (built-in schema) and the full one (a user's schema)
/// see a repeated key inside `meta`, which neither the schema nor a lenient
/// parser would.
#[test]
fn a_repeated_key_in_meta_is_caught_with_a_users_schema_too() {
    let d = Dir::new();
    let line = r#"{"id":"m1","record_type":"qa","input":"q","output":"o","meta":{"origin":"a","origin":"b"}}"#;
    d.write(
        "data.jsonl",
        format!("{}\n{line}\n", rec("a", "qa", "real", "x")),
    );
    d.write("schema.json", revmine::dataset::schema::DEFAULT_SCHEMA);
    for extra in [&[][..], &["--schema", "schema.json"][..]] {
        let (code, out, err) = run(d.revmine().args(["validate", "data.jsonl"]).args(extra));
        assert_eq!(code, 1, "{extra:?}: {err}");
        assert_eq!(
            out,
            "data.jsonl:2: m1: meta.origin: duplicate key \"origin\" at column 77: Hugging Face datasets refuses the file, other readers keep one of the values\n",
            "{extra:?}"
        );
    }
}

/// The reason for the rule, checked against the real reader: Hugging Face
/// `datasets` refuses a file with a repeated key, and loads it once the key
/// is written once, as revmine then passes it.
#[test]
fn hugging_face_datasets_refuses_what_revmine_refuses_and_loads_what_it_passes() {
    let python = datasets_python();
    let d = Dir::new();
    let good = [
        rec("a", "qa", "real", "One."),
        rec("b", "qa", "real", "Two."),
    ]
    .join("\n")
        + "\n";
    let bad = good.replace(r#""output":"Two.""#, r#""output":"","output":"Two.""#);
    d.write("good.jsonl", &good);
    d.write("bad.jsonl", &bad);
    let load = |name: &str| {
        let cache = tempfile::tempdir().expect("cache dir");
        let script = "import sys\nfrom datasets import load_dataset\nprint(len(load_dataset('json', data_files=sys.argv[1], split='train')))";
        let out = Command::new(&python)
            .args(["-c", script, name])
            .current_dir(d.path())
            .env("HF_DATASETS_CACHE", cache.path())
            .env("HF_HOME", cache.path())
            .env("HF_HUB_OFFLINE", "1")
            .env("HF_DATASETS_OFFLINE", "1")
            .output()
            .expect("python runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (loaded, _, said) = load("bad.jsonl");
    assert!(!loaded, "datasets loaded a file with a repeated key");
    assert!(
        said.contains("Column(/output) was specified twice"),
        "{said}"
    );
    let (code, out, _) = run(d.revmine().args(["validate", "bad.jsonl"]));
    assert_eq!(code, 1);
    assert!(
        out.starts_with("bad.jsonl:2: b: output: duplicate key \"output\""),
        "{out}"
    );

    let (loaded, rows, said) = load("good.jsonl");
    assert!(loaded, "{said}");
    assert_eq!(rows, "2");
    let (code, _, err) = run(d.revmine().args(["validate", "good.jsonl"]));
    assert_eq!(code, 0, "{err}");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

#[test]
fn a_gzipped_dataset_is_read_through_whatever_its_name() {
    let d = Dir::new();
    let records: String = (0..3000)
        .map(|i| {
            rec(
                &format!("r{i}"),
                "qa",
                "real",
                &format!("Answer number {i}."),
            ) + "\n"
        })
        .collect();
    let bad = records.replacen(r#"{"id":"r2","#, r#"{"id":"r2","id":"r2b","#, 1);
    d.write("bad.jsonl.gz", gzip(bad.as_bytes()));
    let (code, out, err) = run(d.revmine().args(["validate", "bad.jsonl.gz"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "bad.jsonl.gz:3: r2b: id: duplicate key \"id\" at column 12: Hugging Face datasets refuses the file, other readers keep one of the values\n"
    );
    assert!(err.contains("1 problem in 3000 records"), "{err}");

    // known by its first bytes: named .jsonl, or read from standard input
    let gz = gzip(records.as_bytes());
    d.write("clean.jsonl.gz", &gz);
    d.write("also-gzip.jsonl", &gz);
    for args in [&["clean.jsonl.gz"][..], &["also-gzip.jsonl"][..]] {
        let (code, out, err) = run(d.revmine().arg("check").args(args).arg("--json"));
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        let report = json(&out);
        assert_eq!(report["files"][0]["records"], 3000, "{report}");
        assert_eq!(report["files"][0]["problems"], 0, "{report}");
    }
    let (code, _, err) = run(d.revmine().args(["validate", "-"]).write_stdin(gz.clone()));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 problems in 3000 records"), "{err}");

    // a cut-off download is an input error, never a pass
    d.write("cut.jsonl.gz", &gz[..gz.len() / 2]);
    let (code, out, err) = run(d.revmine().args(["check", "cut.jsonl.gz"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        out.contains("read failed here, the rest of the file was not checked: gzip: "),
        "{out}"
    );
    assert!(
        out.contains("NOT CHECKED: 1 input could not be read"),
        "{out}"
    );
    assert!(!out.contains("PASSED"), "{out}");
}

#[test]
fn json_over_many_lines_is_told_once_for_the_file() {
    let d = Dir::new();
    d.write(
        "data.json",
        "{\n  \"id\": \"a\",\n  \"record_type\": \"qa\",\n  \"input\": \"q\",\n  \"output\": \"o\"\n}\n",
    );
    let array: String = (0..500)
        .map(|i| format!("  {},\n", rec(&format!("r{i}"), "qa", "real", "x")))
        .collect();
    d.write(
        "train.jsonl",
        format!("[\n{}]\n", array.trim_end_matches(",\n")),
    );
    let (code, out, err) = run(d.revmine().args(["validate", "data.json", "train.jsonl"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "data.json:1: -: -: this file is JSON written over many lines (pretty-printed), not JSONL (one record per line): convert it with `jq -c . data.json > data.jsonl`\n\
         train.jsonl:1: -: -: this file is a JSON array written over many lines, not JSONL (one record per line): convert it with `jq -c '.[]' train.jsonl > train.lines.jsonl`\n"
    );
    let (code, out, _) = run(d.revmine().args(["check", "train.jsonl"]));
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out.matches("a JSON array written over many lines").count(),
        2,
        "the problem and the schema gate's first problem:\n{out}"
    );
}

const POINTER_OID: &str = "sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

fn pointer(oid: &str, size: u64) -> String {
    format!("version https://git-lfs.github.com/spec/v1\noid {oid}\nsize {size}\n")
}

/// A `PATH` holding only `git`: whatever the machine has, git-lfs is not installed.
fn path_without_git_lfs(d: &Dir) -> std::path::PathBuf {
    let bin = d.path().join("bin-git-only");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let git = Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .expect("sh");
    let git = String::from_utf8_lossy(&git.stdout).trim().to_string();
    assert!(!git.is_empty(), "git is not installed");
    std::os::unix::fs::symlink(git, bin.join("git")).expect("symlink");
    bin
}

#[test]
fn an_lfs_pointer_is_named_with_how_to_fetch_it_when_git_lfs_is_missing() {
    let d = Dir::new();
    git(d.path(), &["init", "-q"]);
    d.write("train.jsonl", pointer(POINTER_OID, 1234));
    let bin = path_without_git_lfs(&d);
    for command in ["validate", "check"] {
        let (code, out, err) = run(d.revmine().args([command, "train.jsonl"]).env("PATH", &bin));
        assert_eq!(code, 2, "{command}: {out}{err}");
        let expected = "train.jsonl:1: -: -: this is a Git LFS pointer (oid sha256:4d7a214614ab…, 1234 bytes), not the dataset: git-lfs is not installed (https://git-lfs.com); fetch the content with `git lfs pull --include=\"train.jsonl\"` (git-lfs installed) and check again";
        assert!(out.contains(expected), "{command}:\n{out}");
        assert!(!out.contains("invalid JSON"), "{out}");
    }
    let (_, out, _) = run(d.revmine().args(["check", "train.jsonl"]).env("PATH", &bin));
    assert!(
        out.contains("NOT CHECKED: 1 input could not be read"),
        "{out}"
    );

    // standard input, or a file outside any repository: the same pointer
    let (code, out, _) = run(d
        .revmine()
        .args(["validate", "-"])
        .write_stdin(pointer(POINTER_OID, 1234)));
    assert_eq!(code, 2);
    assert!(out.starts_with("<stdin>:1: -: -: this is a Git LFS pointer (oid sha256:4d7a214614ab…, 1234 bytes), not the dataset: its content is in LFS storage, not here;"), "{out}");
}

/// `git lfs` itself, as a user has it: installed from the distribution when
/// missing (as root or with password-less sudo), unless REVMINE_SKIP_GIT_LFS=1.
pub(crate) fn git_lfs_installed() -> bool {
    let works = || {
        Command::new("git")
            .args(["lfs", "version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works() {
        return true;
    }
    if std::env::var("REVMINE_SKIP_GIT_LFS").as_deref() == Ok("1") {
        eprintln!("git-lfs test skipped: git-lfs is not installed and REVMINE_SKIP_GIT_LFS=1");
        return false;
    }
    eprintln!("git-lfs test: git-lfs not found; installing it with apt-get");
    if let Err(e) = crate::util::apt_install("git-lfs") {
        panic!(
            "git-lfs is not installed and installing it failed ({e}): install it (`apt-get install -y git-lfs`) or set REVMINE_SKIP_GIT_LFS=1"
        );
    }
    assert!(works(), "git-lfs installed but `git lfs version` fails");
    true
}

#[test]
fn a_dataset_tracked_by_git_lfs_is_checked_through_git_lfs() {
    if !git_lfs_installed() {
        return;
    }
    let d = Dir::new();
    let repo = d.path();
    git(repo, &["init", "-q"]);
    git(repo, &["lfs", "install", "--local"]);
    git(repo, &["lfs", "track", "*.jsonl"]);
    let content = format!(
        "{}\n{}\n",
        rec("a", "qa", "real", "One."),
        r#"{"id":"b","record_type":"qa","input":"q","output":"","output":"Two."}"#
    );
    d.write("train.jsonl", &content);
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "dataset in LFS"]);
    // a checkout that skipped LFS leaves the pointer in the work tree
    let blob = git(repo, &["cat-file", "-p", "HEAD:train.jsonl"]);
    assert!(
        blob.starts_with("version https://git-lfs.github.com/spec/v1"),
        "{blob}"
    );
    d.write("train.jsonl", format!("{blob}\n"));
    let git_env = |cmd: &mut assert_cmd::Command| {
        // the same config isolation as the test's own git calls
        cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1");
    };

    let mut cmd = d.revmine();
    git_env(&mut cmd);
    let (code, out, err) = run(cmd.args(["validate", "train.jsonl"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "train.jsonl:2: b: output: duplicate key \"output\" at column 54: Hugging Face datasets refuses the file, other readers keep one of the values\n",
        "the content behind the pointer is what is checked"
    );
    assert!(err.contains("1 problem in 2 records"), "{err}");

    // the content not fetched (no local object, no LFS server): say so, exit 2
    std::fs::remove_dir_all(repo.join(".git/lfs/objects")).expect("rm objects");
    let mut cmd = d.revmine();
    git_env(&mut cmd);
    let (code, out, err) = run(cmd.args(["check", "train.jsonl"]));
    assert_eq!(code, 2, "{out}{err}");
    let oid = blob
        .lines()
        .nth(1)
        .and_then(|l| l.strip_prefix("oid "))
        .expect("oid");
    assert!(
        out.contains(&format!(
            "train.jsonl:1: -: -: this is a Git LFS pointer (oid {}…, {} bytes), not the dataset: `git lfs smudge` could not give the content",
            &oid[..19],
            content.len()
        )),
        "{out}"
    );
    assert!(
        out.contains("fetch the content with `git lfs pull --include=\"train.jsonl\"`"),
        "{out}"
    );
    assert!(!out.contains("invalid JSON"), "{out}");

    // a pointer copied out of any repository: git-lfs has nowhere to look
    let elsewhere = Dir::new();
    elsewhere.write("train.jsonl", format!("{blob}\n"));
    let (code, out, _) = run(elsewhere.revmine().args(["validate", "train.jsonl"]));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "not the dataset: it is not in a git repository, where git-lfs would find its content;"
        ),
        "{out}"
    );
}
