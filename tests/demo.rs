//! `revmine demo`: the bundled sample repositories materialised, mined and gated.

use crate::util::{Dir, run};

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
