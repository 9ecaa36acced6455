//! Revision mining. Takes a repository and [`MineOptions`] (built from
//! `[mine]` and the command line); gives preference pairs with provenance.
//! Each file's history is read as response units ([`markdown`] finds the
//! structure, [`unit`](mod@unit) the units), and every real edit of a unit
//! becomes a chosen/rejected pair.
//!
//! Two phases. The walk (serial, git order) follows each file through renames
//! and deletions and notes every version as an event on the file's lineage;
//! it keeps ids, never texts. Then each lineage is mined on its own (rayon,
//! one repository handle per worker): blobs are read, split into units,
//! aligned by key, and every real edit of a unit becomes a candidate pair,
//! which the edit filters judge. Memory follows the files being mined, not
//! the length of the history.

pub mod edit;
pub mod markdown;
pub mod narrow;
pub(crate) mod outline;
pub mod unit;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use globset::GlobSet;
use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;
use similar::TextDiff;
use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_128;

use self::unit::{NoUnits, Unit, UnitOptions};
use crate::dataset::record::{Preference, RecordType};
use crate::source::git::{
    BlobReader, CommitInfo, GitError, GitRepo, History, Kind, ObjId, Unreadable,
};

/// Which versions are paired; `[mine] pairs` spells it `consecutive` or `final`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairMode {
    /// Each revision against the one before it.
    Consecutive,
    /// Each earlier version against the last.
    Final,
}

/// What `--history branches` makes of a merged branch; `[mine] fold`
/// spells it `none` or `branch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoldMode {
    /// Every commit of a branch is a revision of its own.
    None,
    /// A merged branch is one revision of each file it changed: the
    /// branch's last version against the version before the branch (the
    /// commits of the merge's second-parent range). First-parent history
    /// already reads a merge this way.
    Branch,
}

/// The edit filters: what makes a change a preference signal. Words and
/// similarity are those of the prose views ([`edit::prose`]).
#[derive(Debug, Clone)]
pub struct EditFilters {
    pub min_words_changed: usize,
    pub min_similarity: f64,
    pub max_similarity: f64,
    /// Characters, either side's raw text.
    pub max_response_chars: usize,
    /// Characters (either side's raw text) from which a unit edited in one
    /// place is narrowed to the changed blocks ([`narrow`]); 0: never.
    pub narrow_from_chars: usize,
    /// Keep edits that only append to the text (`meta.edit: "append"`)
    /// instead of dropping them as `append_only`.
    pub keep_append_only: bool,
}

#[derive(Debug, Clone)]
pub struct MineOptions {
    pub rev: Option<String>,
    /// A commit already mined: only commits after it are read. Pair ids do
    /// not depend on commits, so a pair found again later has the same id.
    pub after: Option<String>,
    pub history: History,
    pub pairs: PairMode,
    pub paths: GlobSet,
    /// Commit time bounds, seconds since the epoch, inclusive.
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub include_authors: Vec<Regex>,
    pub exclude_authors: Vec<Regex>,
    pub wip: Regex,
    /// Commits to one file by one author whose author times all lie within
    /// this many seconds of the first fold into one revision (an editing
    /// session: only its last version is compared against the version
    /// before it). 0 folds nothing.
    pub fold_window: i64,
    pub fold: FoldMode,
    pub filters: EditFilters,
    pub max_file_bytes: u64,
    pub units: UnitOptions,
    pub diff: bool,
    /// Redacts secrets from prompts and both responses before they are judged.
    pub secrets: Option<Arc<crate::secrets::Scanner>>,
    /// Also return the candidate pairs a filter dropped ([`Pair::dropped`]),
    /// for `mine --dropped`.
    pub keep_dropped: bool,
}

/// Counts for one repository: what was walked, read, written and skipped.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RepoSummary {
    pub repo: String,
    pub path: String,
    pub commits: u64,
    pub merges_skipped: u64,
    pub shallow: bool,
    pub unborn: bool,
    pub files: u64,
    pub versions: u64,
    pub units: u64,
    pub pairs: u64,
    /// Every reason something was not mined, with its count.
    pub skipped: BTreeMap<&'static str, u64>,
    /// File versions whose blob is damaged in the object database, each
    /// named by commit and path; mining went on without them.
    pub corrupt: Vec<CorruptObject>,
    /// Secrets replaced by `[REDACTED:kind]` in the pairs written, per kind.
    pub redacted: crate::secrets::Counts,
}

/// A file version that could not be read because its object is damaged.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct CorruptObject {
    /// The commit that introduced this version (`unknown` when the walk did
    /// not see it, e.g. a version before `--since` folded away).
    pub commit: String,
    /// `-` when the commit or its tree is what is damaged: its changes were skipped.
    pub path: String,
    /// Empty when the commit or its tree is what is damaged.
    pub blob: String,
    pub error: String,
}

/// A mined pair with the order it is written in.
#[derive(Debug, Clone)]
pub struct Pair {
    pub id: String,
    /// The record, serialised: one JSONL line without its newline.
    pub line: String,
    /// Secrets redacted from its texts, per kind.
    pub redacted: crate::secrets::Counts,
    /// The skip reason of a candidate pair a filter dropped (also its
    /// `meta.dropped`); `None` for a pair to write. Dropped pairs are only
    /// returned with [`MineOptions::keep_dropped`].
    pub dropped: Option<&'static str>,
    order: (u32, String, String),
    /// Hash of the normalised prompt and both prose views: equal for the
    /// same pair found twice ([`Settle`]).
    content: u128,
    /// Hashes of (rejected, chosen) prose views and of the reverse.
    forward: u128,
    reverse: u128,
}

impl Pair {
    /// This pair, dropped for `reason`: its record gains `meta.dropped`.
    fn into_dropped(mut self, reason: &'static str) -> Pair {
        if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&self.line)
            && let Some(meta) = v.get_mut("meta").and_then(|m| m.as_object_mut())
        {
            meta.shift_remove("edit");
            meta.insert("dropped".into(), reason.into());
            if let Ok(line) = serde_json::to_string(&v) {
                self.line = line;
            }
        }
        self.dropped = Some(reason);
        self
    }
}

/// Run-wide bookkeeping of the pairs written, so the same pair is written
/// once (`duplicate`: same normalised prompt, rejected and chosen, e.g. one
/// link fix copied into many files) and an edit's reverse is not written
/// after it (`reverted`: B→A after A→B, in any unit or file).
#[derive(Default)]
pub struct Settle {
    content: std::collections::HashSet<u128>,
    edits: std::collections::HashSet<u128>,
}

impl Settle {
    /// `None`: write `pair` (it is remembered); else the reason to drop it.
    pub fn admit(&mut self, pair: &Pair) -> Option<&'static str> {
        if self.content.contains(&pair.content) {
            return Some("duplicate");
        }
        if self.edits.contains(&pair.reverse) {
            return Some("reverted");
        }
        self.content.insert(pair.content);
        self.edits.insert(pair.forward);
        None
    }

    /// Admits each kept pair of `pairs` in order; the others are dropped
    /// (returned as dropped pairs when `keep_dropped`) and counted in `skipped`.
    pub fn settle(
        &mut self,
        pairs: Vec<Pair>,
        keep_dropped: bool,
        skipped: &mut BTreeMap<&'static str, u64>,
    ) -> Vec<Pair> {
        let mut out = Vec::with_capacity(pairs.len());
        for p in pairs {
            if p.dropped.is_some() {
                out.push(p);
                continue;
            }
            match self.admit(&p) {
                None => out.push(p),
                Some(reason) => {
                    *skipped.entry(reason).or_default() += 1;
                    if keep_dropped {
                        out.push(p.into_dropped(reason));
                    }
                }
            }
        }
        out
    }
}

/// Where a pair comes from: enough to find both versions again with git.
#[derive(Serialize)]
struct PairMeta<'a> {
    origin: &'static str,
    repo: &'a str,
    path: &'a str,
    unit: &'a str,
    /// The commit that wrote the rejected version (for a folded revision,
    /// the last commit before the fold run); never null.
    rejected_commit: String,
    chosen_commit: String,
    rejected_time: Option<String>,
    chosen_time: Option<String>,
    subject: &'a str,
    /// Commits whose versions folded into the chosen one (WIP, excluded
    /// authors, one author's editing session, a merged branch), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    folded_commits: Vec<String>,
    similarity: f64,
    words_added: usize,
    words_removed: usize,
    /// The kept edit's class ([`edit::Edit`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    edit: Option<&'static str>,
    /// Why a filter dropped this candidate (only in `mine --dropped`).
    #[serde(skip_serializing_if = "Option::is_none")]
    dropped: Option<&'static str>,
    /// Only in `mine --dropped`, for `response_over_max_chars`: both sides
    /// hold their first [`DROPPED_EXCERPT_CHARS`] characters, and the
    /// similarity and word counts are those of the excerpts.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
    /// Both sides are the changed blocks of a longer unit ([`narrow`]),
    /// not the whole unit.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    narrowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
}

/// Word similarity under which a narrowed or lopsided candidate is two
/// different texts (`not_same_answer`); labelled pairs under it were all
/// `not_same_answer` (rfcs-36 of the 679dd9b sheet at 0.02).
const UNRELATED_SIMILARITY: f64 = 0.1;
/// Characters the longer side of a lopsided candidate has at least.
const UNRELATED_MIN_CHARS: usize = 300;

/// One version of a file on its lineage.
struct Event {
    commit: u32,
    old: Option<ObjId>,
    /// `None`: the file was deleted here.
    new: Option<ObjId>,
    path: String,
    /// Why this version folds into the revision it leads to (the skip reason
    /// it is counted as): a WIP/fixup commit or an excluded author (set by
    /// the walk), one author's editing session or a merged branch (set by
    /// [`mark_folds`]).
    fold: Option<&'static str>,
    in_range: bool,
}

impl Event {
    /// A new version of the file (not a deletion, not a pure rename).
    fn writes(&self) -> bool {
        self.new.is_some() && self.old != self.new
    }
}

/// One file followed through renames: its versions in walk order, and the
/// commits that wrote the base versions no event of it wrote (found in git
/// after the walk), so every pair names its rejected commit.
#[derive(Default)]
struct Lineage {
    events: Vec<Event>,
    seeds: HashMap<ObjId, u32>,
}

const FOLD_WIP: &str = "wip_or_excluded_version_folded";
const FOLD_WINDOW: &str = "version_folded_same_author_window";
const FOLD_BRANCH: &str = "version_folded_merged_branch";

/// Mines one repository.
pub fn mine_repo(
    path: &Path,
    opts: &MineOptions,
    progress: &indicatif::ProgressBar,
) -> Result<(Vec<Pair>, RepoSummary), GitError> {
    let repo = GitRepo::open(path)?;
    let mut summary = RepoSummary {
        repo: repo.identity.clone(),
        path: path.display().to_string(),
        ..RepoSummary::default()
    };
    let mut commits: Vec<CommitInfo> = Vec::new();
    let mut lineages: Vec<Lineage> = Vec::new();
    let mut live: HashMap<String, usize> = HashMap::new();
    // Per lineage, the versions its events wrote; and each base version no
    // earlier event wrote: (lineage, commit, path in the parent, blob).
    let mut written: Vec<std::collections::HashSet<ObjId>> = Vec::new();
    let mut unknown_bases: Vec<(usize, u32, String, ObjId)> = Vec::new();
    let mut skipped: BTreeMap<&'static str, u64> = BTreeMap::new();
    let keep = |p: &str| opts.paths.is_match(p);
    let stats = repo.walk(
        opts.rev.as_deref(),
        opts.history,
        opts.after.as_deref(),
        &keep,
        &mut |info, changes| {
            let index = commits.len() as u32;
            let excluded = author_excluded(&info.author, opts);
            let wip = opts.wip.is_match(&info.subject);
            if excluded {
                *skipped.entry("author_excluded_commits").or_default() += 1;
            }
            let in_range = opts.since.is_none_or(|s| info.time >= s)
                && opts.until.is_none_or(|u| info.time <= u);
            if !in_range {
                *skipped.entry("out_of_date_range_commits").or_default() += 1;
            }
            commits.push(info.clone());
            progress.inc(1);
            for change in changes {
                for side in [change.old, change.new].into_iter().flatten() {
                    match side.kind {
                        Kind::Symlink => *skipped.entry("symlink").or_default() += 1,
                        Kind::Submodule => *skipped.entry("submodule").or_default() += 1,
                        Kind::Other => *skipped.entry("other_entry").or_default() += 1,
                        Kind::File => {}
                    }
                }
                let old = change.old.filter(|s| s.kind == Kind::File).map(|s| s.id);
                let new = change.new.filter(|s| s.kind == Kind::File).map(|s| s.id);
                let from = change.renamed_from.as_deref().unwrap_or(&change.path);
                match new {
                    None => {
                        if let Some(l) = live.remove(from) {
                            *skipped.entry("deleted_file").or_default() += 1;
                            lineages[l].events.push(Event {
                                commit: index,
                                old,
                                new: None,
                                path: change.path,
                                fold: None,
                                in_range,
                            });
                        }
                    }
                    Some(new) => {
                        let l = live.remove(from).unwrap_or_else(|| {
                            lineages.push(Lineage::default());
                            written.push(Default::default());
                            lineages.len() - 1
                        });
                        live.insert(change.path.clone(), l);
                        if let Some(o) = old
                            && !written[l].contains(&o)
                        {
                            unknown_bases.push((l, index, from.to_string(), o));
                        }
                        written[l].insert(new);
                        lineages[l].events.push(Event {
                            commit: index,
                            old,
                            new: Some(new),
                            path: change.path,
                            fold: (wip || excluded).then_some(FOLD_WIP),
                            in_range,
                        });
                    }
                }
            }
        },
    )?;
    summary.commits = stats.commits;
    summary.merges_skipped = stats.merges_skipped;
    summary.shallow = stats.shallow;
    summary.unborn = stats.unborn;
    summary.corrupt.extend(
        stats
            .corrupt
            .into_iter()
            .map(|(commit, error)| CorruptObject {
                commit,
                path: "-".into(),
                blob: String::new(),
                error,
            }),
    );
    summary.files = lineages.len() as u64;
    drop(written);
    seed_producers(&repo, &mut commits, &mut lineages, unknown_bases);
    let branch_of = if opts.fold == FoldMode::Branch && opts.history == History::Branches {
        branch_of(&repo, opts, &commits)?
    } else {
        Vec::new()
    };
    for lineage in &mut lineages {
        mark_folds(&mut lineage.events, &commits, opts.fold_window, &branch_of);
    }

    let ctx = Context {
        repo_id: &repo.identity,
        commits: &commits,
        opts,
    };
    let repo_path = repo.path().to_path_buf();
    let results: Vec<Result<LineageOut, String>> = lineages
        .par_iter()
        .map_init(
            || BlobReader::open(&repo_path, opts.max_file_bytes).map_err(|e| e.to_string()),
            |reader, lineage| Ok(ctx.mine_lineage(lineage, reader.as_ref().map_err(Clone::clone)?)),
        )
        .collect();
    let mut pairs = Vec::new();
    let mut dropped = Vec::new();
    for result in results {
        let out = result.map_err(|message| GitError::Reader {
            path: repo_path.clone(),
            message,
        })?;
        summary.versions += out.versions;
        summary.units += out.units;
        for (k, v) in out.skipped {
            *skipped.entry(k).or_default() += v;
        }
        summary.corrupt.extend(out.corrupt);
        pairs.extend(out.pairs.into_iter().flatten());
        dropped.extend(out.dropped);
    }
    pairs.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
    let before = pairs.len();
    let mut seen = std::collections::HashSet::new();
    pairs.retain(|p| seen.insert(p.id.clone()));
    if pairs.len() < before {
        *skipped.entry("duplicate_pair").or_default() += (before - pairs.len()) as u64;
    }
    let mut pairs = Settle::default().settle(pairs, opts.keep_dropped, &mut skipped);
    summary.pairs = pairs.iter().filter(|p| p.dropped.is_none()).count() as u64;
    dropped.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
    pairs.extend(dropped);
    for p in pairs.iter().filter(|p| p.dropped.is_none()) {
        crate::secrets::add_counts(&mut summary.redacted, &p.redacted);
    }
    summary.skipped = skipped;
    summary.corrupt.sort();
    summary.corrupt.dedup();
    Ok((pairs, summary))
}

/// Finds in git the commit that wrote each base version the walk did not
/// see written on its lineage (a conflict resolved in a merge, a rename on
/// another branch, a commit before `after`), so no pair lacks its rejected
/// commit. Commits the walk did not record are added to `commits`.
fn seed_producers(
    repo: &GitRepo,
    commits: &mut Vec<CommitInfo>,
    lineages: &mut [Lineage],
    unknown: Vec<(usize, u32, String, ObjId)>,
) {
    if unknown.is_empty() {
        return;
    }
    let mut index: HashMap<ObjId, u32> = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i as u32))
        .collect();
    for (l, child, path, blob) in unknown {
        if lineages[l].seeds.contains_key(&blob) {
            continue;
        }
        let Some(info) = repo.producer(commits[child as usize].id, &path, blob) else {
            continue;
        };
        let at = *index.entry(info.id).or_insert_with(|| {
            commits.push(info);
            (commits.len() - 1) as u32
        });
        lineages[l].seeds.insert(blob, at);
    }
}

/// For `--fold branch`: the merged branch (numbered from 0) each walked
/// commit belongs to, indexed like `commits`; `None` for a commit made on
/// the first-parent line itself.
fn branch_of(
    repo: &GitRepo,
    opts: &MineOptions,
    commits: &[CommitInfo],
) -> Result<Vec<Option<u32>>, GitError> {
    let mut of: HashMap<ObjId, u32> = HashMap::new();
    for (b, branch) in repo
        .merged_branches(opts.rev.as_deref(), opts.after.as_deref())?
        .into_iter()
        .enumerate()
    {
        for c in branch {
            // A commit merged twice belongs to the first merge.
            of.entry(c).or_insert(b as u32);
        }
    }
    Ok(commits.iter().map(|c| of.get(&c.id).copied()).collect())
}

/// `Name <email>` of two commits: one author when the e-mail addresses
/// (case aside) or the names agree, so one person committing from two
/// machines with two addresses is still one author.
fn same_author(a: &str, b: &str) -> bool {
    let split = |s: &str| {
        let (name, email) = s.rsplit_once(" <").unwrap_or((s, ""));
        (
            name.trim().to_lowercase(),
            email.trim_end_matches('>').to_lowercase(),
        )
    };
    let ((an, ae), (bn, be)) = (split(a), split(b));
    (!ae.is_empty() && ae == be) || (!an.is_empty() && an == bn)
}

/// Marks the versions of one file that fold into a later revision:
/// - with `branch_of` (`--fold branch`): every version a merged branch
///   wrote but its last;
/// - with `window` > 0 seconds: a version whose every successor (the
///   versions written on top of it) is by the same author within `window`
///   of the session's first version; the session's last version is then
///   compared against the version before the session. A different author,
///   a later commit, a deletion or a merge (first-parent history: someone
///   else's branch, a deliberate revision) ends the session.
fn mark_folds(
    events: &mut [Event],
    commits: &[CommitInfo],
    window: i64,
    branch_of: &[Option<u32>],
) {
    let branch = |ev: &Event| branch_of.get(ev.commit as usize).copied().flatten();
    if !branch_of.is_empty() {
        let mut last: HashMap<u32, usize> = HashMap::new();
        for (i, ev) in events.iter().enumerate() {
            if let Some(b) = branch(ev)
                && ev.writes()
            {
                last.insert(b, i);
            }
        }
        for (i, ev) in events.iter_mut().enumerate() {
            if let Some(b) = branch(ev)
                && ev.writes()
                && ev.fold.is_none()
                && last.get(&b) != Some(&i)
            {
                ev.fold = Some(FOLD_BRANCH);
            }
        }
    }
    if window <= 0 {
        return;
    }
    let n = events.len();
    let mut pred: Vec<Option<usize>> = vec![None; n];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut writer: HashMap<ObjId, usize> = HashMap::new();
    for (i, ev) in events.iter().enumerate() {
        if ev.new.is_some() && !ev.writes() {
            continue; // a pure rename: the version is still its writer's
        }
        if let Some(j) = ev.old.and_then(|o| writer.get(&o).copied()) {
            pred[i] = Some(j);
            succ[j].push(i);
        }
        if let Some(new) = ev.new {
            writer.insert(new, i);
        }
    }
    let mut start = vec![0i64; n];
    for i in 0..n {
        let info = &commits[events[i].commit as usize];
        start[i] = match pred[i] {
            Some(j) if events[j].fold == Some(FOLD_WINDOW) => start[j],
            _ => info.author_time,
        };
        if events[i].fold.is_some() || !events[i].writes() || succ[i].is_empty() || info.merge {
            continue;
        }
        let session = succ[i].iter().all(|&k| {
            let next = &commits[events[k].commit as usize];
            events[k].new.is_some()
                && !next.merge
                && same_author(&info.author, &next.author)
                && (next.author_time - start[i]).abs() <= window
        });
        if session {
            events[i].fold = Some(FOLD_WINDOW);
        }
    }
}

fn author_excluded(author: &str, opts: &MineOptions) -> bool {
    opts.exclude_authors.iter().any(|r| r.is_match(author))
        || (!opts.include_authors.is_empty()
            && !opts.include_authors.iter().any(|r| r.is_match(author)))
}

struct Context<'a> {
    repo_id: &'a str,
    commits: &'a [CommitInfo],
    opts: &'a MineOptions,
}

#[derive(Default)]
struct LineageOut {
    pairs: Vec<Option<Pair>>,
    /// Candidates a filter dropped (only with `keep_dropped`).
    dropped: Vec<Pair>,
    versions: u64,
    units: u64,
    skipped: BTreeMap<&'static str, u64>,
    corrupt: Vec<CorruptObject>,
}

impl LineageOut {
    fn skip(&mut self, reason: &'static str) {
        *self.skipped.entry(reason).or_default() += 1;
    }

    /// Counts a dropped candidate and keeps its record when there is one.
    fn drop_pair(&mut self, reason: &'static str, pair: Option<Pair>) {
        self.skip(reason);
        self.dropped.extend(pair);
    }

    fn skip_once(&mut self, first: bool, reason: &'static str) {
        if first {
            self.skip(reason);
        }
    }
}

/// One version's units; `None` when the version has none (counted once).
type Units = Option<Arc<Vec<Unit>>>;

/// The units of the last few versions read. A linear history needs only the
/// previous version again, so a handful keeps memory to the file at hand
/// rather than its whole history; a version evicted and needed later (a far
/// branch base) is read again.
#[derive(Default)]
struct UnitCache {
    recent: std::collections::VecDeque<(ObjId, Units)>,
    /// Versions already read once, so a re-read is not counted twice.
    seen: std::collections::HashSet<ObjId>,
}

impl UnitCache {
    const CAPACITY: usize = 16;

    fn get(&self, blob: ObjId) -> Option<Units> {
        self.recent
            .iter()
            .find(|(id, _)| *id == blob)
            .map(|(_, u)| u.clone())
    }

    fn put(&mut self, blob: ObjId, units: Units) {
        if self.recent.len() == Self::CAPACITY {
            self.recent.pop_front();
        }
        self.recent.push_back((blob, units));
    }
}

/// The versions of one unit's response, for telling a revert from a revision.
#[derive(Default)]
struct UnitHistory {
    /// Loose hashes (whitespace and punctuation ignored) of each version, in order.
    versions: Vec<u64>,
    /// Pairs already made for this unit: index in the lineage output, chosen's loose hash.
    pairs: Vec<(usize, u64)>,
}

/// One side of a candidate pair.
struct Version<'u> {
    unit: &'u Unit,
    blob: ObjId,
    commit: Option<u32>,
    /// Commits whose versions folded into this one, oldest first.
    folded: &'u [u32],
}

impl Context<'_> {
    fn mine_lineage(&self, lineage: &Lineage, reader: &BlobReader) -> LineageOut {
        let events = &lineage.events;
        let mut out = LineageOut::default();
        let mut cache = UnitCache::default();
        let mut producer: HashMap<ObjId, u32> = lineage.seeds.clone();
        // A folded version's base: the version before the fold run (none
        // when the run began by adding the file), and the run's commits.
        let mut fold_base: HashMap<ObjId, (Option<ObjId>, Vec<u32>)> = HashMap::new();
        let base_of = |fold_base: &HashMap<ObjId, (Option<ObjId>, Vec<u32>)>,
                       old: Option<ObjId>| {
            match old.and_then(|o| fold_base.get(&o)) {
                Some((base, folded)) => (*base, folded.clone()),
                None => (old, Vec::new()),
            }
        };
        // Pairs already made, by (unit, rejected text, chosen text): a commit
        // that replays another (cherry-pick, rebase duplicate) gives none.
        let mut made: HashMap<u128, usize> = HashMap::new();
        let mut histories: HashMap<String, UnitHistory> = HashMap::new();
        // For `--pairs final`: each unit's distinct earlier versions, in order.
        let mut earlier: HashMap<String, Vec<(ObjId, u32, Unit)>> = HashMap::new();
        let mut last: Option<(ObjId, u32)> = None;

        for ev in events {
            let Some(new) = ev.new else {
                last = None;
                continue;
            };
            producer.entry(new).or_insert(ev.commit);
            if ev.old == Some(new) {
                continue; // a pure rename
            }
            if let Some(reason) = ev.fold {
                out.skip(reason);
                let (base, mut folded) = base_of(&fold_base, ev.old);
                folded.push(ev.commit);
                fold_base.insert(new, (base, folded));
                continue;
            }
            // This commit wrote `new` itself: a later edit on top of it
            // compares against it, whatever an earlier fold run made.
            fold_base.remove(&new);
            out.versions += 1;
            let new_units =
                self.units(&mut cache, &mut out, reader, new, Some(ev.commit), &ev.path);
            last = Some((new, ev.commit));
            let Some(new_units) = new_units else { continue };
            out.units += new_units.len() as u64;
            let (base, folded) = base_of(&fold_base, ev.old);
            let base_units = match base {
                Some(b) => {
                    let commit = producer.get(&b).copied();
                    self.units(&mut cache, &mut out, reader, b, commit, &ev.path)
                }
                None => None,
            };
            // Each version's lines by unit, for `moved`: built once per
            // version, when a candidate first needs them.
            let mut siblings: Option<(edit::Siblings, edit::Siblings)> = None;
            for u in new_units.iter() {
                let previous = base_units
                    .as_ref()
                    .and_then(|bu| bu.iter().find(|b| b.key == u.key));
                let Some(prev) = previous else {
                    if base_units.is_some() {
                        out.skip("new_unit_or_changed_prompt");
                    }
                    let history = histories.entry(u.key.clone()).or_default();
                    history.versions.push(loose_hash(&u.response));
                    if self.opts.pairs == PairMode::Final {
                        earlier
                            .entry(u.key.clone())
                            .or_default()
                            .push((new, ev.commit, u.clone()));
                    }
                    continue;
                };
                if prev.response == u.response {
                    continue;
                }
                let base = base.unwrap_or(new);
                let rejected = Version {
                    unit: prev,
                    blob: base,
                    commit: producer.get(&base).copied(),
                    folded: &[],
                };
                let chosen = Version {
                    unit: u,
                    blob: new,
                    commit: Some(ev.commit),
                    folded: &folded,
                };
                let loose = loose_hash(&u.response);
                if self.opts.pairs == PairMode::Final {
                    // Not a candidate here: each earlier version is paired
                    // with the last one at the end.
                    let list = earlier.entry(u.key.clone()).or_default();
                    if !list
                        .iter()
                        .any(|(_, _, e)| loose_hash(&e.response) == loose)
                    {
                        list.push((new, ev.commit, u.clone()));
                    }
                    continue;
                }
                let rejected_loose = loose_hash(&prev.response);
                if rejected_loose == loose {
                    let reason = "whitespace_or_punctuation_edit";
                    out.drop_pair(
                        reason,
                        self.pair(&rejected, &chosen, &ev.path, Some(reason))
                            .into_dropped(),
                    );
                    continue;
                }
                // A revert to an earlier text abandons the versions in between:
                // the pairs that preferred them are dropped, and so is the
                // revert itself (`reverted`): the author went back, which says
                // neither text is the better one.
                // Only a return along the history seen (the rejected text
                // came after the one chosen again) is a revert: with
                // `--history branches` the same text can also arrive on
                // another branch, in any walk order.
                let history = histories.entry(u.key.clone()).or_default();
                let back_to = history
                    .versions
                    .iter()
                    .rposition(|&h| h == loose)
                    .filter(|&i| history.versions[i + 1..].contains(&rejected_loose));
                let reverted = match back_to {
                    Some(i) => {
                        let abandoned: Vec<u64> = history.versions[i + 1..].to_vec();
                        let keep_dropped = self.opts.keep_dropped;
                        history.pairs.retain(|&(idx, chosen)| {
                            let drop = abandoned.contains(&chosen);
                            if drop && let Some(p) = out.pairs[idx].take() {
                                let reason = "pair_undone_by_revert";
                                *out.skipped.entry(reason).or_default() += 1;
                                if keep_dropped {
                                    out.dropped.push(p.into_dropped(reason));
                                }
                            }
                            !drop
                        });
                        history.versions.truncate(i + 1);
                        true
                    }
                    None => {
                        if !history.versions.contains(&loose) {
                            history.versions.push(loose);
                        }
                        false
                    }
                };
                if !ev.in_range {
                    out.skip("out_of_date_range_edit");
                    continue;
                }
                let texts = replay_key(&u.key, &prev.response, &u.response);
                if made.get(&texts).is_some_and(|&i| out.pairs[i].is_some()) {
                    out.skip("replayed_commit");
                    continue;
                }
                let forced = reverted.then_some("reverted").or_else(|| {
                    let (before, after) = siblings.get_or_insert_with(|| {
                        let before = base_units
                            .as_deref()
                            .map(|b| unit_texts(b))
                            .unwrap_or_default();
                        (
                            edit::Siblings::new(before),
                            edit::Siblings::new(unit_texts(&new_units)),
                        )
                    });
                    edit::moved(&prev.response, &u.response, &u.key, before, after)
                        .then_some("moved")
                });
                match self.pair(&rejected, &chosen, &ev.path, forced) {
                    Judged::Kept(pair) => {
                        let idx = out.pairs.len();
                        out.pairs.push(Some(pair));
                        history.pairs.push((idx, loose));
                        made.insert(texts, idx);
                    }
                    Judged::Dropped(reason, pair) => out.drop_pair(reason, pair),
                }
            }
        }
        if self.opts.pairs == PairMode::Final {
            self.final_pairs(events, &mut cache, &mut out, reader, last, earlier);
        }
        out
    }

    /// `--pairs final`: every earlier version of a unit against its text in the file's last version.
    fn final_pairs(
        &self,
        events: &[Event],
        cache: &mut UnitCache,
        out: &mut LineageOut,
        reader: &BlobReader,
        last: Option<(ObjId, u32)>,
        earlier: HashMap<String, Vec<(ObjId, u32, Unit)>>,
    ) {
        let Some((last_blob, last_commit)) = last else {
            return;
        };
        let Some(path) = events
            .iter()
            .rev()
            .find(|e| e.new == Some(last_blob))
            .map(|e| e.path.clone())
        else {
            return;
        };
        let Some(final_units) = self.units(cache, out, reader, last_blob, Some(last_commit), &path)
        else {
            return;
        };
        let mut keys: Vec<&String> = earlier.keys().collect();
        keys.sort();
        for key in keys {
            let Some(fin) = final_units.iter().find(|u| &u.key == key) else {
                out.skip("unit_removed_before_final");
                continue;
            };
            let fin_loose = loose_hash(&fin.response);
            for (blob, commit, unit) in &earlier[key] {
                if loose_hash(&unit.response) == fin_loose {
                    continue;
                }
                let in_range = self
                    .opts
                    .since
                    .is_none_or(|s| self.commits[*commit as usize].time >= s)
                    && self
                        .opts
                        .until
                        .is_none_or(|u| self.commits[last_commit as usize].time <= u);
                if !in_range {
                    out.skip("out_of_date_range_edit");
                    continue;
                }
                let rejected = Version {
                    unit,
                    blob: *blob,
                    commit: Some(*commit),
                    folded: &[],
                };
                let chosen = Version {
                    unit: fin,
                    blob: last_blob,
                    commit: Some(last_commit),
                    folded: &[],
                };
                match self.pair(&rejected, &chosen, &path, None) {
                    Judged::Kept(pair) => out.pairs.push(Some(pair)),
                    Judged::Dropped(reason, pair) => out.drop_pair(reason, pair),
                }
            }
        }
    }

    fn units(
        &self,
        cache: &mut UnitCache,
        out: &mut LineageOut,
        reader: &BlobReader,
        blob: ObjId,
        commit: Option<u32>,
        path: &str,
    ) -> Units {
        if let Some(u) = cache.get(blob) {
            return u;
        }
        let file_name = path.rsplit('/').next().unwrap_or(path);
        let first_read = cache.seen.insert(blob);
        // Sections left out on purpose (navigation), counted once per version.
        let (uopts, mut noted) = (&self.opts.units, Vec::new());
        let units = match reader.text(blob) {
            Err(why) => {
                out.skip_once(
                    first_read,
                    match why {
                        Unreadable::Binary => "binary_file_version",
                        Unreadable::NotUtf8 => "non_utf8_file_version",
                        Unreadable::TooLarge => "file_version_over_size_cap",
                        Unreadable::Missing => "missing_blob",
                        Unreadable::LfsPointer => "lfs_pointer",
                        Unreadable::Corrupt(_) => "corrupt_object",
                    },
                );
                if let (true, Unreadable::Corrupt(error)) = (first_read, why) {
                    out.corrupt.push(CorruptObject {
                        commit: commit
                            .and_then(|c| self.commits.get(c as usize))
                            .map_or_else(|| "unknown".into(), |c| c.id.to_string()),
                        path: path.to_string(),
                        blob: blob.to_string(),
                        error,
                    });
                }
                None
            }
            Ok(text) => match unit::extract_noting(&text, file_name, uopts, &mut noted) {
                Ok(units) => Some(Arc::new(units)),
                Err(NoUnits::NoPrompt) => {
                    out.skip_once(first_read, "file_version_without_prompt");
                    None
                }
                Err(NoUnits::BadFrontMatter) => {
                    out.skip_once(first_read, "bad_front_matter");
                    None
                }
            },
        };
        for reason in noted {
            out.skip_once(first_read, reason);
        }
        cache.put(blob, units.clone());
        units
    }

    /// Judges a candidate with the edit filters ([`edit::judge`]) and builds
    /// its record. `forced`: a reason already found to drop it. A dropped
    /// candidate's record (with `meta.dropped`) is built only with
    /// `keep_dropped`.
    fn pair<'u>(
        &self,
        rejected: &Version<'u>,
        chosen: &Version<'u>,
        path: &str,
        forced: Option<&'static str>,
    ) -> Judged {
        let f = &self.opts.filters;
        let keep_dropped = self.opts.keep_dropped;
        if let (Some(reason), false) = (forced, keep_dropped) {
            return Judged::Dropped(reason, None);
        }
        let (r, c) = (
            rejected.unit.response.as_str(),
            chosen.unit.response.as_str(),
        );
        // A long unit edited in one place is narrowed to the changed
        // blocks (`narrow`); over the size cap, to any span that fits.
        let over = |t: &str| t.chars().count() > f.max_response_chars;
        let long = |t: &str| t.chars().count() > f.narrow_from_chars;
        let oversize = over(r) || over(c);
        let narrowed = ((f.narrow_from_chars > 0 && (long(r) || long(c))) || oversize)
            .then(|| narrow::narrow(r, c, oversize))
            .flatten();
        let (r, c) = narrowed.unwrap_or((r, c));
        let too_long = (over(r) || over(c)).then_some("response_over_max_chars");
        if let (Some(reason), false) = (forced.or(too_long), keep_dropped) {
            return Judged::Dropped(reason, None);
        }
        // Redacted first, so the edit filters judge the text that is written:
        // an edit that only rotated a key is no edit.
        let mut redacted = crate::secrets::Counts::new();
        let mut clean = |t: &'u str| match &self.opts.secrets {
            Some(s) => s.redact_counting(t, &mut redacted),
            None => std::borrow::Cow::Borrowed(t),
        };
        // An oversize candidate kept for `--dropped` carries an excerpt of
        // each side, not the whole text: on a 13,000-commit wiki these were
        // 54,194 records and 3.4 GB (measured), and nobody reads them whole.
        let excerpt = |t: &'u str| -> &'u str {
            match t.char_indices().nth(DROPPED_EXCERPT_CHARS) {
                Some((at, _)) if too_long.is_some() => &t[..at],
                _ => t,
            }
        };
        let (r, c) = (excerpt(r), excerpt(c));
        let (r, c, prompt) = (clean(r), clean(c), clean(&chosen.unit.prompt));
        let (r, c) = (r.as_ref(), c.as_ref());
        let judged = edit::judge(r, c, f);
        // Almost no word in common and lopsided, or cut out by narrowing:
        // two different texts, not one answer revised (found by a newcomer
        // trial: a section that swallowed the next through an unclosed
        // fence, paired with that section's real text at similarity 0.006).
        let (rl, cl) = (r.chars().count(), c.chars().count());
        let lopsided = rl.max(cl) >= UNRELATED_MIN_CHARS && rl.max(cl) >= 3 * rl.min(cl);
        let unrelated = (judged.similarity < UNRELATED_SIMILARITY
            && (narrowed.is_some() || lopsided))
            .then_some("not_same_answer");
        let dropped = forced.or(too_long).or(judged.outcome.err()).or(unrelated);
        if let (Some(reason), false) = (dropped, keep_dropped) {
            return Judged::Dropped(reason, None);
        }
        let key = &chosen.unit.key;
        let mut h = Vec::with_capacity(self.repo_id.len() + key.len() + 42);
        for part in [
            self.repo_id.as_bytes(),
            b"\0",
            key.as_bytes(),
            b"\0",
            rejected.blob.as_bytes(),
            chosen.blob.as_bytes(),
        ] {
            h.extend_from_slice(part);
        }
        let id = format!("rm_{:032x}", xxh3_128(&h));
        let commit = |c: Option<u32>| c.and_then(|i| self.commits.get(i as usize));
        // Provenance is never null: a version whose commit git cannot name
        // (a blob no reachable commit holds) is no pair.
        let (Some(rc), Some(cc)) = (commit(rejected.commit), commit(chosen.commit)) else {
            return Judged::Dropped("commit_unknown", None);
        };
        let meta = PairMeta {
            origin: "git",
            repo: self.repo_id,
            path,
            unit: key,
            rejected_commit: rc.id.to_string(),
            chosen_commit: cc.id.to_string(),
            rejected_time: rfc3339(rc),
            chosen_time: rfc3339(cc),
            subject: cc.subject.as_str(),
            folded_commits: chosen
                .folded
                .iter()
                .filter_map(|&i| self.commits.get(i as usize))
                .map(|c| c.id.to_string())
                .collect(),
            similarity: (judged.similarity * 1000.0).round() / 1000.0,
            words_added: judged.words_added,
            words_removed: judged.words_removed,
            edit: judged
                .outcome
                .ok()
                .filter(|_| dropped.is_none())
                .map(edit::Edit::as_str),
            dropped,
            truncated: too_long.is_some(),
            narrowed: narrowed.is_some(),
            diff: self.opts.diff.then(|| {
                TextDiff::from_lines(r, c)
                    .unified_diff()
                    .context_radius(3)
                    .header("rejected", "chosen")
                    .to_string()
            }),
        };
        let record = Preference {
            id: &id,
            record_type: RecordType::Preference,
            source: "real",
            prompt: &prompt,
            chosen: c,
            rejected: r,
            meta,
        };
        let Ok(line) = serde_json::to_string(&record) else {
            return Judged::Dropped(dropped.unwrap_or("unserialisable_pair"), None);
        };
        let prompt_words: Vec<&str> = prompt.unicode_words().collect();
        let (rh, ch) = (
            judged.rejected_hash.to_le_bytes(),
            judged.chosen_hash.to_le_bytes(),
        );
        let pair = Pair {
            id,
            line,
            redacted,
            dropped,
            order: (chosen.commit.unwrap_or(0), path.to_string(), key.clone()),
            content: xxh3_128(&[edit::words_hash(&prompt_words).to_le_bytes(), rh, ch].concat()),
            forward: xxh3_128(&[rh, ch].concat()),
            reverse: xxh3_128(&[ch, rh].concat()),
        };
        match dropped {
            Some(reason) => Judged::Dropped(reason, Some(pair)),
            None => Judged::Kept(pair),
        }
    }
}

/// What makes two candidates one edit: the unit and both texts.
fn replay_key(unit: &str, rejected: &str, chosen: &str) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in [unit, rejected, chosen] {
        h.update(part.as_bytes());
        h.update(b"\0");
    }
    h.digest128()
}

/// Characters of each side an oversize candidate keeps in its `--dropped`
/// record (`meta.truncated` says so); the pair itself is never written.
const DROPPED_EXCERPT_CHARS: usize = 1_000;

/// What [`Context::pair`] made of a candidate.
enum Judged {
    Kept(Pair),
    /// The skip reason, and the record when dropped records are kept.
    Dropped(&'static str, Option<Pair>),
}

impl Judged {
    /// The record of a candidate dropped for a forced reason.
    fn into_dropped(self) -> Option<Pair> {
        match self {
            Judged::Dropped(_, p) => p,
            Judged::Kept(_) => None,
        }
    }
}

/// Each unit's (key, response).
fn unit_texts(units: &[Unit]) -> Vec<(&str, &str)> {
    units
        .iter()
        .map(|u| (u.key.as_str(), u.response.as_str()))
        .collect()
}

/// Hash of the text with whitespace and punctuation removed: equal hashes mean
/// an edit of whitespace, line endings or punctuation only.
fn loose_hash(text: &str) -> u64 {
    // Streamed through a small buffer: this runs for every changed unit.
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = [0u8; 256];
    let mut len = 0;
    if text.is_ascii() {
        // The common case, a byte at a time: the same bytes as below.
        for &b in text.as_bytes().iter().filter(|b| b.is_ascii_alphanumeric()) {
            if len == buf.len() {
                hasher.update(&buf);
                len = 0;
            }
            buf[len] = b;
            len += 1;
        }
        hasher.update(&buf[..len]);
        return hasher.digest();
    }
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        if len + 4 > buf.len() {
            hasher.update(&buf[..len]);
            len = 0;
        }
        len += c.encode_utf8(&mut buf[len..]).len();
    }
    hasher.update(&buf[..len]);
    hasher.digest()
}

fn rfc3339(c: &CommitInfo) -> Option<String> {
    let offset = chrono::FixedOffset::east_opt(c.offset_minutes * 60)?;
    Some(
        chrono::DateTime::from_timestamp(c.time, 0)?
            .with_timezone(&offset)
            .to_rfc3339(),
    )
}

#[cfg(test)]
mod tests {
    use super::same_author;

    #[test]
    fn one_author_by_email_or_name() {
        let ana = "Ana Ruiz <ana@example.org>";
        assert!(same_author(ana, "Ana Ruiz <ana.ruiz@northwind.example>"));
        assert!(same_author(ana, "A. Ruiz <ANA@example.org>"));
        assert!(!same_author(ana, "Bo Lind <bo@example.org>"));
        assert!(!same_author("<>", " <>"));
    }
}
