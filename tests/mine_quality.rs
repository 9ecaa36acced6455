//! `revmine mine` keeps only real revisions: each edit class the filters
//! drop, on a small repository built for it, with its account in the
//! summary and in `--dropped`.

use crate::util::{Repo, read_jsonl, run, sides, skipped};

const LONG: &str = "Pick the smallest piece you can finish today and start there. Write down what done \
means before you begin, so you know when to stop. Tell one person what you will finish by the end of \
the day: a promise made out loud is one you keep. When the piece is done, pick the next one the same \
way, and keep going until the task is small enough to finish in one sitting.";

fn doc(question: &str, body: &str) -> String {
    format!("# Replies\n\n## {question}\n\n{body}\n")
}

/// Mines with `--dropped dropped.jsonl`: the pairs, the dropped candidates, stderr.
fn mine_all(r: &Repo, args: &[&str]) -> (Vec<serde_json::Value>, Vec<serde_json::Value>, String) {
    let mut all = vec!["--dropped", "dropped.jsonl"];
    all.extend_from_slice(args);
    let (pairs, stderr) = r.mine(&all);
    let dropped = read_jsonl(&r.dir.path().join("dropped.jsonl"));
    (pairs, dropped, stderr)
}

/// The one candidate dropped, checked against the summary's count.
fn dropped_as(dropped: &[serde_json::Value], stderr: &str, reason: &str) {
    assert_eq!(skipped(stderr, reason), 1, "{reason} in {stderr}");
    let hits: Vec<_> = dropped
        .iter()
        .filter(|d| d["meta"]["dropped"] == reason)
        .collect();
    assert_eq!(hits.len(), 1, "{reason} in {dropped:?}");
    assert_eq!(hits[0]["record_type"], "preference");
    assert!(hits[0]["meta"].get("edit").is_none(), "{:?}", hits[0]);
}

#[test]
fn link_list_appends_are_churn_not_answers() {
    let mut r = Repo::new();
    let list = |items: &[&str]| doc("What should I read about focus?", &items.join("\n"));
    r.commit(
        "list",
        &[(
            "a.md",
            &list(&["- [Deep Work](https://example.org/deep-work)"]),
        )],
    );
    r.commit(
        "add a link",
        &[(
            "a.md",
            &list(&[
                "- [Deep Work](https://example.org/deep-work)",
                "- [Make Time](https://example.org/make-time) - a short book on daily focus",
            ]),
        )],
    );
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    assert!(pairs.is_empty(), "{pairs:?}");
    dropped_as(&dropped, &stderr, "link_list_churn");
}

#[test]
fn append_only_growth_is_dropped_unless_kept_and_tagged() {
    let mut r = Repo::new();
    let q = "How do I start a big task?";
    r.commit(
        "v1",
        &[(
            "a.md",
            &doc(q, "Pick the smallest piece you can finish today."),
        )],
    );
    r.commit(
        "v2",
        &[(
            "a.md",
            &doc(
                q,
                "Pick the smallest piece you can finish today.\n\n### Then\n\nBlock an hour for it and tell someone.",
            ),
        )],
    );
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    assert!(pairs.is_empty(), "{pairs:?}");
    dropped_as(&dropped, &stderr, "append_only");
    std::fs::write(
        r.dir.path().join("keep.toml"),
        "[mine.filters]\nkeep_append_only = true\n",
    )
    .expect("config");
    let (pairs, _) = r.mine(&["--config", "keep.toml"]);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(pairs[0]["meta"]["edit"], "append");
}

#[test]
fn url_and_markup_only_edits_are_not_pairs() {
    let mut r = Repo::new();
    let q = "Where is the guide?";
    r.commit(
        "v1",
        &[("a.md", &doc(q, "Read [the guide](http://old.example.org/docs/v1/guide.html) first.\n\n```sh\nls -l\n```"))],
    );
    // only the URL changes (many URL tokens, no prose word)
    r.commit(
        "v2",
        &[("a.md", &doc(q, "Read [the guide](https://new.example.com/handbook/start) first.\n\n```sh\nls -l\n```"))],
    );
    // only markup: a fence's language and an HTML anchor
    r.commit(
        "v3",
        &[("a.md", &doc(q, "<a name=\"guide\"></a>\nRead [the guide](https://new.example.com/handbook/start) first.\n\n```bash\nls -l\n```"))],
    );
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    assert!(pairs.is_empty(), "{pairs:?}");
    dropped_as(&dropped, &stderr, "url_only");
    dropped_as(&dropped, &stderr, "markup_only");
}

#[test]
fn a_term_renamed_throughout_is_not_a_revision() {
    let mut r = Repo::new();
    let q = "What is an epoch?";
    let body = "An epoch is a set of language changes. Each epoch is opt in, and crates of \
        different epochs work together.";
    r.commit("v1", &[("a.md", &doc(q, body))]);
    r.commit(
        "epoch -> edition",
        &[("a.md", &doc(q, &body.replace("epoch", "edition")))],
    );
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    assert!(pairs.is_empty(), "{pairs:?}");
    dropped_as(&dropped, &stderr, "rename_only");
}

#[test]
fn a_placeholder_rejected_side_is_no_preference() {
    let mut r = Repo::new();
    let q = "How do I start a big task?";
    r.commit(
        "stub",
        &[("a.md", &doc(q, "> To be added in a follow-up PR."))],
    );
    r.commit("write it", &[("a.md", &doc(q, LONG))]);
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    assert!(pairs.is_empty(), "{pairs:?}");
    dropped_as(&dropped, &stderr, "placeholder");
}

#[test]
fn a_reverse_edit_after_a_unit_rename_is_dropped() {
    let mut r = Repo::new();
    let a = "Pick the smallest piece you can finish today and start there.";
    let b = "Choose one small task, do it before lunch, then tell someone it is done.";
    r.commit("a", &[("a.md", &doc("How do I start?", a))]);
    r.commit("b", &[("a.md", &doc("How do I start?", b))]);
    r.commit(
        "rename the question",
        &[("a.md", &doc("How do I begin?", b))],
    );
    r.commit("back to a", &[("a.md", &doc("How do I begin?", a))]);
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    assert_eq!(sides(&pairs), [(a.to_string(), b.to_string())]);
    dropped_as(&dropped, &stderr, "reverted");
}

#[test]
fn one_edit_copied_into_many_files_is_one_pair() {
    let mut r = Repo::new();
    let q = "How do I start a big task?";
    // each file has its own other section: the blobs differ, the edit is the same
    let file = |name: &str, body: &str| {
        format!(
            "{}\n## What is in {name}?\n\nNotes about {name}.\n",
            doc(q, body)
        )
    };
    let names = ["a.md", "b.md", "c.md"];
    let d1: Vec<String> = names.iter().map(|n| file(n, "Just start.")).collect();
    let d2: Vec<String> = names
        .iter()
        .map(|n| {
            file(
                n,
                "Pick the smallest piece you can finish today and start there.",
            )
        })
        .collect();
    let v1: Vec<(&str, &str)> = names
        .iter()
        .zip(&d1)
        .map(|(n, d)| (*n, d.as_str()))
        .collect();
    let v2: Vec<(&str, &str)> = names
        .iter()
        .zip(&d2)
        .map(|(n, d)| (*n, d.as_str()))
        .collect();
    r.commit("v1", &v1);
    r.commit("v2", &v2);
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(skipped(&stderr, "duplicate"), 2, "{stderr}");
    assert_eq!(
        dropped
            .iter()
            .filter(|d| d["meta"]["dropped"] == "duplicate")
            .count(),
        2
    );
}

#[test]
fn a_cjk_wording_fix_is_counted_in_unicode_words() {
    let mut r = Repo::new();
    let q = "如何开始一个大任务?";
    r.commit(
        "v1",
        &[("a.md", &doc(q, "先选一个今天能完成的小部分，然后开始。"))],
    );
    r.commit(
        "v2",
        &[(
            "a.md",
            &doc(q, "先选一个今天一定能完成的小部分，然后马上开始。"),
        )],
    );
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(pairs.len(), 1, "{stderr}");
    assert!(
        pairs[0]["meta"]["words_added"].as_u64() >= Some(3),
        "{:?}",
        pairs[0]
    );
}

#[test]
fn kept_pairs_carry_their_edit_class() {
    let mut r = Repo::new();
    let q = |n: u32| format!("Question number {n}?");
    let base = "Pick the smallest piece you can finish today and start there.";
    let three = |a: &str, b: &str, c: &str| {
        format!(
            "# Replies\n\n## {}\n\n{a}\n\n## {}\n\n{b}\n\n## {}\n\n{c}\n",
            q(1),
            q(2),
            q(3)
        )
    };
    r.commit("v1", &[("a.md", &three(base, base, base))]);
    r.commit(
        "v2",
        &[(
            "a.md",
            &three(
                "Pick the largest piece you can finish today and start there now.",
                "Pick the smallest piece you can finish today. Write down what done means for it and who will see it. Then start there.",
                "Choose one small task, do it before lunch, then tell someone it is done.",
            ),
        )],
    );
    let (pairs, _) = r.mine(&[]);
    let mut classes: Vec<(String, String)> = pairs
        .iter()
        .map(|p| {
            (
                p["prompt"].as_str().unwrap_or_default().to_string(),
                p["meta"]["edit"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    classes.sort();
    assert_eq!(
        classes,
        [
            (format!("Replies: {}", q(1)), "correction".to_string()),
            (format!("Replies: {}", q(2)), "expansion".to_string()),
            (format!("Replies: {}", q(3)), "rewrite".to_string())
        ]
    );
}

#[test]
fn dropped_file_may_not_be_the_output_and_json_counts_it() {
    let mut r = Repo::new();
    let q = "How do I start?";
    r.commit(
        "v1",
        &[("a.md", &doc(q, "Read [it](http://a.example.org/x)."))],
    );
    r.commit(
        "v2",
        &[("a.md", &doc(q, "Read [it](http://b.example.org/y)."))],
    );
    let (code, _, err) =
        run(r
            .revmine()
            .args(["mine", "repo", "-o", "p.jsonl", "--dropped", "p.jsonl"]));
    assert_eq!(code, 2, "{err}");
    assert!(!r.dir.path().join("p.jsonl").exists());
    let (code, out, err) = run(r.revmine().args([
        "mine",
        "repo",
        "-o",
        "p.jsonl",
        "--dropped",
        "d.jsonl",
        "--json",
    ]));
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).expect("JSON summary");
    assert_eq!(summary["dropped"]["pairs"], 1, "{summary}");
    assert_eq!(summary["repos"][0]["skipped"]["url_only"], 1, "{summary}");
    let d = read_jsonl(&r.dir.path().join("d.jsonl"));
    assert_eq!(d[0]["meta"]["dropped"], "url_only");
}

#[test]
fn text_moved_between_sections_is_no_revision_of_either() {
    let mut r = Repo::new();
    let para = "Block an hour for it in the morning, before meetings start.";
    let two = |a: &str, b: &str| {
        format!(
            "# Replies\n\n## How do I start a big task?\n\n{a}\n\n## How do I protect focus time?\n\n{b}\n"
        )
    };
    let start = "Pick the smallest piece you can finish today and start there.";
    let focus = "Turn off notifications and close the chat window.";
    r.commit(
        "v1",
        &[("a.md", &two(&format!("{start}\n\n{para}"), focus))],
    );
    r.commit(
        "move the paragraph",
        &[("a.md", &two(start, &format!("{focus}\n\n{para}")))],
    );
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    assert!(pairs.is_empty(), "{pairs:?}");
    assert_eq!(skipped(&stderr, "moved"), 2, "{stderr}");
    assert_eq!(
        dropped
            .iter()
            .filter(|d| d["meta"]["dropped"] == "moved")
            .count(),
        2
    );
}

#[test]
fn an_oversize_candidate_is_dropped_with_an_excerpt_of_each_side() {
    let mut r = Repo::new();
    let q = "How do I plan a year?";
    let long = |word: &str| {
        (0..1500)
            .map(|i| format!("{word}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    r.commit("v1", &[("a.md", &doc(q, &long("step")))]);
    r.commit("v2", &[("a.md", &doc(q, &long("stage")))]);
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    assert!(pairs.is_empty(), "{pairs:?}");
    assert_eq!(skipped(&stderr, "response_over_max_chars"), 1, "{stderr}");
    let d = dropped
        .iter()
        .find(|d| d["meta"]["dropped"] == "response_over_max_chars")
        .expect("the oversize candidate in --dropped");
    assert_eq!(d["meta"]["truncated"], true, "{d}");
    for side in ["rejected", "chosen"] {
        let text = d[side].as_str().expect("a side");
        assert!(text.chars().count() <= 1_000, "{side}: {}", text.len());
        assert!(text.starts_with(if side == "rejected" {
            "step0 "
        } else {
            "stage0 "
        }));
    }
}

/// Sixteen paragraphs of a long section, the fourth one `fourth`.
fn long_section(fourth: &str) -> String {
    (0..16)
        .map(|i| match i {
            3 => fourth.to_string(),
            _ => format!(
                "Paragraph {i} of the guide explains one more habit of the shell in enough \
                 words to make the section long, as real guides do, with an example or two."
            ),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn a_fix_inside_a_long_section_is_narrowed_to_its_paragraph() {
    let mut r = Repo::new();
    let q = "Which keys edit the command line?";
    let before = "In Bash, ctrl-u deletes the whole line and ctrl-w deletes the last word.";
    let after =
        "In Bash, ctrl-u deletes back to the start of the line and ctrl-w deletes the last word.";
    r.commit("v1", &[("a.md", &doc(q, &long_section(before)))]);
    r.commit("Clarify ctrl-u", &[("a.md", &doc(q, &long_section(after)))]);
    let (pairs, _, stderr) = mine_all(&r, &[]);
    assert_eq!(pairs.len(), 1, "{stderr}");
    assert_eq!(sides(&pairs), [(before.to_string(), after.to_string())]);
    assert_eq!(pairs[0]["prompt"], format!("Replies: {q}"));
    assert_eq!(pairs[0]["meta"]["narrowed"], true);
    assert_eq!(pairs[0]["meta"]["edit"], "expansion");

    // `narrow_from_chars = 0` keeps the whole section, and the same fix is
    // then too small a share of it to be a pair.
    std::fs::write(
        r.dir.path().join("wide.toml"),
        "[mine.filters]\nnarrow_from_chars = 0\n",
    )
    .expect("config");
    let (pairs, _, stderr) = mine_all(&r, &["--config", "wide.toml"]);
    assert!(pairs.is_empty(), "{pairs:?}");
    assert_eq!(skipped(&stderr, "edit_above_max_similarity"), 1, "{stderr}");
}

#[test]
fn a_section_over_the_size_cap_gives_the_pair_of_its_changed_blocks() {
    let mut r = Repo::new();
    let q = "How do I plan a year?";
    let long = |fix: &str| {
        (0..60)
            .map(|i| match i {
                30 => fix.to_string(),
                _ => format!(
                    "- Step {i}: review the goals of month {i} and write down what changed."
                ),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (before, after) = (
        "- Step 30: plan every day of the year in one sitting.",
        "- Step 30: plan every day of the first quarter, and the rest of the year in outline.",
    );
    r.commit("v1", &[("a.md", &doc(q, &long(before)))]);
    r.commit("v2", &[("a.md", &doc(q, &long(after)))]);
    assert!(long(before).len() > 3000);
    std::fs::write(
        r.dir.path().join("cap.toml"),
        "[mine.filters]\nmax_response_chars = 2000\n",
    )
    .expect("config");
    let (pairs, _, stderr) = mine_all(&r, &["--config", "cap.toml"]);
    assert_eq!(pairs.len(), 1, "{stderr}");
    assert_eq!(sides(&pairs), [(before.to_string(), after.to_string())]);
    assert_eq!(skipped(&stderr, "response_over_max_chars"), 0, "{stderr}");
}

#[test]
fn list_items_swapped_or_removed_are_churn_and_a_revised_item_is_a_pair() {
    let mut r = Repo::new();
    let q = "What are my rules for mornings?";
    let rules = |items: &[&str]| doc(q, &items.join("\n"));
    r.commit(
        "v1",
        &[(
            "a.md",
            &rules(&[
                "- Drink a glass of water first",
                "- Walk for twenty minutes",
                "- No phone before nine",
            ]),
        )],
    );
    r.commit(
        "swap",
        &[(
            "a.md",
            &rules(&[
                "- Drink a glass of water first",
                "- Swim twice a week in summer",
                "- No phone before nine",
            ]),
        )],
    );
    r.commit(
        "revise",
        &[(
            "a.md",
            &rules(&[
                "- Drink a glass of water first",
                "- Swim twice a week in summer",
                "- No phone before nine, and none in the bedroom at all",
            ]),
        )],
    );
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    dropped_as(&dropped, &stderr, "list_churn");
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert!(
        pairs[0]["chosen"]
            .as_str()
            .is_some_and(|c| c.contains("none in the bedroom"))
    );
}

#[test]
fn prompts_that_ask_nothing_are_counted_not_mined() {
    let mut r = Repo::new();
    r.commit("v1", &[("math.md", &format!("# Math\n\n{LONG}\n"))]);
    r.commit(
        "v2",
        &[(
            "math.md",
            &format!(
                "# Math\n\n{}\n",
                LONG.replace("out loud", "aloud to a friend")
            ),
        )],
    );
    let (pairs, _, stderr) = mine_all(&r, &[]);
    assert!(pairs.is_empty(), "{pairs:?}");
    assert_eq!(skipped(&stderr, "bare_prompt"), 2, "{stderr}");
    assert_eq!(
        skipped(&stderr, "file_version_without_prompt"),
        0,
        "{stderr}"
    );
}

#[test]
fn a_section_that_swallowed_the_next_one_is_not_the_same_answer() {
    let mut r = Repo::new();
    let q = "How do I read a log?";
    // an unclosed fence runs the section on into the next one
    let swallowed = format!(
        "# Replies\n\n## {q}\n\n```\ntail -f app.log\n\n## How do I plan a week?\n\n{LONG}\n"
    );
    let fixed = format!(
        "# Replies\n\n## {q}\n\n```\ntail -f app.log\n```\n\n## How do I plan a week?\n\n{LONG}\n"
    );
    r.commit("v1", &[("a.md", &swallowed)]);
    r.commit("close the fence", &[("a.md", &fixed)]);
    let (pairs, dropped, stderr) = mine_all(&r, &[]);
    assert!(
        pairs.iter().all(|p| p["prompt"] != format!("Replies: {q}")),
        "{pairs:?}"
    );
    dropped_as(&dropped, &stderr, "not_same_answer");
}
