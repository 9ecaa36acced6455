//! `revmine mine` on real repositories built in temp dirs, one per situation.

use crate::util::{Repo, git, run, sides, skipped};

const Q: &str = "## How do I start a big task?\n";
const V1: &str = "Just start.\n";
const V2: &str = "Pick the smallest piece you can finish today and start there.\n";
const V3: &str =
    "Pick the smallest piece you can finish today, block an hour for it, and start there.\n";

fn doc(body: &str) -> String {
    format!("# Replies\n\n{Q}{body}")
}

#[test]
fn consecutive_revisions_become_pairs_with_provenance() {
    let mut r = Repo::new();
    let c1 = r.commit("draft", &[("replies.md", &doc(V1))]);
    let c2 = r.commit("say what to pick", &[("replies.md", &doc(V2))]);
    let c3 = r.commit("add the time block", &[("replies.md", &doc(V3))]);
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(
        sides(&pairs),
        [
            (V1.trim().to_string(), V2.trim().to_string()),
            (V2.trim().to_string(), V3.trim().to_string())
        ]
    );
    let p = &pairs[1];
    assert_eq!(p["record_type"], "preference");
    assert_eq!(p["source"], "real");
    assert_eq!(p["prompt"], "Replies: How do I start a big task?");
    let m = &p["meta"];
    assert_eq!(m["origin"], "git");
    assert_eq!(m["repo"], "repo");
    assert_eq!(m["path"], "replies.md");
    assert_eq!(m["unit"], "how do i start a big task");
    assert_eq!(
        (m["rejected_commit"].as_str(), m["chosen_commit"].as_str()),
        (Some(c2.as_str()), Some(c3.as_str()))
    );
    assert_eq!(m["chosen_time"], "2026-09-23T16:13:20+01:00");
    assert_eq!(m["subject"], "add the time block");
    assert!(
        m["words_added"].as_u64() > Some(0) && m["similarity"].as_f64() > Some(0.5),
        "{m}"
    );
    assert!(pairs[0]["meta"]["rejected_commit"] == c1.as_str());
    assert!(
        stderr.contains("3 commits walked, 1 files, 3 versions"),
        "{stderr}"
    );
    // the output passes the gates as a non-train file
    let (code, out, _) = run(r.revmine().args(["check", "pairs.jsonl"]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn whitespace_crlf_and_punctuation_edits_are_not_pairs() {
    let mut r = Repo::new();
    r.commit("draft", &[("a.md", &doc(V2))]);
    r.commit(
        "spaces",
        &[(
            "a.md",
            &doc("Pick  the smallest piece you can finish today and start there.   \n"),
        )],
    );
    r.commit("crlf", &[("a.md", &doc(V2).replace('\n', "\r\n"))]);
    r.commit("lf again", &[("a.md", &doc(V2))]);
    r.commit(
        "punctuation",
        &[(
            "a.md",
            &doc("Pick the smallest piece you can finish today, and start there!\n"),
        )],
    );
    // a real edit beside them proves mining ran
    r.commit("real edit", &[("a.md", &doc(V3))]);
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(pairs[0]["chosen"], V3.trim());
    assert!(
        stderr.contains("whitespace_or_punctuation_edit"),
        "{stderr}"
    );
}

#[test]
fn two_of_three_sections_edited_give_two_pairs_with_heading_prompts() {
    let mut r = Repo::new();
    let three = |a: &str, b: &str, c: &str| {
        format!(
            "# Weekly status\n\n## What shipped?\n{a}\n\n## What is blocked?\n{b}\n\n## What is next?\n{c}\n"
        )
    };
    r.commit(
        "status",
        &[(
            "status.md",
            &three("The importer.", "Nothing yet.", "Schema work."),
        )],
    );
    r.commit(
        "revise",
        &[(
            "status.md",
            &three(
                "The importer, with resumable runs and a progress bar.",
                "Nothing yet.",
                "Schema work, then the pre-commit hook for dataset files.",
            ),
        )],
    );
    let (pairs, _) = r.mine(&[]);
    let prompts: Vec<&str> = pairs.iter().filter_map(|p| p["prompt"].as_str()).collect();
    assert_eq!(
        prompts,
        [
            "Weekly status: What is next?",
            "Weekly status: What shipped?"
        ]
    );
    assert_eq!(pairs[1]["rejected"], "The importer.");
}

#[test]
fn a_rename_with_an_edit_keeps_its_history() {
    let mut r = Repo::new();
    let long_body = "Pick the smallest piece you can finish today and start there. Write down what done means.\n\
        Tell one person what you will finish by the end of the day.\n";
    r.commit("draft", &[("drafts/start.md", &doc(long_body))]);
    assert!(r.b.rename("drafts/start.md", "replies/start.md"));
    r.commit(
        "move and tighten",
        &[(
            "replies/start.md",
            &doc(&long_body.replace(
                "Write down what done means.",
                "Write down what done looks like.",
            )),
        )],
    );
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(pairs.len(), 1, "{stderr}");
    assert_eq!(pairs[0]["meta"]["path"], "replies/start.md");
    assert!(
        stderr.contains("1 files"),
        "a rename is the same file: {stderr}"
    );
}

#[test]
fn a_branch_edit_merged_no_ff_is_one_pair_in_both_history_modes() {
    let mut r = Repo::new();
    r.commit("draft", &[("a.md", &doc(V1))]);
    r.b.branch("tone");
    r.commit("on a branch", &[("a.md", &doc(V2))]);
    r.b.checkout("main");
    r.commit("unrelated", &[("other.txt", "no prompt here\n")]);
    r.merge("tone", "Merge branch 'tone'");
    let (first_parent, _) = r.mine(&[]);
    let (branches, stderr) = r.mine(&["--history", "branches"]);
    assert_eq!(
        sides(&first_parent),
        [(V1.trim().to_string(), V2.trim().to_string())]
    );
    assert_eq!(
        first_parent[0]["id"], branches[0]["id"],
        "same edit, same id"
    );
    assert_eq!(branches.len(), 1);
    assert!(stderr.contains("1 merges skipped"), "{stderr}");
    assert_eq!(first_parent[0]["meta"]["subject"], "Merge branch 'tone'");
    assert_eq!(branches[0]["meta"]["subject"], "on a branch");
}

#[test]
fn a_revert_never_leaves_contradicting_pairs() {
    let mut r = Repo::new();
    r.commit("draft", &[("a.md", &doc(V2))]);
    r.commit("try a longer one", &[("a.md", &doc(V3))]);
    r.commit("Revert \"try a longer one\"", &[("a.md", &doc(V2))]);
    let (pairs, stderr) = r.mine(&[]);
    let s = sides(&pairs);
    for (rej, cho) in &s {
        assert!(
            !s.contains(&(cho.clone(), rej.clone())),
            "contradiction in {s:?}"
        );
    }
    // the author went back: neither V2 over V3 nor V3 over V2 is written
    assert!(s.is_empty(), "{s:?}");
    assert_eq!(skipped(&stderr, "pair_undone_by_revert"), 1, "{stderr}");
    assert_eq!(skipped(&stderr, "reverted"), 1, "{stderr}");
}

#[test]
fn a_changed_prompt_is_a_new_unit_not_a_revision() {
    let mut r = Repo::new();
    r.commit("draft", &[("a.md", &format!("## How do I start?\n{V1}"))]);
    r.commit(
        "new question",
        &[("a.md", &format!("## How do I finish?\n{V2}"))],
    );
    r.commit(
        "real edit",
        &[("a.md", &format!("## How do I finish?\n{V3}"))],
    );
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(
        sides(&pairs),
        [(V2.trim().to_string(), V3.trim().to_string())]
    );
    assert!(stderr.contains("new_unit_or_changed_prompt"), "{stderr}");
}

#[test]
fn hostile_files_are_counted_never_fatal() {
    let mut r = Repo::new();
    r.commit_bytes(
        "assets and odd files",
        &[
            ("logo.md", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            ("latin1.md", b"## Caf\xe9?\nOui.\n"),
            ("prose.md", b"Just some notes without any heading.\n"),
            ("gone.md", format!("{Q}{V1}").as_bytes()),
            ("a.md", doc(V1).as_bytes()),
        ],
    );
    r.b.symlink("latest.md", "a.md");
    r.b.submodule(
        "vendor/style",
        git2::Oid::from_str("4b825dc642cb6eb9a060e54bf8d69288fbee4904").expect("oid"),
    );
    assert!(r.b.delete("gone.md"));
    r.commit_bytes(
        "edit everything",
        &[
            ("logo.md", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDX"),
            ("latin1.md", b"## Caf\xe9?\nOui, bien s\xfbr.\n"),
            (
                "prose.md",
                b"Just some notes without any heading, edited at length now.\n",
            ),
            ("a.md", doc(V2).as_bytes()),
        ],
    );
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(pairs.len(), 1, "{stderr}");
    for reason in [
        "binary_file_version",
        "non_utf8_file_version",
        "file_version_without_prompt",
        "deleted_file",
        "symlink",
        "submodule",
    ] {
        assert!(stderr.contains(reason), "no {reason} in:\n{stderr}");
    }
}

#[test]
fn ids_are_identical_across_runs_and_output_is_replaced_atomically() {
    let mut r = Repo::new();
    r.commit("draft", &[("a.md", &doc(V1))]);
    r.commit("edit", &[("a.md", &doc(V2))]);
    let (a, _) = r.mine(&[]);
    let (b, _) = r.mine(&[]);
    assert_eq!(a, b);
    assert!(
        a[0]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("rm_") && id.len() == 35)
    );
    // a failed run (one path is not a repo) exits 2 and leaves the earlier output intact
    let before = std::fs::read(r.dir.path().join("pairs.jsonl")).expect("pairs");
    std::fs::create_dir(r.dir.path().join("plain")).expect("mkdir");
    let (code, _, err) = run(r
        .revmine()
        .args(["mine", "repo", "plain", "-o", "pairs.jsonl"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("`") && err.contains("plain") && err.contains("is not a git repository"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(r.dir.path().join("pairs.jsonl")).expect("pairs"),
        before
    );
}

#[test]
fn wip_commits_fold_into_the_revision_they_lead_to() {
    let mut r = Repo::new();
    r.commit("draft", &[("a.md", &doc(V1))]);
    r.commit("WIP rethinking", &[("a.md", &doc("Pick something.\n"))]);
    r.commit(
        "fixup! rethinking",
        &[("a.md", &doc("Pick something small\n"))],
    );
    r.commit("say what to pick", &[("a.md", &doc(V2))]);
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(
        sides(&pairs),
        [(V1.trim().to_string(), V2.trim().to_string())]
    );
    assert_eq!(
        skipped(&stderr, "wip_or_excluded_version_folded"),
        2,
        "{stderr}"
    );
}

#[test]
fn bots_fold_and_filters_drop_tiny_edits_in_long_answers() {
    let mut r = Repo::new();
    let long: String = (0..300).map(|i| format!("word{i} ")).collect();
    r.commit("draft", &[("a.md", &doc(&format!("{long}\n")))]);
    // one word: below min_words_changed (a word out, a word in)
    let typo = long.replacen("word9 ", "wrod9 ", 1);
    r.commit("typo", &[("a.md", &doc(&format!("{typo}\n")))]);
    // three words in 300: enough words, but too similar to be a preference
    let three = typo
        .replacen("word20 ", "w20 ", 1)
        .replacen("word30 ", "w30 ", 1)
        .replacen("word40 ", "w40 ", 1);
    r.commit("small fixes", &[("a.md", &doc(&format!("{three}\n")))]);
    r.commit_as(
        "renovate[bot] <bot@example.org>",
        "chore: add b",
        &[("b.md", &doc(V1))],
    );
    r.commit("b edit", &[("b.md", &doc(V2))]);
    let (pairs, stderr) = r.mine(&[]);
    for reason in [
        "edit_below_min_words",
        "edit_above_max_similarity",
        "author_excluded_commits",
    ] {
        assert_eq!(skipped(&stderr, reason), 1, "{reason} in {stderr}");
    }
    // the bot's version folded into the human one, which has nothing before it
    assert_eq!(pairs.len(), 0, "{pairs:?}");
    // and a human rewrite of the same file is a pair
    r.commit("b rewrite", &[("b.md", &doc(V3))]);
    let (pairs, _) = r.mine(&[]);
    assert_eq!(
        sides(&pairs),
        [(V2.trim().to_string(), V3.trim().to_string())]
    );
}

#[test]
fn front_matter_prompts_carry_prior_turns() {
    let mut r = Repo::new();
    let fm = |body: &str| {
        format!(
            "---\nprompt: I only have 2 hours now, what first?\nhistory:\n  - user: I missed yesterday's deadline.\n  - assistant: Let's reset with essentials.\n---\n{body}"
        )
    };
    r.commit(
        "draft",
        &[("chat/deadline.md", &fm("Do the most important thing.\n"))],
    );
    r.commit(
        "better",
        &[(
            "chat/deadline.md",
            &fm("Start with the highest-impact slice, then send a revised ETA.\n"),
        )],
    );
    let (pairs, _) = r.mine(&[]);
    assert_eq!(pairs.len(), 1);
    assert_eq!(
        pairs[0]["prompt"],
        "User: I missed yesterday's deadline.\nAssistant: Let's reset with essentials.\nUser: I only have 2 hours now, what first?"
    );
}

#[test]
fn pairs_final_compares_every_earlier_version_with_the_last() {
    let mut r = Repo::new();
    r.commit("v1", &[("a.md", &doc(V1))]);
    r.commit("v2", &[("a.md", &doc(V2))]);
    r.commit("v3", &[("a.md", &doc(V3))]);
    let (pairs, _) = r.mine(&["--pairs", "final"]);
    assert_eq!(
        sides(&pairs),
        [
            (V1.trim().to_string(), V3.trim().to_string()),
            (V2.trim().to_string(), V3.trim().to_string())
        ]
    );
}

#[test]
fn empty_repos_and_date_ranges() {
    let r = Repo::new();
    let (pairs, stderr) = r.mine(&[]);
    assert!(pairs.is_empty());
    assert!(stderr.contains("empty repository"), "{stderr}");
    let mut r = Repo::new();
    r.commit("v1", &[("a.md", &doc(V1))]);
    r.commit("v2", &[("a.md", &doc(V2))]);
    let (pairs, _) = r.mine(&["--until", "2026-09-01"]);
    assert!(pairs.is_empty(), "both commits are after the range");
    let (pairs, _) = r.mine(&["--since", "2026-09-01"]);
    assert_eq!(pairs.len(), 1);
    let (code, _, err) = run(r.revmine().args(["mine", "repo", "--since", "yesterday"]));
    assert_eq!(code, 2);
    assert!(err.contains("--since: `yesterday` is not a date"), "{err}");
}

#[test]
fn shallow_clones_are_mined_as_far_as_they_go() {
    let mut r = Repo::new();
    r.commit("v1", &[("a.md", &doc(V1))]);
    r.commit("v2", &[("a.md", &doc(V2))]);
    r.commit("v3", &[("a.md", &doc(V3))]);
    let src = format!("file://{}", r.dir.path().join("repo").display());
    git(
        r.dir.path(),
        &["clone", "--quiet", "--depth", "2", &src, "shallow"],
    );
    let (code, out, err) = run(r
        .revmine()
        .args(["mine", "shallow", "--json", "-o", "s.jsonl"]));
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).expect("JSON summary");
    let repo = &summary["repos"][0];
    assert_eq!(repo["shallow"], true);
    assert_eq!(repo["commits"], 2);
    assert_eq!(
        summary["pairs"], 1,
        "only the edit inside the clone: {summary}"
    );
    // a clone of a local path is named by its directory, never by a local path
    assert_eq!(repo["repo"], "shallow", "{repo}");
}

#[test]
fn file_versions_over_the_size_cap_are_skipped() {
    let mut r = Repo::new();
    r.commit("v1", &[("a.md", &doc(V1))]);
    r.commit("v2", &[("a.md", &doc(V2))]);
    std::fs::write(
        r.dir.path().join("small.toml"),
        "[mine]\nmax_file_bytes = 40\n",
    )
    .expect("config");
    let (pairs, stderr) = r.mine(&["--config", "small.toml"]);
    assert!(pairs.is_empty());
    assert_eq!(
        skipped(&stderr, "file_version_over_size_cap"),
        2,
        "{stderr}"
    );
}

#[test]
fn rev_path_author_and_diff_options() {
    let mut r = Repo::new();
    let note = |body: &str| format!("## How do I plan a week?\n{body}");
    r.commit("v1", &[("a.md", &doc(V1)), ("notes/b.txt", &note(V1))]);
    let v2 = r.commit("v2", &[("a.md", &doc(V2)), ("notes/b.txt", &note(V2))]);
    r.commit_as("Ben Okafor <ben@example.org>", "v3", &[("a.md", &doc(V3))]);
    // --rev stops the walk at v2; --path keeps only the .txt note
    let (pairs, _) = r.mine(&["--rev", &v2, "--path", "notes/*.txt", "--diff"]);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(pairs[0]["meta"]["path"], "notes/b.txt");
    let diff = pairs[0]["meta"]["diff"].as_str().unwrap_or_default();
    assert!(
        diff.starts_with("--- rejected\n+++ chosen\n") && diff.contains("+Pick the smallest piece"),
        "{diff}"
    );
    // --author keeps one author's revisions; the others fold like WIP
    let (pairs, _) = r.mine(&["--author", "Ben"]);
    assert_eq!(
        pairs.len(),
        0,
        "Ben's revision folds onto Ana's folded ones, which have no base: {pairs:?}"
    );
    let (pairs, _) = r.mine(&["--author", "Ana"]);
    assert_eq!(sides(&pairs).len(), 2, "{pairs:?}");
    assert!(
        pairs.iter().all(|p| p["meta"].get("diff").is_none()),
        "no diff unless asked"
    );
    let (code, _, err) = run(r
        .revmine()
        .args(["mine", "repo", "--rev", "no-such-branch"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot resolve revision `no-such-branch`"),
        "{err}"
    );
}

/// (rejected, chosen) trimmed, for expectations written with the V constants.
fn edit(rejected: &str, chosen: &str) -> (String, String) {
    (rejected.trim().to_string(), chosen.trim().to_string())
}

#[test]
fn one_authors_commits_within_the_window_fold_into_one_revision() {
    let mut r = Repo::new();
    let c1 = r.commit("draft", &[("a.md", &doc(V1))]);
    // the next day: a session of three saves, ten minutes apart, two of
    // them broken intermediate states
    let c2 = r.commit("start", &[("a.md", &doc("Pick the smallest\n"))]);
    r.step = 600;
    let c3 = r.commit(
        "more",
        &[("a.md", &doc("Pick the smallest piece you can\n"))],
    );
    let c4 = r.commit("done", &[("a.md", &doc(V2))]);
    // another author ten minutes later is a revision of its own
    r.commit_as(
        "Bo Lind <bo@example.org>",
        "time block",
        &[("a.md", &doc(V3))],
    );
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(sides(&pairs), [edit(V1, V2), edit(V2, V3)], "{stderr}");
    let m = &pairs[0]["meta"];
    assert_eq!(m["rejected_commit"], c1.as_str());
    assert_eq!(m["chosen_commit"], c4.as_str());
    assert_eq!(m["folded_commits"], serde_json::json!([c2, c3]));
    assert!(
        pairs[1]["meta"].get("folded_commits").is_none(),
        "{pairs:?}"
    );
    assert_eq!(
        skipped(&stderr, "version_folded_same_author_window"),
        2,
        "{stderr}"
    );
    // a window of 0 keeps every commit a revision
    r.dir
        .write("revmine.toml", "[mine]\nfold_window_minutes = 0\n");
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(pairs.len(), 4, "{stderr}");
    assert_eq!(skipped(&stderr, "version_folded_same_author_window"), 0);
}

#[test]
fn a_session_ends_when_the_window_from_its_first_commit_is_over() {
    let mut r = Repo::new();
    r.commit("draft", &[("a.md", &doc(V1))]);
    // the next day, saves 100 minutes apart: the first two are one session
    // (100 <= 180), the third is 200 minutes after it began: a new one
    r.commit("start", &[("a.md", &doc("Pick the smallest\n"))]);
    r.step = 6000;
    r.commit("done", &[("a.md", &doc(V2))]);
    r.commit("time block", &[("a.md", &doc(V3))]);
    let (pairs, stderr) = r.mine(&[]);
    // "draft" is a day before the session began; then "start" folds into
    // "done", whose only successor is 200 minutes after "start"
    assert_eq!(sides(&pairs), [edit(V1, V2), edit(V2, V3)], "{stderr}");
    assert_eq!(skipped(&stderr, "version_folded_same_author_window"), 1);
}

#[test]
fn fold_branch_makes_a_merged_branch_one_revision_per_file() {
    let mut r = Repo::new();
    let c1 = r.commit("draft", &[("a.md", &doc(V1))]);
    r.b.branch("tone");
    let b1 = r.commit("say what to pick", &[("a.md", &doc(V2))]);
    let b2 = r.commit("add the time block", &[("a.md", &doc(V3))]);
    r.b.checkout("main");
    r.commit("unrelated", &[("other.txt", "no prompt here\n")]);
    r.merge("tone", "Merge branch 'tone'");
    let (each, _) = r.mine(&["--history", "branches"]);
    assert_eq!(sides(&each), [edit(V1, V2), edit(V2, V3)]);
    let (folded, stderr) = r.mine(&["--history", "branches", "--fold", "branch"]);
    assert_eq!(sides(&folded), [edit(V1, V3)], "{stderr}");
    let m = &folded[0]["meta"];
    assert_eq!(
        (&m["rejected_commit"], &m["chosen_commit"]),
        (&serde_json::json!(c1), &serde_json::json!(b2))
    );
    assert_eq!(m["folded_commits"], serde_json::json!([b1]));
    assert_eq!(skipped(&stderr, "version_folded_merged_branch"), 1);
    // the same as first-parent history reads the merge, and the same id
    let (first_parent, _) = r.mine(&[]);
    assert_eq!(first_parent[0]["id"], folded[0]["id"]);
    // `[mine] fold` says the same
    r.dir.write(
        "revmine.toml",
        "[mine]\nhistory = \"branches\"\nfold = \"branch\"\n",
    );
    let (from_config, _) = r.mine(&[]);
    assert_eq!(sides(&from_config), [edit(V1, V3)]);
}

const Q2: &str = "## How do I say no to a meeting?\n";
const W1: &str = "Decline it.\n";
const W2: &str = "Decline it, say why in one line, and offer an async way to help.\n";

fn two(a: &str, b: &str) -> String {
    format!("# Replies\n\n{Q}{a}\n{Q2}{b}")
}

#[test]
fn a_version_a_merge_wrote_is_named_as_the_rejected_commit() {
    let mut r = Repo::new();
    r.commit("draft", &[("a.md", &two(V1, W1))]);
    r.b.branch("tone");
    r.commit("say what to pick", &[("a.md", &two(V2, W1))]);
    r.b.checkout("main");
    r.commit("say why", &[("a.md", &two(V1, W2))]);
    // both sides changed a.md: the merge writes a version neither side has
    let merge = r.merge_writing("tone", "Merge branch 'tone'", &[("a.md", &two(V2, W2))]);
    let last = r.commit("add the time block", &[("a.md", &two(V3, W2))]);
    let (pairs, stderr) = r.mine(&["--history", "branches"]);
    assert_eq!(
        sides(&pairs),
        [edit(W1, W2), edit(V1, V2), edit(V2, V3)],
        "{stderr}"
    );
    for p in &pairs {
        assert!(p["meta"]["rejected_commit"].is_string(), "{p}");
        assert!(p["meta"]["chosen_commit"].is_string(), "{p}");
    }
    let m = &pairs[2]["meta"];
    assert_eq!(
        (&m["rejected_commit"], &m["chosen_commit"]),
        (&serde_json::json!(merge), &serde_json::json!(last))
    );
}

#[test]
fn a_replayed_commit_gives_no_second_pair() {
    let mut r = Repo::new();
    r.commit("draft", &[("a.md", &two(V1, W1))]);
    r.b.branch("fix");
    r.commit("say what to pick", &[("a.md", &two(V2, W1))]);
    r.b.checkout("main");
    r.commit("say why", &[("a.md", &two(V1, W2))]);
    // the branch's edit cherry-picked onto main: another file version
    // (main's other section differs), the same edit of the unit
    r.commit("say what to pick", &[("a.md", &two(V2, W2))]);
    r.merge("fix", "Merge branch 'fix'");
    let (pairs, stderr) = r.mine(&["--history", "branches"]);
    assert_eq!(sides(&pairs), [edit(W1, W2), edit(V1, V2)], "{stderr}");
    assert_eq!(skipped(&stderr, "replayed_commit"), 1, "{stderr}");
}
