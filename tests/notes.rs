//! `revmine notes`: notes, in a folder or a repository, become conversations.

use crate::util::{Dir, LOG, PLAN, Repo, jsonl, read_jsonl, revmine_in, run};

#[test]
fn notes_become_one_conversation_per_note_and_pass_the_gates() {
    let d = Dir::new();
    d.write("plans/plan.md", PLAN);
    let (code, _, err) =
        run(d
            .revmine()
            .args(["notes", "plans", "-o", "chat.jsonl", "--turns", "2"]));
    assert_eq!(code, 0, "{err}");
    let recs = jsonl(&d.read("chat.jsonl"));
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
    let recs = read_jsonl(&r.dir.path().join("n.jsonl"));
    assert_eq!(recs[1]["meta"]["section"], "Next Deliverable");
    // provenance names the repository and the path inside it, not `repo/` as typed
    assert_eq!(recs[1]["meta"]["repo"], "repo");
    assert_eq!(recs[1]["meta"]["file"], "plan.md");
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
    let recs = read_jsonl(&r.dir.path().join("h.jsonl"));
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

/// Runs `revmine <cmd> <arg> -o <abs output>` from `cwd`; returns the output.
fn output_from(cwd: &std::path::Path, cmd: &str, arg: &str, out: &std::path::Path) -> String {
    let (code, _, err) = run(revmine_in(cwd).args([cmd, arg, "-o"]).arg(out));
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
    let recs = jsonl(&same_for_four_spellings(d.path(), "notes", "plans", "."));
    assert_eq!(
        (&recs[0]["meta"]["repo"], &recs[0]["meta"]["file"]),
        (&"plans".into(), &"plan.md".into())
    );
    // a single file in it: the same records as the folder gives
    let file = same_for_four_spellings(d.path(), "notes", "plans", "plan.md");
    assert_eq!(jsonl(&file), recs);

    // a repository: named as `mine` names it, files by their path in the repository
    let mut r = Repo::new();
    r.commit("plan", &[("docs/plan.md", PLAN)]);
    let recs = jsonl(&same_for_four_spellings(r.dir.path(), "notes", "repo", "."));
    assert_eq!(
        (&recs[0]["meta"]["repo"], &recs[0]["meta"]["file"]),
        (&"repo".into(), &"docs/plan.md".into())
    );
    // the note read from the work tree, or its folder, is the same note
    std::fs::create_dir_all(r.dir.path().join("repo/docs")).expect("mkdir");
    std::fs::write(r.dir.path().join("repo/docs/plan.md"), PLAN).expect("write");
    let file = same_for_four_spellings(r.dir.path(), "notes", "repo", "docs/plan.md");
    assert_eq!(jsonl(&file), recs);
    let folder = same_for_four_spellings(r.dir.path(), "notes", "repo", "docs");
    assert_eq!(jsonl(&folder), recs);

    // transcripts
    let d = Dir::new();
    d.write("chats/log.txt", LOG);
    let recs = jsonl(&same_for_four_spellings(
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
