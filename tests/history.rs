//! `mine` and `run` on the repository shapes people have (issue 14): commit
//! encodings, partial and shallow clones, evil merges, non-UTF-8 paths, Git
//! LFS pointers, SHA-256 repositories, GIT_DIR/GIT_WORK_TREE and
//! `safe.directory` through GIT_CONFIG_GLOBAL. Every repository here is made
//! by the real `git`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{Dir, Repo, git, git_cmd, read_jsonl, run, skipped};

/// The n-th distinct answer to one prompt: consecutive ones make a pair.
fn reply(n: u32) -> String {
    let verb = ["pick", "choose", "find", "take", "select"][n as usize % 5];
    format!(
        "# Replies\n\n## How do I start a big task?\n\nRevision {n}: {verb} the smallest piece \
         you can finish by {n} o'clock, block an hour, and tell one person about step {n}.\n"
    )
}

/// A repository at `dir` made with `git init`, on `main`.
fn init(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    git(dir, &["init", "-q", "-b", "main"]);
}

/// Writes `file` (bytes) and commits everything as revision n, dated day n.
fn commit(dir: &Path, n: u32, file: &str, text: &[u8]) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write");
    git(dir, &["add", "-A"]);
    let date = format!("2026-11-{:02}T10:00:00Z", n.min(28));
    let ok = git_cmd(dir)
        .args(["commit", "-q", "-m", &format!("revision {n}")])
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .status()
        .expect("git commit")
        .success();
    assert!(ok, "git commit");
}

/// A drafts repository at `dir` with `n` revisions of `replies.md`.
fn drafts(dir: &Path, n: u32) {
    init(dir);
    for i in 1..=n {
        commit(dir, i, "replies.md", reply(i).as_bytes());
    }
}

/// The ids of a JSONL file's records; fails on a repeated id.
fn ids(path: &Path) -> HashSet<String> {
    let mut seen = HashSet::new();
    for v in read_jsonl(path) {
        let id = v["id"].as_str().expect("an id").to_string();
        assert!(seen.insert(id.clone()), "{id} written twice");
    }
    seen
}

/// `revmine run --json` in `d`: (exit code, the one source's report, stderr).
/// `revmine mine repo` in `d`, which must succeed with one pair: that pair, alone.
fn mine_one_pair(d: &Dir) -> Vec<Value> {
    let (code, _, err) = run(d.revmine().args(["mine", "repo", "-o", "p.jsonl"]));
    assert_eq!(code, 0, "{err}");
    let pairs = read_jsonl(&d.path().join("p.jsonl"));
    assert_eq!(pairs.len(), 1, "{err}");
    pairs
}

fn run_source(d: &Dir) -> (i32, Value, String) {
    let (code, out, err) = run(d.revmine().args(["run", "--json"]));
    let v: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
    (code, v["sources"][0].clone(), err)
}

/// A workspace whose one drafts source is the repository `clone`.
fn workspace_for(d: &Dir, clone: &str) {
    d.write(
        "revmine.toml",
        format!(
            "[[source]]\nname = \"drafts\"\nkind = \"drafts\"\npath = \"{clone}\"\noutput = \"out/pairs.jsonl\"\n"
        ),
    );
}

#[test]
fn a_latin1_commit_message_is_read_in_its_encoding() {
    let d = Dir::new();
    let repo = d.path().join("repo");
    drafts(&repo, 1);
    std::fs::write(repo.join("replies.md"), reply(2)).expect("write");
    git(&repo, &["add", "-A"]);
    // "Révision du résumé" in ISO-8859-1 bytes, as an old machine wrote it.
    d.write("msg.txt", b"R\xe9vision du r\xe9sum\xe9\n");
    let msg = d.path().join("msg.txt");
    let ok = git_cmd(&repo)
        .args(["-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "-F"])
        .arg(&msg)
        .env("GIT_AUTHOR_DATE", "2026-11-02T10:00:00Z")
        .status()
        .expect("git commit")
        .success();
    assert!(ok);
    let header = git(&repo, &["cat-file", "commit", "HEAD"]);
    assert!(header.contains("\nencoding ISO-8859-1\n"), "{header}");
    let pairs = mine_one_pair(&d);
    assert_eq!(pairs[0]["meta"]["subject"], "Révision du résumé");
}

#[test]
fn a_partial_clone_stops_mine_and_run_until_its_blobs_arrive() {
    let d = Dir::new();
    drafts(&d.path().join("origin"), 5);
    git(
        &d.path().join("origin"),
        &["config", "uploadpack.allowFilter", "true"],
    );
    let url = format!("file://{}", d.path().join("origin").display());
    git(
        d.path(),
        &["clone", "-q", "--filter=blob:none", &url, "clone"],
    );
    let clone = d.path().join("clone");

    // mine: says why, and exits non-zero
    let (code, _, err) = run(d.revmine().args(["mine", "clone", "-o", "m.jsonl"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("partial clone"), "{err}");
    assert!(err.contains("fetch --refetch origin"), "{err}");

    // run: fails the source, writes nothing, remembers no commit
    workspace_for(&d, "clone");
    let (code, s, err) = run_source(&d);
    assert_eq!(code, 1, "{s}{err}");
    assert_eq!(s["status"], "failed", "{s}");
    let error = s["error"].as_str().expect("an error");
    assert!(error.contains("partial clone"), "{error}");
    assert!(error.contains("state stays"), "{error}");
    assert!(!d.path().join("out/pairs.jsonl").exists());

    // the hint's own commands bring the blobs; the next run writes the pairs
    git(
        &clone,
        &["config", "--unset", "remote.origin.partialclonefilter"],
    );
    git(&clone, &["fetch", "-q", "--refetch", "origin"]);
    let (code, s, err) = run_source(&d);
    assert_eq!(code, 0, "{s}{err}");
    let (code, _, err) = run(d.revmine().args(["mine", "clone", "-o", "full.jsonl"]));
    assert_eq!(code, 0, "{err}");
    let full = ids(&d.path().join("full.jsonl"));
    assert_eq!(full.len(), 4, "{err}");
    assert_eq!(ids(&d.path().join("out/pairs.jsonl")), full);
}

/// A 6-commit drafts repository cloned 2 deep into `clone` and run once as
/// the workspace's source (1 pair written); returns the run's stderr.
fn shallow_clone_run(d: &Dir) -> String {
    drafts(&d.path().join("origin"), 6);
    let url = format!("file://{}", d.path().join("origin").display());
    git(d.path(), &["clone", "-q", "--depth", "2", &url, "clone"]);
    workspace_for(d, "clone");
    let (code, out, err) = run(d.revmine().arg("run"));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(ids(&d.path().join("out/pairs.jsonl")).len(), 1, "{err}");
    err
}

/// The run's output holds exactly the 5 ids a full `mine` of `clone` writes,
/// and the next run is up to date.
fn output_is_a_full_runs_and_up_to_date(d: &Dir) {
    let (code, _, err) = run(d.revmine().args(["mine", "clone", "-o", "full.jsonl"]));
    assert_eq!(code, 0, "{err}");
    let full = ids(&d.path().join("full.jsonl"));
    assert_eq!(full.len(), 5);
    assert_eq!(ids(&d.path().join("out/pairs.jsonl")), full);
    let (_, s, _) = run_source(d);
    assert_eq!(s["status"], "up_to_date", "{s}");
}

#[test]
fn a_shallow_clone_is_mined_whole_once_it_is_unshallowed() {
    let d = Dir::new();
    let err = shallow_clone_run(&d);
    assert!(err.contains("shallow clone"), "{err}");

    // deeper but still shallow: the pair that appeared is written
    git(&d.path().join("clone"), &["fetch", "-q", "--deepen=1"]);
    let (code, s, err) = run_source(&d);
    assert_eq!(code, 0, "{s}{err}");
    assert_eq!(
        (s["deepened"].as_bool(), s["shallow"].as_bool()),
        (Some(true), Some(true)),
        "{s}"
    );
    assert_eq!(
        (s["written"].as_u64(), s["already_present"].as_u64()),
        (Some(1), Some(1)),
        "{s}"
    );

    git(&d.path().join("clone"), &["fetch", "-q", "--unshallow"]);
    let (code, s, err) = run_source(&d);
    assert_eq!(code, 0, "{s}{err}");
    assert_eq!(s["deepened"], true, "{s}");
    assert_eq!(s["shallow"], false, "{s}");
    assert_eq!(
        (s["written"].as_u64(), s["already_present"].as_u64()),
        (Some(3), Some(2)),
        "{s}"
    );
    output_is_a_full_runs_and_up_to_date(&d);
}

#[test]
fn text_only_an_evil_merge_wrote_is_in_a_pair_under_history_branches() {
    let mut r = Repo::new();
    r.commit("draft", &[("replies.md", &reply(1))]);
    r.b.branch("tone");
    r.commit("tone", &[("replies.md", &reply(2))]);
    r.b.checkout("main");
    r.commit("other", &[("other.md", "# Other\n\nNothing to see.\n")]);
    // the merge writes a revision of its own (no parent has it)
    let evil = "# Replies\n\n## How do I start a big task?\n\nRevision 2: find the smallest piece \
                you can finish by 2 o'clock, do the first ten minutes of it before opening mail, \
                and tell one person about step 2.\n";
    r.merge_writing("tone", "merge tone", &[("replies.md", evil)]);
    r.b.finish().expect("checkout");
    let (pairs, err) = r.mine(&["--history", "branches"]);
    assert!(
        pairs.iter().any(|p| p["chosen"]
            .as_str()
            .is_some_and(|c| c.contains("first ten minutes"))),
        "no pair holds the merge's own text:\n{err}\n{pairs:?}"
    );
    // the branch's own edit is still its own pair
    assert!(
        pairs.iter().any(|p| p["chosen"]
            .as_str()
            .is_some_and(|c| c.contains("Revision 2"))),
        "{pairs:?}"
    );
}

#[test]
fn a_clean_merge_adds_nothing_under_history_branches() {
    let mut r = Repo::new();
    r.commit("draft", &[("replies.md", &reply(1))]);
    r.b.branch("tone");
    r.commit("tone", &[("replies.md", &reply(2))]);
    r.b.checkout("main");
    r.commit("other", &[("other.md", "# Other\n\nNothing to see.\n")]);
    r.merge("tone", "merge tone");
    r.b.finish().expect("checkout");
    let (pairs, err) = r.mine(&["--history", "branches"]);
    assert_eq!(pairs.len(), 1, "{err}");
    assert!(err.contains("1 merges skipped"), "{err}");
}

#[test]
fn a_file_whose_name_is_not_utf8_is_mined() {
    use std::os::unix::ffi::OsStrExt;
    let d = Dir::new();
    let repo = d.path().join("repo");
    init(&repo);
    // "résumé.md" in Latin-1 bytes
    let name = std::ffi::OsStr::from_bytes(b"r\xe9sum\xe9.md");
    for n in 1..=2 {
        std::fs::write(repo.join(name), reply(n)).expect("write");
        git(&repo, &["add", "-A"]);
        let date = format!("2026-11-{n:02}T10:00:00Z");
        let ok = git_cmd(&repo)
            .args(["commit", "-q", "-m", &format!("revision {n}")])
            .env("GIT_AUTHOR_DATE", &date)
            .status()
            .expect("git commit")
            .success();
        assert!(ok);
    }
    let listed = git(&repo, &["ls-files"]);
    assert!(
        listed.contains("\\351"),
        "git holds the Latin-1 name: {listed}"
    );
    let pairs = mine_one_pair(&d);
    assert_eq!(pairs[0]["meta"]["path"], "r\u{FFFD}sum\u{FFFD}.md");
}

#[test]
fn lfs_pointers_are_their_own_skip_reason() {
    let d = Dir::new();
    let repo = d.path().join("repo");
    init(&repo);
    for n in 1..=2 {
        let pointer = format!(
            "version https://git-lfs.github.com/spec/v1\noid sha256:{:064x}\nsize {}\n",
            n,
            1000 + n
        );
        commit(&repo, n, "replies.md", pointer.as_bytes());
    }
    let (code, _, err) = run(d.revmine().args(["mine", "repo", "-o", "p.jsonl"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(skipped(&err, "lfs_pointer"), 2, "{err}");
    assert_eq!(skipped(&err, "file_version_without_prompt"), 0, "{err}");
}

#[test]
fn a_sha256_repository_is_named_as_such() {
    let d = Dir::new();
    let repo = d.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    git(
        &repo,
        &["init", "-q", "--object-format=sha256", "-b", "main"],
    );
    commit(
        &repo,
        1,
        "status.md",
        b"# Status\n\n## Current State\n\n- ok\n",
    );
    let (code, _, err) = run(d.revmine().args(["mine", "repo", "-o", "p.jsonl"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("SHA-256"), "{err}");
    assert!(!err.contains("not a git repository"), "{err}");

    workspace_for(&d, "repo");
    let (code, s, err) = run_source(&d);
    assert_eq!(code, 1, "{s}{err}");
    assert!(
        s["error"].as_str().is_some_and(|e| e.contains("SHA-256")),
        "{s}"
    );

    // notes at a revision of it: an error, never the work tree
    let (code, out, err) = run(d.revmine().args(["notes", "repo", "--rev", "HEAD"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("SHA-256"), "{err}");
    assert!(out.is_empty(), "{out}");
}

#[test]
fn rev_on_a_plain_folder_is_an_error() {
    let d = Dir::new();
    d.write("plain/status.md", "# Status\n\n## Current State\n\n- ok\n");
    let (code, out, err) = run(d.revmine().args(["notes", "plain", "--rev", "HEAD"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("--rev") && err.contains("not a git repository"),
        "{err}"
    );
    // without --rev the folder is read as it is
    let (code, out, err) = run(d.revmine().args(["notes", "plain"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn git_dir_and_git_work_tree_name_the_repository() {
    let d = Dir::new();
    let store = d.path().join("store.git");
    let wt = d.path().join("wt");
    std::fs::create_dir_all(&wt).expect("mkdir");
    git(
        d.path(),
        &["init", "-q", "--bare", "-b", "main", "store.git"],
    );
    for n in 1..=3 {
        std::fs::write(wt.join("replies.md"), reply(n)).expect("write");
        let mut add = git_cmd(&wt);
        add.env("GIT_DIR", &store).env("GIT_WORK_TREE", &wt);
        assert!(add.args(["add", "-A"]).status().expect("git").success());
        let mut c = git_cmd(&wt);
        c.env("GIT_DIR", &store)
            .env("GIT_WORK_TREE", &wt)
            .env("GIT_AUTHOR_DATE", format!("2026-11-{n:02}T10:00:00Z"));
        assert!(
            c.args(["commit", "-q", "-m", &format!("revision {n}")])
                .status()
                .expect("git")
                .success()
        );
    }
    // without the variables, wt is no repository
    let (code, _, err) = run(d.revmine().args(["mine", "wt", "-o", "p.jsonl"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(d
        .revmine()
        .env("GIT_DIR", &store)
        .env("GIT_WORK_TREE", &wt)
        .args(["mine", "wt", "-o", "p.jsonl"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(read_jsonl(&d.path().join("p.jsonl")).len(), 2, "{err}");

    workspace_for(&d, "wt");
    let (code, out, err) = run(d
        .revmine()
        .env("GIT_DIR", &store)
        .env("GIT_WORK_TREE", &wt)
        .args(["run", "--json"]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(ids(&d.path().join("out/pairs.jsonl")).len(), 2);
}

#[test]
fn safe_directory_from_git_config_global_is_honoured() {
    // A repository owned by another user needs root to make.
    let uid = std::process::Command::new("id")
        .arg("-u")
        .output()
        .expect("id");
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        eprintln!("skipped: needs root to give a repository another owner");
        return;
    }
    let d = Dir::new();
    let repo = d.path().join("repo");
    drafts(&repo, 3);
    let ok = std::process::Command::new("chown")
        .args(["-R", "65534"])
        .arg(&repo)
        .status()
        .expect("chown")
        .success();
    assert!(ok);
    let global = d.write(
        "global.gitconfig",
        format!("[safe]\n\tdirectory = {}\n", repo.display()),
    );
    let home = d.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    // git accepts it with the file, and only with it
    let git_log = |config: &Path| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["log", "--oneline"])
            .env("HOME", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", config)
            .output()
            .expect("git")
            .status
            .success()
    };
    assert!(!git_log(Path::new("/dev/null")));
    assert!(git_log(&global));
    let mine = |config: &Path| {
        run(d
            .revmine()
            .env("HOME", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", config)
            .args(["mine", "repo", "-o", "p.jsonl"]))
    };
    let (code, _, err) = mine(Path::new("/dev/null"));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = mine(&global);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read_jsonl(&d.path().join("p.jsonl")).len(), 2, "{err}");
}

#[test]
fn a_merge_combining_both_sides_edits_adds_no_pair_under_history_branches() {
    let two = |a: &str, b: &str| {
        format!(
            "# Replies\n\n## How do I start a big task?\n\n{a}\n\n## How do I say no to a meeting?\n\n{b}\n"
        )
    };
    let a1 = "Pick the smallest piece you can finish by noon and tell one person about it.";
    let a2 = "Choose the smallest piece you can finish before lunch, block an hour, and tell a colleague.";
    let b1 = "Decline politely and offer to read the notes afterwards.";
    let b2 =
        "Decline kindly, say what you are working on instead, and ask for the notes afterwards.";
    let mut r = Repo::new();
    r.commit("draft", &[("replies.md", &two(a1, b1))]);
    r.b.branch("tone");
    r.commit("tone", &[("replies.md", &two(a2, b1))]);
    r.b.checkout("main");
    r.commit("meetings", &[("replies.md", &two(a1, b2))]);
    // git's own clean merge of the two: each side's section
    r.merge_writing("tone", "merge tone", &[("replies.md", &two(a2, b2))]);
    r.b.finish().expect("checkout");
    let (pairs, err) = r.mine(&["--history", "branches"]);
    assert_eq!(
        pairs.len(),
        2,
        "one pair per side's edit:\n{err}\n{pairs:#?}"
    );
}

/// The state files under `dir` (any depth): `*.json` holding a `commit`.
fn state_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(state_files(&path));
        } else if path.extension().is_some_and(|e| e == "json")
            && std::fs::read_to_string(&path).is_ok_and(|t| t.contains("\"commit\""))
        {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_state_written_before_the_shallow_boundary_was_kept_mines_the_history_once() {
    let d = Dir::new();
    shallow_clone_run(&d);
    // as an older revmine wrote it: no `shallow` key
    let states = state_files(d.path());
    assert_eq!(states.len(), 1, "{states:?}");
    let mut state: Value =
        serde_json::from_str(&std::fs::read_to_string(&states[0]).expect("state")).expect("json");
    assert!(state["shallow"].is_array(), "{state}");
    state.as_object_mut().expect("object").remove("shallow");
    std::fs::write(&states[0], state.to_string()).expect("write state");

    git(&d.path().join("clone"), &["fetch", "-q", "--unshallow"]);
    let (code, s, err) = run_source(&d);
    assert_eq!(code, 0, "{s}{err}");
    output_is_a_full_runs_and_up_to_date(&d);
}
