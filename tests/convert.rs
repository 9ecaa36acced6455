//! `revmine notes` and `revmine ingest` through the real binary.

use crate::util::{Dir, Repo, run};

fn records(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("JSONL"))
        .collect()
}

const PLAN: &str = "# Conversational Refinement Plan v1\n\n## Current State (Measured)\n\n\
Train dataset (`assistant_dataset_train.v8.jsonl`):\n- 18,000 records total\n- chat: 6,000\n\n\
## Next Deliverable\n\n- `assistant_dataset_train.v8.jsonl` with real-conversation infusion\n\n## Links\n\n[spec](https://example.org)\n";

#[test]
fn notes_become_one_conversation_per_note_and_pass_the_gates() {
    let d = Dir::new();
    d.write("plans/plan.md", PLAN);
    let (code, _, err) =
        run(d
            .revmine()
            .args(["notes", "plans", "-o", "chat.jsonl", "--turns", "2"]));
    assert_eq!(code, 0, "{err}");
    let recs = records(&d.read("chat.jsonl"));
    assert_eq!(recs.len(), 2, "the link-only section is skipped: {recs:?}");
    assert_eq!(
        recs[0]["input"],
        "User: What is the current state of Conversational Refinement Plan v1?"
    );
    assert!(
        recs[0]["output"]
            .as_str()
            .is_some_and(|o| o.contains("- 18,000 records total")),
        "{}",
        recs[0]
    );
    let second = recs[1]["input"].as_str().unwrap_or_default();
    assert!(
        second.starts_with("User: What is the current state")
            && second
                .ends_with("User: What are the next steps for Conversational Refinement Plan v1?"),
        "{second}"
    );
    assert!(err.contains("skipped link_only_section: 1"), "{err}");
    let (code, out, _) = run(d.revmine().args(["check", "chat.jsonl"]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn notes_read_a_repository_at_a_revision() {
    let mut r = Repo::new();
    let first = r.commit("plan", &[("plan.md", PLAN)]);
    r.commit(
        "rename the deliverable",
        &[("plan.md", &PLAN.replace("## Next Deliverable", "## Status"))],
    );
    let (code, out, err) = run(r
        .revmine()
        .args(["notes", "repo", "--rev", &first, "-o", "n.jsonl", "--json"]));
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).expect("summary");
    assert_eq!(summary["summary"]["records"], 2);
    let recs = records(&std::fs::read_to_string(r.dir.path().join("n.jsonl")).expect("output"));
    assert_eq!(recs[1]["meta"]["section"], "Next Deliverable");
    // provenance names the repository and the path inside it, not `repo/` as typed
    assert_eq!(recs[1]["meta"]["repo"], "repo");
    assert_eq!(recs[1]["meta"]["file"], "plan.md");
}

const LOG: &str = "User: I missed yesterday's deadline.\nAssistant: Let's reset with essentials.\n\
User: I only have 2 hours now, what first?\nAssistant: Start with the highest-impact slice,\nthen send a revised ETA.\n";

#[test]
fn ingest_writes_records_with_prior_turns_and_stable_ids() {
    let d = Dir::new();
    d.write("chats/log.txt", LOG);
    d.write(
        "chats/openai.jsonl",
        "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Plan my day\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Three blocks: deep work, meetings, admin.\"}]}]}\n",
    );
    let (code, _, err) = run(d.revmine().args([
        "ingest",
        "chats/log.txt",
        "chats/openai.jsonl",
        "-o",
        "chat.jsonl",
        "--turns",
        "1",
    ]));
    assert_eq!(code, 0, "{err}");
    let first = d.read("chat.jsonl");
    let recs = records(&first);
    assert_eq!(recs.len(), 3);
    assert_eq!(
        recs[1]["input"],
        "Assistant: Let's reset with essentials.\nUser: I only have 2 hours now, what first?"
    );
    assert_eq!(
        recs[1]["output"],
        "Start with the highest-impact slice,\nthen send a revised ETA."
    );
    assert_eq!(recs[2]["meta"]["system"], "Be brief.");
    assert_eq!(recs[2]["meta"]["format"], "openai");
    run(d.revmine().args([
        "ingest",
        "chats/log.txt",
        "chats/openai.jsonl",
        "-o",
        "chat.jsonl",
        "--turns",
        "1",
    ]));
    assert_eq!(
        d.read("chat.jsonl"),
        first,
        "a second run gives the same records and ids"
    );
    let (code, out, _) = run(d.revmine().args(["check", "chat.jsonl"]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_broken_transcript_writes_nothing_unless_told_to_keep_going() {
    let d = Dir::new();
    d.write("log.txt", LOG);
    d.write(
        "share.json",
        "[{\"id\":\"a\",\"conversations\":[{\"from\":\"human\",\"value\":\"hi\"},{\"from\":\"gpt\",\"value\":\"Hello there.\"}]},\n {\"id\":\"b\",\"conversations\":[{\"from\":\"human\",\"val",
    );
    d.write("chat.jsonl", "previous output\n");
    let (code, _, err) =
        run(d
            .revmine()
            .args(["ingest", "log.txt", "share.json", "-o", "chat.jsonl"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("share.json: line 2"),
        "the error names the file and where it broke: {err}"
    );
    assert_eq!(
        d.read("chat.jsonl"),
        "previous output\n",
        "a failed run keeps the earlier output"
    );
    let (code, _, err) = run(d.revmine().args([
        "ingest",
        "log.txt",
        "share.json",
        "-o",
        "chat.jsonl",
        "--keep-going",
    ]));
    assert_eq!(code, 2, "the input was broken, and the exit says so");
    assert!(err.contains("1 conversation lost"), "{err}");
    assert_eq!(
        records(&d.read("chat.jsonl")).len(),
        3,
        "both log records and the complete ShareGPT one"
    );
}

#[test]
fn notes_history_says_what_changed_since_the_previous_version() {
    let mut r = Repo::new();
    let week = |shipped: &str| {
        format!(
            "# Weekly status\n\n## Progress\n{shipped}\n\n## Risks\n- Legal review of the parser licence.\n"
        )
    };
    r.commit(
        "week 36",
        &[("status.md", &week("- Importer behind a flag."))],
    );
    r.commit(
        "week 37",
        &[(
            "status.md",
            &week("- Importer on for everyone.\n- Resumable runs."),
        )],
    );
    let (code, _, err) = run(r
        .revmine()
        .args(["notes", "repo", "--history", "-o", "h.jsonl"]));
    assert_eq!(code, 0, "{err}");
    let recs = records(&std::fs::read_to_string(r.dir.path().join("h.jsonl")).expect("output"));
    let changed: Vec<&serde_json::Value> = recs
        .iter()
        .filter(|r| r["meta"]["origin"] == "notes_history")
        .collect();
    assert_eq!(changed.len(), 1, "only Progress changed: {recs:?}");
    assert_eq!(
        changed[0]["input"],
        "User: What changed in Progress for Weekly status since 2026-09-21?"
    );
    assert_eq!(
        changed[0]["output"],
        "New or changed:\n- Importer on for everyone.\n- Resumable runs.\n\nNo longer there:\n- Importer behind a flag."
    );
    // and the notes at HEAD are converted as usual
    assert_eq!(
        recs.iter()
            .filter(|r| r["meta"]["origin"] == "notes")
            .count(),
        2
    );
}

#[test]
fn dash_reads_standard_input_wherever_a_command_reads_one_input() {
    let d = Dir::new();
    let log = "User: I missed the deadline, what first?\nAssistant: Send a revised ETA, then ship the smallest slice.\n";
    // ingest - (failed before: "-: cannot open")
    let (code, out, err) = run(d.revmine().args(["ingest", "-"]).write_stdin(log));
    assert_eq!(code, 0, "{err}");
    let recs = records(&out);
    assert_eq!(recs.len(), 1, "{out}");
    assert_eq!(
        recs[0]["output"],
        "Send a revised ETA, then ship the smallest slice."
    );
    assert!(err.contains("<stdin> (text): 1 conversation"), "{err}");
    let (code, _, err) = run(d
        .revmine()
        .args(["ingest", "-", "-o", "chat.jsonl"])
        .write_stdin(log));
    assert_eq!(code, 0, "{err}");
    assert_eq!(records(&d.read("chat.jsonl")).len(), 1);
    let (code, _, err) = run(d.revmine().args(["ingest", "-", "-"]).write_stdin(log));
    assert_eq!(code, 2);
    assert!(err.contains("named more than once"), "{err}");
    // notes - : one note
    let (code, out, err) = run(d.revmine().args(["notes", "-"]).write_stdin(PLAN));
    assert_eq!(code, 0, "{err}");
    assert_eq!(records(&out).len(), 2, "{out}");
    // the dataset commands and export
    d.write("chat.jsonl", out.clone());
    for args in [
        &["validate", "-"][..],
        &["check", "-"],
        &["stats", "-"],
        &["export", "-", "--to", "openai"],
    ] {
        let (code, out, err) = run(d.revmine().args(args).write_stdin(d.read("chat.jsonl")));
        assert_ne!(code, 2, "{args:?}: {out}{err}");
        assert!(
            !err.contains("cannot read") && !err.contains("cannot open"),
            "{err}"
        );
    }
    // where a file on disk is the point, a usage error that says why
    for args in [
        &["mine", "-"][..],
        &["build", "-"],
        &["sample", "-"],
        &["review", "sign-off", "-"],
        &["promote", "-", "--as", "x_train.jsonl"],
    ] {
        let (code, _, err) = run(d.revmine().args(args).write_stdin(log));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("standard input"), "{args:?}: {err}");
        assert!(!err.contains("No such file"), "{args:?}: {err}");
    }
}

/// Runs `revmine <cmd> <arg> -o <abs output>` from `cwd`; returns the output.
fn output_from(cwd: &std::path::Path, cmd: &str, arg: &str, out: &std::path::Path) -> String {
    let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_revmine"));
    c.current_dir(cwd).env_remove("REVMINE_CONFIG");
    let (code, _, err) = run(c.args([cmd, arg, "-o"]).arg(out));
    assert_eq!(code, 0, "{cmd} {arg} from {}: {err}", cwd.display());
    std::fs::read_to_string(out).expect("output")
}

/// `plans`, `./plans`, `/abs/plans` and `.` from inside `plans` name one folder:
/// every record, id and `meta` included, is the same.
fn same_for_four_spellings(
    root: &std::path::Path,
    cmd: &str,
    folder: &str,
    inside: &str,
) -> String {
    let out = root.join("spelled.jsonl");
    let abs = root.join(folder).join(inside);
    let join = |a: &str| {
        if inside == "." {
            a.to_string()
        } else {
            format!("{a}/{inside}")
        }
    };
    let spellings = [
        (root.to_path_buf(), join(folder)),
        (root.to_path_buf(), join(&format!("./{folder}"))),
        (root.to_path_buf(), abs.display().to_string()),
        (root.join(folder), inside.to_string()),
    ];
    let first = output_from(&spellings[0].0, cmd, &spellings[0].1, &out);
    assert!(!first.is_empty());
    for (cwd, arg) in &spellings[1..] {
        assert_eq!(
            output_from(cwd, cmd, arg, &out),
            first,
            "`{cmd} {arg}` from {}",
            cwd.display()
        );
    }
    first
}

#[test]
fn ids_and_provenance_do_not_depend_on_how_a_path_is_spelled() {
    // a plain folder: named by its own name, files by their path inside it
    let d = Dir::new();
    d.write("plans/plan.md", PLAN);
    let recs = records(&same_for_four_spellings(d.path(), "notes", "plans", "."));
    assert_eq!(
        (&recs[0]["meta"]["repo"], &recs[0]["meta"]["file"]),
        (&"plans".into(), &"plan.md".into())
    );
    // a single file in it: the same records as the folder gives
    let file = same_for_four_spellings(d.path(), "notes", "plans", "plan.md");
    assert_eq!(records(&file), recs);

    // a repository: named as `mine` names it, files by their path in the repository
    let mut r = Repo::new();
    r.commit("plan", &[("docs/plan.md", PLAN)]);
    let recs = records(&same_for_four_spellings(r.dir.path(), "notes", "repo", "."));
    assert_eq!(
        (&recs[0]["meta"]["repo"], &recs[0]["meta"]["file"]),
        (&"repo".into(), &"docs/plan.md".into())
    );
    // the note read from the work tree, or its folder, is the same note
    std::fs::create_dir_all(r.dir.path().join("repo/docs")).expect("mkdir");
    std::fs::write(r.dir.path().join("repo/docs/plan.md"), PLAN).expect("write");
    let file = same_for_four_spellings(r.dir.path(), "notes", "repo", "docs/plan.md");
    assert_eq!(records(&file), recs);
    let folder = same_for_four_spellings(r.dir.path(), "notes", "repo", "docs");
    assert_eq!(records(&folder), recs);

    // transcripts
    let d = Dir::new();
    d.write("chats/log.txt", LOG);
    let recs = records(&same_for_four_spellings(
        d.path(),
        "ingest",
        "chats",
        "log.txt",
    ));
    assert_eq!(
        (&recs[0]["meta"]["repo"], &recs[0]["meta"]["file"]),
        (&"chats".into(), &"log.txt".into())
    );
}
