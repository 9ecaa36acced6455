//! `revmine build`: the plan's "rebalance dataset to keep type coverage while
//! increasing real conversational share", as one deterministic step.
//!
//! Sources (JSONL: a synthetic set, mined pairs, notes exchanges, ingested
//! chats) are read whole, every record is fingerprinted in parallel, and then
//! decisions are made in a fixed order, each with a reason the report counts:
//! duplicate ids, exact and near-duplicate responses, the eval set (hard
//! cases first, `eval_per_type` per type), train records that would leak an
//! eval record, per-type quotas, and the real share. Ties are broken by a
//! seeded hash of the id, so the same inputs and seed give the same files.
//!
//! Memory: the sources' bytes plus a compact entry per record (its two
//! MinHash signatures, 256 bytes, dominate); records are re-parsed only
//! when written.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use xxhash_rust::xxh3::{xxh3_64_with_seed, xxh3_128};

use serde::Deserialize;

use crate::dataset::fast::FastRecord;
use crate::dataset::fingerprint::{Fingerprint, Fingerprinter, LeakIndex, Print};
use crate::dataset::neardup::Index;
use crate::dataset::neardup::NearDuplicates;
use crate::dataset::record::RecordType;
use crate::dataset::schema::Schema;
use crate::dataset::tags::TagRules;
use crate::dataset::tags::{Tag, Tagger, Tags};
use crate::error::Error;
use crate::gate::settings::{EvalHardCases, RealShare};
use crate::output::Output as OutputFile;

/// One input of a build, resolved to a file.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    /// What its records are when they do not say.
    pub kind: Option<SourceKind>,
    pub split: Split,
}

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub sources: Vec<Source>,
    pub train: PathBuf,
    pub eval: PathBuf,
    pub seed: u64,
}

/// Why a record was left out; the names are the report's and `--json`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Drop {
    DuplicateId,
    Duplicate,
    NearDuplicate,
    EvalSurplus,
    LeaksEval,
    Quota,
    RealShare,
}

impl Drop {
    pub const ALL: [Drop; 7] = [
        Drop::DuplicateId,
        Drop::Duplicate,
        Drop::NearDuplicate,
        Drop::EvalSurplus,
        Drop::LeaksEval,
        Drop::Quota,
        Drop::RealShare,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Drop::DuplicateId => "duplicate_id",
            Drop::Duplicate => "duplicate",
            Drop::NearDuplicate => "near_duplicate",
            Drop::EvalSurplus => "eval_surplus",
            Drop::LeaksEval => "leaks_eval",
            Drop::Quota => "quota",
            Drop::RealShare => "real_share",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Pending,
    Train,
    Eval,
    Dropped(Drop),
}

/// What the build keeps of one record.
struct Item {
    src: u16,
    line: u32,
    start: usize,
    len: u32,
    ty: RecordType,
    real: bool,
    /// Seeded hash of the id: the build's tie-breaker.
    priority: u64,
    id: u128,
    tags: Tags,
    fp: Fingerprint,
    fate: Fate,
}

/// Per record type and source: records in, where they went, and why not.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub input: u64,
    pub train: u64,
    pub eval: u64,
    pub dropped: BTreeMap<Drop, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub train: PathBuf,
    pub eval: PathBuf,
    pub seed: u64,
    pub sources: Vec<PathBuf>,
    /// Keyed `TYPE/SOURCE`, e.g. `chat/real`.
    pub tallies: BTreeMap<String, Tally>,
    pub train_records: u64,
    pub eval_records: u64,
    pub train_real_share: f64,
    pub eval_tags: BTreeMap<Tag, u64>,
    /// Targets the build could not reach, said plainly.
    pub warnings: Vec<String>,
}

/// What `build` reads of the config (see [`crate::config::Config::build_settings`]):
/// its own `[build]` table and the definitions it must share with the gates,
/// so a build and `check` never disagree on a duplicate or a tag.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    pub build: &'a Build,
    pub tags: &'a TagRules,
    pub near_duplicates: &'a NearDuplicates,
    /// `[gates.uniqueness] fields`: the text judged per record type.
    pub uniqueness_fields: &'a BTreeMap<RecordType, String>,
    /// `[gates.real_share]`: the band the target must lie in.
    pub real_share: &'a RealShare,
    pub eval_hard_cases: &'a EvalHardCases,
    /// The config file, named in errors; `None` for the built-in defaults.
    pub origin: Option<&'a Path>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    pub seed: u64,
    pub train: PathBuf,
    pub eval: PathBuf,
    pub sources: Vec<BuildSource>,
    pub exact_dedup: bool,
    pub near_dedup: bool,
    pub real_share: BuildRealShare,
    pub quotas: BTreeMap<RecordType, u64>,
    pub eval_per_type: u64,
    pub eval_max_share: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildRealShare {
    pub target: f64,
}

/// One input of `build`: a JSONL file (or glob) and what its records are
/// when they do not say (`source`), and where they may go (`split`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSource {
    pub path: String,
    #[serde(default)]
    pub source: Option<SourceKind>,
    #[serde(default)]
    pub split: Split,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Real,
    Synthetic,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Either set, as the build decides.
    #[default]
    Any,
    Train,
    Eval,
}

/// Reads every source, decides each record's fate, and writes both files
/// atomically: if anything fails, neither output is touched.
pub fn build(
    opts: &BuildOptions,
    config: &Settings<'_>,
    schema: &Schema,
) -> Result<BuildReport, Error> {
    if opts.sources.is_empty() {
        return Err(Error::Input {
            message: "build: no sources; name JSONL files or set [build] sources in revmine.toml"
                .into(),
        });
    }
    let files: Vec<Vec<u8>> = opts
        .sources
        .iter()
        .map(|s| {
            std::fs::read(&s.path).map_err(|source| Error::Read {
                path: s.path.clone(),
                source,
            })
        })
        .collect::<Result<_, _>>()?;
    let tagger = Tagger::new(config.tags).map_err(|message| Error::Config {
        path: config
            .origin
            .map(Path::to_path_buf)
            .unwrap_or_else(|| "<built-in defaults>".into()),
        message,
    })?;
    let similarity = config.near_duplicates.similarity();
    let mut items = Vec::new();
    for (src, (source, bytes)) in opts.sources.iter().zip(&files).enumerate() {
        items.extend(read_source(
            src as u16, source, bytes, opts.seed, schema, &tagger, similarity, config,
        )?);
    }
    let mut warnings = Vec::new();
    let splits: Vec<Split> = opts.sources.iter().map(|s| s.split).collect();

    // Real first, then earlier sources, then earlier lines: what survives a
    // duplicate is the copy the plan values most.
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    order.sort_by_key(|&i| {
        let it = &items[i as usize];
        (!it.real, it.src, it.line)
    });
    dedup(&mut items, &order, config);
    choose_eval(&mut items, &splits, config, &mut warnings);
    drop_leaks(&mut items, config);
    for it in items.iter_mut().filter(|it| it.fate == Fate::Pending) {
        it.fate = Fate::Train;
    }
    apply_quotas(&mut items, config);
    rebalance(&mut items, config, &mut warnings);

    write_split(&items, &files, Fate::Train, &opts.train)?;
    write_split(&items, &files, Fate::Eval, &opts.eval)?;

    let mut report = BuildReport {
        train: opts.train.clone(),
        eval: opts.eval.clone(),
        seed: opts.seed,
        sources: opts.sources.iter().map(|s| s.path.clone()).collect(),
        tallies: BTreeMap::new(),
        train_records: 0,
        eval_records: 0,
        train_real_share: 0.0,
        eval_tags: Tag::ALL.iter().map(|t| (*t, 0)).collect(),
        warnings,
    };
    let mut train_real = 0u64;
    for it in &items {
        let key = format!("{}/{}", it.ty, if it.real { "real" } else { "synthetic" });
        let t = report.tallies.entry(key).or_default();
        t.input += 1;
        match it.fate {
            Fate::Train => {
                t.train += 1;
                report.train_records += 1;
                train_real += u64::from(it.real);
            }
            Fate::Eval => {
                t.eval += 1;
                report.eval_records += 1;
                for tag in it.tags.iter() {
                    *report.eval_tags.entry(tag).or_default() += 1;
                }
            }
            Fate::Dropped(why) => *t.dropped.entry(why).or_default() += 1,
            Fate::Pending => {}
        }
    }
    if report.train_records > 0 {
        report.train_real_share = train_real as f64 / report.train_records as f64;
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn read_source(
    src: u16,
    source: &Source,
    bytes: &[u8],
    seed: u64,
    schema: &Schema,
    tagger: &Tagger,
    similarity: crate::dataset::neardup::Similarity,
    config: &Settings<'_>,
) -> Result<Vec<Item>, Error> {
    let mut lines = Vec::new();
    let mut start = 0usize;
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    for (n, end) in memchr::memchr_iter(b'\n', bytes)
        .chain((!bytes.ends_with(b"\n")).then_some(bytes.len()))
        .enumerate()
    {
        let s = if n == 0 { bom.max(start) } else { start };
        lines.push((n as u32 + 1, s, end));
        start = end + 1;
    }
    let label = source.path.display().to_string();
    let fast = schema.is_builtin();
    let ctx = ItemCtx {
        src,
        kind: source.kind,
        seed,
        tagger,
        fields: config.uniqueness_fields,
    };
    let results: Vec<Result<Option<Item>, String>> = lines
        .par_chunks(4096)
        .flat_map_iter(|chunk| {
            let mut fp = Fingerprinter::new(similarity);
            let mut problems = Vec::new();
            chunk
                .iter()
                .map(|&(line, s, e)| {
                    let raw = &bytes[s..e];
                    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                    if raw.iter().all(u8::is_ascii_whitespace) {
                        return Ok(None);
                    }
                    let at = |m: String| format!("{label}:{line}: {m}");
                    if fast
                        && let Some(r) = FastRecord::parse(raw).filter(|r| r.valid_under_builtin())
                    {
                        return ctx
                            .item(&mut fp, line, s, raw.len(), |f| r.get(f))
                            .map(Some)
                            .map_err(at);
                    }
                    let value: Value = serde_json::from_slice(raw)
                        .map_err(|e| at(format!("invalid JSON: {e}")))?;
                    problems.clear();
                    schema.check(&value, &mut problems);
                    if let Some((field, message)) = problems.first() {
                        return Err(at(format!("{field}: {message}")));
                    }
                    ctx.item(&mut fp, line, s, raw.len(), |f| {
                        value.get(f).and_then(Value::as_str)
                    })
                    .map(Some)
                    .map_err(at)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let mut items = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(Some(it)) => items.push(it),
            Ok(None) => {}
            Err(e) if errors.len() < 10 => errors.push(e),
            Err(_) => {}
        }
    }
    if !errors.is_empty() {
        return Err(Error::Input {
            message: format!(
                "build: invalid records, nothing written (`revmine validate {label}` lists every one):\n  {}",
                errors.join("\n  ")
            ),
        });
    }
    Ok(items)
}

/// What turning one parsed line into an [`Item`] needs besides the line.
struct ItemCtx<'a> {
    src: u16,
    kind: Option<SourceKind>,
    seed: u64,
    tagger: &'a Tagger,
    fields: &'a BTreeMap<RecordType, String>,
}

impl ItemCtx<'_> {
    fn item<'r>(
        &self,
        fp: &mut Fingerprinter,
        line: u32,
        start: usize,
        len: usize,
        get: impl Fn(&str) -> Option<&'r str>,
    ) -> Result<Item, String> {
        let ty: RecordType = get("record_type")
            .and_then(|t| t.parse().ok())
            .ok_or("record_type: missing or unknown")?;
        let id = get("id").ok_or("id: missing")?;
        let real = match get("source") {
            Some(s) => s == "real",
            None => self.kind == Some(SourceKind::Real),
        };
        let user = get(if ty == RecordType::Preference {
            "prompt"
        } else {
            "input"
        });
        let field = self
            .fields
            .get(&ty)
            .map_or(ty.response_field(), String::as_str);
        Ok(Item {
            src: self.src,
            line,
            start,
            len: len as u32,
            ty,
            real,
            priority: xxh3_64_with_seed(id.as_bytes(), self.seed),
            id: xxh3_128(id.as_bytes()),
            tags: user.map(|u| self.tagger.tag(u)).unwrap_or_default(),
            fp: fp.of(user, get(field)),
            fate: Fate::Pending,
        })
    }
}

fn dedup(items: &mut [Item], order: &[u32], config: &Settings<'_>) {
    let mut ids = HashSet::with_capacity(items.len());
    let mut exact = HashSet::with_capacity(items.len());
    let mut near = Index::new(config.near_duplicates.threshold);
    for &i in order {
        let it = &mut items[i as usize];
        if !ids.insert(it.id) {
            it.fate = Fate::Dropped(Drop::DuplicateId);
            continue;
        }
        let Some(Print { exact: h, sig }) = it.fp.response else {
            continue;
        };
        if config.build.exact_dedup && !exact.insert(h) {
            it.fate = Fate::Dropped(Drop::Duplicate);
            continue;
        }
        if config.build.near_dedup
            && let Some(sig) = sig
            && near.insert_unless_near(sig, i).is_some()
        {
            it.fate = Fate::Dropped(Drop::NearDuplicate);
        }
    }
}

/// Eval takes `eval_per_type` of each type: first records that carry a
/// hard-case tag still short of its minimum, then the rest by seeded order.
/// Records of eval-only sources come before any others.
fn choose_eval(
    items: &mut [Item],
    splits: &[Split],
    config: &Settings<'_>,
    warnings: &mut Vec<String>,
) {
    let per_type = config.build.eval_per_type;
    let mut candidates: Vec<u32> = (0..items.len() as u32)
        .filter(|&i| {
            let it = &items[i as usize];
            it.fate == Fate::Pending && splits[it.src as usize] != Split::Train
        })
        .collect();
    candidates.sort_by_key(|&i| {
        let it = &items[i as usize];
        (
            splits[it.src as usize] != Split::Eval,
            it.priority,
            it.src,
            it.line,
        )
    });
    // Eval never takes more than its share of a type, so a small source
    // cannot be swallowed whole and leave train without that type.
    let mut available = [0u64; 6];
    for it in items.iter().filter(|it| it.fate == Fate::Pending) {
        available[it.ty.index()] += 1;
    }
    let caps: [u64; 6] = std::array::from_fn(|t| {
        let share = (available[t] as f64 * config.build.eval_max_share).floor() as u64;
        per_type.min(share)
    });
    let mut taken = [0u64; 6];
    let mut tag_counts = [0u64; 4];
    let mins: Vec<(usize, u64)> = Tag::ALL
        .iter()
        .enumerate()
        .filter_map(|(i, t)| config.eval_hard_cases.min.get(t.as_str()).map(|m| (i, *m)))
        .collect();
    let take = |it: &mut Item, taken: &mut [u64; 6], tag_counts: &mut [u64; 4]| {
        it.fate = Fate::Eval;
        taken[it.ty.index()] += 1;
        for (i, t) in Tag::ALL.iter().enumerate() {
            tag_counts[i] += u64::from(it.tags.contains(*t));
        }
    };
    for &(ti, min) in &mins {
        for &i in &candidates {
            if tag_counts[ti] >= min {
                break;
            }
            let it = &mut items[i as usize];
            if it.fate == Fate::Pending
                && it.tags.contains(Tag::ALL[ti])
                && taken[it.ty.index()] < caps[it.ty.index()]
            {
                take(it, &mut taken, &mut tag_counts);
            }
        }
    }
    for &i in &candidates {
        let it = &mut items[i as usize];
        if it.fate == Fate::Pending && taken[it.ty.index()] < caps[it.ty.index()] {
            take(it, &mut taken, &mut tag_counts);
        }
    }
    for it in items.iter_mut() {
        if it.fate == Fate::Pending && splits[it.src as usize] == Split::Eval {
            it.fate = Fate::Dropped(Drop::EvalSurplus);
        }
    }
    for &(ti, min) in &mins {
        if tag_counts[ti] < min {
            warnings.push(format!(
                "eval has {} records tagged {} (minimum {min}): the sources have no more that fit",
                tag_counts[ti],
                Tag::ALL[ti]
            ));
        }
    }
    for ty in RecordType::ALL {
        if taken[ty.index()] < per_type {
            warnings.push(format!(
                "eval has {} {ty} records of the {per_type} wanted: {} left after dedup, and eval \
                 takes at most build.eval_max_share of them",
                taken[ty.index()],
                available[ty.index()]
            ));
        }
    }
}

/// A train record whose input or response repeats an eval record's, exactly
/// or nearly, would let eval measure memory: it goes.
fn drop_leaks(items: &mut [Item], config: &Settings<'_>) {
    let mut index = LeakIndex::new(config.near_duplicates.threshold);
    for (i, it) in items.iter().enumerate() {
        if it.fate == Fate::Eval {
            index.add(&it.fp, i);
        }
    }
    if index.is_empty() {
        return;
    }
    let leaks: Vec<bool> = items
        .par_iter()
        .map(|it| it.fate == Fate::Pending && index.probe(&it.fp).is_some())
        .collect();
    for (it, leak) in items.iter_mut().zip(leaks) {
        if leak {
            it.fate = Fate::Dropped(Drop::LeaksEval);
        }
    }
}

/// Caps per type; real records are kept first, then by seeded order.
fn apply_quotas(items: &mut [Item], config: &Settings<'_>) {
    for (&ty, &cap) in &config.build.quotas {
        let mut of_type: Vec<usize> = (0..items.len())
            .filter(|&i| items[i].fate == Fate::Train && items[i].ty == ty)
            .collect();
        if of_type.len() as u64 <= cap {
            continue;
        }
        of_type.sort_by_key(|&i| (!items[i].real, items[i].priority));
        for &i in &of_type[cap as usize..] {
            items[i].fate = Fate::Dropped(Drop::Quota);
        }
    }
}

/// Brings the train set's real share into the gate's band by dropping the
/// side there is too much of, down to the target, from every type in
/// proportion (largest remainder, so the kept count is exactly the one
/// chosen); a type never loses its last record.
fn rebalance(items: &mut [Item], config: &Settings<'_>, warnings: &mut Vec<String>) {
    let band = config.real_share;
    let target = config.build.real_share.target;
    let (real, synth) = train_counts(items);
    let total = real + synth;
    if total == 0 {
        warnings.push("the train set is empty".into());
        return;
    }
    let share = real as f64 / total as f64;
    if (band.min..=band.max).contains(&share) {
        return;
    }
    // With nothing on the other side, no cut reaches the band: it would only
    // empty the train set.
    if real == 0 || synth == 0 {
        warnings.push(format!(
            "train real share is {share:.3}, outside [{}, {}]: it has {real} real and {synth} \
             synthetic records, so no cut can reach the band; add the missing kind of source",
            band.min, band.max
        ));
        return;
    }
    // Drop from the real side when there is too much of it, else synthetic.
    let cut_real = share > band.max;
    let mut per_type: [Vec<usize>; 6] = Default::default();
    for (i, it) in items.iter().enumerate() {
        if it.fate == Fate::Train && it.real == cut_real {
            per_type[it.ty.index()].push(i);
        }
    }
    let mut others = [0u64; 6];
    for it in items
        .iter()
        .filter(|it| it.fate == Fate::Train && it.real != cut_real)
    {
        others[it.ty.index()] += 1;
    }
    let sizes: [u64; 6] = std::array::from_fn(|t| per_type[t].len() as u64);
    // A type with nothing on the other side keeps one record of this side.
    let mins: [u64; 6] = std::array::from_fn(|t| u64::from(sizes[t] > 0 && others[t] == 0));
    let (have, other) = if cut_real {
        (real, synth)
    } else {
        (synth, real)
    };
    let keep =
        kept_count(have, other, cut_real, target, (band.min, band.max)).max(mins.iter().sum());
    if keep >= have {
        return;
    }
    let kept = apportion(&sizes, &mins, keep);
    for (t, list) in per_type.iter_mut().enumerate() {
        list.sort_by_key(|&i| items[i].priority);
        for &i in &list[(kept[t] as usize).min(list.len())..] {
            items[i].fate = Fate::Dropped(Drop::RealShare);
        }
    }
    let (r, s) = train_counts(items);
    let now = r as f64 / (r + s).max(1) as f64;
    if !(band.min..=band.max).contains(&now) {
        warnings.push(format!(
            "train real share is {now:.3}, outside [{}, {}]: {} real and {} synthetic records \
             cannot reach it without emptying a record type",
            band.min, band.max, r, s
        ));
    }
}

/// How many of the `have` records on the side being cut to keep, next to
/// `other` records on the other side: of the two counts around the exact
/// target, the one nearest the target whose share lies inside `band`, else
/// the one nearest the band.
fn kept_count(have: u64, other: u64, cut_real: bool, target: f64, band: (f64, f64)) -> u64 {
    let exact = if cut_real {
        other as f64 * target / (1.0 - target)
    } else {
        other as f64 * (1.0 - target) / target
    };
    let share = |k: u64| {
        let real = if cut_real { k } else { other };
        real as f64 / (k + other).max(1) as f64
    };
    let outside = |k: u64| {
        let s = share(k);
        (band.0 - s).max(s - band.1).max(0.0)
    };
    let floor = (exact.floor() as u64).min(have);
    let ceil = (exact.ceil() as u64).min(have);
    [floor, ceil]
        .into_iter()
        .min_by(|&a, &b| {
            outside(a).total_cmp(&outside(b)).then(
                (share(a) - target)
                    .abs()
                    .total_cmp(&(share(b) - target).abs()),
            )
        })
        .unwrap_or(floor)
}

/// Splits `keep` seats among types of `sizes` records in proportion to their
/// sizes by the largest-remainder method, each type getting at least its
/// `mins` and at most its size; the seats add up to `keep` whenever
/// `sum(mins) <= keep <= sum(sizes)`. Ties go to the earlier type.
fn apportion(sizes: &[u64; 6], mins: &[u64; 6], keep: u64) -> [u64; 6] {
    let total: u64 = sizes.iter().sum();
    let mut seats: [u64; 6] = std::array::from_fn(|t| mins[t].min(sizes[t]));
    if total == 0 {
        return seats;
    }
    // Each type's exact quota, as a fraction over `total` so ties are exact.
    let quota = |t: usize| u128::from(sizes[t]) * u128::from(keep);
    let mut left = keep.saturating_sub(seats.iter().sum());
    while left > 0 {
        // The type furthest below its quota: the whole parts go first, then
        // the largest remainders, exactly as Hamilton's method hands them out.
        let next = (0..6).filter(|&t| seats[t] < sizes[t]).max_by(|&a, &b| {
            let da = quota(a) as i128 - i128::from(seats[a]) * i128::from(total);
            let db = quota(b) as i128 - i128::from(seats[b]) * i128::from(total);
            da.cmp(&db).then(b.cmp(&a))
        });
        let Some(t) = next else { break };
        seats[t] += 1;
        left -= 1;
    }
    seats
}

/// Real and synthetic records in train.
fn train_counts(items: &[Item]) -> (u64, u64) {
    let real = items
        .iter()
        .filter(|it| it.fate == Fate::Train && it.real)
        .count();
    let all = items.iter().filter(|it| it.fate == Fate::Train).count();
    (real as u64, (all - real) as u64)
}

/// Writes one split in source and line order, each record as it came but
/// with its hard-case tags merged into `meta.tags`.
fn write_split(items: &[Item], files: &[Vec<u8>], fate: Fate, path: &Path) -> Result<(), Error> {
    let chosen: Vec<&Item> = {
        let mut v: Vec<&Item> = items.iter().filter(|it| it.fate == fate).collect();
        v.sort_by_key(|it| (it.src, it.line));
        v
    };
    let mut out = OutputFile::create(path)?;
    for batch in chosen.chunks(16_384) {
        let lines: Vec<String> = batch
            .par_iter()
            .map(|it| {
                let raw = &files[it.src as usize][it.start..it.start + it.len as usize];
                with_tags(raw, it.tags)
            })
            .collect();
        for line in &lines {
            out.line(line)?;
        }
    }
    out.commit()
}

/// The record with `tags` added to `meta.tags` (kept in order, no repeats);
/// a record with no tags is copied byte for byte.
fn with_tags(raw: &[u8], tags: Tags) -> String {
    let text = String::from_utf8_lossy(raw);
    if tags.is_empty() {
        return text.into_owned();
    }
    let Ok(Value::Object(mut record)) = serde_json::from_str::<Value>(&text) else {
        return text.into_owned();
    };
    let meta = record
        .entry("meta")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Value::Object(meta) = meta {
        let list = meta
            .entry("tags")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            for tag in tags.iter() {
                if !list.iter().any(|v| v == tag.as_str()) {
                    list.push(Value::String(tag.as_str().into()));
                }
            }
        }
    }
    Value::Object(record).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn tags_merge_into_meta_in_place_and_untagged_lines_are_copied() {
        let mut tags = Tags::default();
        tags.insert(Tag::Stress);
        tags.insert(Tag::FollowUp);
        let raw = br#"{"id":"c1","record_type":"chat","meta":{"origin":"x","tags":["stress"]},"input":"User: hi","output":"ok"}"#;
        assert_eq!(
            with_tags(raw, tags),
            r#"{"id":"c1","record_type":"chat","meta":{"origin":"x","tags":["stress","follow_up"]},"input":"User: hi","output":"ok"}"#
        );
        let spaced = br#"{ "id": "c2",  "record_type": "qa", "input": "q", "output": "a" }"#;
        assert_eq!(with_tags(spaced, Tags::default()).as_bytes(), spaced);
        let no_meta = br#"{"id":"c3","record_type":"qa","input":"q","output":"a"}"#;
        assert!(with_tags(no_meta, tags).ends_with(r#""meta":{"tags":["stress","follow_up"]}}"#));
    }

    fn item(ty: RecordType, real: bool, priority: u64) -> Item {
        Item {
            src: 0,
            line: priority as u32,
            start: 0,
            len: 0,
            ty,
            real,
            priority,
            id: u128::from(priority),
            tags: Tags::default(),
            fp: Fingerprint::default(),
            fate: Fate::Train,
        }
    }

    #[test]
    fn rebalance_cuts_the_side_in_excess_to_the_target_but_keeps_every_type() {
        let config = Config::default();
        // 10 real chats, 90 synthetic qa and 1 synthetic memory: 10% real.
        let mut items: Vec<Item> = (0..10).map(|i| item(RecordType::Chat, true, i)).collect();
        items.extend((10..100).map(|i| item(RecordType::Qa, false, i)));
        items.push(item(RecordType::Memory, false, 100));
        let mut warnings = Vec::new();
        rebalance(&mut items, &config.build_settings(), &mut warnings);
        let (real, synth) = train_counts(&items);
        assert_eq!(real, 10);
        assert!(
            (0.35..=0.5).contains(&(real as f64 / (real + synth) as f64)),
            "{real} {synth}"
        );
        assert!(
            items
                .iter()
                .any(|it| it.ty == RecordType::Memory && it.fate == Fate::Train),
            "memory keeps its only record"
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn apportion_hits_the_count_exactly_by_largest_remainder() {
        // The issue's example after eval: 5 of 21 real records over 12/5/1/1/1/1.
        // Rounding each type down keeps 3 + 1 = 4; the remainders give the
        // fifth seat to the largest one (chat, 0.86).
        let sizes = [12, 5, 1, 1, 1, 1];
        assert_eq!(apportion(&sizes, &[0; 6], 5), [3, 1, 1, 0, 0, 0]);
        for keep in 0..=21 {
            let seats = apportion(&sizes, &[0; 6], keep);
            assert_eq!(seats.iter().sum::<u64>(), keep, "{keep}: {seats:?}");
            assert!(seats.iter().zip(&sizes).all(|(s, n)| s <= n));
        }
        // Lower bounds are met first and still count towards the total.
        let seats = apportion(&sizes, &[0, 0, 1, 1, 1, 1], 5);
        assert_eq!(seats, [1, 0, 1, 1, 1, 1]);
        assert_eq!(apportion(&[0; 6], &[0; 6], 3), [0; 6]);
    }

    #[test]
    fn kept_count_picks_the_count_inside_the_band_nearest_the_target() {
        // 8 synthetic, target 0.40: 5.33 real -> 5 (0.385), not 6 (0.429).
        assert_eq!(kept_count(22, 8, true, 0.40, (0.35, 0.5)), 5);
        // target on the band's edge: floor (4 -> 0.333) is outside, ceil is in.
        assert_eq!(kept_count(22, 8, true, 0.35, (0.35, 0.5)), 5);
        // cutting synthetic next to 10 real, target 0.40: 15 -> exactly 0.40.
        assert_eq!(kept_count(90, 10, false, 0.40, (0.35, 0.5)), 15);
    }

    #[test]
    fn rebalance_with_uneven_types_lands_in_the_band_without_a_warning() {
        let config = Config::default();
        let mut items = Vec::new();
        let mut p = 0;
        for (ty, n) in RecordType::ALL.into_iter().zip([12, 5, 1, 1, 1, 1]) {
            for _ in 0..n {
                items.push(item(ty, true, p));
                p += 1;
            }
        }
        for ty in RecordType::ALL.into_iter().cycle().take(8) {
            items.push(item(ty, false, p));
            p += 1;
        }
        let mut warnings = Vec::new();
        rebalance(&mut items, &config.build_settings(), &mut warnings);
        let (real, synth) = train_counts(&items);
        assert_eq!((real, synth), (5, 8));
        assert!(warnings.is_empty(), "{warnings:?}");
        for ty in RecordType::ALL {
            assert!(
                items.iter().any(|it| it.ty == ty && it.fate == Fate::Train),
                "{ty} present"
            );
        }
    }

    #[test]
    fn rebalance_without_real_records_says_so_and_drops_nothing() {
        let config = Config::default();
        let mut items: Vec<Item> = (0..20).map(|i| item(RecordType::Qa, false, i)).collect();
        let mut warnings = Vec::new();
        rebalance(&mut items, &config.build_settings(), &mut warnings);
        assert!(items.iter().all(|it| it.fate == Fate::Train));
        assert!(warnings[0].contains("real share is 0.000"), "{warnings:?}");
    }
}
