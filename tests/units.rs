//! `revmine mine` response units on small real repositories: the shapes of
//! Markdown documents that gave no pair, or the wrong pair, before units were
//! read from a CommonMark outline (issue 13, failure kinds 2 and 5).

use crate::util::{Repo, sides, skipped};

const SHORT: &str = "Use the shell's history.";
const LONG: &str = "Use the shell's history: ctrl-r searches it, and !! repeats the last command.";

#[test]
fn one_note_per_file_collections_give_pairs() {
    let mut r = Repo::new();
    let note = |body: &str| format!("# Search shell history\n\n{body}\n");
    r.commit("til", &[("bash/history.md", &note(SHORT))]);
    r.commit("more", &[("bash/history.md", &note(LONG))]);
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(
        sides(&pairs),
        [(SHORT.to_string(), LONG.to_string())],
        "{stderr}"
    );
    assert_eq!(pairs[0]["prompt"], "Search shell history");
    assert_eq!(
        skipped(&stderr, "file_version_without_prompt"),
        0,
        "{stderr}"
    );
}

#[test]
fn a_heading_level_shift_is_not_a_new_unit() {
    let mut r = Repo::new();
    let rfc = |h: &str, design: &str| {
        format!(
            "- Feature Name: thing\n\n{h} Summary\n\nA thing.\n\n{h} Motivation\n\nWhy.\n\n\
             {h}# Alternatives\n\nSub-alternatives of the motivation.\n\n\
             {h} Alternatives\n\n{design}\n"
        )
    };
    r.commit("rfc", &[("text/0042-thing.md", &rfc("#", SHORT))]);
    // Every heading one level down, and the real edit.
    r.commit("bump", &[("text/0042-thing.md", &rfc("##", LONG))]);
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(
        sides(&pairs),
        [(SHORT.to_string(), LONG.to_string())],
        "{stderr}"
    );
    assert_eq!(pairs[0]["prompt"], "thing: Alternatives");
    assert_eq!(pairs[0]["meta"]["unit"], "alternatives");
    assert_eq!(
        skipped(&stderr, "new_unit_or_changed_prompt"),
        0,
        "{stderr}"
    );
}

#[test]
fn a_marker_line_keeps_the_sections_of_its_file() {
    let mut r = Repo::new();
    let readme = |basics: &str| {
        format!(
            "# The Art of Command Line\n\n## Basics\n\n{basics}\n\n\
             **Q:** Which shell?\n**A:** Bash.\n\n## Everyday use\n\nTab completes.\n"
        )
    };
    r.commit("guide", &[("README.md", &readme(SHORT))]);
    r.commit("clarify", &[("README.md", &readme(LONG))]);
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(
        sides(&pairs),
        [(SHORT.to_string(), LONG.to_string())],
        "{stderr}"
    );
    assert_eq!(pairs[0]["prompt"], "The Art of Command Line: Basics");
}

#[test]
fn navigation_sections_are_not_mined_and_are_counted() {
    let mut r = Repo::new();
    let readme = |toc: &str, license: &str| {
        format!(
            "# Guide\n\n## Contents\n\n{toc}\n\n## Basics\n\nLearn it.\n\n\
             ## License\n\n{license}\n"
        )
    };
    r.commit(
        "guide",
        &[(
            "README.md",
            &readme("- [Basics](#basics)", "All rights reserved by the authors."),
        )],
    );
    r.commit(
        "toc and license",
        &[(
            "README.md",
            &readme(
                "- [Basics](#basics)\n- [License](#license)\n- [More](#more)",
                "Licensed under CC BY-SA 4.0, see the LICENSE file for the terms.",
            ),
        )],
    );
    let (pairs, stderr) = r.mine(&[]);
    assert!(pairs.is_empty(), "{pairs:?}");
    // Two sections in each of two versions.
    assert_eq!(skipped(&stderr, "navigation_section"), 4, "{stderr}");
}

#[test]
fn a_fence_left_open_in_a_quote_or_list_does_not_swallow_later_sections() {
    let mut r = Repo::new();
    let doc = |later: &str| {
        format!(
            "# Shell tips\n\n## Quoting\n\n> Try this:\n> ```sh\n> echo \"$x\"\n\n\
             ## Steps\n\n- Run:\n  ```\n  make\n\n## Later\n\n{later}\n"
        )
    };
    r.commit("tips", &[("tips.md", &doc(SHORT))]);
    r.commit("more", &[("tips.md", &doc(LONG))]);
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(
        sides(&pairs),
        [(SHORT.to_string(), LONG.to_string())],
        "{stderr}"
    );
    assert_eq!(pairs[0]["prompt"], "Shell tips: Later");
}

#[test]
fn heading_level_can_still_be_forced() {
    let mut r = Repo::new();
    r.dir.write("revmine.toml", "[mine]\nheading_level = 3\n");
    let doc = |a: &str| format!("# Guide\n\n## Part one\n\n### Setup\n\n{a}\n");
    r.commit("guide", &[("g.md", &doc(SHORT))]);
    r.commit("more", &[("g.md", &doc(LONG))]);
    let (pairs, stderr) = r.mine(&[]);
    assert_eq!(pairs.len(), 1, "{stderr}");
    assert_eq!(pairs[0]["prompt"], "Guide › Part one: Setup");
}
