//! `revmine init`: the default config, written once.

use crate::util::{Dir, run};

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
