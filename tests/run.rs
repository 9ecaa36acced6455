//! `revmine run`: incremental, idempotent, locked, sharded, and safe to kill.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{Dir, git, git_cmd, jsonl, run};

/// A notes-and-drafts repository driven with the git command line, so the
/// tests can rewrite its history like a force-push would; one revision a day.
struct GitRepo {
    dir: PathBuf,
    n: u32,
}

impl GitRepo {
    fn new(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).expect("run test");
        let r = GitRepo {
            dir: dir.to_path_buf(),
            n: 0,
        };
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    fn git(&self, args: &[&str]) -> String {
        git(&self.dir, args)
    }

    /// Writes `file` and commits everything as revision n, dated day n.
    fn commit(&mut self, file: &str, text: &str) {
        self.n += 1;
        std::fs::write(self.dir.join(file), text).expect("run test");
        let date = format!("2026-11-{:02}T10:00:00Z", self.n.min(28));
        self.git(&["add", "-A"]);
        let out = git_cmd(&self.dir)
            .args(["commit", "-q", "-m", &format!("revision {}", self.n)])
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .status()
            .expect("run test");
        assert!(out.success());
    }
}

/// The n-th distinct answer to the reply file's one prompt. The verb
/// changes too: the number alone, changed at each place, is one
/// substitution repeated (`rename_only`), which mine drops.
fn reply(n: u32) -> String {
    let verb = ["pick", "choose", "find", "take", "select"][n as usize % 5];
    format!(
        "# Replies\n\n## How do I start a big task?\n\nRevision {n}: {verb} the smallest piece \
         you can finish by {n} o'clock, block an hour, and tell one person about step {n}.\n"
    )
}

fn status(n: u32) -> String {
    format!(
        "# Launch status\n\n## Current State\n\n- {n} of 12 checks green\n- docs draft {n}\n\n\
         ## Next Steps\n\n- finish check {}\n",
        n + 1
    )
}

const CONFIG: &str = r#"
[[source]]
name = "drafts"
kind = "drafts"
path = "drafts"
output = "out/pairs.jsonl"

[[source]]
name = "notes"
kind = "notes"
path = "notes"
output = "out/chat.jsonl"

[[source]]
name = "chats"
kind = "transcripts"
path = "chats"
globs = ["*.txt"]
output = "out/transcripts.jsonl"
"#;

/// A workspace with the three kinds of source, `revisions` commits each.
fn workspace(revisions: u32) -> Dir {
    let d = Dir::new();
    d.write("revmine.toml", CONFIG);
    std::fs::create_dir_all(d.path().join("out")).expect("run test");
    let mut drafts = GitRepo::new(&d.path().join("drafts"));
    let mut notes = GitRepo::new(&d.path().join("notes"));
    for n in 1..=revisions {
        drafts.commit("replies.md", &reply(n));
        notes.commit("status.md", &status(n));
    }
    d.write(
        "chats/day1.txt",
        "User: I missed the deadline.\nAssistant: Let's reset: what is due first?\n\
         User: The report.\nAssistant: Then send a new ETA now and block the afternoon.\n",
    );
    d
}

fn run_json(d: &Dir, extra: &[&str]) -> (i32, Value, String) {
    let (code, out, err) = run(d.revmine().args(["run", "--json"]).args(extra));
    let v = serde_json::from_str(&out).unwrap_or(Value::Null);
    (code, v, err)
}

fn source<'v>(v: &'v Value, name: &str) -> &'v Value {
    v["sources"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no source {name} in {v}"))
}

/// Every output's ids, failing on a line that is not a record or on a repeat.
fn ids(d: &Dir) -> HashSet<String> {
    let mut all = HashSet::new();
    for f in ["pairs", "chat", "transcripts"] {
        let Ok(text) = std::fs::read_to_string(d.path().join(format!("out/{f}.jsonl"))) else {
            continue;
        };
        for line in text.lines() {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("out/{f}.jsonl: invalid line ({e}): {line}"));
            let id = v["id"].as_str().expect("id").to_string();
            assert!(all.insert(id.clone()), "out/{f}.jsonl: {id} written twice");
        }
    }
    all
}

#[test]
fn a_second_run_writes_only_what_is_new() {
    let d = workspace(3);
    let (code, v, err) = run_json(&d, &[]);
    assert_eq!(code, 0, "{v}{err}");
    assert_eq!(source(&v, "drafts")["written"], 2, "{v}");
    assert!(source(&v, "notes")["written"].as_u64().expect("run test") > 0);
    assert_eq!(source(&v, "chats")["written"], 2);
    let first = ids(&d);

    let (_, v, _) = run_json(&d, &[]);
    assert_eq!(source(&v, "drafts")["status"], "up_to_date");
    assert_eq!(source(&v, "chats")["written"], 0);
    assert_eq!(source(&v, "chats")["already_present"], 2);
    assert_eq!(ids(&d), first);

    let mut drafts = GitRepo {
        dir: d.path().join("drafts"),
        n: 3,
    };
    drafts.commit("replies.md", &reply(4));
    let (_, v, _) = run_json(&d, &[]);
    let s = source(&v, "drafts");
    assert_eq!(
        (s["commits"].as_u64(), s["written"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    // the same pairs a full mine of the repository gives
    let (code, _, err) = run(d.revmine().args(["mine", "drafts", "-o", "full.jsonl"]));
    assert_eq!(code, 0, "{err}");
    let ids_of = |name: &str| -> HashSet<String> { ids_in(&d, name).into_iter().collect() };
    let (full, mined) = (ids_of("full.jsonl"), ids_of("out/pairs.jsonl"));
    assert_eq!(mined, full);
}

/// The ids of a JSONL file's records, in order.
fn ids_in(d: &Dir, name: &str) -> Vec<String> {
    jsonl(&d.read(name))
        .iter()
        .map(|v| v["id"].as_str().expect("an id").to_string())
        .collect()
}

/// `revmine check` on one file: every gate that applies passes.
fn passes_check(d: &Dir, name: &str) {
    let (code, out, err) = run(d.revmine().args(["check", name]));
    assert_eq!(code, 0, "{name} fails check:\n{out}{err}\n{}", d.read(name));
}

#[test]
fn a_rewritten_history_replaces_the_pairs_of_the_commits_it_dropped() {
    let d = workspace(4);
    run_json(&d, &["--source", "drafts"]);
    assert_eq!(ids_in(&d, "out/pairs.jsonl").len(), 3);
    let mut drafts = GitRepo {
        dir: d.path().join("drafts"),
        n: 4,
    };
    drafts.git(&["reset", "-q", "--hard", "HEAD~2"]);
    drafts.commit("replies.md", &reply(40));
    let (code, v, err) = run_json(&d, &["--source", "drafts"]);
    assert_eq!(code, 0, "{err}");
    let s = source(&v, "drafts");
    assert_eq!(s["rewritten"], true, "{v}");
    assert_eq!(s["written"], 1, "only the pair of the new commit: {v}");
    assert_eq!(
        s["superseded"], 2,
        "the pairs of the two dropped commits: {v}"
    );
    // exactly the pairs a full mine of the new history gives
    let (code, _, err) = run(d.revmine().args(["mine", "drafts", "-o", "full.jsonl"]));
    assert_eq!(code, 0, "{err}");
    let (mut full, mut mined) = (ids_in(&d, "full.jsonl"), ids_in(&d, "out/pairs.jsonl"));
    full.sort();
    mined.sort();
    assert_eq!(mined, full);
    passes_check(&d, "out/pairs.jsonl");
}

#[test]
fn an_amended_commit_leaves_only_its_new_pair_and_the_output_passes_check() {
    let d = workspace(3);
    let (code, _, err) = run(d.revmine().args(["run", "--source", "drafts"]));
    assert_eq!(code, 0, "{err}");
    let drafts = GitRepo {
        dir: d.path().join("drafts"),
        n: 3,
    };
    // a typo fixed in the last revision: nearly the same pair as before
    std::fs::write(
        d.path().join("drafts/replies.md"),
        reply(3).replace("block an hour", "block one hour"),
    )
    .expect("run test");
    drafts.git(&["commit", "-q", "-a", "--amend", "--no-edit"]);
    let (code, v, err) = run_json(&d, &["--source", "drafts"]);
    assert_eq!(code, 0, "{err}");
    let s = source(&v, "drafts");
    assert_eq!(
        (&s["rewritten"], &s["written"], &s["superseded"]),
        (&Value::from(true), &Value::from(1), &Value::from(1)),
        "{v}"
    );
    let out = d.read("out/pairs.jsonl");
    assert!(out.contains("block one hour"), "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");
    // the old pair and its amended twin together fail near_duplicates
    passes_check(&d, "out/pairs.jsonl");
}

#[test]
fn an_edited_notes_section_replaces_its_records_in_the_output() {
    let d = workspace(2);
    let (code, _, err) = run(d.revmine().args(["run", "--source", "notes"]));
    assert_eq!(code, 0, "{err}");
    let before = d.read("out/chat.jsonl");
    assert!(before.contains("docs draft 2"), "{before}");
    let mut notes = GitRepo {
        dir: d.path().join("notes"),
        n: 2,
    };
    notes.commit(
        "status.md",
        &status(2).replace("docs draft 2", "docs draft 2, reviewed by Bo"),
    );
    let (code, v, err) = run_json(&d, &["--source", "notes"]);
    assert_eq!(code, 0, "{err}");
    let s = source(&v, "notes");
    // the edited section, and the next one whose prior turns quote it
    assert_eq!(
        (&s["written"], &s["superseded"], &s["total"]),
        (&Value::from(2), &Value::from(2), &Value::from(2)),
        "{v}"
    );
    let after = d.read("out/chat.jsonl");
    assert!(after.contains("docs draft 2, reviewed by Bo"), "{after}");
    assert!(
        !after.contains("docs draft 2\\n") && !after.contains("docs draft 2\""),
        "the old text is gone: {after}"
    );
    passes_check(&d, "out/chat.jsonl");

    // `notes` and `notes --history` over the same repository give the same records
    let (code, _, err) = run(d.revmine().args(["notes", "notes", "-o", "direct.jsonl"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(d.read("direct.jsonl"), after);
    let (code, _, err) =
        run(d
            .revmine()
            .args(["notes", "notes", "--history", "-o", "history.jsonl"]));
    assert_eq!(code, 0, "{err}");
    let history = d.read("history.jsonl");
    for line in after.lines() {
        assert!(
            history.contains(line),
            "run's record not in --history: {line}"
        );
    }
}

#[test]
fn two_sources_sharing_one_output_are_refused() {
    let d = workspace(1);
    d.write(
        "revmine.toml",
        CONFIG.replace(
            "output = \"out/chat.jsonl\"",
            "output = \"out/./pairs.jsonl\"",
        ),
    );
    let (code, _, err) = run(d.revmine().arg("run"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("same file as another output"), "{err}");
    assert!(!d.path().join("out/pairs.jsonl").exists());
}

#[test]
fn a_renamed_note_is_not_kept_twice() {
    let d = workspace(2);
    let (code, _, err) = run(d.revmine().args(["run", "--source", "notes"]));
    assert_eq!(code, 0, "{err}");
    let before = d.read("out/chat.jsonl");
    let notes = GitRepo {
        dir: d.path().join("notes"),
        n: 2,
    };
    notes.git(&["mv", "status.md", "weekly.md"]);
    notes.git(&["commit", "-q", "-m", "rename"]);
    let (code, _, err) = run(d.revmine().args(["run", "--source", "notes"]));
    assert_eq!(code, 0, "{err}");
    let after = d.read("out/chat.jsonl");
    assert_eq!(after.lines().count(), before.lines().count(), "{after}");
    assert!(!after.contains("\"file\":\"status.md\""), "{after}");
    assert!(after.contains("\"file\":\"weekly.md\""), "{after}");
    passes_check(&d, "out/chat.jsonl");
    let (code, _, err) = run(d.revmine().args(["notes", "notes", "-o", "direct.jsonl"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(d.read("direct.jsonl"), after);
}

#[test]
fn a_corrected_transcript_turn_replaces_its_record_in_the_output() {
    let d = workspace(1);
    let (code, _, err) = run(d.revmine().args(["run", "--source", "chats"]));
    assert_eq!(code, 0, "{err}");
    let first = ids_in(&d, "out/transcripts.jsonl");
    let log = d.read("chats/day1.txt");
    d.write(
        "chats/day1.txt",
        log.replace(
            "Then send a new ETA now and block the afternoon.",
            "Then send a new ETA now, and block the afternoon for it.",
        ),
    );
    let (code, v, err) = run_json(&d, &["--source", "chats"]);
    assert_eq!(code, 0, "{err}");
    let s = source(&v, "chats");
    assert_eq!(
        (&s["written"], &s["already_present"], &s["superseded"]),
        (&Value::from(1), &Value::from(1), &Value::from(1)),
        "{v}"
    );
    let now = ids_in(&d, "out/transcripts.jsonl");
    assert_eq!(now.len(), 2);
    assert_eq!(
        now[0], first[0],
        "the turn before the correction keeps its record"
    );
    assert_ne!(now[1], first[1]);
    let text = d.read("out/transcripts.jsonl");
    assert!(text.contains("block the afternoon for it"), "{text}");
    assert!(!text.contains("block the afternoon.\""), "{text}");
    passes_check(&d, "out/transcripts.jsonl");
    // the same records `ingest` gives for the file
    let (code, _, err) = run(d
        .revmine()
        .args(["ingest", "chats/day1.txt", "-o", "direct.jsonl"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(d.read("direct.jsonl"), text);
}

#[test]
fn the_summary_says_what_is_true_of_each_kind() {
    let d = workspace(2);
    let (code, _, err) = run(d.revmine().arg("run"));
    assert_eq!(code, 0, "{err}");
    let line = |name: &str| -> String {
        err.lines()
            .find(|l| l.starts_with(&format!("{name} (")))
            .unwrap_or_else(|| panic!("no line for {name}: {err}"))
            .to_string()
    };
    let drafts = line("drafts");
    assert!(
        drafts.starts_with("drafts (drafts): 2 commits read up to "),
        "{drafts}"
    );
    assert!(
        drafts.contains("1 record found: 1 new, 0 already present; 1 record in output"),
        "{drafts}"
    );
    let notes = line("notes");
    assert!(
        notes.starts_with("notes (notes): notes read at "),
        "{notes}"
    );
    let chats = line("chats");
    assert_eq!(
        chats,
        "chats (transcripts): 2 records found: 2 new, 0 already present; 2 records in output"
    );
    assert!(
        !err.contains("(Drafts)") && !err.contains("1 commits"),
        "{err}"
    );

    let (code, _, err) = run(d.revmine().arg("run"));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.lines().any(
            |l| l.starts_with("drafts (drafts): up to date (no commit since ")
                && l.ends_with("; 1 record in output")
        ),
        "{err}"
    );
    assert!(
        err.contains("chats (transcripts): 2 records found, all already present: up to date; 2 records in output"),
        "{err}"
    );
    assert!(!err.contains("0 commits"), "{err}");
    // the JSON report says the same as the text
    let (code, v, err) = run_json(&d, &[]);
    assert_eq!(code, 0, "{err}");
    for name in ["drafts", "notes", "chats"] {
        assert_eq!(source(&v, name)["status"], "up_to_date", "{name}: {v}");
    }
}

#[test]
fn a_notes_source_reads_only_the_files_its_globs_name() {
    let d = workspace(1);
    let mut notes = GitRepo::new(&d.path().join("notes"));
    notes.commit(
        "plan.md",
        "# Plan\n\n## Next steps\nShip the beta to ten users.\n",
    );
    let config = CONFIG.replace(
        "path = \"notes\"\noutput",
        "path = \"notes\"\nglobs = [\"plan.md\"]\noutput",
    );
    assert_ne!(config, CONFIG, "the notes source got its globs");
    d.write("revmine.toml", config);
    let (code, _, err) = run(d.revmine().arg("run"));
    assert_eq!(code, 0, "{err}");
    let text = d.read("out/chat.jsonl");
    let files: HashSet<String> = jsonl(&text)
        .iter()
        .map(|v| v["meta"]["file"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(files, HashSet::from(["plan.md".to_string()]), "{text}");
}

#[test]
fn a_held_lock_exits_75_or_waits() {
    let d = workspace(2);
    run_json(&d, &[]);
    let state = d.path().join(".revmine/state");
    let lock = std::fs::read_dir(&state)
        .expect("run test")
        .map(|e| e.expect("run test").path())
        .find(|p| p.extension().is_some_and(|e| e == "lock"))
        .expect("run test");
    let held = std::fs::File::open(&lock).expect("run test");
    held.lock().expect("run test");
    let (code, _, err) = run(d.revmine().arg("run"));
    assert_eq!(code, 75, "{err}");
    assert!(
        err.contains("another run holds") && err.contains("--wait"),
        "{err}"
    );
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(400));
        drop(held);
    });
    let (code, _, err) = run(d.revmine().args(["run", "--wait"]));
    release.join().expect("run test");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("waiting for"), "{err}");
}

#[test]
fn shards_cover_every_source_exactly_once() {
    let d = Dir::new();
    let mut config = String::new();
    for i in 0..9 {
        d.write(
            &format!("chats{i}/a.txt"),
            format!("User: hello {i}\nAssistant: hi {i}\n"),
        );
        config.push_str(&format!(
            "[[source]]\nname = \"team-{i}\"\nkind = \"transcripts\"\npath = \"chats{i}\"\noutput = \"out{i}.jsonl\"\n\n"
        ));
    }
    d.write("revmine.toml", &config);
    let mut seen = Vec::new();
    for k in 0..3 {
        let (code, v, err) = run_json(&d, &["--shard", &format!("{k}/3")]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(v["shard"], format!("{k}/3"));
        for s in v["sources"].as_array().expect("run test") {
            seen.push(s["name"].as_str().expect("run test").to_string());
        }
    }
    seen.sort();
    let want: Vec<String> = (0..9).map(|i| format!("team-{i}")).collect();
    assert_eq!(seen, want);
    let (code, _, err) = run(d.revmine().args(["run", "--shard", "3/3"]));
    assert_eq!(code, 2, "{err}");
}

/// Kills `revmine run` with SIGKILL at every point it passes (each record
/// written to a temp output, before and after each rename, after each state
/// write). For each point: a fresh workspace, a run killed there, a check
/// that the outputs are valid JSONL with no record twice, then a resumed run
/// that must end exactly where one uninterrupted run ends. Then the same with
/// kills chained run after run, each resuming the last.
#[test]
fn a_run_killed_at_any_point_resumes_without_loss_or_duplicates() {
    let clean = workspace(4);
    let (code, _, err) = run(clean.revmine().arg("run"));
    assert_eq!(code, 0, "{err}");
    let expected = ids(&clean);
    assert!(expected.len() >= 6, "{expected:?}");

    let mut points = 0;
    for at in 1..100 {
        let d = workspace(4);
        let (code, _, err) = run(d
            .revmine()
            .arg("run")
            .env("REVMINE_CRASH_AT", at.to_string()));
        if code == 0 {
            break; // the run passed fewer points than `at`: every point was tried
        }
        assert_ne!(code, 1, "a source failed, killed at point {at}: {err}");
        let partial = ids(&d);
        assert!(
            partial.is_subset(&expected),
            "killed at {at}: foreign records"
        );
        let (code, _, err) = run(d.revmine().arg("run"));
        assert_eq!(code, 0, "resume after point {at}: {err}");
        assert_eq!(ids(&d), expected, "resumed after a kill at point {at}");
        points += 1;
    }
    eprintln!("killed and resumed at {points} points");
    assert!(points >= 10, "only {points} kill points were reached");

    let d = workspace(4);
    let mut present = HashSet::new();
    for at in 1..100 {
        let (code, _, err) = run(d
            .revmine()
            .arg("run")
            .env("REVMINE_CRASH_AT", at.to_string()));
        let now = ids(&d);
        assert!(
            now.is_superset(&present),
            "chained kill at point {at} lost records"
        );
        present = now;
        if code == 0 {
            break;
        }
        assert_ne!(code, 1, "a source failed after chained kill {at}: {err}");
    }
    assert_eq!(ids(&d), expected);
}

/// The README logs `revmine run --json >> runs.log` in the repository that
/// keeps the dataset; the pre-commit check must not take that log for a
/// dataset (a `runs.jsonl` would be, under the default `*.jsonl` glob).
#[test]
fn the_documented_run_log_is_not_judged_as_a_dataset() {
    let d = workspace(2);
    let git = |args: &[&str]| git(d.path(), args);
    git(&["init", "-q", "-b", "main"]);
    let mut log = String::new();
    for _ in 0..2 {
        let (code, out, err) = run(d.revmine().args(["run", "--json"]));
        assert_eq!(code, 0, "{err}");
        log.push_str(&out);
    }
    d.write("runs.log", &log);
    git(&["add", "revmine.toml", "runs.log", "out"]);
    let (code, out, err) = run(d.revmine().args(["check", "--staged"]));
    assert_eq!(code, 0, "the documented setup is blocked:\n{out}{err}");
    // the name the README used to suggest would be
    d.write("runs.jsonl", &log);
    git(&["add", "runs.jsonl"]);
    let (code, out, err) = run(d.revmine().args(["check", "--staged"]));
    assert_eq!(code, 1, "{out}{err}");
}

/// Edits every source after a first run: a notes section, a transcript's
/// last assistant turn, and the drafts history rewritten (reset + recommit).
fn edit_every_source(d: &Dir) {
    let mut notes = GitRepo {
        dir: d.path().join("notes"),
        n: 4,
    };
    notes.commit(
        "status.md",
        &status(4).replace("docs draft 4", "docs draft 4, signed off"),
    );
    let log = d.read("chats/day1.txt");
    d.write(
        "chats/day1.txt",
        log.replace("block the afternoon.", "block the whole afternoon."),
    );
    let mut drafts = GitRepo {
        dir: d.path().join("drafts"),
        n: 3,
    };
    drafts.git(&["reset", "-q", "--hard", "HEAD~1"]);
    drafts.commit("replies.md", &reply(30));
}

/// The supersede path (outputs rewritten, not appended) killed at each of
/// its points: the outputs hold no record twice and none that is neither an
/// old nor a new one, and the resumed run ends where an uninterrupted one does.
#[test]
fn a_run_replacing_records_killed_at_any_point_resumes_to_the_same_outputs() {
    let clean = workspace(4);
    run(clean.revmine().arg("run"));
    let before = ids(&clean);
    edit_every_source(&clean);
    let (code, v, err) = run_json(&clean, &[]);
    assert_eq!(code, 0, "{err}");
    for name in ["drafts", "notes", "chats"] {
        assert!(source(&v, name)["superseded"].as_u64() > Some(0), "{v}");
    }
    let expected = ids(&clean);
    for f in ["pairs", "chat", "transcripts"] {
        passes_check(&clean, &format!("out/{f}.jsonl"));
    }

    let mut points = 0;
    for at in 1..100 {
        let d = workspace(4);
        run(d.revmine().arg("run"));
        edit_every_source(&d);
        let (code, _, err) = run(d
            .revmine()
            .arg("run")
            .env("REVMINE_CRASH_AT", at.to_string()));
        if code == 0 {
            break;
        }
        assert_ne!(code, 1, "a source failed, killed at point {at}: {err}");
        let partial = ids(&d);
        assert!(
            partial
                .iter()
                .all(|id| before.contains(id) || expected.contains(id)),
            "killed at {at}: foreign records"
        );
        let (code, _, err) = run(d.revmine().arg("run"));
        assert_eq!(code, 0, "resume after point {at}: {err}");
        assert_eq!(ids(&d), expected, "resumed after a kill at point {at}");
        points += 1;
    }
    assert!(points >= 10, "only {points} kill points were reached");
}
