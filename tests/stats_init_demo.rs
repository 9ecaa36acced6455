use crate::util::{Dir, run, v8_profile};

#[test]
fn stats_recomputes_the_plans_measured_state() {
    let d = Dir::new();
    d.write("assistant_dataset_train.v8.jsonl", v8_profile());
    let (code, out, err) = run(d
        .revmine()
        .args(["stats", "assistant_dataset_train.v8.jsonl"]));
    assert_eq!(code, 0, "{err}");
    for line in [
        "- 18000 records total",
        "- chat: 6000",
        "- qa: 3000",
        "- preference: 3000",
        "- knowledge: 2000",
        "- memory: 2000",
        "- trajectory: 2000",
        "- chat output: 6 unique / 6000 total (0.0010)",
        "- qa output: 6 unique / 3000 total (0.0020)",
        "- preference chosen: 6 unique / 3000 total (0.0020)",
        "- source: real 0, synthetic 18000, unlabelled 0",
        // "User: what next for v8_00001?"
        "- chat: output 18 / 18 / 18 / 18; input 29 / 29 / 29 / 29",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing {line:?} in:\n{out}"
        );
    }
    let (_, out, _) =
        run(d
            .revmine()
            .args(["stats", "--json", "assistant_dataset_train.v8.jsonl"]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["files"][0]["types"][0]["unique"], 6);
    assert_eq!(v["files"][0]["types"][0]["response_chars"]["p90"], 18);
}

#[test]
fn init_writes_the_defaults_once() {
    let d = Dir::new();
    let (code, _, err) = run(d.revmine().arg("init"));
    assert_eq!(code, 0, "{err}");
    let written = d.read("revmine.toml");
    assert!(
        written.contains("threshold = 0.25") && written.contains("min = 0.35"),
        "{written}"
    );
    let (code, _, err) = run(d.revmine().arg("init"));
    assert_eq!(code, 2);
    assert!(err.contains("already exists (use --force"), "{err}");
    let (code, _, _) = run(d.revmine().args(["init", "--force"]));
    assert_eq!(code, 0);
    // the written file is picked up and changes nothing
    d.write("train.jsonl", crate::util::varied("t", 10, 4));
    let (code, out, _) = run(d.revmine().args(["check", "train.jsonl"]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn demo_materialises_mines_and_gates_the_bundled_samples() {
    let d = Dir::new();
    let (code, out, err) = run(d.revmine().args(["demo", "--dir", "demo"]));
    assert_eq!(code, 0, "{out}{err}");
    for part in [
        "drafts/ from sample-repos/drafts.history",
        "an example pair:",
        "pairs.jsonl (other):",
        "assistant_dataset_train.sample.jsonl (train): 60 records",
        "PASSED",
        "Dataset (`pairs.jsonl`):",
    ] {
        assert!(out.contains(part), "no {part:?} in:\n{out}");
    }
    let pairs = d.read("demo/pairs.jsonl");
    assert!(pairs.lines().count() >= 2, "{pairs}");
    assert!(d.path().join("demo/drafts/.git").is_dir());
    // the same script gives the same commits, so a second demo writes the same pairs
    std::fs::create_dir(d.path().join("again")).expect("mkdir");
    let (code, _, err) = run(d.revmine().args(["demo", "--dir", "again"]));
    assert_eq!(code, 0, "an empty folder is fine: {err}");
    assert_eq!(d.read("again/pairs.jsonl"), pairs);
}

/// Every file under `root` with its bytes, sorted: what "nothing changed" compares.
fn tree(root: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path.clone());
                out.push((path, Vec::new()));
            } else {
                let bytes = std::fs::read(&path).expect("read");
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn demo_refuses_a_folder_holding_what_it_would_replace_and_changes_nothing() {
    let d = Dir::new();
    d.write(
        "work/drafts/reply.md",
        "my own draft, not a sample
",
    );
    d.write(
        "work/revmine.toml",
        "[gates.real_share]
min = 0.1
",
    );
    d.write("work/pairs.jsonl", "{\"id\":\"mine\"}\n");
    d.write("work/keep.txt", "unrelated\n");
    let before = tree(&d.path().join("work"));
    let (code, out, err) = run(d.revmine().args(["demo", "--dir", "work"]));
    assert_eq!(code, 2, "{out}{err}");
    for name in ["`drafts`", "`revmine.toml`", "`pairs.jsonl`"] {
        assert!(err.contains(name), "{name} not named: {err}");
    }
    assert!(!err.contains("`notes`"), "notes/ is not there: {err}");
    assert!(err.contains("empty or new folder"), "{err}");
    assert_eq!(tree(&d.path().join("work")), before, "nothing changed");
    // one file is enough to refuse
    d.write("one/assistant_dataset_eval.sample.jsonl", "mine\n");
    let (code, _, err) = run(d.revmine().args(["demo", "--dir", "one"]));
    assert_eq!(code, 2, "{err}");
    assert_eq!(d.read("one/assistant_dataset_eval.sample.jsonl"), "mine\n");
    // a folder holding only other files is left as it was beside the demo's
    d.write("other/keep.txt", "unrelated\n");
    let (code, _, err) = run(d.revmine().args(["demo", "--dir", "other"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(d.read("other/keep.txt"), "unrelated\n");
}

/// The subcommands a `--help` lists under "Commands:" (without `help`).
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // a wrapped description continues further in
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn help_says_what_is_true_and_every_command_has_examples() {
    let d = Dir::new();
    let help = |args: &[&str]| {
        let (code, out, err) = run(d.revmine().args(args).arg("--help"));
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    };
    let top = help(&[]);
    assert!(top.contains("75"), "exit code 75 in top-level help: {top}");
    let mut checked = 0;
    for cmd in commands(&top) {
        let out = help(&[&cmd]);
        assert!(
            out.contains("\nExamples:\n"),
            "`{cmd} --help` has no examples:\n{out}"
        );
        checked += 1;
        for sub in commands(&out) {
            let out = help(&[&cmd, &sub]);
            assert!(
                out.contains("\nExamples:\n"),
                "`{cmd} {sub} --help` has no examples:\n{out}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 19, "{checked} helps read: {top}");
    // validate and stats list no option of check's that does nothing there
    for cmd in ["validate", "stats"] {
        let out = help(&[cmd]);
        for dead in ["--train", "--eval", "--staged"] {
            assert!(!out.contains(dead), "`{cmd} --help` lists {dead}:\n{out}");
        }
        assert!(out.contains("--schema") && out.contains("--json"), "{out}");
    }
    // check's description names every gate there is
    let check = help(&["check"]);
    let gates = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/gate"))
        .expect("src/gate")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".rs").map(str::to_string))
        .filter(|f| f != "mod")
        .collect::<Vec<_>>();
    assert_eq!(gates.len(), 10, "{gates:?}");
    let about = check
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .replace('\n', " ");
    for gate in gates {
        assert!(
            about.contains(&gate),
            "check's description omits {gate}: {about}"
        );
    }
}
