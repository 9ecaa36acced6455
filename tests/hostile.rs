//! Hostile inputs (issue 7): deep nesting, very long lines, a corrupt object
//! in a mined repository. Each must give a clear error naming where, and
//! never cost the rest of the input.

use crate::util::{Dir, Repo, read_jsonl, rec, run, sides, skipped};

const SMALL_CAP: &str = "[limits]\nmax_line_bytes = 1000\n";

#[test]
fn deep_nesting_is_reported_with_file_and_line() {
    let d = Dir::new();
    let deep = "[".repeat(100_000);
    d.write(
        "data.jsonl",
        format!(
            "{}\n{deep}\n{}\n",
            rec("a", "qa", "real", "One."),
            rec("b", "qa", "real", "Two.")
        ),
    );
    for cmd in ["validate", "check"] {
        let (code, out, err) = run(d.revmine().args([cmd, "data.jsonl"]));
        assert_eq!(code, 1, "{cmd}: {out}{err}");
        assert!(
            out.contains(
                "data.jsonl:2: -: -: invalid JSON: nested more than 128 levels deep (the parser's limit) at column 128"
            ),
            "{cmd}: {out}{err}"
        );
    }
    d.write(
        "chat.jsonl",
        format!("{{\"messages\":[{{\"role\":\"user\",\"content\":{deep}\n"),
    );
    let (code, out, err) = run(d
        .revmine()
        .args(["ingest", "chat.jsonl", "--format", "openai"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("chat.jsonl: line 1 column 163: nested more than 128 levels deep"),
        "{err}"
    );
}

#[test]
fn a_line_over_the_cap_is_named_and_skipped_and_the_rest_is_read() {
    let d = Dir::new();
    d.write("revmine.toml", SMALL_CAP);
    // Longer than the scanner's 1 MiB chunk, so the reader must drop it as it goes.
    let long = format!(
        r#"{{"id":"long","record_type":"qa","input":"q","output":"{}"}}"#,
        "x".repeat(3 << 20)
    );
    let short = format!(
        r#"{{"id":"s","record_type":"qa","input":"q","output":"{}"}}"#,
        "y".repeat(1100)
    );
    d.write(
        "data.jsonl",
        format!(
            "{}\n{long}\n{short}\n{}\n",
            rec("a", "qa", "real", "One."),
            rec("b", "qa", "real", "Two.")
        ),
    );
    let (code, out, err) = run(d.revmine().args(["validate", "data.jsonl"]));
    assert_eq!(code, 1, "{out}{err}");
    let problems: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("data.jsonl:"))
        .collect();
    assert_eq!(
        problems,
        [
            format!(
                "data.jsonl:2: -: -: line is {} bytes, over the limit of 1000 ([limits] max_line_bytes)",
                long.len()
            ),
            format!(
                "data.jsonl:3: -: -: line is {} bytes, over the limit of 1000 ([limits] max_line_bytes)",
                short.len()
            ),
        ],
        "{out}{err}"
    );
    // stats and check read the same way
    let (code, out, err) = run(d.revmine().args(["check", "data.jsonl"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("data.jsonl:2: -: -: line is"), "{out}");
}

#[test]
fn ingest_applies_the_line_cap_to_jsonl_and_text() {
    let d = Dir::new();
    d.write("revmine.toml", SMALL_CAP);
    let ok =
        r#"{"messages":[{"role":"user","content":"Hi?"},{"role":"assistant","content":"Hello."}]}"#;
    let long = format!(
        r#"{{"messages":[{{"role":"user","content":"{}"}}]}}"#,
        "z".repeat(5000)
    );
    d.write("chat.jsonl", format!("{ok}\n{long}\n{ok}\n"));
    let (code, out, err) = run(d
        .revmine()
        .args(["ingest", "chat.jsonl", "-o", "out.jsonl"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!(
            "chat.jsonl: line 2: line is {} bytes, over the limit of 1000 ([limits] max_line_bytes)",
            long.len()
        )),
        "{err}"
    );
    assert!(
        !d.path().join("out.jsonl").exists(),
        "nothing is written on error"
    );
    // --keep-going keeps the other lines and still says the input was bad
    let (code, out, err) =
        run(d
            .revmine()
            .args(["ingest", "chat.jsonl", "-o", "out.jsonl", "--keep-going"]));
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(d.read("out.jsonl").lines().count(), 2, "{err}");
    d.write(
        "talk.txt",
        format!("User: hi\nAssistant: {}\n", "w".repeat(2000)),
    );
    let (code, _, err) = run(d.revmine().args(["ingest", "talk.txt"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("talk.txt: line 2: line is 2011 bytes, over the limit of 1000"),
        "{err}"
    );
}

#[test]
fn a_corrupt_object_is_reported_with_commit_and_path_and_mining_goes_on() {
    let a1 = "# Replies\n\n## How do I start?\nJust start.\n";
    let a2 = "# Replies\n\n## How do I start?\nPick the smallest piece you can finish today and start.\n";
    let b1 = "# Notes\n\n## What is blocking?\nNothing yet.\n";
    let b2 =
        "# Notes\n\n## What is blocking?\nThe review of the billing change is waiting on legal.\n";
    let b3 =
        "# Notes\n\n## What is blocking?\nLegal signed off; the billing change ships on Friday.\n";
    let mut r = Repo::new();
    r.commit("first", &[("a.md", a1), ("b.md", b1)]);
    let c2 = r.commit("second", &[("a.md", a2), ("b.md", b2)]);
    r.commit("third", &[("b.md", b3)]);
    // Damage b.md's second version: keep the object file, garble its deflate stream.
    let blob = corrupt(&r, b2);

    let (code, out, err) = run(r.revmine().args(["mine", "repo", "-o", "pairs.jsonl"]));
    assert_eq!(code, 2, "a damaged repo is bad input:\n{out}{err}");
    assert!(
        err.contains(&format!(
            "error: corrupt object {} at commit {c2} path b.md: ",
            &blob[..12]
        )),
        "{err}"
    );
    assert_eq!(skipped(&err, "corrupt_object"), 1, "{err}");
    let pairs: Vec<serde_json::Value> = read_jsonl(&r.dir.path().join("pairs.jsonl"));
    // a.md's pair is written; b.md's pairs both need the damaged version
    assert_eq!(
        sides(&pairs),
        [(
            "Just start.".to_string(),
            "Pick the smallest piece you can finish today and start.".to_string()
        )],
        "{err}"
    );
    let (code, out, _) = run(r
        .revmine()
        .args(["mine", "repo", "-o", "pairs.jsonl", "--json"]));
    assert_eq!(code, 2);
    let report: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    let corrupt = &report["repos"][0]["corrupt"][0];
    assert_eq!(corrupt["commit"], c2.as_str());
    assert_eq!(corrupt["path"], "b.md");
    assert_eq!(corrupt["blob"], blob.as_str());
}

#[test]
fn a_corrupt_rename_source_does_not_stop_the_walk() {
    let x1 = "# Notes\n\n## What is blocking?\nThe review of the billing change is waiting on legal and on the auditors.\n";
    let y2 = "# Notes\n\n## What is blocking?\nThe review of the billing change is waiting on legal, and on the external auditors.\n";
    let a1 = "# Replies\n\n## How do I start?\nJust start.\n";
    let a2 = "# Replies\n\n## How do I start?\nPick the smallest piece you can finish today and start.\n";
    let mut r = Repo::new();
    r.commit("first", &[("x.md", x1), ("a.md", a1)]);
    assert!(r.b.delete("x.md"));
    let c2 = r.commit("rename and edit", &[("y.md", y2), ("a.md", a2)]);
    corrupt(&r, x1);
    let (code, out, err) = run(r.revmine().args(["mine", "repo", "-o", "pairs.jsonl"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("error: corrupt object"), "{err}");
    let pairs = read_jsonl(&r.dir.path().join("pairs.jsonl"));
    assert_eq!(pairs.len(), 1, "{err}");
    assert_eq!(pairs[0]["meta"]["chosen_commit"], c2.as_str());
}

/// Garbles the loose object of the blob holding `content`.
fn corrupt(r: &Repo, content: &str) -> String {
    let blob = git2::Oid::hash_object(git2::ObjectType::Blob, content.as_bytes())
        .expect("hash")
        .to_string();
    garble(r, &blob);
    blob
}

/// Keeps the loose object `oid` of `r` in place but garbles its deflate stream.
fn garble(r: &Repo, oid: &str) {
    let object = r
        .dir
        .path()
        .join("repo/.git/objects")
        .join(&oid[..2])
        .join(&oid[2..]);
    let mut bytes = std::fs::read(&object).expect("loose object");
    let mut perms = std::fs::metadata(&object).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).expect("chmod");
    for b in bytes.iter_mut().skip(2) {
        *b ^= 0x5a;
    }
    std::fs::write(&object, bytes).expect("corrupt");
}

#[test]
fn a_corrupt_tree_skips_its_commit_and_mining_goes_on() {
    let a1 = "# Replies\n\n## How do I start?\nJust start.\n";
    let a2 = "# Replies\n\n## How do I start?\nPick the smallest piece you can finish today and start.\n";
    let b1 = "# Notes\n\n## What is blocking?\nNothing yet.\n";
    let b2 =
        "# Notes\n\n## What is blocking?\nThe review of the billing change is waiting on legal.\n";
    let mut r = Repo::new();
    r.commit("first", &[("a.md", a1), ("notes/b.md", b1)]);
    let c2 = r.commit("second", &[("a.md", a2), ("notes/b.md", b2)]);
    // damage the subtree `notes/` of the second commit
    let repo = git2::Repository::open(r.dir.path().join("repo")).expect("open");
    let tree = repo
        .find_commit(git2::Oid::from_str(&c2).expect("oid"))
        .and_then(|c| c.tree())
        .expect("tree");
    let sub = tree.get_name("notes").expect("notes/").id();
    garble(&r, &sub.to_string());
    let (code, out, err) = run(r.revmine().args(["mine", "repo", "-o", "pairs.jsonl"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!("error: commit {c2} or its tree is corrupt: ")),
        "{err}"
    );
    assert!(r.dir.path().join("pairs.jsonl").exists(), "{err}");
}
