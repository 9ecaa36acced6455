//! `revmine stats`: the measured state of a dataset.

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
