use serde_json::Value;

use crate::util::{
    Dir, TYPES, gate_named, gates_named, hard_cases, json, rec, run, v8_profile, varied,
};

/// The results for gate `name`, as (scope, passed, value).
fn rows(report: &Value, name: &str) -> Vec<(String, bool, Value)> {
    gates_named(report, name)
        .into_iter()
        .map(|g| {
            (
                g["scope"].as_str().unwrap_or("").to_string(),
                g["passed"] == true,
                g["value"].clone(),
            )
        })
        .collect()
}

#[test]
fn the_v8_profile_fails_uniqueness_per_type() {
    let d = Dir::new();
    d.write("assistant_dataset_train.v8.jsonl", v8_profile());
    let (code, out, err) = run(d
        .revmine()
        .args(["check", "assistant_dataset_train.v8.jsonl"]));
    assert_eq!(code, 1, "{err}");
    // the human table shows each type's ratio: 6 unique in a 2,000 sample
    for ty in ["chat", "qa", "preference"] {
        let row = out
            .lines()
            .find(|l| l.starts_with("uniqueness") && l.contains(&format!(".jsonl: {ty} ")))
            .unwrap_or_else(|| panic!("no {ty} row in:\n{out}"));
        assert!(
            row.contains("0.003") && row.contains("> 0.25") && row.contains("FAIL"),
            "{row}"
        );
        assert!(row.contains("6 unique / 2000 sampled"), "{row}");
    }
    assert!(
        out.contains("FAILED: 4 of 14 gates (uniqueness, real_share)"),
        "{out}"
    );

    let (code, out, _) =
        run(d
            .revmine()
            .args(["check", "--json", "assistant_dataset_train.v8.jsonl"]));
    assert_eq!(code, 1);
    let r = json(&out);
    assert_eq!(r["passed"], false);
    let u = rows(&r, "uniqueness");
    assert_eq!(u.len(), 3);
    assert!(
        u.iter()
            .all(|(_, passed, value)| !passed && value == &serde_json::json!(0.003)),
        "{u:?}"
    );
    assert!(rows(&r, "mix")[0].1);
    assert_eq!(rows(&r, "real_share")[0].2, serde_json::json!(0.0));
}

#[test]
fn a_healthy_train_and_eval_pass_every_gate() {
    let d = Dir::new();
    d.write("train.jsonl", varied("t", 20, 4));
    d.write("eval.jsonl", varied("e", 3, 0) + &hard_cases("e"));
    let (code, out, err) = run(d.revmine().args(["check", "train.jsonl", "eval.jsonl"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("PASSED: 24 gates checked"), "{out}");
    assert!(
        out.contains("train.jsonl (train): 120 records")
            && out.contains("eval.jsonl (eval): 38 records"),
        "{out}"
    );
    for tag in ["ambiguity", "conflicting_priorities", "stress", "follow_up"] {
        assert!(
            out.lines()
                .any(|l| l.starts_with("eval_hard_cases") && l.contains(tag) && l.contains("pass")),
            "{tag}: {out}"
        );
    }
}

#[test]
fn json_report_has_the_documented_shape() {
    let d = Dir::new();
    d.write("train.jsonl", varied("t", 10, 4));
    let (code, out, _) = run(d.revmine().args(["check", "--json", "train.jsonl"]));
    assert_eq!(code, 0);
    let r = json(&out);
    assert_eq!(r["passed"], true);
    assert_eq!(r["files"][0]["path"], "train.jsonl");
    assert_eq!(r["files"][0]["role"], "train");
    for g in r["gates"].as_array().expect("gates") {
        for key in ["name", "passed", "value", "threshold", "detail"] {
            assert!(g.get(key).is_some(), "gate without {key}: {g}");
        }
    }
    let names: Vec<&str> = r["gates"]
        .as_array()
        .expect("gates")
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "schema",
            "unique_ids",
            "uniqueness",
            "uniqueness",
            "uniqueness",
            "near_duplicates",
            "near_duplicates",
            "near_duplicates",
            "secrets",
            "mix",
            "real_share",
            "leakage",
            "eval_hard_cases",
            "spot_check"
        ]
    );
    assert_eq!(rows(&r, "real_share")[0].2, serde_json::json!(0.4));
    assert_eq!(rows(&r, "mix")[0].2, serde_json::json!(6));
}

#[test]
fn mined_pairs_are_not_judged_as_a_train_set_unless_named_so() {
    let d = Dir::new();
    let pairs: String = (0..30)
        .map(|i| {
            rec(
                &format!("p{i}"),
                "preference",
                "real",
                &format!("Revision {i}."),
            ) + "\n"
        })
        .collect();
    d.write("pairs.jsonl", &pairs);
    let (code, out, _) = run(d.revmine().args(["check", "--json", "pairs.jsonl"]));
    assert_eq!(code, 0, "{out}");
    let r = json(&out);
    let mix = &gate_named(&r, "mix");
    assert_eq!(
        (mix["skipped"].as_bool(), mix["passed"].as_bool()),
        (Some(true), Some(true))
    );
    // the same file named as train fails mix (one type) and real_share (100% real)
    let (code, out, _) = run(d
        .revmine()
        .args(["check", "--json", "--train", "pairs.jsonl"]));
    assert_eq!(code, 1);
    let r = json(&out);
    assert!(!rows(&r, "mix")[0].1);
    assert_eq!(
        rows(&r, "real_share")[0],
        ("train set".to_string(), false, serde_json::json!(1.0))
    );
}

#[test]
fn each_gate_fails_on_its_own_fault() {
    let d = Dir::new();
    let good = varied("g", 10, 4);
    // schema: one bad line
    d.write(
        "a_train.jsonl",
        format!("{good}{{\"id\":\"bad\",\"record_type\":\"qa\"}}\n"),
    );
    // unique_ids: an id repeated in a second file
    d.write(
        "b_eval.jsonl",
        format!("{}\n", rec("g_chat_0", "qa", "real", "fresh text")),
    );
    // mix: trajectory missing
    let no_traj: String = good
        .lines()
        .filter(|l| !l.contains("\"trajectory\""))
        .map(|l| format!("{l}\n"))
        .collect();
    d.write("c_train.jsonl", no_traj);
    // real_share: 60% real
    d.write("d_train.jsonl", varied("d", 10, 6));
    // leakage: an eval answer copied into train with one word changed
    let answer = "Write down the three blockers first then ask the platform team about the \
                  quota and move the launch review to Thursday so design can join";
    d.write(
        "e_train.jsonl",
        format!(
            "{good}{}\n",
            rec("e_copy", "qa", "real", &answer.replace("join", "attend"))
        ),
    );
    d.write(
        "e_eval.jsonl",
        format!("{}\n", rec("e_orig", "qa", "real", answer)),
    );
    // near_duplicates: one template with a name swapped in
    let templated: String = (0..20)
        .map(|i| {
            rec(
                &format!("n{i}"),
                "chat",
                "real",
                &format!("Hi Person{i}, {answer}"),
            ) + "\n"
        })
        .collect();
    d.write("f.jsonl", templated);
    // eval_hard_cases: an eval set without them
    d.write("g_eval.jsonl", varied("g_e", 3, 0));
    let cases = [
        (
            vec!["a_train.jsonl"],
            "schema",
            "a_train.jsonl:61: bad: input: missing required field",
        ),
        (
            vec!["a_train.jsonl", "b_eval.jsonl"],
            "unique_ids",
            // check reads eval files first (to probe train for leaks)
            "a_train.jsonl:1: g_chat_0: id: duplicate id, first at b_eval.jsonl:1",
        ),
        (
            vec!["c_train.jsonl"],
            "mix",
            "missing or under share: trajectory",
        ),
        (vec!["d_train.jsonl"], "real_share", "36 of 60 records"),
        (
            vec!["e_train.jsonl", "e_eval.jsonl"],
            "leakage",
            "e_train.jsonl:61 (e_copy) output 0.9",
        ),
        (
            vec!["f.jsonl"],
            "near_duplicates",
            "19 of 20 distinct sampled `output` near another",
        ),
        (
            vec!["g_eval.jsonl"],
            "eval_hard_cases",
            "0 of 18 eval records tagged ambiguity",
        ),
    ];
    for (files, gate, detail) in cases {
        let (code, out, _) = run(d.revmine().arg("check").arg("--json").args(&files));
        assert_eq!(code, 1, "{gate}: {out}");
        let r = json(&out);
        let g = gate_named(&r, gate);
        assert_eq!(g["passed"], false, "{gate}: {g}");
        assert!(
            g["detail"].as_str().unwrap_or("").contains(detail),
            "{gate}: {g}"
        );
    }
    // and the human report names the problem's file and line
    let (_, out, _) = run(d.revmine().args(["check", "a_train.jsonl"]));
    assert!(
        out.contains("  a_train.jsonl:61: bad: input: missing required field"),
        "{out}"
    );
}

#[test]
fn config_is_found_upwards_or_named_and_overrides_thresholds() {
    let d = Dir::new();
    d.write("sub/dir/train.jsonl", varied("t", 10, 8));
    let (code, _, _) = run(d
        .revmine()
        .current_dir(d.path().join("sub/dir"))
        .args(["check", "train.jsonl"]));
    assert_eq!(code, 1, "80% real is over the default band");
    d.write("revmine.toml", "[gates.real_share]\nmax = 0.9\n");
    let (code, out, _) = run(d
        .revmine()
        .current_dir(d.path().join("sub/dir"))
        .args(["check", "train.jsonl"]));
    assert_eq!(
        code, 0,
        "the config above the working directory widens the band: {out}"
    );
    assert!(out.contains("[0.35, 0.9]"), "{out}");
    // --config and REVMINE_CONFIG name a file explicitly
    d.write(
        "strict.toml",
        "[gates.uniqueness]\nthreshold = 0.99\n[files]\ntrain = []\n",
    );
    let (code, out, _) =
        run(d
            .revmine()
            .args(["check", "--config", "strict.toml", "sub/dir/train.jsonl"]));
    assert_eq!(
        code, 0,
        "no file is train now, and 10 distinct of 10 is above 0.99: {out}"
    );
    d.write("strict.toml", "[gates.uniqueness]\nthreshold = 1.0\n");
    let (code, _, _) = run(d
        .revmine()
        .env("REVMINE_CONFIG", "strict.toml")
        .args(["check", "sub/dir/train.jsonl"]));
    assert_eq!(code, 1);
    // a bad config is an input error naming the file and key
    d.write("bad.toml", "[gates.real_share]\nmin = \"low\"\n");
    let (code, _, err) =
        run(d
            .revmine()
            .args(["check", "--config", "bad.toml", "sub/dir/train.jsonl"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("config `bad.toml`") && err.contains("min"),
        "{err}"
    );
}

#[test]
fn check_without_files_finds_the_datasets_in_the_tree() {
    let d = Dir::new();
    d.write("data/assistant_train.jsonl", varied("t", 10, 4));
    d.write("data/notes.txt", "not a dataset");
    d.write("ignored/x_train.jsonl", "{broken");
    d.write(".gitignore", "ignored/\n");
    std::fs::create_dir(d.path().join(".git")).expect("mark as repo root for .gitignore");
    let (code, out, err) = run(d.revmine().arg("check"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("data/assistant_train.jsonl (train): 60 records"),
        "{out}"
    );
    let empty = Dir::new();
    let (code, _, err) = run(empty.revmine().arg("check"));
    assert_eq!(code, 2);
    assert!(err.contains("no dataset files given"), "{err}");
}

#[test]
fn uniqueness_sample_is_reproducible_and_honours_the_seed() {
    let d = Dir::new();
    // 3000 chat records over 900 distinct outputs: the ratio on a 2000-sample depends on which are drawn
    let text: String = (0..3000)
        .map(|i| {
            rec(
                &format!("c{i}"),
                "chat",
                "real",
                &format!("Answer {}.", (i * 7919) % 900),
            ) + "\n"
        })
        .collect();
    d.write("d.jsonl", &text);
    let value = |args: &[&str]| {
        let (_, out, _) = run(d.revmine().args(args));
        rows(&json(&out), "uniqueness")[0].2.clone()
    };
    let a = value(&["check", "--json", "d.jsonl"]);
    assert_eq!(a, value(&["check", "--json", "d.jsonl"]));
    d.write("seed.toml", "[gates.uniqueness]\nseed = 99\n");
    let b = value(&["check", "--json", "--config", "seed.toml", "d.jsonl"]);
    assert_ne!(a, b, "another seed draws another sample");
    assert!(TYPES.contains(&"chat"));
}

#[test]
fn a_file_named_twice_is_read_once_and_the_user_is_told() {
    let d = Dir::new();
    d.write("data.jsonl", varied("t", 10, 4));
    std::fs::create_dir(d.path().join("sub")).expect("mkdir");
    for args in [
        &["check", "--train", "data.jsonl", "data.jsonl"][..],
        &["check", "--train", "data.jsonl", "./data.jsonl"],
        &[
            "check",
            "--train",
            "data.jsonl",
            "--train",
            "sub/../data.jsonl",
        ],
    ] {
        let (code, out, err) = run(d.revmine().args(args));
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        assert!(out.contains("data.jsonl (train): 60 records"), "{out}");
        let listed = out.lines().filter(|l| l.ends_with(": 60 records")).count();
        assert_eq!(listed, 1, "read once: {out}");
        assert!(out.contains("60 records valid"), "{out}");
        assert!(!out.contains("duplicate id"), "{out}");
        let spelled = args[args.len() - 1];
        assert!(
            err.contains("warning:") && err.contains(spelled) && err.contains("read once"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn check_of_a_missing_file_never_says_passed() {
    let d = Dir::new();
    // validate says so too, rather than "0 problems"
    let (code, _, err) = run(d.revmine().args(["validate", "missing.jsonl"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("NOT VALIDATED: 1 input could not be read"),
        "{err}"
    );
    let (code, out, err) = run(d.revmine().args(["check", "missing.jsonl"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(!out.contains("PASSED"), "{out}");
    assert!(
        out.contains("NOT CHECKED: 1 input could not be read"),
        "{out}"
    );
    assert!(err.contains("cannot read `missing.jsonl`"), "{err}");
    let (code, out, _) = run(d.revmine().args(["check", "--json", "missing.jsonl"]));
    assert_eq!(code, 2);
    let r = json(&out);
    assert_eq!(r["passed"], false, "{r}");
    assert_eq!(r["status"], "not_checked", "{r}");
    assert_eq!(r["unread"], 1, "{r}");
    // one good file beside a missing one: the gates ran, but not on everything
    d.write("train.jsonl", varied("t", 10, 4));
    let (code, out, _) = run(d.revmine().args(["check", "train.jsonl", "missing.jsonl"]));
    assert_eq!(code, 2);
    assert!(!out.contains("PASSED"), "{out}");
    assert!(
        out.contains("NOT CHECKED: 1 input could not be read"),
        "{out}"
    );
}
