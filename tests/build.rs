use serde_json::Value;

use crate::util::{Dir, TYPES, gate_named, hard_cases, rec, run, v8_profile};

/// 40 real records of each type, all distinct, plus 20 hard-case chats.
fn real_records() -> String {
    let mut out = String::new();
    for ty in TYPES {
        for i in 0..40 {
            let words: Vec<String> = (0..12).map(|w| format!("{ty}{i}w{w}")).collect();
            out.push_str(&rec(&format!("r_{ty}_{i}"), ty, "real", &words.join(" ")));
            out.push('\n');
        }
    }
    out + &hard_cases("r")
}

/// 200 synthetic records of each type with 150 distinct responses.
fn synthetic_records() -> String {
    let mut out = String::new();
    for ty in TYPES {
        for i in 0..200 {
            let words: Vec<String> = (0..12).map(|w| format!("s{ty}{}w{w}", i % 150)).collect();
            out.push_str(&rec(
                &format!("s_{ty}_{i}"),
                ty,
                "synthetic",
                &words.join(" "),
            ));
            out.push('\n');
        }
    }
    out
}

fn build(d: &Dir, extra: &[&str]) -> (i32, Value, String) {
    if !d.path().join("synthetic.jsonl").exists() {
        d.write("synthetic.jsonl", synthetic_records());
    }
    let (code, out, err) = run(d
        .revmine()
        .args([
            "build",
            "v8.jsonl",
            "synthetic.jsonl",
            "real.jsonl",
            "--json",
        ])
        .args(extra));
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, v, err)
}

fn tally(v: &Value, key: &str, field: &str) -> u64 {
    v["build"]["tallies"][key][field].as_u64().unwrap_or(0)
}

fn dropped(v: &Value, key: &str, why: &str) -> u64 {
    v["build"]["tallies"][key]["dropped"][why]
        .as_u64()
        .unwrap_or(0)
}

#[test]
fn the_v8_profile_plus_real_records_becomes_a_passing_train_and_eval() {
    let d = Dir::new();
    d.write("v8.jsonl", v8_profile());
    // near-duplicates of the v8 templates: one word changed at the end
    let near: String = (0..30)
        .map(|i| {
            rec(
                &format!("near_{i}"),
                "qa",
                "synthetic",
                &format!("Template answer 1 and then some more words to make it long version {i}"),
            ) + "\n"
        })
        .collect();
    d.write("real.jsonl", real_records() + &near);
    let (code, v, err) = build(&d, &[]);
    assert_eq!(code, 0, "{v:#}{err}");
    // 18,000 synthetic records had 6 distinct responses per type
    assert_eq!(dropped(&v, "chat/synthetic", "duplicate"), 6000 - 6 + 50);
    assert!(dropped(&v, "qa/synthetic", "near_duplicate") >= 25, "{v:#}");
    let share = v["build"]["train_real_share"]
        .as_f64()
        .expect("train_real_share");
    assert!((0.35..=0.50).contains(&share), "{share}");
    assert_eq!(v["check"]["passed"], true, "{:#}", v["check"]);
    for ty in TYPES {
        assert!(
            tally(&v, &format!("{ty}/real"), "train")
                + tally(&v, &format!("{ty}/synthetic"), "train")
                > 0,
            "{ty} missing from train"
        );
    }
    // eval records carry their hard-case tags
    let eval = d.read("eval.jsonl");
    let tagged = eval
        .lines()
        .filter(|l| l.contains(r#""tags":["stress"]"#))
        .count();
    assert!(tagged >= 5, "{eval}");
    // key order is kept: id first, as written
    assert!(eval.lines().all(|l| l.starts_with(r#"{"id":"#)), "{eval}");
    // same inputs and seed, same bytes; another seed, another eval
    let (train, eval) = (d.read("train.jsonl"), d.read("eval.jsonl"));
    build(&d, &[]);
    assert_eq!(
        (d.read("train.jsonl"), d.read("eval.jsonl")),
        (train, eval.clone())
    );
    build(&d, &["--seed", "8"]);
    assert_ne!(d.read("eval.jsonl"), eval);
}

#[test]
fn quotas_keep_real_records_first() {
    let d = Dir::new();
    d.write("v8.jsonl", v8_profile());
    d.write("real.jsonl", real_records());
    d.write("revmine.toml", "[build]\nquotas = { chat = 20 }\n");
    let (_, v, _) = build(&d, &[]);
    let train_chat = tally(&v, "chat/real", "train") + tally(&v, "chat/synthetic", "train");
    assert_eq!(train_chat, 20, "{v:#}");
    assert_eq!(tally(&v, "chat/synthetic", "train"), 0, "real first: {v:#}");
    assert!(dropped(&v, "chat/real", "quota") > 0);
}

#[test]
fn a_record_in_eval_never_stays_in_train_by_its_question() {
    let d = Dir::new();
    d.write("v8.jsonl", v8_profile());
    // twenty real chats asking the same question with different answers
    let same_q: String = (0..20)
        .map(|i| {
            format!(
                r#"{{"id":"sq{i}","record_type":"chat","source":"real","input":"User: What should I do about the quarterly offsite budget?","output":"Answer number {i} with its own distinct words {i}x {i}y {i}z."}}"#
            ) + "\n"
        })
        .collect();
    d.write("real.jsonl", real_records() + &same_q);
    let (_, v, _) = build(&d, &[]);
    let train = d.read("train.jsonl");
    let eval = d.read("eval.jsonl");
    let q = "quarterly offsite budget";
    assert!(
        !(train.contains(q) && eval.contains(q)),
        "the question is on both sides"
    );
    let leakage = gate_named(&v["check"], "leakage");
    assert_eq!(leakage["passed"], true, "{leakage}");
}

#[test]
fn a_bad_record_names_its_line_and_writes_nothing() {
    let d = Dir::new();
    d.write("v8.jsonl", v8_profile());
    d.write(
        "real.jsonl",
        format!(
            "{}\n{{\"id\":\"x\",\"record_type\":\"qa\"}}\n",
            rec("ok", "qa", "real", "fine")
        ),
    );
    d.write("train.jsonl", "previous\n");
    let (code, out, err) = run(d.revmine().args(["build", "v8.jsonl", "real.jsonl"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("real.jsonl:2: input: missing required field"),
        "{err}"
    );
    assert_eq!(d.read("train.jsonl"), "previous\n");
    assert!(!d.path().join("eval.jsonl").exists());
}

#[test]
fn real_share_rebalance_with_uneven_types_lands_in_the_band() {
    // 8 synthetic records across the types, and 15/6/1/1/1/1 real per type:
    // rounding each type's share down kept 4 real of the 5 needed.
    let d = Dir::new();
    let synthetic: String = (0..8)
        .map(|i| {
            let ty = TYPES[i % 6];
            rec(
                &format!("s{i}"),
                ty,
                "synthetic",
                &format!("synthetic distinct answer number {i} about {ty} topics"),
            ) + "\n"
        })
        .collect();
    let mut real = String::new();
    for (ty, n) in TYPES.iter().zip([15, 6, 1, 1, 1, 1]) {
        for i in 0..n {
            real.push_str(&rec(
                &format!("r_{ty}_{i}"),
                ty,
                "real",
                &format!("real distinct reply {i} regarding {ty} matters here"),
            ));
            real.push('\n');
        }
    }
    d.write("synthetic.jsonl", synthetic);
    d.write("real.jsonl", real);
    let (_, out, err) = run(d
        .revmine()
        .args(["build", "synthetic.jsonl", "real.jsonl", "--json"]));
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let share = v["build"]["train_real_share"].as_f64().unwrap_or(-1.0);
    assert!((0.35..=0.50).contains(&share), "{share}: {v:#}");
    let real_kept: u64 = TYPES
        .iter()
        .map(|ty| tally(&v, &format!("{ty}/real"), "train"))
        .sum();
    assert_eq!(real_kept, 5, "{v:#}");
    let warnings = v["build"]["warnings"].to_string();
    assert!(!warnings.contains("real share"), "{warnings}");
    let gates = v["check"]["gates"].to_string();
    assert!(
        !v["check"]["gates"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|g| g["name"] == "real_share" && g["passed"] != true),
        "{gates}"
    );
    for ty in TYPES {
        assert!(
            tally(&v, &format!("{ty}/real"), "train")
                + tally(&v, &format!("{ty}/synthetic"), "train")
                > 0,
            "{ty} missing from train"
        );
    }
}
