//! Issue 14: the hook judges exactly what git commits, in every repository
//! shape and workflow git allows: the temporary index of `commit -a`,
//! `commit PATH` and `commit -i`, clean merges, husky and other managers,
//! names that are not UTF-8, GUI clients without revmine on PATH, split,
//! sparse and SHA-256 repositories, `GIT_DIR`, `safe.directory` and
//! intent-to-add entries.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::{Git, bad, good};
use crate::util::varied;

fn executable(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A repository with a good train set committed and revmine's hooks installed.
fn with_dataset() -> Git {
    let g = Git::new();
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(ok, "{said}");
    g.write("x_train.jsonl", &good());
    g.write("notes.md", "# Notes\n");
    g.ok(&["add", "."]);
    g.ok(&["commit", "-qm", "base"]);
    g
}

#[test]
fn commit_a_path_and_i_judge_the_work_tree_they_commit() {
    let g = with_dataset();
    // The broken line is only in the work tree; the index holds the good set.
    g.write("x_train.jsonl", &bad());
    for args in [
        &["commit", "-a", "-qm", "all"][..],
        &["commit", "-qm", "path", "x_train.jsonl"],
        &["commit", "-qm", "include", "-i", "x_train.jsonl"],
    ] {
        let (ok, out) = g.git(args);
        assert!(!ok, "git {args:?} committed the broken line:\n{out}");
        assert!(
            out.contains("x_train.jsonl:3: broken") && out.contains("gate schema failed"),
            "git {args:?}:\n{out}"
        );
    }
    assert_eq!(g.commits(), 1);
    // The reverse: the broken set staged, the work tree fixed: `commit -a`
    // commits the fixed one, so it passes.
    g.ok(&["add", "x_train.jsonl"]);
    g.write("x_train.jsonl", &varied("u", 10, 4));
    let (ok, out) = g.git(&["commit", "-a", "-qm", "fixed"]);
    assert!(ok, "{out}");
    assert!(out.contains("every gate passes on the staged"), "{out}");
    assert_eq!(g.commits(), 2);
}

#[test]
fn check_staged_reads_the_index_git_index_file_names() {
    let g = with_dataset();
    g.write("y_train.jsonl", &bad());
    let tmp = g.path().join(".git/tmp-index");
    std::fs::copy(g.path().join(".git/index"), &tmp).expect("copy index");
    // staged in the temporary index only
    let (ok, out) = g.run(
        g.cmd("git")
            .args(["add", "y_train.jsonl"])
            .env("GIT_INDEX_FILE", &tmp),
    );
    assert!(ok, "{out}");
    let (ok, out) = g.revmine(&["check", "--staged"]);
    assert!(
        ok && out.trim().is_empty(),
        "the real index stages nothing:\n{out}"
    );
    // a relative GIT_INDEX_FILE, as git hands a plain `git commit`'s hook
    let (ok, out) = g.run(
        g.cmd("revmine")
            .args(["check", "--staged"])
            .env("GIT_INDEX_FILE", ".git/tmp-index"),
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains("y_train.jsonl:3: broken") && out.contains("commit blocked"),
        "{out}"
    );
}

#[test]
fn a_clean_merge_bringing_a_broken_dataset_is_blocked() {
    let g = with_dataset();
    let hooks = g.path().join(".git/hooks");
    assert!(hooks.join("pre-merge-commit").is_file());
    g.ok(&["checkout", "-qb", "feature"]);
    g.write("z_train.jsonl", &bad());
    g.ok(&["add", "z_train.jsonl"]);
    g.ok(&["commit", "-q", "--no-verify", "-m", "broken, unchecked"]);
    g.ok(&["checkout", "-q", "main"]);
    g.write("notes.md", "# Notes\nmore\n");
    g.ok(&["commit", "-qam", "notes"]);
    let head = g.ok(&["rev-parse", "HEAD"]);
    let (ok, out) = g.git(&["merge", "--no-edit", "feature"]);
    assert!(!ok, "the merge was committed:\n{out}");
    assert!(
        out.contains("z_train.jsonl:3: broken") && out.contains("gate schema failed"),
        "{out}"
    );
    assert_eq!(g.ok(&["rev-parse", "HEAD"]), head, "no merge commit");
    g.ok(&["merge", "--abort"]);
    // fixed on the branch: the merge goes through, checked
    g.ok(&["checkout", "-q", "feature"]);
    g.write("z_train.jsonl", &varied("z", 10, 4));
    g.ok(&["commit", "-qam", "fixed"]);
    g.ok(&["checkout", "-q", "main"]);
    let out = g.ok(&["merge", "--no-edit", "feature"]);
    assert!(out.contains("every gate passes on the staged"), "{out}");
    // status and uninstall cover both hooks
    let (_, status) = g.revmine(&["hook", "status"]);
    assert!(
        status.contains("revmine's pre-commit hook is installed")
            && status.contains("revmine's pre-merge-commit hook is installed"),
        "{status}"
    );
    let (ok, said) = g.revmine(&["hook", "uninstall"]);
    assert!(ok, "{said}");
    assert!(!hooks.join("pre-commit").exists() && !hooks.join("pre-merge-commit").exists());
}

/// husky v9's files, as `husky` (9.1) writes them: `.husky/_/h` finds the
/// user's script by the stub's own file name.
const HUSKY_H: &str = r#"#!/usr/bin/env sh
[ "$HUSKY" = "2" ] && set -x
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n

[ ! -f "$s" ] && exit 0

if [ -f "$HOME/.huskyrc" ]; then
	echo "husky - '~/.huskyrc' is DEPRECATED, please move your code to ~/.config/husky/init.sh"
fi
i="${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$i" ] && . "$i"

[ "${HUSKY-}" = "0" ] && exit 0

export PATH="node_modules/.bin:$PATH"
sh -e "$s" "$@"
c=$?

[ $c != 0 ] && echo "husky - $n script failed (code $c)"
[ $c = 127 ] && echo "husky - command not found in PATH=$PATH"
exit $c
"#;
const HUSKY_STUB: &str = "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"\n";

#[test]
fn a_husky_v9_chain_keeps_blocking_and_revmine_says_where_it_goes() {
    let g = Git::new();
    let internal = g.path().join(".husky/_");
    for name in ["pre-commit", "pre-merge-commit", "commit-msg"] {
        executable(&internal.join(name), HUSKY_STUB);
    }
    executable(&internal.join("h"), HUSKY_H);
    std::fs::write(internal.join(".gitignore"), "*\n").expect("gitignore");
    let user = "if [ -f STOP ]; then echo 'lint says stop' >&2; exit 1; fi\n";
    g.write(".husky/pre-commit", user);
    g.ok(&["config", "core.hooksPath", ".husky/_"]);
    let before: Vec<Vec<u8>> = ["pre-commit", "pre-merge-commit", "h"]
        .iter()
        .map(|n| std::fs::read(internal.join(n)).expect("read"))
        .collect();
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(!ok, "install must say it installed nothing:\n{said}");
    assert!(
        said.contains("is husky's hook; left as it is")
            && said.contains("nothing was installed")
            && said.contains(".husky/pre-commit")
            && said.contains("revmine check --staged"),
        "{said}"
    );
    let after: Vec<Vec<u8>> = ["pre-commit", "pre-merge-commit", "h"]
        .iter()
        .map(|n| std::fs::read(internal.join(n)).expect("read"))
        .collect();
    assert_eq!(before, after, "husky's files are untouched");
    assert!(!internal.join("revmine-chained").exists());
    // husky's chain still blocks what it blocked, and passes the rest
    g.write("STOP", "");
    g.write("a.md", "x\n");
    g.ok(&["add", "a.md", ".husky/pre-commit"]);
    let (ok, out) = g.git(&["commit", "-qm", "stopped"]);
    assert!(!ok && out.contains("lint says stop"), "{out}");
    std::fs::remove_file(g.path().join("STOP")).expect("rm");
    g.ok(&["commit", "-qm", "lint passes"]);
    // following the advice: revmine runs inside husky's chain
    g.write(
        ".husky/pre-commit",
        &format!("{user}revmine check --staged\n"),
    );
    g.write("d_train.jsonl", &bad());
    g.ok(&["add", "."]);
    let (ok, out) = g.git(&["commit", "-qm", "bad data"]);
    assert!(!ok && out.contains("gate schema failed"), "{out}");
    assert_eq!(g.commits(), 1);
}

#[test]
fn a_chained_hook_keeps_its_name_arguments_and_stdin() {
    let g = Git::new();
    let hooks = g.path().join(".git/hooks");
    // dispatches on its own file name, as hook managers' stubs do
    let theirs = "#!/bin/sh\ncase ${0##*/} in\n  pre-commit) ;;\n  *) echo \"run as ${0##*/}\" >&2; exit 1 ;;\nesac\n{ echo \"args: $*\"; cat; } > saw.txt\n";
    executable(&hooks.join("pre-commit"), theirs);
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(ok, "{said}");
    assert!(
        said.contains("kept as revmine-chained/pre-commit"),
        "{said}"
    );
    let out = g
        .cmd(hooks.join("pre-commit").to_str().expect("utf-8"))
        .args(["one", "two words"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(b"the input\n")?;
            child.wait_with_output()
        })
        .expect("hook runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(g.path().join("saw.txt")).expect("saw"),
        "args: one two words\nthe input\n"
    );
}

#[test]
fn hook_managers_are_named_with_what_to_add() {
    // lefthook's hook is left alone
    let g = Git::new();
    let lefthook = "#!/bin/sh\ncall_lefthook()\n{\n  lefthook \"$@\"\n}\ncall_lefthook run \"pre-commit\" \"$@\"\n";
    executable(&g.path().join(".git/hooks/pre-commit"), lefthook);
    g.write("lefthook.yml", "pre-commit:\n  commands: {}\n");
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(!ok, "{said}");
    assert!(
        said.contains("is lefthook's hook; left as it is")
            && said.contains("lefthook.yml")
            && said.contains("run: revmine check --staged"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(g.path().join(".git/hooks/pre-commit")).expect("hook"),
        lefthook
    );
    assert!(!g.path().join(".git/hooks/pre-merge-commit").exists());
    // a pre-commit framework config without its hook: installed, and told
    let g = Git::new();
    g.write(".pre-commit-config.yaml", "repos: []\n");
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(ok, "{said}");
    assert!(
        said.contains("uses the pre-commit framework")
            && said.contains("entry: revmine check --staged"),
        "{said}"
    );
}

#[test]
fn a_staged_dataset_named_in_latin_1_is_checked() {
    let g = with_dataset();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9_train.jsonl");
    std::fs::write(g.path().join(name), bad()).expect("write");
    let (ok, out) = g.run(g.cmd("git").arg("add").arg(name));
    assert!(ok, "{out}");
    let (ok, out) = g.git(&["commit", "-qm", "latin-1"]);
    assert!(!ok, "the Latin-1 named dataset was committed:\n{out}");
    assert!(
        out.contains("caf\u{fffd}_train.jsonl:3: broken") && out.contains("gate schema failed"),
        "{out}"
    );
}

/// The git binary, by absolute path, for a run with a minimal PATH.
fn git_binary() -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("git"))
        .find(|p| p.is_file())
        .expect("git on PATH")
}

#[test]
fn a_gui_client_with_a_minimal_path_runs_the_recorded_binary() {
    let g = with_dataset();
    let hook = g.path().join(".git/hooks/pre-commit");
    let text = std::fs::read_to_string(&hook).expect("hook");
    let bin = std::fs::canonicalize(env!("CARGO_BIN_EXE_revmine")).expect("bin");
    assert!(
        text.contains(&format!("\nrevmine_bin='{}'\n", bin.display())),
        "{text}"
    );
    // as a GUI client runs it: git by its path, no revmine on PATH
    let gui = |args: &[&str]| {
        g.run(
            g.cmd(git_binary().to_str().expect("utf-8"))
                .args(args)
                .env("PATH", "/usr/bin:/bin"),
        )
    };
    g.write("x_train.jsonl", &bad());
    g.ok(&["add", "x_train.jsonl"]);
    let (ok, out) = gui(&["commit", "-qm", "bad"]);
    assert!(!ok && out.contains("gate schema failed"), "{out}");
    g.ok(&["checkout", "-q", "HEAD", "--", "x_train.jsonl"]);
    // the recorded binary is gone: commits without datasets still pass...
    std::fs::write(
        &hook,
        text.replace(
            &format!("revmine_bin='{}'", bin.display()),
            "revmine_bin='/moved/away/revmine'",
        ),
    )
    .expect("rewrite hook");
    g.write("notes.md", "# Notes\nGUI edit\n");
    g.ok(&["add", "notes.md"]);
    let (ok, out) = gui(&["commit", "-qm", "notes from the GUI"]);
    assert!(ok, "{out}");
    assert!(out.contains("no dataset file is staged"), "{out}");
    // ...and one that could be a dataset, by revmine.toml's own globs, is blocked
    g.write(
        "revmine.toml",
        "[files]\n# our sets\ndataset = [\"*.ndjson\",\n  'data/**/*.records']\n\n[gates]\n",
    );
    g.write("data/q/a.records", "{}\n");
    g.ok(&["add", "revmine.toml", "data/q/a.records"]);
    let (ok, out) = gui(&["commit", "-qm", "records"]);
    assert!(!ok, "{out}");
    assert!(out.contains("cannot run on data/q/a.records"), "{out}");
    assert_eq!(g.commits(), 2);
}

/// Commits a README, then a broken and a good dataset, in `g`: the hook
/// must pass the first, block the second and pass the third.
fn passes_unrelated_blocks_broken(g: &Git) {
    g.write("README.md", "# readme\n");
    g.ok(&["add", "README.md"]);
    let (ok, out) = g.git(&["commit", "-qm", "readme"]);
    assert!(ok, "a README-only commit was blocked:\n{out}");
    g.write("sub/w_train.jsonl", &bad());
    g.ok(&["add", "sub/w_train.jsonl"]);
    let (ok, out) = g.git(&["commit", "-qm", "bad"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("sub/w_train.jsonl:3: broken") && out.contains("gate schema failed"),
        "{out}"
    );
    g.write("sub/w_train.jsonl", &varied("w", 10, 4));
    g.ok(&["add", "sub/w_train.jsonl"]);
    let (ok, out) = g.git(&["commit", "-qm", "good"]);
    assert!(
        ok && out.contains("every gate passes on the staged"),
        "{out}"
    );
}

#[test]
fn a_split_index_is_read() {
    let g = with_dataset();
    g.ok(&["update-index", "--split-index"]);
    passes_unrelated_blocks_broken(&g);
    let index = std::fs::read(g.path().join(".git/index")).expect("index");
    assert!(index.windows(4).any(|w| w == b"link"), "the index is split");
}

#[test]
fn a_sparse_index_is_read() {
    let g = with_dataset();
    g.write("far/away.md", "x\n");
    g.write("sub/keep.md", "x\n");
    g.ok(&["add", "."]);
    g.ok(&["commit", "-qm", "dirs"]);
    g.ok(&["sparse-checkout", "set", "--cone", "--sparse-index", "sub"]);
    let index = std::fs::read(g.path().join(".git/index")).expect("index");
    assert!(
        index.windows(4).any(|w| w == b"sdir"),
        "the index is sparse"
    );
    passes_unrelated_blocks_broken(&g);
}

#[test]
fn git_dir_and_git_work_tree_in_the_environment() {
    let store = tempfile::tempdir().expect("store");
    let g = Git::new();
    let git_dir = store.path().join("repo.git");
    std::fs::rename(g.path().join(".git"), &git_dir).expect("move .git");
    let env = |c: &mut std::process::Command| {
        c.env("GIT_DIR", &git_dir).env("GIT_WORK_TREE", g.path());
    };
    let (ok, said) = g.run(g.cmd("revmine").args(["hook", "install"]).tap(env));
    assert!(ok, "{said}");
    assert!(git_dir.join("hooks/pre-commit").is_file(), "{said}");
    let git = |args: &[&str]| g.run(g.cmd("git").args(args).tap(env));
    g.write("README.md", "# readme\n");
    assert!(git(&["add", "README.md"]).0);
    let (ok, out) = git(&["commit", "-qm", "readme"]);
    assert!(ok, "{out}");
    g.write("w_train.jsonl", &bad());
    assert!(git(&["add", "w_train.jsonl"]).0);
    let (ok, out) = git(&["commit", "-qm", "bad"]);
    assert!(!ok && out.contains("gate schema failed"), "{out}");
}

#[test]
fn a_sha256_repository_is_checked() {
    let g = Git::new();
    std::fs::remove_dir_all(g.path().join(".git")).expect("rm .git");
    g.ok(&["init", "-q", "-b", "main", "--object-format=sha256"]);
    for (k, v) in [
        ("user.name", "Ana Ruiz"),
        ("user.email", "ana@example.org"),
        ("commit.gpgsign", "false"),
    ] {
        g.ok(&["config", k, v]);
    }
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(ok, "{said}");
    passes_unrelated_blocks_broken(&g);
    assert_eq!(g.ok(&["rev-parse", "HEAD"]).trim().len(), 64, "SHA-256 ids");
}

#[test]
fn safe_directory_from_git_config_global_is_honoured() {
    if !crate::util::is_root() {
        eprintln!("skipped: needs root to give the repository another owner");
        return;
    }
    let g = with_dataset();
    let global = tempfile::NamedTempFile::new().expect("global config");
    std::fs::write(global.path(), "[safe]\n\tdirectory = *\n").expect("write");
    let status = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(g.path())
        .status()
        .expect("chown");
    assert!(status.success());
    let git = |args: &[&str], global: &Path| {
        g.run(g.cmd("git").args(args).env("GIT_CONFIG_GLOBAL", global))
    };
    // git itself refuses the repository without safe.directory...
    let (ok, out) = git(&["status"], Path::new("/dev/null"));
    assert!(!ok && out.contains("dubious ownership"), "{out}");
    let (ok, out) = g.run(g.cmd("revmine").args(["check", "--staged"]));
    assert!(!ok && out.contains("safe.directory"), "{out}");
    // ...and accepts it with: so must the hook
    g.write("notes.md", "# Notes\nsafe\n");
    assert!(git(&["add", "notes.md"], global.path()).0);
    let (ok, out) = git(&["commit", "-qm", "notes"], global.path());
    assert!(ok, "{out}");
    g.write("x_train.jsonl", &bad());
    assert!(git(&["add", "x_train.jsonl"], global.path()).0);
    let (ok, out) = git(&["commit", "-qm", "bad"], global.path());
    assert!(!ok && out.contains("gate schema failed"), "{out}");
}

#[test]
fn an_intent_to_add_entry_is_not_staged_content() {
    let g = with_dataset();
    g.write("new_train.jsonl", &bad());
    g.ok(&["add", "-N", "new_train.jsonl"]);
    g.write("notes.md", "# Notes\nmore\n");
    g.ok(&["add", "notes.md"]);
    let (ok, out) = g.git(&["commit", "-qm", "notes"]);
    assert!(ok, "an intent-to-add entry blocked the commit:\n{out}");
    assert_eq!(out.trim(), "", "{out}");
    // staged for real, it is judged
    g.ok(&["add", "new_train.jsonl"]);
    let (ok, out) = g.git(&["commit", "-qm", "data"]);
    assert!(!ok && out.contains("new_train.jsonl:3: broken"), "{out}");
}

#[test]
fn check_staged_outside_a_repository_says_so() {
    let d = crate::util::Dir::new();
    let out = crate::util::revmine_std(d.path())
        .args(["check", "--staged"])
        .env(
            "GIT_CEILING_DIRECTORIES",
            d.path().parent().expect("parent"),
        )
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`git diff --cached` failed: not inside a git repository")
            && !err.contains("usage"),
        "{err}"
    );
}

/// `cmd.tap(f)`: applies `f` and hands `cmd` back, for one-line set-ups.
trait Tap {
    fn tap(&mut self, f: impl FnOnce(&mut Self)) -> &mut Self;
}

impl Tap for std::process::Command {
    fn tap(&mut self, f: impl FnOnce(&mut Self)) -> &mut Self {
        f(self);
        self
    }
}

#[test]
fn a_revmine_hook_v1_with_its_legacy_hook_is_upgraded_and_restored() {
    let g = Git::new();
    let hooks = g.path().join(".git/hooks");
    let theirs = "#!/bin/sh\nif [ -f STOP ]; then echo 'team hook says stop' >&2; exit 1; fi\n";
    executable(&hooks.join("pre-commit.legacy"), theirs);
    executable(
        &hooks.join("pre-commit"),
        "#!/bin/sh\n# revmine pre-commit hook (revmine-hook v1)\nexec revmine check --staged\n",
    );
    let (_, status) = g.revmine(&["hook", "status"]);
    assert!(
        status.contains("an older revmine pre-commit hook") && status.contains("pre-commit.legacy"),
        "{status}"
    );
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(ok && said.contains("updated"), "{said}");
    assert!(!hooks.join("pre-commit.legacy").exists());
    assert_eq!(
        std::fs::read_to_string(hooks.join("revmine-chained/pre-commit")).expect("chained"),
        theirs
    );
    g.write("STOP", "");
    g.write("a.md", "x\n");
    g.ok(&["add", "a.md"]);
    let (ok, out) = g.git(&["commit", "-qm", "stopped"]);
    assert!(!ok && out.contains("team hook says stop"), "{out}");
    let (ok, said) = g.revmine(&["hook", "uninstall"]);
    assert!(ok, "{said}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).expect("restored"),
        theirs
    );
    assert!(!hooks.join("revmine-chained").exists());
    assert!(!hooks.join("pre-merge-commit").exists());
}

#[test]
fn a_symlinked_hook_is_left_where_it_is_and_keeps_running() {
    let g = Git::new();
    let scripts = g.path().join("scripts");
    std::fs::create_dir_all(&scripts).expect("scripts");
    executable(
        &scripts.join("pre-commit"),
        "#!/bin/sh\necho 'their hook says no' >&2\nexit 1\n",
    );
    let hook = g.path().join(".git/hooks/pre-commit");
    std::os::unix::fs::symlink("../../scripts/pre-commit", &hook).expect("symlink");
    let (_, said) = g.revmine(&["hook", "install"]);
    assert!(said.contains("left as it is"), "{said}");
    assert_eq!(
        std::fs::read_link(&hook).expect("still a link"),
        PathBuf::from("../../scripts/pre-commit")
    );
    g.write("notes.md", "hello\n");
    g.ok(&["add", "notes.md"]);
    let (ok, text) = g.git(&["commit", "-q", "-m", "notes"]);
    assert!(!ok && text.contains("their hook says no"), "{text}");
}

#[test]
fn a_staged_dataset_in_git_lfs_is_checked_through_git_lfs() {
    if !crate::read::git_lfs_installed() {
        return;
    }
    let g = Git::new();
    g.ok(&["lfs", "install", "--local"]);
    g.ok(&["lfs", "track", "*.jsonl"]);
    let (ok, said) = g.revmine(&["hook", "install"]);
    assert!(ok, "{said}");
    g.write("train.jsonl", &good());
    g.ok(&["add", "."]);
    let staged = g.ok(&["cat-file", "-p", ":train.jsonl"]);
    assert!(
        staged.starts_with("version https://git-lfs.github.com/spec/v1"),
        "{staged}"
    );
    let (ok, text) = g.git(&["commit", "-q", "-m", "dataset in LFS"]);
    assert!(ok, "a good dataset behind its pointer commits: {text}");
    g.write("train.jsonl", &bad());
    g.ok(&["add", "train.jsonl"]);
    let (ok, text) = g.git(&["commit", "-q", "-m", "broken"]);
    assert!(!ok, "{text}");
    assert!(text.contains("train.jsonl:3: broken"), "{text}");
    assert!(!text.contains("LFS pointer"), "{text}");
}
