//! `revmine export` through the real binary, and its files read back by the
//! real Hugging Face `datasets` library, as a TRL trainer would load them.

use std::process::Command;

use serde_json::{Value, json};

use crate::util::{Dir, datasets_python, jsonl, ls, run};

/// SFT and preference records of every shape, the early ones without a system
/// prompt and the later ones with one, so a reader inferring column types
/// from the first rows would trip on the later ones if types drifted.
fn mixed() -> String {
    [
        r#"{"id":"c1","record_type":"chat","source":"real","input":"User: I missed yesterday's deadline.\nAssistant: Let's reset with essentials.\nUser: I only have 2 hours now, what first?","output":"Start with the highest-impact slice."}"#,
        r#"{"id":"p1","record_type":"preference","source":"real","prompt":"How do I start?","chosen":"Pick one small task and finish it.","rejected":"Start."}"#,
        r#"{"id":"q1","record_type":"qa","input":"What is DPO?","output":"Direct preference optimisation."}"#,
        r#"{"id":"k1","record_type":"knowledge","input":"Explain ETA.","output":"Estimated time of arrival.","meta":{"tags":["x"]}}"#,
        r#"{"id":"p2","record_type":"preference","prompt":"User: hi\nAssistant: hello\nUser: plan my week?","chosen":"Three priorities, then the rest.","rejected":"Do everything.","meta":{"system":"You are a planning coach.","repo":"notes"}}"#,
        r#"{"id":"m1","record_type":"memory","input":"What did I say about Mondays?","output":"No meetings before ten.","meta":{"system":"Remember the user's rules."}}"#,
        r#"{"id":"c2","record_type":"chat","input":"User: one\nAssistant: two\nUser: three","output":"four","meta":{"system":"Be brief."}}"#,
        r#"{"id":"t1","record_type":"trajectory","input":"Book a room.","output":"Searched, found, booked.","meta":{"system":"Act step by step."}}"#,
        r#"{"id":"p3","record_type":"preference","prompt":"Say it shorter.","chosen":"Shorter.","rejected":"A much longer way of saying it.","meta":{"system":"Be brief."}}"#,
    ]
    .join("\n")
        + "\n"
}

#[test]
fn a_mixed_input_is_split_into_sft_and_preference_files() {
    let d = Dir::new();
    d.write("data.jsonl", mixed());
    // the output folder does not exist yet: it is created
    let (code, _, err) =
        run(d
            .revmine()
            .args(["export", "data.jsonl", "--to", "trl", "-o", "out/trl.jsonl"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err,
        "data.jsonl: 9 records (chat 2, knowledge 1, memory 1, preference 3, qa 1, trajectory 1)\n\
         wrote 6 trl sft rows to out/trl.sft.jsonl\n\
         wrote 3 trl conversational preference rows to out/trl.pref.jsonl\n  \
         the input holds SFT and preference records: split in two files (their columns differ)\n"
    );
    assert!(!d.path().join("out/trl.jsonl").exists());
    let sft = jsonl(&d.read("out/trl.sft.jsonl"));
    assert_eq!(
        sft[0],
        json!({"messages": [
            {"role": "user", "content": "I missed yesterday's deadline."},
            {"role": "assistant", "content": "Let's reset with essentials."},
            {"role": "user", "content": "I only have 2 hours now, what first?"},
            {"role": "assistant", "content": "Start with the highest-impact slice."},
        ]})
    );
    let pref = jsonl(&d.read("out/trl.pref.jsonl"));
    assert_eq!(
        pref[1],
        json!({
            "prompt": [
                {"role": "system", "content": "You are a planning coach."},
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello"},
                {"role": "user", "content": "plan my week?"},
            ],
            "chosen": [{"role": "assistant", "content": "Three priorities, then the rest."}],
            "rejected": [{"role": "assistant", "content": "Do everything."}],
        })
    );
}

#[test]
fn json_summary_kind_and_id_flags() {
    let d = Dir::new();
    d.write("data.jsonl", mixed());
    let (code, out, err) = run(d.revmine().args([
        "export",
        "data.jsonl",
        "--to",
        "sharegpt",
        "--kind",
        "preference",
        "--with-id",
        "-o",
        "prefs.jsonl",
        "--json",
    ]));
    assert_eq!(code, 0, "{err}");
    let summary: Value = serde_json::from_str(&out).expect("summary");
    assert_eq!(
        summary,
        json!({
            "input": "data.jsonl", "format": "sharegpt", "records": 9,
            "types": {"chat": 2, "knowledge": 1, "memory": 1, "preference": 3, "qa": 1, "trajectory": 1},
            "outputs": [{"path": "prefs.jsonl", "kind": "preference", "rows": 3}],
            "skipped": 6, "system_dropped": 0,
        })
    );
    let prefs = jsonl(&d.read("prefs.jsonl"));
    assert_eq!(
        prefs[0],
        json!({
            "id": "p1",
            "conversations": [{"from": "human", "value": "How do I start?"}],
            "chosen": {"from": "gpt", "value": "Pick one small task and finish it."},
            "rejected": {"from": "gpt", "value": "Start."},
        })
    );
    // --json writes the summary on stdout, so it needs a file for the rows
    let (code, _, err) = run(d
        .revmine()
        .args(["export", "data.jsonl", "--to", "trl", "--json"]));
    assert_eq!(code, 2, "{err}");
    // --style is TRL's alone
    let (code, _, err) = run(d.revmine().args([
        "export",
        "data.jsonl",
        "--to",
        "openai",
        "--style",
        "standard",
        "--kind",
        "preference",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("--style applies to --to trl only"), "{err}");
}

#[test]
fn standard_output_takes_one_kind_and_refuses_a_mix() {
    let d = Dir::new();
    d.write("data.jsonl", mixed());
    let (code, out, err) = run(d.revmine().args(["export", "data.jsonl", "--to", "openai"]));
    assert_eq!(code, 2);
    assert!(out.is_empty(), "nothing printed: {out}");
    assert_eq!(
        err,
        "revmine: `data.jsonl` holds 6 SFT and 3 preference records, and one output cannot hold both \
         (their columns differ); write to a file with -o (it is split into NAME.sft.jsonl and \
         NAME.pref.jsonl), or pick one kind with --kind sft|preference\n"
    );
    let (code, out, err) = run(d.revmine().args([
        "export",
        "data.jsonl",
        "--to",
        "openai",
        "--kind",
        "preference",
    ]));
    assert_eq!(code, 0, "{err}");
    let r = jsonl(&out);
    assert_eq!(r.len(), 3);
    assert_eq!(
        r[2],
        json!({
            "input": {"messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Say it shorter."},
            ]},
            "preferred_output": [{"role": "assistant", "content": "Shorter."}],
            "non_preferred_output": [{"role": "assistant", "content": "A much longer way of saying it."}],
        })
    );
    assert!(err.contains("skipped 6 SFT records"), "{err}");
    // standard input, standard style: the system prompt has no place, and the summary says so
    let (code, out, err) = run(d
        .revmine()
        .args([
            "export",
            "-",
            "--to",
            "trl",
            "--style",
            "standard",
            "--kind",
            "preference",
        ])
        .write_stdin(mixed()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        jsonl(&out)[0],
        json!({"prompt": "How do I start?", "chosen": "Pick one small task and finish it.", "rejected": "Start."})
    );
    assert!(err.starts_with("<stdin>: 9 records"), "{err}");
    assert!(err.contains("dropped 2 system prompts"), "{err}");
}

#[test]
fn a_malformed_line_is_named_and_nothing_is_written() {
    let d = Dir::new();
    d.write("out.sft.jsonl", "previous\n");
    let mut lines: Vec<String> = mixed().lines().map(String::from).collect();
    lines.insert(
        6,
        r#"{"id":"bad7","record_type":"chat","input":"User: hi\nAssistant: hello","output":"x"}"#
            .into(),
    );
    d.write("data.jsonl", lines.join("\n"));
    let (code, out, err) =
        run(d
            .revmine()
            .args(["export", "data.jsonl", "--to", "trl", "-o", "out.jsonl"]));
    assert_eq!(code, 2, "{out}");
    assert_eq!(
        err,
        "revmine: data.jsonl:7: bad7: input: must end with the `User:` turn being answered, not an `Assistant:` turn\n"
    );
    assert_eq!(d.read("out.sft.jsonl"), "previous\n");
    let left = ls(d.path());
    assert_eq!(
        left,
        ["data.jsonl", "out.sft.jsonl"],
        "no temp or partial files"
    );
    // not JSON at all, on the last line (no newline): named the same way
    d.write("b.jsonl", format!("{}{{\"id\":", mixed()));
    let (code, _, err) = run(d
        .revmine()
        .args(["export", "b.jsonl", "--to", "openai", "-o", "o.jsonl"]));
    assert_eq!(code, 2);
    assert!(
        err.starts_with("revmine: b.jsonl:10: -: -: truncated JSON"),
        "{err}"
    );
    assert!(!d.path().join("o.jsonl").exists());
}

/// Loads each file given with `load_dataset("json")` and prints, per file, its
/// features (as plain JSON: a dtype string, {field: ...} for a struct,
/// [item] for a list, whatever the `datasets` version's class names), their
/// repr, and the rows as Arrow holds them.
const LOAD: &str = r#"
import json, sys
from datasets import load_dataset, Value

def plain(f):
    if isinstance(f, dict):
        return {k: plain(v) for k, v in f.items()}
    if isinstance(f, list):
        return [plain(f[0])]
    if isinstance(f, Value):
        return f.dtype
    if hasattr(f, "feature"):  # List, Sequence, LargeList
        return [plain(f.feature)]
    return repr(f)

report = {}
for path in sys.argv[1:]:
    ds = load_dataset("json", data_files=path, split="train")
    report[path] = {"features": plain(ds.features), "repr": repr(ds.features), "rows": ds.to_list()}
print(json.dumps(report))
"#;

#[test]
fn hugging_face_datasets_loads_every_export_with_the_types_trainers_expect() {
    let python = datasets_python();
    let d = Dir::new();
    d.write("data.jsonl", mixed());
    let export = |args: &[&str]| {
        let (code, out, err) = run(d.revmine().arg("export").arg("data.jsonl").args(args));
        assert_eq!(code, 0, "export {args:?}:\n{out}{err}");
    };
    export(&["--to", "trl", "-o", "trl.jsonl"]);
    export(&[
        "--to",
        "trl",
        "--style",
        "standard",
        "--kind",
        "preference",
        "-o",
        "trl-standard.jsonl",
    ]);
    export(&["--to", "openai", "-o", "openai.jsonl"]);
    export(&["--to", "sharegpt", "--with-id", "-o", "sharegpt.jsonl"]);
    let files = [
        "trl.sft.jsonl",
        "trl.pref.jsonl",
        "trl-standard.jsonl",
        "openai.sft.jsonl",
        "openai.pref.jsonl",
        "sharegpt.sft.jsonl",
        "sharegpt.pref.jsonl",
    ];
    let cache = tempfile::tempdir().expect("cache dir");
    let out = Command::new(&python)
        .arg("-c")
        .arg(LOAD)
        .args(files)
        .current_dir(d.path())
        .env("HF_DATASETS_CACHE", cache.path())
        .env("HF_HOME", cache.path())
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_DATASETS_OFFLINE", "1")
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "load_dataset failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    let msgs = json!([{"role": "string", "content": "string"}]);
    let turns = json!([{"from": "string", "value": "string"}]);
    let expected = [
        ("trl.sft.jsonl", json!({"messages": msgs})),
        (
            "trl.pref.jsonl",
            json!({"prompt": msgs, "chosen": msgs, "rejected": msgs}),
        ),
        (
            "trl-standard.jsonl",
            json!({"prompt": "string", "chosen": "string", "rejected": "string"}),
        ),
        ("openai.sft.jsonl", json!({"messages": msgs})),
        (
            "openai.pref.jsonl",
            json!({"input": {"messages": msgs}, "preferred_output": msgs, "non_preferred_output": msgs}),
        ),
        (
            "sharegpt.sft.jsonl",
            json!({"id": "string", "conversations": turns}),
        ),
        (
            "sharegpt.pref.jsonl",
            json!({
                "id": "string",
                "conversations": turns,
                "chosen": {"from": "string", "value": "string"},
                "rejected": {"from": "string", "value": "string"},
            }),
        ),
    ];
    for (file, features) in expected {
        let got = &report[file];
        assert_eq!(got["features"], features, "{file}: {}", got["repr"]);
        // Arrow holds exactly what was written: no nulls filled in, no field
        // missing, rows with and without a system prompt alike.
        assert_eq!(got["rows"], Value::Array(jsonl(&d.read(file))), "{file}");
        eprintln!("{file}: {}", got["repr"]);
    }
    let sft = report["trl.sft.jsonl"]["rows"].as_array().expect("rows");
    assert_eq!(sft.len(), 6);
    assert_eq!(
        sft[0]["messages"][0]["role"], "user",
        "no system prompt early"
    );
    assert_eq!(
        sft[5]["messages"][0]["role"], "system",
        "a system prompt later"
    );
}
