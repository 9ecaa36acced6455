//! Every writing command, with its output pointed at a FIFO, a symlink, a
//! device node, `/dev/stdout` and one of its own inputs: a FIFO's reader gets
//! every byte, a symlink stays and its target is replaced, a device stays a
//! device, and an input is never overwritten.

use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use crate::util::{Repo, git, is_root, ls, rec, revmine_std, run};

/// One writing command: its fixtures are made in a fresh repo dir, and `OUT`
/// in its arguments is replaced by the output path under test.
struct Writer {
    name: &'static str,
    args: &'static [&'static str],
    /// Whether the output holds a time of day (a sample sheet's `drawn`).
    timed: bool,
}

const WRITERS: &[Writer] = &[
    Writer {
        name: "mine",
        args: &["mine", "repo", "-o", "OUT"],
        timed: false,
    },
    Writer {
        name: "notes",
        args: &["notes", "plan.md", "-o", "OUT"],
        timed: false,
    },
    Writer {
        name: "ingest",
        args: &["ingest", "chat.txt", "-o", "OUT"],
        timed: false,
    },
    Writer {
        name: "export",
        args: &["export", "data.jsonl", "--to", "openai", "-o", "OUT"],
        timed: false,
    },
    Writer {
        name: "sample",
        args: &["sample", "data.jsonl", "-n", "2", "-o", "OUT"],
        timed: true,
    },
    Writer {
        name: "sample --html",
        args: &["sample", "data.jsonl", "-n", "2", "--html", "OUT"],
        timed: true,
    },
    Writer {
        name: "build --train",
        args: &["build", "data.jsonl", "--train", "OUT", "--eval", "e.jsonl"],
        timed: false,
    },
    Writer {
        name: "build --eval",
        args: &["build", "data.jsonl", "--train", "t.jsonl", "--eval", "OUT"],
        timed: false,
    },
    Writer {
        name: "init",
        args: &["init", "--force", "--path", "OUT"],
        timed: false,
    },
];

fn fixtures() -> Repo {
    let mut r = Repo::new();
    r.commit("draft", &[("a.md", "## How do I start?\nStart small.\n")]);
    r.commit(
        "edit",
        &[(
            "a.md",
            "## How do I start?\nStart with one small, finished task today.\n",
        )],
    );
    let d = r.dir.path();
    std::fs::write(
        d.join("plan.md"),
        "# Launch plan\n\n## Current State\nThe parser is done and tested.\n\n## Next\nShip the beta to ten users.\n",
    )
    .expect("test setup");
    std::fs::write(
        d.join("chat.txt"),
        "User: how do I list files?\nAssistant: Use ls -la to see every file.\n",
    )
    .expect("test setup");
    let data: Vec<String> = (0..6)
        .map(|i| {
            rec(
                &format!("c{i}"),
                "chat",
                "real",
                &format!("answer number {i} here"),
            )
        })
        .collect();
    std::fs::write(d.join("data.jsonl"), data.join("\n") + "\n").expect("test setup");
    r
}

fn args_with(w: &Writer, out: &Path) -> Vec<std::ffi::OsString> {
    w.args
        .iter()
        .map(|a| {
            if *a == "OUT" {
                out.as_os_str().to_owned()
            } else {
                (*a).into()
            }
        })
        .collect()
}

/// Digits masked, for outputs that carry the time they were made.
fn comparable(w: &Writer, bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    if w.timed {
        s.chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect()
    } else {
        s.into_owned()
    }
}

/// What the writer puts in a fresh regular file in `r`, and its exit code
/// (notes ids depend on the folder, so the reference is made beside the test).
fn reference(w: &Writer, r: &Repo) -> (i32, Vec<u8>) {
    let out = r.dir.path().join("reference.out");
    let (code, stdout, stderr) = run(r.revmine().args(args_with(w, &out)));
    assert!(
        code == 0 || code == 1,
        "{}: {code}\n{stdout}\n{stderr}",
        w.name
    );
    let bytes =
        std::fs::read(&out).unwrap_or_else(|e| panic!("{}: no output: {e}\n{stderr}", w.name));
    assert!(!bytes.is_empty(), "{}: empty output", w.name);
    (code, bytes)
}

/// Makes a FIFO at `path` and a thread that reads it to the end.
fn fifo_reader(path: &Path) -> std::thread::JoinHandle<Vec<u8>> {
    assert!(
        std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo")
            .success()
    );
    let fifo = path.to_path_buf();
    std::thread::spawn(move || std::fs::read(fifo).expect("read fifo"))
}

#[test]
fn a_fifo_reader_gets_every_byte_and_the_fifo_stays() {
    for w in WRITERS {
        let r = fixtures();
        let (want_code, want) = reference(w, &r);
        let fifo = r.dir.path().join("out.fifo");
        let reader = fifo_reader(&fifo);
        let (code, stdout, stderr) = run(r.revmine().args(args_with(w, &fifo)));
        let got = reader.join().expect("test setup");
        assert_eq!(code, want_code, "{}:\n{stdout}\n{stderr}", w.name);
        assert_eq!(comparable(w, &got), comparable(w, &want), "{}", w.name);
        assert!(
            std::fs::metadata(&fifo)
                .expect("test setup")
                .file_type()
                .is_fifo(),
            "{}: the FIFO was replaced",
            w.name
        );
    }
}

#[test]
fn a_symlink_stays_and_its_target_is_replaced() {
    for w in WRITERS {
        let r = fixtures();
        let (want_code, want) = reference(w, &r);
        let d = r.dir.path();
        std::fs::create_dir(d.join("real")).expect("test setup");
        std::fs::write(d.join("real/target.out"), b"old\n").expect("test setup");
        let link = d.join("link.out");
        std::os::unix::fs::symlink("real/target.out", &link).expect("test setup");
        let (code, stdout, stderr) = run(r.revmine().args(args_with(w, &link)));
        assert_eq!(code, want_code, "{}:\n{stdout}\n{stderr}", w.name);
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("test setup")
                .file_type()
                .is_symlink(),
            "{}: the link was replaced by a file",
            w.name
        );
        let got = std::fs::read(d.join("real/target.out")).expect("test setup");
        assert_eq!(comparable(w, &got), comparable(w, &want), "{}", w.name);
        let stray = ls(&d.join("real"));
        assert_eq!(stray.len(), 1, "{}: temp files left: {stray:?}", w.name);
    }
}

#[test]
fn a_device_node_stays_a_device() {
    // mknod needs root; /dev/null itself is written through in the unit tests.
    if !is_root() {
        eprintln!("skipped: creating a device node with mknod needs root");
        return;
    }
    for w in WRITERS {
        let r = fixtures();
        let dev = r.dir.path().join("null.dev");
        // The same device as /dev/null (character 1,3).
        let ok = std::process::Command::new("mknod")
            .arg(&dev)
            .args(["c", "1", "3"])
            .status()
            .expect("test setup")
            .success();
        assert!(ok, "mknod");
        let (code, stdout, stderr) = run(r.revmine().args(args_with(w, &dev)));
        assert!(
            code == 0 || code == 1,
            "{}: {code}\n{stdout}\n{stderr}",
            w.name
        );
        let ft = std::fs::metadata(&dev).expect("test setup").file_type();
        assert!(ft.is_char_device(), "{}: the device was replaced", w.name);
    }
}

#[test]
fn dev_stdout_receives_the_output() {
    for w in WRITERS {
        let r = fixtures();
        let (want_code, want) = reference(w, &r);
        let out = r
            .revmine()
            .args(args_with(w, Path::new("/dev/stdout")))
            .output()
            .expect("test setup");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(want_code), "{}:\n{stderr}", w.name);
        assert!(
            comparable(w, &out.stdout).starts_with(&comparable(w, &want)),
            "{}: stdout does not start with the output:\n{}",
            w.name,
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn an_output_that_is_an_input_is_refused_and_left_alone() {
    let cases: &[(&str, &[&str])] = &[
        ("plan.md", &["notes", "plan.md", "-o", "./plan.md"]),
        // a note found by walking a folder, or in a repository's tree
        ("plan.md", &["notes", ".", "-o", "plan.md"]),
        ("repo/a.md", &["notes", "repo", "-o", "repo/a.md"]),
        ("chat.txt", &["ingest", "chat.txt", "-o", "chat-link"]),
        (
            "data.jsonl",
            &["export", "data.jsonl", "--to", "trl", "-o", "data.jsonl"],
        ),
        (
            "data.jsonl",
            &["export", "data.jsonl", "--to", "trl", "-o", "hard.jsonl"],
        ),
        ("data.jsonl", &["sample", "data.jsonl", "-o", "data.jsonl"]),
        (
            "data.jsonl",
            &["sample", "data.jsonl", "--html", "./x/../data.jsonl"],
        ),
        (
            "data.jsonl",
            &[
                "build",
                "data.jsonl",
                "--train",
                "t.jsonl",
                "--eval",
                "data.jsonl",
            ],
        ),
        (
            "data.jsonl",
            &[
                "build",
                "d-link",
                "--train",
                "data.jsonl",
                "--eval",
                "e.jsonl",
            ],
        ),
    ];
    for (input, args) in cases {
        let r = fixtures();
        let d = r.dir.path();
        std::fs::create_dir(d.join("x")).expect("test setup");
        std::os::unix::fs::symlink("chat.txt", d.join("chat-link")).expect("test setup");
        std::os::unix::fs::symlink("data.jsonl", d.join("d-link")).expect("test setup");
        std::fs::hard_link(d.join("data.jsonl"), d.join("hard.jsonl")).expect("test setup");
        // the repository's work tree holds its notes, as a checkout does
        std::fs::write(d.join("repo/a.md"), "## How do I start?\nStart small.\n")
            .expect("test setup");
        let before = std::fs::read(d.join(input)).expect("test setup");
        let (code, stdout, stderr) = run(r.revmine().args(*args));
        assert_eq!(code, 2, "{args:?}:\n{stdout}\n{stderr}");
        assert!(stderr.contains("is the same file as"), "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read(d.join(input)).expect("test setup"),
            before,
            "{args:?}"
        );
        assert!(!d.join("t.jsonl").exists() && !d.join("e.jsonl").exists());
    }
}

#[test]
fn a_missing_output_folder_is_created_and_errors_never_name_temp_files() {
    let r = fixtures();
    let (code, _, stderr) = run(r
        .revmine()
        .args(["mine", "repo", "-o", "out/deep/pairs.jsonl"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(r.dir.path().join("out/deep/pairs.jsonl").exists());
    // a file where the folder should be: the error names what the user typed
    std::fs::write(r.dir.path().join("blocker"), b"").expect("test setup");
    let (code, _, stderr) = run(r
        .revmine()
        .args(["mine", "repo", "-o", "blocker/pairs.jsonl"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("blocker/pairs.jsonl") && stderr.contains("cannot create its folder"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(".revmine-") && !stderr.contains("/tmp/.tmp"),
        "{stderr}"
    );
    // a folder as the output
    let (code, _, stderr) = run(r.revmine().args(["mine", "repo", "-o", "out"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("`out` is a folder"), "{stderr}");
}

#[test]
fn git_errors_say_what_the_user_named_without_libgit2_codes() {
    let r = fixtures();
    let (code, _, stderr) =
        run(r
            .revmine()
            .args(["mine", "repo", "--rev", "no-such-branch", "-o", "p.jsonl"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-branch"), "{stderr}");
    assert!(
        !stderr.contains("class=") && !stderr.contains("code="),
        "{stderr}"
    );
    let (code, _, stderr) = run(r.revmine().args(["mine", "plan.md", "-o", "p.jsonl"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("plan.md") && !stderr.contains("class="),
        "{stderr}"
    );
}

#[test]
fn dev_stdout_redirected_to_a_file_keeps_records_and_summary_apart() {
    // `revmine mine repo -o /dev/stdout --json > out.txt`: the records and
    // the summary share the shell's descriptor, one after the other.
    let r = fixtures();
    let file = std::fs::File::create(r.dir.path().join("out.txt")).expect("test setup");
    let status = revmine_std(r.dir.path())
        .args(["mine", "repo", "-o", "/dev/stdout", "--json"])
        .stdout(file)
        .status()
        .expect("run revmine");
    assert!(status.success());
    let text = std::fs::read_to_string(r.dir.path().join("out.txt")).expect("test setup");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{text}")))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["record_type"], "preference");
    assert_eq!(lines[1]["pairs"], 1);
}

#[test]
fn dash_is_standard_output_for_build_and_init_writes_through_a_device() {
    let r = fixtures();
    let (code, out, err) =
        run(r
            .revmine()
            .args(["build", "data.jsonl", "--train", "-", "--eval", "e.jsonl"]));
    assert!(code == 0 || code == 1, "{err}");
    assert!(
        !r.dir.path().join("-").exists(),
        "a file named `-` was written"
    );
    // standard output holds the train records only; the report is on stderr
    assert!(!out.is_empty(), "{err}");
    for l in out.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v["id"].is_string(), "{l}");
    }
    assert!(err.contains("build (seed"), "{err}");
    // init: only a file that would be replaced needs --force
    let (code, _, err) = run(r.revmine().args(["init", "--path", "/dev/null"]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(r.revmine().args(["init", "--path", "data.jsonl"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn an_input_on_standard_input_is_never_the_output() {
    let r = fixtures();
    let d = r.dir.path();
    let before = std::fs::read(d.join("data.jsonl")).expect("test setup");
    for args in [
        &["export", "-", "--to", "openai", "-o", "data.jsonl"][..],
        &["ingest", "-", "-o", "data.jsonl"],
    ] {
        let stdin = std::fs::File::open(d.join("data.jsonl")).expect("test setup");
        let out = revmine_std(d)
            .args(args)
            .stdin(stdin)
            .output()
            .expect("run revmine");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("same file as an input `- (standard input)`"),
            "{args:?}: {err}"
        );
        assert_eq!(
            std::fs::read(d.join("data.jsonl")).expect("test setup"),
            before
        );
    }
    // and a dataset on standard input named again by its path is read once
    let stdin = std::fs::File::open(d.join("data.jsonl")).expect("test setup");
    let out = revmine_std(d)
        .args(["validate", "-", "data.jsonl"])
        .stdin(stdin)
        .output()
        .expect("run revmine");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("name the same file; it is read once"), "{err}");
}

#[test]
fn two_outputs_that_will_be_one_new_file_are_refused() {
    let r = fixtures();
    for args in [
        &["sample", "data.jsonl", "-o", "x.md", "--html", "./x.md"][..],
        &[
            "build",
            "data.jsonl",
            "--train",
            "o.jsonl",
            "--eval",
            "sub/../o.jsonl",
        ],
    ] {
        std::fs::create_dir_all(r.dir.path().join("sub")).expect("test setup");
        let (code, _, err) = run(r.revmine().args(args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("same file as another output"),
            "{args:?}: {err}"
        );
        assert!(!r.dir.path().join("x.md").exists() && !r.dir.path().join("o.jsonl").exists());
    }
}

#[test]
fn a_failed_ingest_writes_nothing_to_a_fifo() {
    let r = fixtures();
    let d = r.dir.path();
    std::fs::write(d.join("broken.json"), "[{\"conversations\": [").expect("test setup");
    let fifo = d.join("out.fifo");
    // The reader opens the FIFO; revmine opens it for writing and, failing,
    // writes nothing, so the reader sees end of file at once.
    let reader = fifo_reader(&fifo);
    let (code, _, err) = run(r
        .revmine()
        .args(["ingest", "chat.txt", "broken.json", "-o"])
        .arg(&fifo));
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        reader.join().expect("reader"),
        b"",
        "partial records reached the FIFO"
    );
}

#[test]
fn a_mixed_export_through_a_symlink_into_another_folder_is_split_beside_the_link() {
    let r = fixtures();
    let d = r.dir.path();
    let mixed = format!(
        "{}\n{}\n",
        rec("c1", "chat", "real", "a chat answer"),
        rec("p1", "preference", "real", "a better answer")
    );
    std::fs::write(d.join("mixed.jsonl"), mixed).expect("test setup");
    std::fs::create_dir(d.join("data")).expect("test setup");
    std::os::unix::fs::symlink("data/out.jsonl", d.join("out.jsonl")).expect("test setup");
    let (code, _, err) =
        run(r
            .revmine()
            .args(["export", "mixed.jsonl", "--to", "trl", "-o", "out.jsonl"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("out.sft.jsonl"))
            .expect("sft")
            .lines()
            .count(),
        1
    );
    assert_eq!(
        std::fs::read_to_string(d.join("out.pref.jsonl"))
            .expect("pref")
            .lines()
            .count(),
        1
    );
}

#[test]
fn a_folder_that_cannot_hold_a_temp_file_is_named_not_the_temp_file() {
    // /proc takes no new files, even from root.
    let r = fixtures();
    let (code, _, err) = run(r
        .revmine()
        .args(["mine", "repo", "-o", "/proc/revmine-test.jsonl"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("/proc/revmine-test.jsonl")
            && err.contains("cannot create a file in its folder `/proc`"),
        "{err}"
    );
    assert!(!err.contains(".revmine-"), "{err}");
}

#[test]
fn promote_refuses_a_hard_link_to_itself() {
    let r = fixtures();
    let d = r.dir.path();
    std::fs::hard_link(d.join("data.jsonl"), d.join("h_train.jsonl")).expect("test setup");
    let (code, _, err) =
        run(r
            .revmine()
            .args(["promote", "data.jsonl", "--as", "h_train.jsonl", "--move"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("same file as an input"), "{err}");
    assert!(d.join("data.jsonl").exists());
}

#[test]
fn mine_refuses_a_tracked_note_as_output_but_not_a_tracked_dataset() {
    let r = fixtures();
    let d = r.dir.path().join("notes");
    std::fs::create_dir(&d).expect("test setup");
    let git = |args: &[&str]| git(&d, args);
    git(&["init", "-q"]);
    std::fs::write(d.join("a.md"), "## How do I start?\nStart small.\n").expect("test setup");
    std::fs::write(d.join("pairs.jsonl"), "").expect("test setup");
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "notes"]);
    let (code, _, err) = run(r.revmine().args(["mine", "notes", "-o", "notes/a.md"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a note git tracks"), "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("a.md")).expect("note"),
        "## How do I start?\nStart small.\n"
    );
    let (code, _, err) = run(r
        .revmine()
        .args(["mine", "notes", "-o", "notes/pairs.jsonl"]));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn records_to_standard_output_never_land_in_the_input_on_standard_input() {
    // `revmine notes - < plan.md >> plan.md`: standard output is the input.
    let r = fixtures();
    let d = r.dir.path();
    let before = std::fs::read(d.join("plan.md")).expect("test setup");
    for args in [
        &["notes", "-"][..],
        &["notes", "-", "-o", "-"],
        &["notes", "plan.md"],
    ] {
        let stdin = std::fs::File::open(d.join("plan.md")).expect("test setup");
        let stdout = std::fs::File::options()
            .append(true)
            .open(d.join("plan.md"))
            .expect("test setup");
        let out = revmine_std(d)
            .args(args)
            .stdin(stdin)
            .stdout(stdout)
            .output()
            .expect("run revmine");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("is the same file as an input"),
            "{args:?}: {err}"
        );
        assert_eq!(
            std::fs::read(d.join("plan.md")).expect("test setup"),
            before,
            "{args:?}"
        );
    }
}
