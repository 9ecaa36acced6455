//! The git source: opens a repository, walks its history as the user asked,
//! and hands out plain values (ids, times, paths, texts). Nothing else in
//! revmine names git2.

use rayon::prelude::*;
use std::fmt;
use std::path::{Path, PathBuf};

use git2::{
    Delta, DiffFindOptions, DiffOptions, ErrorCode, FileMode, ObjectType, Oid, Repository, Sort,
};

/// A git object id, as plain bytes so callers need not know git2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjId([u8; 20]);

impl ObjId {
    fn from_oid(oid: Oid) -> Self {
        let mut b = [0u8; 20];
        let bytes = oid.as_bytes();
        let n = bytes.len().min(20);
        b[..n].copy_from_slice(&bytes[..n]);
        ObjId(b)
    }

    fn to_oid(self) -> Option<Oid> {
        Oid::from_bytes(&self.0).ok()
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }
}

impl fmt::Display for ObjId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("`{}` is not a git repository: {}", path.display(), source.message())]
    NotARepo {
        path: PathBuf,
        #[source]
        source: git2::Error,
    },
    /// `git init --object-format=sha256` (git's "hash function transition",
    /// gitformat-... `extensions.objectFormat`): libgit2, which revmine reads
    /// git through, opens SHA-1 repositories only.
    #[error("`{}` is a SHA-256 repository (extensions.objectFormat = sha256): revmine reads git through libgit2, which opens SHA-1 repositories only; mine a SHA-1 copy instead (e.g. one converted with `git fast-export | git fast-import` into a repository made by plain `git init`)", path.display())]
    Sha256 { path: PathBuf },
    #[error("{}: cannot resolve revision `{rev}`: {} (is it a branch, tag or commit of this repo?)", path.display(), source.message())]
    Rev {
        path: PathBuf,
        rev: String,
        #[source]
        source: git2::Error,
    },
    #[error("{}: cannot open a reader: {message}", path.display())]
    Reader { path: PathBuf, message: String },
    #[error("{}: history walk failed at commit {commit}: {}", path.display(), source.message())]
    Walk {
        path: PathBuf,
        commit: String,
        #[source]
        source: git2::Error,
    },
}

/// One commit as the miner needs it.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: ObjId,
    /// Seconds since the epoch and the author's UTC offset, for RFC 3339 times.
    pub time: i64,
    pub offset_minutes: i32,
    pub subject: String,
    /// `Name <email>`, what author patterns match against.
    pub author: String,
    /// When the author wrote it, seconds since the epoch: a rebase or
    /// cherry-pick keeps it where the commit time above moves, so edits
    /// are grouped into sessions by this one.
    pub author_time: i64,
    /// More than one parent: a merge (read only in first-parent history).
    pub merge: bool,
}

/// What a tree entry holds; only regular files are read as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Symlink,
    Submodule,
    Other,
}

/// One side of a change: the blob and what kind of entry it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Side {
    pub id: ObjId,
    pub kind: Kind,
}

/// One path changed by a commit against its parent.
#[derive(Debug, Clone)]
pub struct Change {
    /// The path after the commit (before it, for a deletion).
    pub path: String,
    /// The path before the commit, when rename detection found a move.
    pub renamed_from: Option<String>,
    pub old: Option<Side>,
    pub new: Option<Side>,
}

/// How the history is walked; `[mine] history` spells it `first-parent` or `branches`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum History {
    /// The history as merged: a merge contributes its diff against its first parent.
    FirstParent,
    /// Every non-merge commit against its parent, as `git log --no-merges`.
    Branches,
}

/// What the walk saw besides changes; ends up in the mining summary.
#[derive(Debug, Default, Clone)]
pub struct WalkStats {
    pub commits: u64,
    pub merges_skipped: u64,
    pub shallow: bool,
    pub unborn: bool,
    /// Commits whose own objects (commit, tree) are damaged: (commit id,
    /// libgit2's message). Their changes are skipped and the walk goes on.
    pub corrupt: Vec<(String, String)>,
}

pub struct GitRepo {
    repo: Repository,
    path: PathBuf,
    /// Remote URL without credentials, else the directory name: names the repo in records and ids.
    pub identity: String,
}

impl GitRepo {
    pub fn open(path: &Path) -> Result<Self, GitError> {
        // libgit2 re-hashes every object it reads to verify it (SHA-1 with
        // collision detection): 40% of a whole mining run on rust-lang/rfcs.
        // git itself does not on reads; the objects are the user's own.
        git2::opts::strict_hash_verification(false);
        let repo = open_repo(path)?;
        let identity = identity(&repo, path);
        Ok(GitRepo {
            repo,
            path: path.to_path_buf(),
            identity,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The remote a partial clone (`git clone --filter=…`) fetches missing
    /// objects from: the first remote with `remote.<name>.promisor` set, or
    /// `extensions.partialClone` (older git), as gitrepository-layout(5) and
    /// git's partial-clone docs describe. `None` for a complete repository.
    pub fn promisor_remote(&self) -> Option<String> {
        let config = self.repo.config().ok()?;
        if let Ok(name) = config.get_string("extensions.partialclone") {
            return Some(name);
        }
        let remotes = self.repo.remotes().ok()?;
        let names: Vec<&str> = remotes.iter().flatten().flatten().collect();
        names
            .into_iter()
            .find(|name| {
                config
                    .get_bool(&format!("remote.{name}.promisor"))
                    .unwrap_or(false)
            })
            .map(str::to_string)
    }

    /// The commits a shallow clone's history stops at (the `shallow` file of
    /// gitrepository-layout(5): one hex id a line), sorted; empty for a
    /// complete history. Deepening (`git fetch --unshallow`, `--deepen`)
    /// changes it.
    pub fn shallow_boundary(&self) -> Vec<String> {
        let file = self.repo.commondir().join("shallow");
        let mut ids: Vec<String> = std::fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        ids.sort();
        ids
    }

    /// Walks history oldest first, calling `visit` with each commit and its
    /// changes whose old or new path `keep` accepts.
    /// The commit `rev` (default HEAD) names, as a full hex id; `None` for
    /// an unborn HEAD (an empty repository).
    pub fn resolve(&self, rev: Option<&str>) -> Result<Option<String>, GitError> {
        let rev_err = |rev: &str| {
            let path = self.path.clone();
            let rev = rev.to_string();
            move |source| GitError::Rev { path, rev, source }
        };
        match rev {
            Some(r) => Ok(Some(
                self.repo
                    .revparse_single(r)
                    .and_then(|o| o.peel_to_commit())
                    .map_err(rev_err(r))?
                    .id()
                    .to_string(),
            )),
            None => match self.repo.head() {
                Ok(head) => Ok(Some(
                    head.peel_to_commit()
                        .map_err(rev_err("HEAD"))?
                        .id()
                        .to_string(),
                )),
                Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
                    Ok(None)
                }
                Err(e) => Err(rev_err("HEAD")(e)),
            },
        }
    }

    /// True when `old` is still in the history of `new`: a later run can
    /// then read only what came after it. False when `old` is gone or was
    /// rewritten away (force-push, rebase).
    pub fn contains(&self, new: &str, old: &str) -> bool {
        let (Ok(new), Ok(old)) = (Oid::from_str(new), Oid::from_str(old)) else {
            return false;
        };
        if self.repo.find_commit(old).is_err() {
            return false;
        }
        new == old || self.repo.graph_descendant_of(new, old).unwrap_or(false)
    }

    /// Every commit in the history of `rev` (a full hex id), as hex ids:
    /// what a rewritten history still holds.
    pub fn reachable(&self, rev: &str) -> Result<std::collections::HashSet<String>, GitError> {
        let walk_err = |source| GitError::Walk {
            path: self.path.clone(),
            commit: rev.to_string(),
            source,
        };
        let oid = Oid::from_str(rev).map_err(walk_err)?;
        let mut walk = self.repo.revwalk().map_err(walk_err)?;
        walk.push(oid).map_err(walk_err)?;
        let mut seen = std::collections::HashSet::new();
        for id in walk {
            seen.insert(id.map_err(walk_err)?.to_string());
        }
        Ok(seen)
    }

    /// The branches merged into the first-parent line of `rev` (default
    /// HEAD): for each merge on that line, oldest first, the commits its
    /// second parent brought in (`git rev-list P1..P2`, with `hide` and
    /// its history left out), in no particular order. What `--fold branch`
    /// folds into one revision.
    pub fn merged_branches(
        &self,
        rev: Option<&str>,
        hide: Option<&str>,
    ) -> Result<Vec<Vec<ObjId>>, GitError> {
        let Some(start) = self.resolve(rev)? else {
            return Ok(Vec::new());
        };
        let walk_err = |commit: String| {
            let path = self.path.clone();
            move |source| GitError::Walk {
                path,
                commit,
                source,
            }
        };
        let hide = hide.and_then(|h| Oid::from_str(h).ok());
        let mut branches = Vec::new();
        let mut at = Oid::from_str(&start).map_err(walk_err(start.clone()))?;
        loop {
            if Some(at) == hide {
                break;
            }
            let Ok(commit) = self.repo.find_commit(at) else {
                break; // a shallow boundary or a damaged commit ends the line
            };
            if commit.parent_count() > 1
                && let (Ok(ours), Ok(theirs)) = (commit.parent_id(0), commit.parent_id(1))
            {
                let mut revwalk = self.repo.revwalk().map_err(walk_err(at.to_string()))?;
                revwalk.push(theirs).map_err(walk_err(at.to_string()))?;
                revwalk.hide(ours).map_err(walk_err(at.to_string()))?;
                if let Some(h) = hide {
                    revwalk.hide(h).map_err(walk_err(h.to_string()))?;
                }
                branches.push(
                    revwalk
                        .filter_map(Result::ok)
                        .map(ObjId::from_oid)
                        .collect(),
                );
            }
            match commit.parent_id(0) {
                Ok(p) => at = p,
                Err(_) => break,
            }
        }
        branches.reverse();
        Ok(branches)
    }

    /// The commit that wrote `blob` at `path` as the first parent of
    /// `child` has it: followed back through the parents that hold the same
    /// blob there to the first that does, which none of its parents do
    /// (`None` when `child` has no parent or the history cannot be read).
    /// Finds the commits a walk does not record: a merge that resolved a
    /// conflict (skipped by `--history branches`), a commit on a branch
    /// that renamed the file, a commit before a previous run's last one.
    pub fn producer(&self, child: ObjId, path: &str, blob: ObjId) -> Option<CommitInfo> {
        let holds = |c: &git2::Commit<'_>| {
            c.tree()
                .ok()
                .and_then(|t| t.get_path(Path::new(path)).ok())
                .is_some_and(|e| e.id().as_bytes() == blob.as_bytes())
        };
        let mut at = self
            .repo
            .find_commit(child.to_oid()?)
            .ok()?
            .parent(0)
            .ok()?;
        // A bound on a pathological history; each step is one tree lookup.
        for _ in 0..1_000_000 {
            match at.parents().find(|p| holds(p)) {
                Some(p) => at = p,
                None => return holds(&at).then(|| commit_info(&at)),
            }
        }
        None
    }

    pub fn walk(
        &self,
        rev: Option<&str>,
        history: History,
        hide: Option<&str>,
        keep: &(dyn Fn(&str) -> bool + Sync),
        visit: &mut dyn FnMut(&CommitInfo, Vec<Change>),
    ) -> Result<WalkStats, GitError> {
        let mut stats = WalkStats {
            shallow: self.repo.is_shallow(),
            ..WalkStats::default()
        };
        let repo_path = self.path.as_path();
        let walk_err = |commit: String| {
            let path = repo_path.to_path_buf();
            move |source| GitError::Walk {
                path: path.clone(),
                commit: commit.clone(),
                source,
            }
        };
        let start = match rev {
            Some(rev) => {
                let obj = self
                    .repo
                    .revparse_single(rev)
                    .and_then(|o| o.peel_to_commit())
                    .map_err(|source| GitError::Rev {
                        path: self.path.clone(),
                        rev: rev.to_string(),
                        source,
                    })?;
                obj.id()
            }
            None => match self.repo.head() {
                Ok(head) => head.peel_to_commit().map_err(walk_err("HEAD".into()))?.id(),
                Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
                    stats.unborn = true;
                    return Ok(stats);
                }
                Err(e) => return Err(walk_err("HEAD".into())(e)),
            },
        };
        let mut revwalk = self.repo.revwalk().map_err(walk_err("HEAD".into()))?;
        revwalk
            .set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .map_err(walk_err("HEAD".into()))?;
        revwalk.push(start).map_err(walk_err(start.to_string()))?;
        // Commits a previous run already read: only what came after them is walked.
        if let Some(hide) = hide {
            let oid = Oid::from_str(hide).map_err(walk_err(hide.to_string()))?;
            revwalk.hide(oid).map_err(walk_err(hide.to_string()))?;
        }
        if history == History::FirstParent {
            revwalk
                .simplify_first_parent()
                .map_err(walk_err(start.to_string()))?;
        }
        let oids: Vec<Oid> = revwalk
            .collect::<Result<_, _>>()
            .map_err(walk_err(start.to_string()))?;
        // Each commit's diff against its parent stands alone, so a batch is
        // diffed in parallel, one repository handle per contiguous run of
        // commits (neighbours share trees in the object cache), and visited
        // in order. Batches bound the memory to a batch's changes.
        let threads = rayon::current_num_threads().max(1);
        for batch in oids.chunks(1024) {
            let per_worker = batch.len().div_ceil(threads);
            let parts: Vec<Result<Vec<CommitDiff>, GitError>> = batch
                .par_chunks(per_worker)
                .map(|run| {
                    let repo = open_repo(repo_path)?;
                    Ok(run
                        .iter()
                        .map(|oid| diff_commit(&repo, *oid, history, keep).map_err(|e| (*oid, e)))
                        .collect())
                })
                .collect();
            for part in parts {
                for diffed in part? {
                    match diffed {
                        Err((oid, e)) if is_corruption(&e) => {
                            stats
                                .corrupt
                                .push((oid.to_string(), e.message().to_string()));
                        }
                        Err((oid, e)) => return Err(walk_err(oid.to_string())(e)),
                        Ok(None) => stats.merges_skipped += 1,
                        Ok(Some((info, changes))) => {
                            stats.commits += 1;
                            visit(&info, changes);
                        }
                    }
                }
            }
        }
        Ok(stats)
    }
}

/// Opens the repository at `path` the way `git -C path` would accept it:
/// - `path` itself (its `.git`, or a bare repository);
/// - else, when `GIT_DIR` is set (with `GIT_WORK_TREE` and the other
///   variables of git(1) "ENVIRONMENT VARIABLES") and `path` is the work
///   tree they name or the current folder, the repository they name, as
///   libgit2's `git_repository_open_from_env` reads them;
/// - a repository owned by another user when `safe.directory` (git-config(1))
///   lists it in the file `GIT_CONFIG_GLOBAL` names: libgit2 reads only
///   `$HOME/.gitconfig` and the XDG file, so that file is read here.
///
/// Errors: [`GitError::Sha256`] for a SHA-256 repository, else
/// [`GitError::NotARepo`] with libgit2's message.
pub(crate) fn open_repo(path: &Path) -> Result<Repository, GitError> {
    let not_a_repo = |source| GitError::NotARepo {
        path: path.to_path_buf(),
        source,
    };
    let first = match Repository::open(path) {
        Ok(repo) => return Ok(repo),
        Err(e) => e,
    };
    if object_format(path).as_deref() == Some("sha256") {
        return Err(GitError::Sha256 {
            path: path.to_path_buf(),
        });
    }
    // The environment names the repository of `path` only when `path` is
    // where git would look with it: the work tree it names, or the current
    // folder (a `revmine mine OTHER` run from a git hook must not mine the
    // hook's repository instead of failing).
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let env_names_path = std::env::var_os("GIT_WORK_TREE")
        .is_some_and(|w| same(Path::new(&w), path))
        || std::env::current_dir().is_ok_and(|cwd| same(&cwd, path));
    if first.code() == ErrorCode::NotFound
        && std::env::var_os("GIT_DIR").is_some()
        && env_names_path
    {
        // libgit2 reads GIT_DIR only when given no start path.
        return match Repository::open_from_env() {
            Ok(repo) => Ok(repo),
            Err(e) => match std::env::var_os("GIT_DIR") {
                Some(dir) if object_format(Path::new(&dir)).as_deref() == Some("sha256") => {
                    Err(GitError::Sha256 { path: dir.into() })
                }
                _ => Err(not_a_repo(e)),
            },
        };
    }
    if first.code() == ErrorCode::Owner && safe_directory_allows(path) {
        // SAFETY: a process-wide libgit2 option, set before any other
        // thread opens a repository with it (the walk's workers start
        // later); git itself accepts this repository.
        unsafe {
            let _ = git2::opts::set_verify_owner_validation(false);
        }
        return Repository::open(path).map_err(not_a_repo);
    }
    Err(not_a_repo(first))
}

/// `extensions.objectFormat` of the repository at `path` (its `.git`, or
/// `path` itself when bare), read from its config file without opening it:
/// libgit2 refuses a format it does not know before saying which.
fn object_format(path: &Path) -> Option<String> {
    [path.join(".git").join("config"), path.join("config")]
        .iter()
        .filter(|c| c.is_file())
        .find_map(|c| {
            git2::Config::open(c)
                .ok()?
                .get_string("extensions.objectformat")
                .ok()
        })
        .map(|f| f.to_ascii_lowercase())
}

/// True when `safe.directory` in the file `GIT_CONFIG_GLOBAL` names
/// (git-config(1), "safe.directory") lets git open `path`: `*`, the
/// repository's folder itself, or a `folder/*` above it; an empty value
/// clears the entries before it, as in git.
fn safe_directory_allows(path: &Path) -> bool {
    let Some(file) = std::env::var_os("GIT_CONFIG_GLOBAL") else {
        return false;
    };
    let Ok(config) = git2::Config::open(Path::new(&file)) else {
        return false;
    };
    let mut values = Vec::new();
    if let Ok(mut entries) = config.multivar("safe.directory", None) {
        while let Some(Ok(entry)) = entries.next() {
            match entry.value() {
                Ok("") => values.clear(),
                Ok(v) => values.push(v.to_string()),
                Err(_) => {}
            }
        }
    }
    let real = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let here = real(path);
    // git names a repository by its work tree, a bare one by its git dir.
    let here = if here.file_name().is_some_and(|n| n == ".git") {
        here.parent().map_or(here.clone(), Path::to_path_buf)
    } else {
        here
    };
    values.iter().any(|v| {
        if v == "*" {
            return true;
        }
        match v.strip_suffix("/*") {
            Some(prefix) => here.starts_with(real(Path::new(prefix))),
            None => real(Path::new(v)) == here,
        }
    })
}

/// A damaged object (bad deflate stream, unparsable commit or tree) rather
/// than a failure of the walk itself.
fn is_corruption(e: &git2::Error) -> bool {
    matches!(
        e.class(),
        git2::ErrorClass::Zlib | git2::ErrorClass::Odb | git2::ErrorClass::Object
    ) && e.code() != ErrorCode::NotFound
}

/// A commit and its changes; `None` for a merge skipped in branches mode.
type Diffed = (CommitInfo, Vec<Change>);

/// One commit's diff, or the commit and why it could not be diffed.
type CommitDiff = Result<Option<Diffed>, (Oid, git2::Error)>;

/// One commit against its first parent, with rename detection.
fn diff_commit(
    repo: &Repository,
    oid: Oid,
    history: History,
    keep: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Option<Diffed>, git2::Error> {
    let commit = repo.find_commit(oid)?;
    // In branches mode a merge's branch commits are read on their own; of
    // the merge itself only what its resolution wrote counts (an "evil
    // merge": a path whose merged version is in no parent).
    let other_parents: Vec<git2::Tree<'_>> =
        if history == History::Branches && commit.parent_count() > 1 {
            commit
                .parents()
                .skip(1)
                .map(|p| p.tree())
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
    let merged_as_a_parent = |path: &str, new: Option<Side>| {
        other_parents.iter().any(|t| {
            let theirs = t.get_path(Path::new(path)).ok().map(|e| e.id());
            theirs == new.and_then(|s| s.id.to_oid())
        })
    };
    let tree = commit.tree()?;
    // A root commit, or the boundary of a shallow clone, diffs against nothing.
    let parent_tree = match commit.parent(0) {
        Ok(p) => Some(p.tree()?),
        Err(_) => None,
    };
    let mut diff_opts = DiffOptions::new();
    diff_opts.skip_binary_check(true).include_typechange(true);
    let mut diff =
        repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut diff_opts))?;
    if diff
        .find_similar(Some(DiffFindOptions::new().renames(true)))
        .is_err()
    {
        // Rename detection reads blob contents, and one damaged object must
        // not stop a long walk: the change is then seen as a delete and an
        // add, and the damaged blob is reported (with its commit and path)
        // when the miner reads it.
        diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut diff_opts))?;
    }
    let mut changes = Vec::new();
    for delta in diff.deltas() {
        // git stores a path as bytes; one that is not UTF-8 (a Latin-1 name
        // from an old machine) is mined under its name with each undecodable
        // byte shown as U+FFFD, never dropped.
        let path_of = |f: git2::DiffFile<'_>| {
            f.path_bytes()
                .map(|b| String::from_utf8_lossy(b).into_owned())
        };
        let (new_path, old_path) = (path_of(delta.new_file()), path_of(delta.old_file()));
        let (Some(new_path), Some(old_path)) =
            (new_path.clone().or(old_path.clone()), old_path.or(new_path))
        else {
            continue;
        };
        let (new_path, old_path) = (new_path.as_str(), old_path.as_str());
        // Submodules are reported wherever they sit: no file glob can match them.
        let submodule = delta.new_file().mode() == FileMode::Commit
            || delta.old_file().mode() == FileMode::Commit;
        if !keep(new_path) && !keep(old_path) && !submodule {
            continue;
        }
        let side = |f: git2::DiffFile<'_>| {
            (!f.id().is_zero()).then(|| Side {
                id: ObjId::from_oid(f.id()),
                kind: kind_of(f.mode()),
            })
        };
        let (old, new) = match delta.status() {
            Delta::Added | Delta::Copied => (None, side(delta.new_file())),
            Delta::Deleted => (side(delta.old_file()), None),
            _ => (side(delta.old_file()), side(delta.new_file())),
        };
        // Came in whole from a merged branch: its commits carry it.
        if !other_parents.is_empty() && merged_as_a_parent(new_path, new) {
            continue;
        }
        changes.push(Change {
            path: new_path.to_string(),
            renamed_from: (delta.status() == Delta::Renamed && old_path != new_path)
                .then(|| old_path.to_string()),
            old,
            new,
        });
    }
    if !other_parents.is_empty() && changes.is_empty() {
        return Ok(None);
    }
    Ok(Some((commit_info(&commit), changes)))
}

fn commit_info(commit: &git2::Commit<'_>) -> CommitInfo {
    let author = commit.author();
    let encoding = commit_encoding(commit);
    CommitInfo {
        id: ObjId::from_oid(commit.id()),
        time: commit.time().seconds(),
        offset_minutes: commit.time().offset_minutes(),
        author_time: author.when().seconds(),
        merge: commit.parent_count() > 1,
        subject: decode(commit.summary_bytes().unwrap_or_default(), encoding),
        author: format!(
            "{} <{}>",
            decode(author.name_bytes(), encoding),
            decode(author.email_bytes(), encoding)
        ),
    }
}

/// `bytes` of a commit read as its `encoding` header says (git-commit(1),
/// "DISCUSSION": the message, and the author's name, are in
/// `i18n.commitEncoding`, named in the header; none means UTF-8). A label
/// encoding_rs does not know (the WHATWG names, which cover the iconv
/// names people set: ISO-8859-1, latin1, cp1252, Shift_JIS, EUC-JP, GBK…)
/// is read as UTF-8 with replacement characters.
fn decode(bytes: &[u8], encoding: Option<&'static encoding_rs::Encoding>) -> String {
    match encoding {
        Some(enc) => enc.decode_without_bom_handling(bytes).0.into_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The encoding a commit's `encoding` header names; `None` for UTF-8 or no header.
fn commit_encoding(commit: &git2::Commit<'_>) -> Option<&'static encoding_rs::Encoding> {
    let label = commit.message_encoding().ok().flatten()?;
    encoding_rs::Encoding::for_label(label.trim().as_bytes()).filter(|e| *e != encoding_rs::UTF_8)
}

fn kind_of(mode: FileMode) -> Kind {
    match mode {
        FileMode::Blob | FileMode::BlobExecutable | FileMode::BlobGroupWritable => Kind::File,
        FileMode::Link => Kind::Symlink,
        FileMode::Commit => Kind::Submodule,
        _ => Kind::Other,
    }
}

/// Why a blob was not read as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    Binary,
    NotUtf8,
    TooLarge,
    /// Not in the object database (a partial or shallow clone).
    Missing,
    /// A Git LFS pointer file: the real content lives on an LFS server.
    LfsPointer,
    /// In the object database but unreadable (a damaged loose object or
    /// pack): libgit2's message, for a report naming the commit and path.
    Corrupt(String),
}

/// Reads blobs as text for one worker.
pub struct BlobReader {
    repo: Repository,
    max_bytes: u64,
}

impl BlobReader {
    /// A handle for one worker thread: a `Repository` is `Send` but not `Sync`.
    pub fn open(path: &Path, max_bytes: u64) -> Result<Self, GitError> {
        let repo = open_repo(path)?;
        Ok(BlobReader { repo, max_bytes })
    }

    pub fn text(&self, id: ObjId) -> Result<String, Unreadable> {
        let oid = id.to_oid().ok_or(Unreadable::Missing)?;
        // The header gives the size without inflating a huge blob.
        if let Ok((size, ObjectType::Blob)) = self.repo.odb().and_then(|odb| odb.read_header(oid))
            && size as u64 > self.max_bytes
        {
            return Err(Unreadable::TooLarge);
        }
        let blob = self.repo.find_blob(oid).map_err(|e| match e.code() {
            ErrorCode::NotFound => Unreadable::Missing,
            _ => Unreadable::Corrupt(e.message().to_string()),
        })?;
        if blob.size() as u64 > self.max_bytes {
            return Err(Unreadable::TooLarge);
        }
        if is_lfs_pointer(blob.content()) {
            return Err(Unreadable::LfsPointer);
        }
        if blob.is_binary() {
            return Err(Unreadable::Binary);
        }
        String::from_utf8(blob.content().to_vec()).map_err(|_| Unreadable::NotUtf8)
    }
}

/// A Git LFS pointer file, as the LFS spec (git-lfs `docs/spec.md`) defines
/// one: under 1024 bytes, its first line `version
/// https://git-lfs.github.com/spec/v1`.
fn is_lfs_pointer(content: &[u8]) -> bool {
    content.len() < 1024 && content.starts_with(b"version https://git-lfs.github.com/spec/v1")
}

/// `origin`'s URL with any `user:password@` removed, else the directory name.
fn identity(repo: &Repository, path: &Path) -> String {
    if let Some(url) = repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().ok().map(str::to_string))
        // A clone of a local directory would put a machine's file paths in every record.
        .filter(|url| !is_local_path(url))
    {
        return strip_credentials(&url);
    }
    let dir = repo.workdir().unwrap_or_else(|| repo.path());
    let dir = dir.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    dir.file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".git").to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "repo".into())
}

fn is_local_path(url: &str) -> bool {
    url.starts_with('/')
        || url.starts_with('.')
        || url.starts_with('~')
        || url.starts_with("file://")
}

/// Credentials in a remote URL must never reach a dataset.
pub fn strip_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, tail) = rest.split_once('/').map_or((rest, ""), |(a, t)| (a, t));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if tail.is_empty() && !rest.contains('/') {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{tail}")
            }
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_is_decoded_as_its_encoding_header_says() {
        let latin1 = encoding_rs::Encoding::for_label(b"ISO-8859-1");
        assert_eq!(decode(b"R\xe9sum\xe9", latin1), "Résumé");
        // no header: UTF-8, an undecodable byte replaced
        assert_eq!(decode(b"R\xe9sum\xe9", None), "R\u{FFFD}sum\u{FFFD}");
        assert_eq!(decode("Résumé".as_bytes(), None), "Résumé");
    }

    #[test]
    fn lfs_pointers_are_told_from_text() {
        let pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n";
        assert!(is_lfs_pointer(pointer));
        assert!(!is_lfs_pointer(
            b"## Q?\nversion https://git-lfs.github.com/spec/v1\n"
        ));
        // a pointer is small: a long file that starts the same way is text
        let mut long = pointer.to_vec();
        long.resize(2048, b'a');
        assert!(!is_lfs_pointer(&long));
    }

    #[test]
    fn credentials_are_stripped_from_remote_urls() {
        assert_eq!(
            strip_credentials("https://user:tok3n@github.com/a/b.git"),
            "https://github.com/a/b.git"
        );
        assert_eq!(
            strip_credentials("https://github.com/a/b"),
            "https://github.com/a/b"
        );
        assert_eq!(
            strip_credentials("ssh://git@host:22/x/y"),
            "ssh://host:22/x/y"
        );
        assert_eq!(
            strip_credentials("git@github.com:a/b.git"),
            "git@github.com:a/b.git"
        );
    }
}

/// Where a file or folder lives, named so that no spelling of its path
/// (`plans`, `./plans`, `/home/ana/plans`, `.` from inside) changes it: the
/// identity of the repository around it (as `mine` names a repository:
/// remote URL without credentials, else the work tree's folder name) and
/// the path inside that work tree; outside any repository, the folder's own
/// name (a file's parent folder) and the path inside that folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The repository or folder identity.
    pub repo: String,
    /// `/`-separated path inside it; empty for the folder itself.
    pub path: String,
}

impl Location {
    /// The location of `rel` (a path relative to this one, `/`-separated).
    pub fn join(&self, rel: &str) -> Location {
        let path = match (self.path.is_empty(), rel.is_empty()) {
            (true, _) => rel.to_string(),
            (false, true) => self.path.clone(),
            (false, false) => format!("{}/{rel}", self.path),
        };
        Location {
            repo: self.repo.clone(),
            path,
        }
    }
}

/// The [`Location`] of `path` (a file or folder that exists; otherwise the
/// path as given, with its parent folder's name as identity).
pub fn locate(path: &Path) -> Location {
    let real = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let is_dir = real.is_dir();
    if let Ok(repo) = Repository::discover(&real)
        && let Some(work) = repo.workdir().and_then(|w| w.canonicalize().ok())
        && let Ok(inside) = real.strip_prefix(&work)
    {
        return Location {
            repo: identity(&repo, &work),
            path: slashed(inside),
        };
    }
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    if is_dir {
        Location {
            repo: name(&real),
            path: String::new(),
        }
    } else {
        Location {
            repo: real.parent().map(name).unwrap_or_default(),
            path: name(&real),
        }
    }
}

/// A relative path with `/` between its parts, whatever the platform.
pub fn slashed(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// `user.name` from the git config of the repository around `dir`, else the
/// user's global config: the default name on a sign-off.
pub fn user_name(dir: &Path) -> Option<String> {
    let config = match Repository::discover(dir) {
        Ok(repo) => repo.config().ok()?,
        Err(_) => git2::Config::open_default().ok()?,
    };
    config
        .get_string("user.name")
        .ok()
        .filter(|n| !n.trim().is_empty())
}

/// A file as the index holds it: what the next commit would contain.
#[derive(Debug, Clone)]
pub struct Staged {
    /// Path from the top of the work tree, byte for byte as git stores it
    /// (a name need not be UTF-8).
    pub path: PathBuf,
    /// `path` for reports: as UTF-8, a byte that is not shown as U+FFFD.
    pub label: String,
    pub content: Vec<u8>,
}

/// What [`staged_files`] found: the files, and the work tree they belong to
/// (`None` in a repository without one), where their sign-off ledgers lie.
#[derive(Debug, Clone, Default)]
pub struct StagedFiles {
    pub work_tree: Option<PathBuf>,
    pub files: Vec<Staged>,
}

/// Why the index could not be read through the `git` command.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot run `git` in `{}` to read the staged files: {source} (is git installed and on PATH?)", dir.display())]
    Spawn {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the staged files in `{}`: `git {command}` failed: {stderr}", dir.display())]
    Failed {
        dir: PathBuf,
        command: String,
        stderr: String,
    },
    #[error("cannot read the staged files in `{}`: `git {command}` gave output revmine cannot parse ({what})", dir.display())]
    Output {
        dir: PathBuf,
        command: String,
        what: String,
    },
}

/// The files staged for the next commit (added, copied, modified, renamed,
/// or turned into a regular file; not deleted, not intent-to-add entries,
/// not symlinks or submodules) whose path `keep` accepts, as the index holds
/// them, so a partially staged file is judged as it will be committed.
///
/// The index is read by the `git` command run in `dir`, which inherits the
/// environment git gives a hook: `GIT_INDEX_FILE` (the temporary index of
/// `git commit -a`, `git commit PATH`, `git commit -i PATH`), `GIT_DIR`,
/// `GIT_WORK_TREE`, `GIT_OBJECT_DIRECTORY`, `GIT_CONFIG_GLOBAL` (so
/// `safe.directory` set there counts), and it reads every index and
/// repository format git does (split and sparse index, SHA-256 object
/// names), which libgit2 does not. `dir` must be the process's working
/// directory or below it when those variables hold relative paths (git
/// sets `GIT_INDEX_FILE=.git/index` for a plain `git commit`).
///
/// Three commands at most, whatever the number of files: `git diff --cached`
/// lists the changes against HEAD (git-diff(1), raw format; an unborn
/// branch compares with the empty tree) and, only when `keep` takes some,
/// `git cat-file --batch` (git-cat-file(1)) reads their blobs while `git
/// rev-parse --show-toplevel` names the work tree.
pub fn staged_files(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Result<StagedFiles, IndexError> {
    use std::os::unix::ffi::OsStrExt;
    const DIFF: &[&str] = &[
        "diff",
        "--cached",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "--no-relative",
        "--no-ext-diff",
        "--no-color",
        "--ita-invisible-in-index",
        "--diff-filter=d",
    ];
    let listed = git_output(dir, DIFF, None).map_err(|e| match e {
        // Outside a repository `git diff` turns into `git diff --no-index`,
        // which knows no --cached and prints its whole usage.
        IndexError::Failed {
            dir,
            command,
            stderr,
        } if stderr.contains("--no-index") => IndexError::Failed {
            dir,
            command,
            stderr: "not inside a git repository that git will open (`git status` there \
                         says why, e.g. the repository's owner needs a safe.directory entry)"
                .into(),
        },
        e => e,
    })?;
    let wanted = parse_raw_diff(&listed).map_err(|what| IndexError::Output {
        dir: dir.to_path_buf(),
        command: DIFF[..2].join(" "),
        what,
    })?;
    let wanted: Vec<(PathBuf, String)> = wanted
        .into_iter()
        .map(|(path, oid)| (PathBuf::from(std::ffi::OsStr::from_bytes(&path)), oid))
        .filter(|(path, _)| keep(path))
        .collect();
    if wanted.is_empty() {
        return Ok(StagedFiles::default());
    }
    // Asked for now, read after the blobs: the two commands overlap.
    let top = git_command(dir, &["rev-parse", "--show-toplevel"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok();
    let mut ids = String::new();
    for (_, oid) in &wanted {
        ids.push_str(oid);
        ids.push('\n');
    }
    const CAT: &[&str] = &["cat-file", "--batch"];
    let batch = git_output(dir, CAT, Some(ids.into_bytes()))?;
    let blobs = parse_batch(&batch, wanted.len()).map_err(|what| IndexError::Output {
        dir: dir.to_path_buf(),
        command: CAT[..2].join(" "),
        what,
    })?;
    let work_tree = top
        .and_then(|child| child.wait_with_output().ok())
        .filter(|out| out.status.success())
        .and_then(|out| {
            let line = out.stdout.strip_suffix(b"\n").unwrap_or(&out.stdout);
            (!line.is_empty()).then(|| PathBuf::from(std::ffi::OsStr::from_bytes(line)))
        });
    let files = wanted
        .into_iter()
        .zip(blobs)
        .map(|((path, _), content)| Staged {
            label: path.to_string_lossy().into_owned(),
            path,
            content,
        })
        .collect();
    Ok(StagedFiles { work_tree, files })
}

/// `git ARGS` in `dir`, no pager, no prompts, nothing optional locked:
/// git-config(1) `GIT_OPTIONAL_LOCKS=0` keeps a read from refreshing the
/// index while `git commit` holds its lock.
fn git_command(dir: &Path, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(args);
    cmd
}

/// Runs `git ARGS` in `dir` with `input` on its standard input; its standard
/// output, or its standard error as the error.
fn git_output(dir: &Path, args: &[&str], input: Option<Vec<u8>>) -> Result<Vec<u8>, IndexError> {
    use std::io::Write;
    use std::process::Stdio;
    let spawn = |source| IndexError::Spawn {
        dir: dir.to_path_buf(),
        source,
    };
    let mut child = git_command(dir, args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn)?;
    // Written from a thread: a large answer must not wait for the question.
    let writer = match (input, child.stdin.take()) {
        (Some(bytes), Some(mut stdin)) => Some(std::thread::spawn(move || {
            // A failed write shows as a short answer, reported below.
            let _ = stdin.write_all(&bytes);
        })),
        _ => None,
    };
    let out = child.wait_with_output().map_err(spawn)?;
    if let Some(w) = writer {
        let _ = w.join();
    }
    if !out.status.success() {
        return Err(IndexError::Failed {
            dir: dir.to_path_buf(),
            // `diff --cached`, `cat-file --batch`: the options are noise here.
            command: args.iter().take(2).copied().collect::<Vec<_>>().join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(out.stdout)
}

/// The (path, new object name) of each regular file in `git diff --raw -z
/// --no-renames` output: records `:MODE MODE OID OID STATUS\0PATH\0`
/// (git-diff(1), "Raw output format"). Symlinks, submodules, deletions and
/// unmerged entries (an all-zero new object name) are left out.
fn parse_raw_diff(out: &[u8]) -> Result<Vec<(Vec<u8>, String)>, String> {
    let mut files = Vec::new();
    let mut parts = out.split(|b| *b == 0);
    while let Some(head) = parts.next() {
        if head.is_empty() {
            continue; // the split after the last NUL
        }
        let head =
            std::str::from_utf8(head).map_err(|_| "a record head is not text".to_string())?;
        let fields: Vec<&str> = head.trim_start_matches(':').split(' ').collect();
        let [_, new_mode, _, new_oid, status] = fields[..] else {
            return Err(format!("unexpected record `{head}`"));
        };
        let path = parts
            .next()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| format!("record `{head}` names no path"))?;
        let regular = matches!(new_mode, "100644" | "100755");
        let exists = new_oid.bytes().any(|b| b != b'0');
        if regular && exists && !status.starts_with(['D', 'U']) {
            files.push((path.to_vec(), new_oid.to_string()));
        }
    }
    Ok(files)
}

/// The contents in `git cat-file --batch` output, in order: each object is
/// `OID SP TYPE SP SIZE LF CONTENT LF`, or `OID SP missing LF` (git-cat-file(1)).
fn parse_batch(mut out: &[u8], count: usize) -> Result<Vec<Vec<u8>>, String> {
    let mut blobs = Vec::with_capacity(count);
    while blobs.len() < count {
        let end = memchr::memchr(b'\n', out).ok_or("the answer ends early")?;
        let head = String::from_utf8_lossy(&out[..end]).into_owned();
        let size = match head.split(' ').collect::<Vec<_>>()[..] {
            [_, "blob", size] => size
                .parse::<usize>()
                .map_err(|_| format!("bad size in `{head}`"))?,
            _ => return Err(format!("not a blob: `{head}`")),
        };
        let body = &out[end + 1..];
        if body.len() < size + 1 {
            return Err(format!("`{head}`: the content ends early"));
        }
        blobs.push(body[..size].to_vec());
        out = &body[size + 1..];
    }
    Ok(blobs)
}

/// The path inside its repository (`/`-separated) of `file` when git tracks
/// it (it is in the index of the repository whose work tree holds it);
/// `None` when it is in no repository, untracked, or cannot be told.
pub fn tracked_path(file: &Path) -> Option<String> {
    let dir = file.parent()?.canonicalize().ok()?;
    let repo = Repository::discover(&dir).ok()?;
    let work = repo.workdir()?.canonicalize().ok()?;
    let inside = dir
        .join(file.file_name()?)
        .strip_prefix(&work)
        .ok()?
        .to_path_buf();
    let index = repo.index().ok()?;
    index.get_path(&inside, 0).map(|_| slashed(&inside))
}

/// Whether `dir` is the top of a git repository (not merely inside one),
/// as [`open_repo`] opens it (a SHA-256 repository is one, which
/// [`files_at`] then names in its error).
pub fn is_repo(dir: &Path) -> bool {
    matches!(open_repo(dir), Ok(_) | Err(GitError::Sha256 { .. }))
}

/// A file at a revision: its path and its text, or why it is not text.
pub type FileAt = (String, Result<String, Unreadable>);

/// The text files at `rev` (default HEAD) whose path `keep` accepts, in path
/// order; each is its text or why it could not be read as text.
pub fn files_at(
    dir: &Path,
    rev: Option<&str>,
    keep: &dyn Fn(&str) -> bool,
    max_bytes: u64,
) -> Result<Vec<FileAt>, GitError> {
    let repo = open_repo(dir)?;
    let rev_name = rev.unwrap_or("HEAD");
    let tree = repo
        .revparse_single(rev_name)
        .and_then(|o| o.peel_to_tree())
        .map_err(|source| GitError::Rev {
            path: dir.to_path_buf(),
            rev: rev_name.to_string(),
            source,
        })?;
    let mut paths = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |root, entry| {
        // 0o100644 and 0o100755: regular files, not links (0o120000) or gitlinks
        if entry.kind() == Some(ObjectType::Blob) && entry.filemode() & 0o170000 == 0o100000 {
            let path = format!("{root}{}", entry.name().unwrap_or_default());
            if keep(&path) {
                paths.push((path, ObjId::from_oid(entry.id())));
            }
        }
        git2::TreeWalkResult::Ok
    })
    .map_err(|source| GitError::Walk {
        path: dir.to_path_buf(),
        commit: rev_name.to_string(),
        source,
    })?;
    drop(tree);
    let reader = BlobReader { repo, max_bytes };
    Ok(paths
        .into_iter()
        .map(|(path, id)| (path, reader.text(id)))
        .collect())
}

#[cfg(test)]
mod staged_tests {
    use super::{parse_batch, parse_raw_diff};

    #[test]
    fn raw_diff_keeps_regular_files_by_their_bytes() {
        let z = "0".repeat(40);
        let (a, b) = ("a".repeat(40), "b".repeat(64));
        let mut out = Vec::new();
        for (head, path) in [
            (format!(":100644 100644 {a} {a} M"), &b"x_train.jsonl"[..]),
            (format!(":000000 100755 {z} {b} A"), b"caf\xe9.jsonl"),
            (format!(":000000 120000 {z} {a} A"), b"link.jsonl"),
            (format!(":000000 160000 {z} {a} A"), b"sub"),
            (format!(":100644 000000 {a} {z} U"), b"conflicted.jsonl"),
        ] {
            out.extend_from_slice(head.as_bytes());
            out.push(0);
            out.extend_from_slice(path);
            out.push(0);
        }
        let files = parse_raw_diff(&out).expect("parses");
        assert_eq!(
            files,
            vec![
                (b"x_train.jsonl".to_vec(), a.clone()),
                (b"caf\xe9.jsonl".to_vec(), b.clone())
            ]
        );
        assert!(parse_raw_diff(format!(":100644 100644 {a} {a} M\0").as_bytes()).is_err());
        assert_eq!(parse_raw_diff(b"").expect("empty"), vec![]);
    }

    #[test]
    fn batch_answers_are_cut_by_their_sizes() {
        let out = b"aaa blob 3\nx\ny\nbbb blob 0\n\n";
        assert_eq!(
            parse_batch(out, 2).expect("parses"),
            vec![b"x\ny".to_vec(), Vec::new()]
        );
        assert!(parse_batch(b"aaa missing\n", 1).is_err());
        assert!(parse_batch(b"aaa blob 9\nshort\n", 1).is_err());
    }
}
