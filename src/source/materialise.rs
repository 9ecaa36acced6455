//! Builds real git repositories from a readable history script, with fixed
//! authors and dates, so the same script gives the same commit ids every time.
//! `revmine demo` materialises `sample-repos/*.history`; the tests build their
//! situations with [`RepoBuilder`] directly.
//!
//! A script is Markdown-friendly text; lines starting with `%% ` are directives,
//! everything else is the content of the file being written:
//!
//! ```text
//! %% commit "Draft the deadline reply" by Ana Ruiz <ana@example.org> at 2026-09-01T09:00:00+02:00
//! %% write replies/deadline.md
//! ## I missed the deadline, what now?
//! Send a revised ETA.
//! %% write-crlf notes/windows.md      (the same, with CRLF line endings)
//! %% latin1 notes/old.txt            (the same, encoded as Latin-1: not UTF-8)
//! %% hex assets/logo.png 89504e470d0a1a0a
//! %% delete notes/scratch.md
//! %% rename replies/a.md replies/b.md
//! %% symlink latest.md replies/deadline.md
//! %% submodule vendor/style 4b825dc642cb6eb9a060e54bf8d69288fbee4904
//! %% branch feature/tone             (create from the current branch and switch)
//! %% checkout main
//! %% merge feature/tone "Merge tone edits" by Ana Ruiz <ana@example.org> at 2026-09-03T10:00:00+02:00
//! ```
//! File edits accumulate until the next `commit` line, which commits them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use git2::{IndexEntry, IndexTime, Oid, Repository, Signature, Time};

#[derive(Debug, thiserror::Error)]
pub enum MaterialiseError {
    #[error("{script}:{line}: {message}")]
    Script {
        script: String,
        line: usize,
        message: String,
    },
    #[error("{script}:{line}: git: {source}")]
    Git {
        script: String,
        line: usize,
        #[source]
        source: git2::Error,
    },
}

/// A tree's entries: path -> (mode, content or, for a submodule, the commit id bytes).
type State = BTreeMap<String, (u32, Vec<u8>)>;

const FILE: u32 = 0o100644;
const LINK: u32 = 0o120000;
const GITLINK: u32 = 0o160000;

/// Writes commits on branches of a fresh repository, from in-memory trees.
pub struct RepoBuilder {
    repo: Repository,
    /// Branch name -> (tip, tree state at the tip).
    branches: HashMap<String, (Option<Oid>, State)>,
    current: String,
    staged: State,
}

impl RepoBuilder {
    /// A new repository in `dir`, HEAD on `main`.
    pub fn init(dir: &Path) -> Result<Self, git2::Error> {
        let repo = Repository::init(dir)?;
        repo.set_head("refs/heads/main")?;
        let mut branches = HashMap::new();
        branches.insert("main".to_string(), (None, State::new()));
        Ok(RepoBuilder {
            repo,
            branches,
            current: "main".into(),
            staged: State::new(),
        })
    }

    pub fn write(&mut self, path: &str, bytes: &[u8]) {
        self.staged.insert(path.to_string(), (FILE, bytes.to_vec()));
    }

    pub fn delete(&mut self, path: &str) -> bool {
        self.staged.remove(path).is_some()
    }

    pub fn rename(&mut self, from: &str, to: &str) -> bool {
        match self.staged.remove(from) {
            Some(entry) => {
                self.staged.insert(to.to_string(), entry);
                true
            }
            None => false,
        }
    }

    pub fn symlink(&mut self, path: &str, target: &str) {
        self.staged
            .insert(path.to_string(), (LINK, target.as_bytes().to_vec()));
    }

    pub fn submodule(&mut self, path: &str, commit: Oid) {
        self.staged
            .insert(path.to_string(), (GITLINK, commit.as_bytes().to_vec()));
    }

    /// Commits the staged tree on the current branch; returns the commit id.
    pub fn commit(&mut self, subject: &str, author: &Signature<'_>) -> Result<Oid, git2::Error> {
        let parent = self.branches.get(&self.current).and_then(|(tip, _)| *tip);
        self.commit_with(subject, author, parent.into_iter().collect())
    }

    /// Creates `name` at the current branch's tip and switches to it.
    pub fn branch(&mut self, name: &str) {
        let here = self
            .branches
            .get(&self.current)
            .cloned()
            .unwrap_or((None, State::new()));
        self.branches.insert(name.to_string(), here);
        self.current = name.to_string();
    }

    pub fn checkout(&mut self, name: &str) -> bool {
        match self.branches.get(name) {
            Some((_, state)) => {
                self.staged = state.clone();
                self.current = name.to_string();
                true
            }
            None => false,
        }
    }

    /// A `--no-ff` merge of `other` into the current branch. The merged tree
    /// takes each path from whichever side changed it since they forked
    /// (the current side when both did).
    pub fn merge(
        &mut self,
        other: &str,
        subject: &str,
        author: &Signature<'_>,
    ) -> Result<Oid, git2::Error> {
        self.merge_writing(other, subject, author, &[])
    }

    /// [`merge`](Self::merge), with `files` (path, content) written over
    /// the merged tree: a conflict resolved by hand.
    pub fn merge_writing(
        &mut self,
        other: &str,
        subject: &str,
        author: &Signature<'_>,
        files: &[(&str, &[u8])],
    ) -> Result<Oid, git2::Error> {
        let (Some((Some(ours), our_state)), Some((Some(theirs), their_state))) = (
            self.branches.get(&self.current).cloned(),
            self.branches.get(other).cloned(),
        ) else {
            return Err(git2::Error::from_str(&format!(
                "cannot merge `{other}` into `{}`: a side has no commit",
                self.current
            )));
        };
        let base = self.repo.merge_base(ours, theirs)?;
        let base_state = self.state_of(base)?;
        let mut merged = our_state.clone();
        let paths: std::collections::BTreeSet<&String> =
            base_state.keys().chain(their_state.keys()).collect();
        for path in paths {
            let (b, t, o) = (
                base_state.get(path),
                their_state.get(path),
                our_state.get(path),
            );
            if t != b && o == b {
                match t {
                    Some(entry) => merged.insert(path.clone(), entry.clone()),
                    None => merged.remove(path),
                };
            }
        }
        self.staged = merged;
        for (path, bytes) in files {
            self.write(path, bytes);
        }
        self.commit_with(subject, author, vec![ours, theirs])
    }

    /// Checks the current branch out into the work tree, so the result looks like any clone.
    pub fn finish(&self) -> Result<(), git2::Error> {
        self.repo
            .set_head(&format!("refs/heads/{}", self.current))?;
        self.repo
            .checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
    }

    fn commit_with(
        &mut self,
        subject: &str,
        author: &Signature<'_>,
        parents: Vec<Oid>,
    ) -> Result<Oid, git2::Error> {
        let mut index = git2::Index::new()?;
        for (path, (mode, content)) in &self.staged {
            let id = if *mode == GITLINK {
                Oid::from_bytes(content)?
            } else {
                self.repo.blob(content)?
            };
            index.add(&IndexEntry {
                ctime: IndexTime::new(0, 0),
                mtime: IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: *mode,
                uid: 0,
                gid: 0,
                file_size: content.len() as u32,
                id,
                flags: path.len().min(0xfff) as u16,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            })?;
        }
        let tree = self.repo.find_tree(index.write_tree_to(&self.repo)?)?;
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p))
            .collect::<Result<_, _>>()?;
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let refname = format!("refs/heads/{}", self.current);
        let id = self
            .repo
            .commit(None, author, author, subject, &tree, &parent_refs)?;
        self.repo.reference(&refname, id, true, subject)?;
        self.branches
            .insert(self.current.clone(), (Some(id), self.staged.clone()));
        Ok(id)
    }

    fn state_of(&self, commit: Oid) -> Result<State, git2::Error> {
        let tree = self.repo.find_commit(commit)?.tree()?;
        let mut state = State::new();
        let mut failed = None;
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let mode = entry.filemode() as u32;
            if mode == 0o040000 {
                return git2::TreeWalkResult::Ok;
            }
            let path = format!("{dir}{}", entry.name().unwrap_or_default());
            let content = if mode == GITLINK {
                Ok(entry.id().as_bytes().to_vec())
            } else {
                self.repo
                    .find_blob(entry.id())
                    .map(|b| b.content().to_vec())
            };
            match content {
                Ok(c) => {
                    state.insert(path, (mode, c));
                    git2::TreeWalkResult::Ok
                }
                Err(e) => {
                    failed = Some(e);
                    git2::TreeWalkResult::Abort
                }
            }
        })?;
        match failed {
            Some(e) => Err(e),
            None => Ok(state),
        }
    }
}

/// `Name <email>` at a fixed RFC 3339 time.
pub fn signature(who: &str, when: &str) -> Result<Signature<'static>, String> {
    let (name, email) = who
        .trim()
        .strip_suffix('>')
        .and_then(|s| s.split_once(" <"))
        .ok_or_else(|| format!("author `{who}` is not `Name <email>`"))?;
    let t = chrono::DateTime::parse_from_rfc3339(when.trim())
        .map_err(|e| format!("time `{when}`: {e}"))?;
    let time = Time::new(t.timestamp(), t.offset().local_minus_utc() / 60);
    Signature::new(name, email, &time).map_err(|e| e.to_string())
}

/// Materialises `script` (named `name` in errors) as a repository in `dir`.
pub fn materialise(name: &str, script: &str, dir: &Path) -> Result<(), MaterialiseError> {
    let script_err = |line: usize, message: String| MaterialiseError::Script {
        script: name.into(),
        line,
        message,
    };
    let git_err = |line: usize| {
        move |source| MaterialiseError::Git {
            script: name.into(),
            line,
            source,
        }
    };
    let mut b = RepoBuilder::init(dir).map_err(git_err(0))?;
    // The file being written: (directive line, path, encoding, content lines).
    let mut pending: Option<(usize, String, &str, Vec<&str>)> = None;
    let lines: Vec<&str> = script.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let Some(directive) = line.strip_prefix("%% ") else {
            match pending.as_mut() {
                Some((_, _, _, content)) => content.push(line),
                None if line.trim().is_empty() || line.starts_with('#') => {}
                None => return Err(script_err(n, "text outside a `%% write`".into())),
            }
            continue;
        };
        if let Some((_, path, enc, content)) = pending.take() {
            b.write(&path, &encode(&content, enc));
        }
        let (verb, rest) = directive.split_once(' ').unwrap_or((directive, ""));
        let args: Vec<&str> = rest.split_whitespace().collect();
        let need = |k: usize| {
            if args.len() == k {
                Ok(())
            } else {
                Err(script_err(n, format!("`{verb}` takes {k} argument(s)")))
            }
        };
        match verb {
            "write" | "write-crlf" | "latin1" => {
                need(1)?;
                pending = Some((n, args[0].to_string(), verb, Vec::new()));
            }
            "hex" => {
                need(2)?;
                let bytes = decode_hex(args[1]).ok_or_else(|| script_err(n, "bad hex".into()))?;
                b.write(args[0], &bytes);
            }
            "delete" => {
                need(1)?;
                if !b.delete(args[0]) {
                    return Err(script_err(n, format!("no file `{}` to delete", args[0])));
                }
            }
            "rename" => {
                need(2)?;
                if !b.rename(args[0], args[1]) {
                    return Err(script_err(n, format!("no file `{}` to rename", args[0])));
                }
            }
            "symlink" => {
                need(2)?;
                b.symlink(args[0], args[1]);
            }
            "submodule" => {
                need(2)?;
                let oid = Oid::from_str(args[1]).map_err(git_err(n))?;
                b.submodule(args[0], oid);
            }
            "branch" => {
                need(1)?;
                b.branch(args[0]);
            }
            "checkout" => {
                need(1)?;
                if !b.checkout(args[0]) {
                    return Err(script_err(n, format!("no branch `{}`", args[0])));
                }
            }
            "commit" => {
                let (subject, sig) = parse_commit(rest).map_err(|m| script_err(n, m))?;
                b.commit(&subject, &sig).map_err(git_err(n))?;
            }
            "merge" => {
                let (branch, tail) = rest.split_once(' ').ok_or_else(|| {
                    script_err(n, "`merge BRANCH \"subject\" by ... at ...`".into())
                })?;
                let (subject, sig) = parse_commit(tail).map_err(|m| script_err(n, m))?;
                b.merge(branch, &subject, &sig).map_err(git_err(n))?;
            }
            other => return Err(script_err(n, format!("unknown directive `{other}`"))),
        }
    }
    if let Some((n, ..)) = pending {
        return Err(script_err(
            n,
            "file written after the last commit is never committed".into(),
        ));
    }
    b.finish().map_err(git_err(lines.len()))
}

/// `"subject" by Name <email> at TIME`.
fn parse_commit(rest: &str) -> Result<(String, Signature<'static>), String> {
    let rest = rest.trim();
    let body = rest
        .strip_prefix('"')
        .ok_or("expected `\"subject\" by Name <email> at TIME`")?;
    // The subject ends at the last `" by `, so it may hold quotes itself (`Revert "…"`).
    let (subject, tail) = body
        .rsplit_once("\" by ")
        .ok_or("expected `\"subject\" by Name <email> at TIME`")?;
    let (who, when) = tail
        .rsplit_once(" at ")
        .ok_or("expected `at TIME` after the author")?;
    Ok((subject.to_string(), signature(who, when)?))
}

fn encode(lines: &[&str], encoding: &str) -> Vec<u8> {
    let mut text = lines.join("\n");
    text.push('\n');
    match encoding {
        "write-crlf" => text.replace('\n', "\r\n").into_bytes(),
        // Every char below 256 maps to one Latin-1 byte; others become `?`.
        "latin1" => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect(),
        _ => text.into_bytes(),
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "\
%% write a.md
## Q
Answer one.
%% commit \"first\" by Ana <ana@example.org> at 2026-09-01T09:00:00+02:00
%% branch feature
%% write a.md
## Q
Answer two, longer.
%% commit \"on branch\" by Ana <ana@example.org> at 2026-09-02T09:00:00+02:00
%% checkout main
%% merge feature \"merge\" by Ana <ana@example.org> at 2026-09-03T09:00:00+02:00
";

    #[test]
    fn same_script_same_commit_ids() {
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        materialise("s", SCRIPT, d1.path()).unwrap();
        materialise("s", SCRIPT, d2.path()).unwrap();
        let head = |d: &Path| {
            Repository::open(d)
                .unwrap()
                .head()
                .unwrap()
                .target()
                .unwrap()
        };
        assert_eq!(head(d1.path()), head(d2.path()));
        let repo = Repository::open(d1.path()).unwrap();
        let merge = repo.head().unwrap().peel_to_commit().unwrap();
        assert_eq!(merge.parent_count(), 2);
        let text = std::fs::read_to_string(d1.path().join("a.md")).unwrap();
        assert_eq!(text, "## Q\nAnswer two, longer.\n");
    }

    #[test]
    fn subjects_may_hold_quotes() {
        let (subject, sig) =
            parse_commit("\"Revert \"Tone pass\"\" by Ana <a@b.org> at 2026-01-01T00:00:00Z")
                .unwrap();
        assert_eq!(subject, "Revert \"Tone pass\"");
        assert_eq!(sig.email().ok(), Some("a@b.org"));
    }

    #[test]
    fn script_errors_name_the_line() {
        let d = tempfile::tempdir().unwrap();
        let e = materialise("x.history", "%% delete nope.md\n", d.path()).unwrap_err();
        assert_eq!(e.to_string(), "x.history:1: no file `nope.md` to delete");
        let e = materialise("x.history", "%% write a.md\nhi\n", d.path()).unwrap_err();
        assert!(
            e.to_string()
                .contains("x.history:1: file written after the last commit"),
            "{e}"
        );
        let e = materialise(
            "x.history",
            "%% commit \"s\" by nobody at 2026-01-01T00:00:00Z\n",
            d.path(),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("x.history:1: author `nobody`"),
            "{e}"
        );
    }
}
