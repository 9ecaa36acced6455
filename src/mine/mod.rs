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

/// The edit filters: what makes a change a preference signal. Words and
/// similarity are those of the prose views ([`edit::prose`]).
#[derive(Debug, Clone)]
pub struct EditFilters {
    pub min_words_changed: usize,
    pub min_similarity: f64,
    pub max_similarity: f64,
    /// Characters, either side's raw text.
    pub max_response_chars: usize,
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
    rejected_commit: Option<String>,
    chosen_commit: Option<String>,
    rejected_time: Option<String>,
    chosen_time: Option<String>,
    subject: Option<&'a str>,
    similarity: f64,
    words_added: usize,
    words_removed: usize,
    /// The kept edit's class ([`edit::Edit`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    edit: Option<&'static str>,
    /// Why a filter dropped this candidate (only in `mine --dropped`).
    #[serde(skip_serializing_if = "Option::is_none")]
    dropped: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
}

/// One version of a file on its lineage.
struct Event {
    commit: u32,
    old: Option<ObjId>,
    /// `None`: the file was deleted here.
    new: Option<ObjId>,
    path: String,
    /// A WIP/fixup commit, or one by an excluded author: folds into the next revision.
    fold: bool,
    in_range: bool,
}

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
    let mut lineages: Vec<Vec<Event>> = Vec::new();
    let mut live: HashMap<String, usize> = HashMap::new();
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
                            lineages[l].push(Event {
                                commit: index,
                                old,
                                new: None,
                                path: change.path,
                                fold: false,
                                in_range,
                            });
                        }
                    }
                    Some(new) => {
                        let l = live.remove(from).unwrap_or_else(|| {
                            lineages.push(Vec::new());
                            lineages.len() - 1
                        });
                        live.insert(change.path.clone(), l);
                        lineages[l].push(Event {
                            commit: index,
                            old,
                            new: Some(new),
                            path: change.path,
                            fold: wip || excluded,
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
            |reader, events| Ok(ctx.mine_lineage(events, reader.as_ref().map_err(Clone::clone)?)),
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
}

impl Context<'_> {
    fn mine_lineage(&self, events: &[Event], reader: &BlobReader) -> LineageOut {
        let mut out = LineageOut::default();
        let mut cache = UnitCache::default();
        let mut producer: HashMap<ObjId, u32> = HashMap::new();
        // A folded version's base: the version before the fold run, or none
        // when the run began by adding the file.
        let mut fold_base: HashMap<ObjId, Option<ObjId>> = HashMap::new();
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
            if ev.fold {
                out.skip("wip_or_excluded_version_folded");
                let base = ev
                    .old
                    .and_then(|o| fold_base.get(&o).copied().unwrap_or(Some(o)));
                fold_base.insert(new, base);
                continue;
            }
            out.versions += 1;
            let new_units =
                self.units(&mut cache, &mut out, reader, new, Some(ev.commit), &ev.path);
            last = Some((new, ev.commit));
            let Some(new_units) = new_units else { continue };
            out.units += new_units.len() as u64;
            let base = ev
                .old
                .and_then(|o| fold_base.get(&o).copied().unwrap_or(Some(o)));
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
                let rejected = Version {
                    unit: prev,
                    blob: base.unwrap_or(new),
                    commit: base.and_then(|b| producer.get(&b).copied()),
                };
                let chosen = Version {
                    unit: u,
                    blob: new,
                    commit: Some(ev.commit),
                };
                let loose = loose_hash(&u.response);
                if loose_hash(&prev.response) == loose {
                    let reason = "whitespace_or_punctuation_edit";
                    out.drop_pair(
                        reason,
                        self.pair(&rejected, &chosen, &ev.path, Some(reason))
                            .into_dropped(),
                    );
                    continue;
                }
                if self.opts.pairs == PairMode::Final {
                    let list = earlier.entry(u.key.clone()).or_default();
                    if !list
                        .iter()
                        .any(|(_, _, e)| loose_hash(&e.response) == loose)
                    {
                        list.push((new, ev.commit, u.clone()));
                    }
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
                let rejected_loose = loose_hash(&prev.response);
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
                };
                let chosen = Version {
                    unit: fin,
                    blob: last_blob,
                    commit: Some(last_commit),
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
        let units = match reader.text(blob) {
            Err(why) => {
                out.skip_once(
                    first_read,
                    match why {
                        Unreadable::Binary => "binary_file_version",
                        Unreadable::NotUtf8 => "non_utf8_file_version",
                        Unreadable::TooLarge => "file_version_over_size_cap",
                        Unreadable::Missing => "missing_blob",
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
            Ok(text) => match unit::extract(&text, file_name, &self.opts.units) {
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
        let too_long = (r.chars().count() > f.max_response_chars
            || c.chars().count() > f.max_response_chars)
            .then_some("response_over_max_chars");
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
        let (r, c, prompt) = (clean(r), clean(c), clean(&chosen.unit.prompt));
        let (r, c) = (r.as_ref(), c.as_ref());
        let judged = edit::judge(r, c, f);
        let dropped = forced.or(too_long).or(judged.outcome.err());
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
        let (rc, cc) = (commit(rejected.commit), commit(chosen.commit));
        let meta = PairMeta {
            origin: "git",
            repo: self.repo_id,
            path,
            unit: key,
            rejected_commit: rc.map(|c| c.id.to_string()),
            chosen_commit: cc.map(|c| c.id.to_string()),
            rejected_time: rc.and_then(rfc3339),
            chosen_time: cc.and_then(rfc3339),
            subject: cc.map(|c| c.subject.as_str()),
            similarity: (judged.similarity * 1000.0).round() / 1000.0,
            words_added: judged.words_added,
            words_removed: judged.words_removed,
            edit: judged
                .outcome
                .ok()
                .filter(|_| dropped.is_none())
                .map(edit::Edit::as_str),
            dropped,
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
