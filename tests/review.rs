//! `sample`, `review sign-off`, the `spot_check` gate and `promote`, with the real binary.

use serde_json::Value;

use crate::util::{Dir, gates_named, git, json, ls, rec, run, varied};

/// The sheet without its date line, the one thing that differs between two draws.
fn undated(sheet: &str) -> String {
    sheet
        .lines()
        .filter(|l| !l.starts_with("- date: ") && !l.starts_with("<!-- revmine-sample "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Record ids on a sheet, in order.
fn sheet_ids(sheet: &str) -> Vec<String> {
    sheet
        .lines()
        .filter_map(|l| l.strip_prefix("- [ ] **"))
        .filter_map(|l| l.split(" id `").nth(1))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

fn tick_all(sheet: &str) -> String {
    sheet.replace("- [ ] **", "- [x] **")
}

/// The `spot_check` rows of `check --json`: (scope, passed, skipped, detail).
fn spot_rows(out: &str) -> Vec<(String, bool, bool, String)> {
    gates_named(&json(out), "spot_check")
        .into_iter()
        .map(|g| {
            (
                g["scope"].as_str().unwrap_or("").to_string(),
                g["passed"] == true,
                g["skipped"] == true,
                g["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

const REQUIRED: &str = "[gates.spot_check]\nrequired = true\nsample_size = 20\n";

#[test]
fn the_same_file_and_seed_draw_the_same_sheet_and_another_seed_another() {
    let d = Dir::new();
    d.write("train.jsonl", varied("t", 30, 4));
    let sheet = |seed: &str, out: &str| {
        let (code, _, err) = run(d.revmine().args([
            "sample",
            "train.jsonl",
            "-n",
            "25",
            "--seed",
            seed,
            "-o",
            out,
        ]));
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("sampled 25 of 180 records of train.jsonl"),
            "{err}"
        );
        d.read(out)
    };
    let a = sheet("11", "a.md");
    let b = sheet("11", "b.md");
    let c = sheet("12", "c.md");
    assert_eq!(undated(&a), undated(&b), "same file, same seed, same sheet");
    let (ids_a, ids_c) = (sheet_ids(&a), sheet_ids(&c));
    assert_eq!(ids_a.len(), 25, "{a}");
    assert_ne!(ids_a, ids_c, "another seed draws another sample");
    // the header names file, hash, n, seed and date
    let hash = format!(
        "xxh3-128:{:032x}",
        xxhash_rust_hash(&std::fs::read(d.path().join("train.jsonl")).expect("read"))
    );
    for want in [
        "# Spot-check sheet: `train.jsonl`".to_string(),
        format!("- content hash: `{hash}`"),
        "- records: 180 (25 sampled; n 25, seed 11)".to_string(),
        "- date: 20".to_string(),
    ] {
        assert!(a.contains(&want), "no {want:?} in\n{a}");
    }
    // standard output when no -o, the same sheet
    let (code, out, _) =
        run(d
            .revmine()
            .args(["sample", "train.jsonl", "-n", "25", "--seed", "11"]));
    assert_eq!(code, 0);
    assert_eq!(undated(&out), undated(&a));
    // the default n and seed come from the config (100, 7)
    let (_, out, _) = run(d.revmine().args(["sample", "train.jsonl"]));
    assert_eq!(sheet_ids(&out).len(), 100);
    assert!(out.contains("n 100, seed 7"), "{out}");
}

/// The content hash as revmine defines it, computed here independently.
fn xxhash_rust_hash(bytes: &[u8]) -> u128 {
    revmine::dataset::content_hash::ContentHash::of_bytes(bytes).0
}

#[test]
fn a_sign_off_passes_the_gate_until_the_dataset_changes() {
    let d = Dir::new();
    d.write("revmine.toml", REQUIRED);
    d.write("train.jsonl", varied("t", 20, 4));
    let check = || run(d.revmine().args(["check", "--json", "train.jsonl"]));
    let (code, out, _) = check();
    assert_eq!(code, 1, "required and not signed: {out}");
    let rows = spot_rows(&out);
    assert_eq!(rows.len(), 1);
    assert!(
        !rows[0].1 && rows[0].3.starts_with("no sign-off"),
        "{rows:?}"
    );

    let (code, _, err) =
        run(d
            .revmine()
            .args(["sample", "train.jsonl", "-n", "20", "-o", "review.md"]));
    assert_eq!(code, 0, "{err}");
    // an open box refuses the sign-off and records nothing
    let (code, _, err) =
        run(d
            .revmine()
            .args(["review", "sign-off", "review.md", "--by", "Ana Ruiz"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("20 record boxes are still open"), "{err}");
    assert!(!d.path().join("train.jsonl.signoff.json").exists());
    // one box left open is still a refusal
    let sheet = d.read("review.md");
    let all_but_one = tick_all(&sheet).replacen("- [x] **7/20**", "- [ ] **7/20**", 1);
    d.write("review.md", &all_but_one);
    let (code, _, err) =
        run(d
            .revmine()
            .args(["review", "sign-off", "review.md", "--by", "Ana Ruiz"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("1 record box is still open: **7/20**"),
        "{err}"
    );

    d.write("review.md", tick_all(&sheet));
    let (code, _, err) =
        run(d
            .revmine()
            .args(["review", "sign-off", "review.md", "--by", "Ana Ruiz"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("by Ana Ruiz: 20 of 120 records reviewed"),
        "{err}"
    );
    let ledger: Value =
        serde_json::from_str(&d.read("train.jsonl.signoff.json")).expect("ledger JSON");
    let entry = &ledger["signoffs"][0];
    assert_eq!(entry["by"], "Ana Ruiz");
    assert_eq!(
        (entry["sampled"].as_u64(), entry["records"].as_u64()),
        (Some(20), Some(120))
    );
    assert!(
        entry["at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{entry}"
    );

    let (code, out, _) = check();
    assert_eq!(code, 0, "signed off: {out}");
    let rows = spot_rows(&out);
    assert!(
        rows[0].1 && rows[0].3.starts_with("signed off by Ana Ruiz"),
        "{rows:?}"
    );

    // one changed character voids it
    let edited = d
        .read("train.jsonl")
        .replacen("Distinct answer 3", "Distinct answer 3!", 1);
    d.write("train.jsonl", &edited);
    let (code, out, _) = check();
    assert_eq!(code, 1, "{out}");
    let rows = spot_rows(&out);
    assert!(
        !rows[0].1
            && rows[0]
                .3
                .starts_with("changed since the sign-off by Ana Ruiz"),
        "{rows:?}"
    );
    // and the old sheet can no longer be signed
    let (code, _, err) =
        run(d
            .revmine()
            .args(["review", "sign-off", "review.md", "--by", "Ana Ruiz"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("the dataset changed since the sheet was drawn"),
        "{err}"
    );

    // not required: the gate only reports, and check passes
    d.write("revmine.toml", "");
    let (code, out, _) = check();
    assert_eq!(code, 0, "{out}");
    let rows = spot_rows(&out);
    assert!(
        rows[0].2 && rows[0].3.contains("0 of 1 train/eval file signed off"),
        "{rows:?}"
    );
}

#[test]
fn an_edited_sheet_or_a_bad_one_cannot_be_signed() {
    let d = Dir::new();
    d.write("data/train.jsonl", varied("t", 10, 4));
    let (code, _, _) =
        run(d
            .revmine()
            .args(["sample", "data/train.jsonl", "-n", "5", "-o", "review.md"]));
    assert_eq!(code, 0);
    let sheet = tick_all(&d.read("review.md"));
    // a record dropped from the sheet (its box line removed)
    let dropped: String = sheet
        .lines()
        .filter(|l| !l.starts_with("- [x] **3/5**"))
        .map(|l| format!("{l}\n"))
        .collect();
    d.write("dropped.md", dropped);
    let (code, _, err) = run(d
        .revmine()
        .args(["review", "sign-off", "dropped.md", "--by", "Ana"]));
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "not the sample this dataset and seed draw (4 record boxes on the sheet, 5 drawn)"
        ),
        "{err}"
    );
    // not a sheet at all
    d.write("notes.md", "# notes\n- [x] done\n");
    let (code, _, err) = run(d
        .revmine()
        .args(["review", "sign-off", "notes.md", "--by", "Ana"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("sheet `notes.md`: not a revmine spot-check sheet"),
        "{err}"
    );
    // the dataset is found from the sheet; when it moved, --dataset names it
    d.write("review.md", &sheet);
    std::fs::rename(
        d.path().join("data/train.jsonl"),
        d.path().join("moved.jsonl"),
    )
    .expect("mv");
    let (code, _, err) = run(d
        .revmine()
        .args(["review", "sign-off", "review.md", "--by", "Ana"]));
    assert_eq!(code, 2);
    assert!(err.contains("--dataset"), "{err}");
    let (code, _, err) = run(d.revmine().args([
        "review",
        "sign-off",
        "review.md",
        "--by",
        "Ana",
        "--dataset",
        "moved.jsonl",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(d.path().join("moved.jsonl.signoff.json").exists());
    // the name defaults to git's user.name; with none, --by is asked for
    let (code, _, err) = run(d
        .revmine()
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", d.path())
        .args([
            "review",
            "sign-off",
            "review.md",
            "--dataset",
            "moved.jsonl",
        ]));
    assert_eq!(code, 2);
    assert!(err.contains("--by"), "{err}");
}

#[test]
fn staged_checks_match_the_sign_off_against_the_staged_content() {
    let d = Dir::new();
    let git = |args: &[&str]| git(d.path(), args);
    git(&["init", "-q"]);
    d.write("revmine.toml", REQUIRED);
    d.write("train.jsonl", varied("t", 20, 4));
    run(d
        .revmine()
        .args(["sample", "train.jsonl", "-n", "20", "-o", "review.md"]));
    d.write("review.md", tick_all(&d.read("review.md")));
    let (code, _, err) = run(d
        .revmine()
        .args(["review", "sign-off", "review.md", "--by", "Ana"]));
    assert_eq!(code, 0, "{err}");
    git(&["add", "train.jsonl"]);
    // the work tree changes after staging: the staged content is what was signed
    d.write(
        "train.jsonl",
        varied("t", 20, 4) + &rec("late", "qa", "real", "late answer") + "\n",
    );
    let (code, out, _) = run(d.revmine().args(["check", "--staged", "--json"]));
    assert_eq!(code, 0, "{out}");
    assert!(spot_rows(&out)[0].1);
    let (code, _, _) = run(d.revmine().args(["check", "--json", "train.jsonl"]));
    assert_eq!(code, 1, "the work-tree file is not the signed content");
    git(&["add", "train.jsonl"]);
    let (code, out, _) = run(d.revmine().args(["check", "--staged"]));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("gate spot_check failed on train.jsonl"),
        "{out}"
    );
}

#[test]
fn promote_moves_nothing_unless_every_gate_passes() {
    let d = Dir::new();
    let old = varied("old", 10, 4);
    d.write("assistant_dataset_train.jsonl", &old);
    // 80% real: fails real_share when judged as a train set
    d.write("candidate.jsonl", varied("new", 10, 8));
    let before = std::fs::read(d.path().join("assistant_dataset_train.jsonl")).expect("read");
    let (code, out, err) = run(d.revmine().args([
        "promote",
        "candidate.jsonl",
        "--as",
        "assistant_dataset_train.jsonl",
    ]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("judging candidate.jsonl as assistant_dataset_train.jsonl (train)"),
        "{out}"
    );
    assert!(out.contains("FAILED: 1 of 14 gates (real_share)"), "{out}");
    assert!(
        out.contains("not promoted: assistant_dataset_train.jsonl is untouched"),
        "{out}"
    );
    assert_eq!(
        std::fs::read(d.path().join("assistant_dataset_train.jsonl")).expect("read"),
        before,
        "the target is byte for byte what it was"
    );
    assert!(d.path().join("candidate.jsonl").exists());
    // the same file under a name that is not train passes (no whole-set gates)...
    let (code, out, _) =
        run(d
            .revmine()
            .args(["promote", "candidate.jsonl", "--as", "pairs.jsonl"]));
    assert_eq!(code, 0, "{out}");
    assert_eq!(d.read("pairs.jsonl"), d.read("candidate.jsonl"));

    // a passing candidate is copied into place
    let good = varied("new", 10, 4);
    d.write("candidate.jsonl", &good);
    let (code, out, _) = run(d.revmine().args([
        "promote",
        "candidate.jsonl",
        "--as",
        "assistant_dataset_train.jsonl",
        "--json",
    ]));
    assert_eq!(code, 0, "{out}");
    let report: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        (report["promoted"].as_bool(), report["role"].as_str()),
        (Some(true), Some("train"))
    );
    assert_eq!(d.read("assistant_dataset_train.jsonl"), good);
    assert_eq!(d.read("candidate.jsonl"), good, "copied, not moved");
    let leftovers: Vec<_> = ls(d.path())
        .into_iter()
        .filter(|name| name.starts_with(".revmine-"))
        .collect();
    assert!(leftovers.is_empty(), "no temp file left: {leftovers:?}");

    // --move renames, and carries the candidate's sign-off to the new name
    d.write("revmine.toml", REQUIRED);
    let next = varied("next", 10, 4);
    d.write("next.jsonl", &next);
    let (code, out, _) = run(d.revmine().args([
        "promote",
        "next.jsonl",
        "--as",
        "assistant_dataset_train.jsonl",
        "--move",
    ]));
    assert_eq!(
        code, 1,
        "spot_check is required and next.jsonl is not signed: {out}"
    );
    assert_eq!(d.read("assistant_dataset_train.jsonl"), good);
    run(d
        .revmine()
        .args(["sample", "next.jsonl", "-n", "20", "-o", "review.md"]));
    d.write("review.md", tick_all(&d.read("review.md")));
    let (code, _, err) = run(d
        .revmine()
        .args(["review", "sign-off", "review.md", "--by", "Ana"]));
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(d.revmine().args([
        "promote",
        "next.jsonl",
        "--as",
        "assistant_dataset_train.jsonl",
        "--move",
    ]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("promoted: next.jsonl moved to assistant_dataset_train.jsonl"),
        "{out}"
    );
    assert!(
        !d.path().join("next.jsonl").exists() && !d.path().join("next.jsonl.signoff.json").exists()
    );
    assert_eq!(d.read("assistant_dataset_train.jsonl"), next);
    let (code, out, _) = run(d.revmine().args(["check", "assistant_dataset_train.jsonl"]));
    assert_eq!(code, 0, "the sign-off came along: {out}");

    // NEW as its own target is a usage error
    let (code, _, err) = run(d.revmine().args([
        "promote",
        "assistant_dataset_train.jsonl",
        "--as",
        "./assistant_dataset_train.jsonl",
    ]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_sign_off_too_small_for_the_gate_says_so_when_recorded_and_check_says_why() {
    // The case: a 12-record sheet of a 31-record file, default config
    // (sample_size 100, so the whole file is needed).
    let d = Dir::new();
    let data: String = (0..31)
        .map(|i| rec(&format!("q{i}"), "qa", "real", &format!("answer {i}")) + "\n")
        .collect();
    d.write("d_train.jsonl", data);
    let (code, _, err) =
        run(d
            .revmine()
            .args(["sample", "d_train.jsonl", "-n", "12", "-o", "review.md"]));
    assert_eq!(code, 0, "{err}");
    d.write("review.md", tick_all(&d.read("review.md")));
    let (code, _, err) = run(d
        .revmine()
        .args(["review", "sign-off", "review.md", "--by", "Ana"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("recorded in"), "{err}");
    assert!(
        err.contains("`check` will not count this sign-off")
            && err.contains("covers 12 of 31 records")
            && err.contains("needs 31")
            && err.contains("sample_size (100)")
            && err.contains("revmine sample d_train.jsonl -n 31"),
        "{err}"
    );
    // check, not required: says why the file is not signed off
    let (_, out, _) = run(d.revmine().args(["check", "--json", "d_train.jsonl"]));
    let rows = spot_rows(&out);
    assert!(rows[0].2, "{rows:?}");
    assert!(
        rows[0].3.contains("0 of 1") && rows[0].3.contains("covers 12 of 31 records"),
        "{rows:?}"
    );
    // required: fails, saying why
    d.write("revmine.toml", "[gates.spot_check]\nrequired = true\n");
    let (code, out, _) = run(d.revmine().args(["check", "--json", "d_train.jsonl"]));
    assert_eq!(code, 1);
    let rows = spot_rows(&out);
    assert!(!rows[0].1, "{rows:?}");
    assert!(rows[0].3.contains("needs 31"), "{rows:?}");
    // a sheet of the whole file counts, and sign-off says nothing more
    let (code, _, err) =
        run(d
            .revmine()
            .args(["sample", "d_train.jsonl", "-n", "31", "-o", "all.md"]));
    assert_eq!(code, 0, "{err}");
    d.write("all.md", tick_all(&d.read("all.md")));
    let (code, out, err) = run(d
        .revmine()
        .args(["review", "sign-off", "all.md", "--by", "Ana", "--json"]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["counts_for_spot_check"], true, "{v}");
    let (code, out, _) = run(d.revmine().args(["check", "--json", "d_train.jsonl"]));
    assert!(spot_rows(&out)[0].1, "{out}");
    assert_ne!(code, 2);
}
