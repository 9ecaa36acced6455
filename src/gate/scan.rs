//! One streaming pass over JSONL datasets that every dataset command shares.
//!
//! A file is read in ~1 MiB chunks cut at line ends; a batch of chunks is
//! checked in parallel (rayon) and the results are merged in file order, so
//! line numbers, "first seen at" and the seeded sample are the same whatever
//! the thread count. Memory stays flat: per record only hashes and small
//! numbers are kept, never texts.

use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::fmt;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use xxhash_rust::xxh3::{xxh3_64_with_seed, xxh3_128};

use crate::dataset::content_hash::ContentHash;
use crate::dataset::fast;
use crate::dataset::fingerprint::{Fingerprint, Fingerprinter, Leak, LeakIndex};
use crate::dataset::line::{json_document, long_line_message, sanitise};
use crate::dataset::neardup::{Signature, Signer, Similarity};
use crate::dataset::read::{NotRecords, Source};
use crate::dataset::record::{RecordType, check_chat_input, normalise_into};
use crate::dataset::role::Role;
use crate::dataset::schema::Schema;
use crate::dataset::strict;
use crate::dataset::tags::{Tag, Tagger, Tags};
use crate::error::Error;
use crate::review::signoff::Ledger;

const CHUNK: usize = 1 << 20;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A dataset to read: a file, standard input, or bytes held in memory (the git index, the demo).
pub struct Input {
    pub label: String,
    pub role: Role,
    reader: Box<dyn Read + Send>,
    len: Option<u64>,
    /// Where the file lies on disk, when it does: [`attach_ledgers`] finds its
    /// sign-off ledger beside it (the scan itself never reads other files).
    origin: Option<PathBuf>,
    /// Why the content of an LFS pointer was not fetched, when that was tried.
    lfs_note: Option<String>,
}

impl Input {
    /// Opens `path`, relative to `base`; reports and errors name `path` as the user wrote it.
    pub fn open_in(base: &Path, path: &Path, role: Role) -> Result<Self, Error> {
        let read_err = |source| Error::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(base.join(path)).map_err(read_err)?;
        let meta = file.metadata().map_err(read_err)?;
        if meta.is_dir() {
            return Err(read_err(std::io::Error::new(
                ErrorKind::IsADirectory,
                "is a directory, not a JSONL file",
            )));
        }
        Ok(Input {
            label: path.display().to_string(),
            role,
            reader: Box::new(file),
            len: Some(meta.len()),
            origin: Some(base.join(path)),
            lfs_note: None,
        })
    }

    pub fn from_bytes(label: impl Into<String>, role: Role, bytes: Vec<u8>) -> Self {
        let len = bytes.len() as u64;
        Input {
            label: label.into(),
            role,
            reader: Box::new(std::io::Cursor::new(bytes)),
            len: Some(len),
            origin: None,
            lfs_note: None,
        }
    }

    pub fn stdin(role: Role) -> Self {
        Input {
            label: "<stdin>".into(),
            role,
            reader: Box::new(std::io::stdin()),
            len: None,
            origin: None,
            lfs_note: None,
        }
    }

    /// Names the file on disk these bytes stand for (a staged file's work-tree path).
    pub fn with_origin(mut self, origin: PathBuf) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Size in bytes when known up front (not for standard input); drives the progress bar.
    pub fn size(&self) -> Option<u64> {
        self.len
    }

    /// The Git LFS pointer this file on disk is, if it is one (see
    /// [`crate::dataset::lfs`]). Reads only a file small enough to be one;
    /// the input reads the same bytes afterwards.
    pub fn lfs_pointer(&mut self) -> Option<crate::dataset::lfs::LfsPointer> {
        let small = self.origin.is_some()
            && self
                .len
                .is_some_and(|n| n < crate::dataset::lfs::MAX_POINTER_BYTES as u64);
        if !small {
            return None;
        }
        let mut bytes = Vec::new();
        if let Err(e) = self.reader.read_to_end(&mut bytes) {
            // read again by the scan, which reports the error
            self.reader = Box::new(std::io::Cursor::new(bytes).chain(FailOnce(Some(e))));
            return None;
        }
        let pointer = crate::dataset::lfs::lfs_pointer(&bytes);
        self.reader = Box::new(std::io::Cursor::new(bytes));
        pointer
    }

    /// Reads the dataset from `reader` instead (an LFS pointer's content, of `size` bytes).
    pub fn with_content(mut self, reader: Box<dyn Read + Send>, size: u64) -> Self {
        self.reader = reader;
        self.len = Some(size);
        self
    }

    /// Says why an LFS pointer's content was not read (git-lfs missing, the
    /// object not fetched); the report of the pointer gives it.
    pub fn with_lfs_note(mut self, why: String) -> Self {
        self.lfs_note = Some(why);
        self
    }
}

/// A reader whose only read fails, with an error met earlier.
struct FailOnce(Option<std::io::Error>);

impl Read for FailOnce {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        self.0.take().map_or(Ok(0), Err)
    }
}

/// What is wrong with one line. Displays as `PATH:LINE: ID: FIELD: what is wrong`.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub path: String,
    pub line: u64,
    pub id: Option<String>,
    pub field: String,
    pub message: String,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The line is not a valid record (JSON, UTF-8, schema, record rules).
    Record,
    /// The id was seen before in this run.
    DuplicateId,
    /// The file could not be read to its end.
    Io,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}: {}",
            self.path,
            self.line,
            match self.id.as_deref() {
                None => "-".into(),
                Some("") => "\"\"".into(),
                Some(id) => sanitise(id),
            },
            self.field,
            self.message
        )
    }
}

/// What the pass collects besides problems; `stats` asks for more than `check`.
#[derive(Debug, Clone)]
pub struct Options {
    pub chat_turns: Option<usize>,
    /// Field whose normalised text is judged for uniqueness, per record type.
    pub uniqueness_fields: [Option<String>; 6],
    pub sample_size: usize,
    pub seed: u64,
    /// Keep per-type lengths and the full set of text hashes (for `stats`).
    pub full_stats: bool,
    /// How sampled texts are compared for the `near_duplicates` gate.
    pub near: Similarity,
    /// Fingerprint every eval record, for the `leakage` gate.
    pub leakage: bool,
    /// Eval fingerprints that train records are probed against; set with
    /// [`Scanner::set_leak_index`] once the eval files are read.
    pub leak_index: Option<Arc<LeakIndex>>,
    /// Counts hard-case tags in eval files; set only when there are eval
    /// files, since compiling the lexicons is most of a small check's time.
    pub tagger: Option<Arc<Tagger>>,
    /// `[limits] max_line_bytes`: a longer line is reported and skipped, and
    /// the reader stops buffering it, so one huge line cannot exhaust memory.
    pub max_line_bytes: u64,
    /// Looks for secrets in every record's texts, for the `secrets` gate.
    pub secrets: Option<Arc<crate::secrets::Scanner>>,
}

/// Per-type tallies of one file.
#[derive(Debug, Default, Clone)]
pub struct TypeTally {
    pub count: u64,
    pub real: u64,
    pub synthetic: u64,
    /// Bottom-k sample by seeded hash of the id: (priority, line, text hash,
    /// signature).
    sample: BinaryHeap<(u64, u64, u64, Option<Signature>)>,
    /// Only with `full_stats`.
    pub unique_texts: HashSet<u64>,
    pub texts: u64,
    pub response_chars: Vec<u32>,
    pub input_chars: Vec<u32>,
}

impl TypeTally {
    /// Unique normalised texts and the sample size, over the seeded sample.
    pub fn sampled_uniqueness(&self) -> (usize, usize) {
        let unique: HashSet<u64> = self.sample.iter().map(|&(_, _, h, _)| h).collect();
        (unique.len(), self.sample.len())
    }

    /// The sample in priority order, as (line, text hash, signature).
    pub fn sample(&self) -> Vec<(u64, u64, Option<Signature>)> {
        let mut v: Vec<_> = self.sample.iter().copied().collect();
        v.sort_unstable_by_key(|e| (e.0, e.1));
        v.into_iter()
            .map(|(_, line, h, sig)| (line, h, sig))
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct FileScan {
    pub label: String,
    pub role: Role,
    /// Non-blank lines, whether valid or not.
    pub records: u64,
    pub types: [TypeTally; 6],
    pub problems: Vec<Problem>,
    /// Records whose id an earlier record (in this file or an earlier one) already had.
    pub duplicate_ids: u64,
    /// An I/O failure that stopped reading the file before its end.
    pub read_error: Option<String>,
    /// Eval files: records per hard-case tag, in [`Tag::ALL`] order.
    pub tags: [u64; 4],
    /// Eval files: every record's fingerprint, for the leak index.
    pub prints: Vec<EvalPrint>,
    /// Train files: records found in eval, and the first few of them.
    pub leaks: u64,
    pub leak_examples: Vec<LeakAt>,
    /// Records whose texts hold a secret, and the first few of them.
    pub secrets: u64,
    pub secret_examples: Vec<SecretAt>,
    /// [`ContentHash`] of every byte read; `None` when a read failed, since
    /// the hash would then not be the file's.
    pub content_hash: Option<ContentHash>,
    /// Where the file lies on disk, if it does (see [`Input::with_origin`]).
    pub origin: Option<PathBuf>,
    /// Sign-offs for this file, loaded by [`attach_ledgers`] for `spot_check`.
    pub signoffs: Ledger,
}

/// An eval record as the leak index knows it.
#[derive(Debug, Clone)]
pub struct EvalPrint {
    pub line: u64,
    pub id: Option<String>,
    pub ty: RecordType,
    pub fp: Fingerprint,
}

/// A train record that leaks an eval one.
#[derive(Debug, Clone)]
pub struct LeakAt {
    pub line: u64,
    pub id: Option<String>,
    pub ty: RecordType,
    pub leak: Leak,
}

/// A record holding a secret: where, which field, what kind, and a masked
/// prefix (never the secret itself).
#[derive(Debug, Clone)]
pub struct SecretAt {
    pub line: u64,
    pub id: Option<String>,
    pub field: &'static str,
    pub kind: crate::secrets::Kind,
    pub masked: String,
}

/// The fields the `secrets` gate reads: every text a model is trained on.
const SECRET_FIELDS: [&str; 5] = ["input", "output", "prompt", "chosen", "rejected"];

/// Leak examples kept per file; the rest are only counted.
const LEAK_EXAMPLES: usize = 20;

/// The leak index over eval files' prints, numbered in file then line order;
/// [`leak_names`] names the same numbers.
pub fn leak_index(scans: &[&FileScan], threshold: f64) -> LeakIndex {
    let mut index = LeakIndex::new(threshold);
    for (i, p) in scans.iter().flat_map(|s| &s.prints).enumerate() {
        index.add(&p.fp, i);
    }
    index
}

/// `FILE:LINE (id)` of each eval record, in [`leak_index`]'s numbering.
pub fn leak_names(scans: &[&FileScan]) -> Vec<String> {
    scans
        .iter()
        .flat_map(|s| {
            s.prints.iter().map(|p| match &p.id {
                Some(id) => format!("{}:{} ({})", s.label, p.line, sanitise(id)),
                None => format!("{}:{}", s.label, p.line),
            })
        })
        .collect()
}

impl FileScan {
    pub fn record_problems(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.kind != ProblemKind::DuplicateId)
            .count()
    }

    pub fn real(&self) -> u64 {
        self.types.iter().map(|t| t.real).sum()
    }

    pub fn typed(&self) -> u64 {
        self.types.iter().map(|t| t.count).sum()
    }
}

/// The pass over all inputs of one command; ids are unique across all of them.
pub struct Scanner<'a> {
    checker: Checker<'a>,
    merger: Merger,
}

/// The per-line work, shared read-only by the worker threads.
struct Checker<'a> {
    schema: &'a Schema,
    options: Options,
    /// The built-in schema is in force and every judged field is one the fast path reads.
    fast: bool,
}

/// The in-order state: ids seen so far across files, and their files' labels.
struct Merger {
    /// id hash -> where first seen, packed as `file << 40 | line` to keep the
    /// table at 24 bytes a record (a million ids: ~50 MB, not ~70).
    ids: HashMap<u128, u64>,
    labels: Vec<String>,
    sample_size: usize,
    full_stats: bool,
}

#[derive(Default)]
struct ChunkOut {
    lines: u64,
    records: u64,
    tags: [u64; 4],
    prints: Vec<EvalPrint>,
    leaks: Vec<LeakAt>,
    secret_records: u64,
    secrets: Vec<SecretAt>,
    problems: Vec<(u64, Option<String>, String, String)>,
    ids: Vec<(u128, u64, IdText)>,
    recs: Vec<Rec>,
}

/// Where a record's id text is: most ids lie unescaped in the chunk, and only
/// a duplicate's is ever printed, so copying each one would be waste.
enum IdText {
    InChunk(usize, usize),
    Owned(String),
}

impl IdText {
    fn locate(id: &str, chunk: &[u8]) -> Self {
        let offset = (id.as_ptr() as usize).wrapping_sub(chunk.as_ptr() as usize);
        if offset <= chunk.len() && offset + id.len() <= chunk.len() {
            IdText::InChunk(offset, offset + id.len())
        } else {
            IdText::Owned(id.to_string())
        }
    }

    fn text(self, chunk: &[u8]) -> String {
        match self {
            IdText::InChunk(from, to) => String::from_utf8_lossy(&chunk[from..to]).into_owned(),
            IdText::Owned(s) => s,
        }
    }
}

/// The judged text of a record, hashed only when it may be sampled.
#[derive(Clone, Copy)]
enum Text {
    Hash(u64, Option<Signature>),
    OutOfSample,
}

struct Rec {
    ty: RecordType,
    real: Option<bool>,
    line: u64,
    priority: u64,
    text: Option<Text>,
    response_chars: u32,
    input_chars: u32,
}

/// One worker's state while it checks a chunk.
struct Work<'c> {
    out: ChunkOut,
    chunk: &'c [u8],
    /// Per type, the priority above which a record cannot enter the sample.
    bounds: &'c [Option<u64>; 6],
    /// Reused buffer for normalised text.
    norm: String,
    signer: Signer,
    prints: Option<Fingerprinter>,
    role: Role,
}

/// Bytes of whole lines, or one line too long to keep (see [`Reader`]).
struct Chunk {
    bytes: Vec<u8>,
    /// `Some(n)`: this chunk stands for one line of `n` bytes (over
    /// `max_line_bytes`) whose content was dropped as it was read; `bytes`
    /// is then a single newline, so line counting stays right.
    long_line: Option<u64>,
}

impl Chunk {
    fn lines(bytes: Vec<u8>) -> Self {
        Chunk {
            bytes,
            long_line: None,
        }
    }

    fn long_line(len: u64) -> Self {
        Chunk {
            bytes: b"\n".to_vec(),
            long_line: Some(len),
        }
    }
}

/// Chunks read from one input, cut at line ends, with the reader's state.
struct Reader {
    source: Source,
    carry: Vec<u8>,
    /// Longest line kept; a partial line grown past it is dropped.
    max_line: u64,
    /// Bytes dropped so far of a too-long line whose end is not yet read.
    skipping: Option<u64>,
    first: bool,
    eof: bool,
    error: Option<String>,
    batch_len: usize,
    /// Counts stored bytes as they are read, here on the reader's side.
    progress: indicatif::ProgressBar,
    /// Stored bytes counted into `progress` so far.
    shown: u64,
}

impl Reader {
    fn next_batch(&mut self) -> Vec<Chunk> {
        let mut batch = Vec::with_capacity(self.batch_len);
        while batch.len() < self.batch_len && !self.eof {
            let mut buf = std::mem::take(&mut self.carry);
            let filled = fill_chunk(&mut self.source, &mut buf);
            let stored = self.source.stored_bytes_read();
            self.progress.inc(stored - self.shown);
            self.shown = stored;
            match filled {
                Ok(done) => self.eof = done,
                Err(e) => {
                    self.error = Some(e.to_string());
                    self.eof = true;
                }
            }
            if self.first {
                self.first = false;
                if buf.starts_with(BOM) {
                    buf.drain(..BOM.len());
                }
            }
            if let Some(dropped) = self.skipping {
                // Still inside a too-long line: drop up to its end.
                match memchr::memchr(b'\n', &buf) {
                    Some(pos) => {
                        self.skipping = None;
                        batch.push(Chunk::long_line(dropped + pos as u64));
                        buf.drain(..=pos);
                    }
                    None => {
                        let dropped = dropped + buf.len() as u64;
                        if self.eof {
                            self.skipping = None;
                            batch.push(Chunk::long_line(dropped));
                        } else {
                            self.skipping = Some(dropped);
                        }
                        continue;
                    }
                }
            }
            if !self.eof {
                match memchr::memrchr(b'\n', &buf) {
                    Some(pos) => self.carry = buf.split_off(pos + 1),
                    None if buf.len() as u64 > self.max_line => {
                        // Over the cap with no end in sight: stop holding it.
                        self.skipping = Some(buf.len() as u64);
                        continue;
                    }
                    None => {
                        // a line longer than the chunk: keep reading it
                        self.carry = buf;
                        continue;
                    }
                }
            }
            if !buf.is_empty() {
                batch.push(Chunk::lines(buf));
            }
        }
        batch
    }
}

impl<'a> Scanner<'a> {
    /// Train files scanned from now on are probed against `index`.
    pub fn set_leak_index(&mut self, index: Arc<LeakIndex>) {
        self.checker.options.leak_index = Some(index);
    }

    pub fn new(schema: &'a Schema, options: Options) -> Self {
        let fast = schema.is_builtin()
            && options
                .uniqueness_fields
                .iter()
                .flatten()
                .all(|f| fast::FIELDS.contains(&f.as_str()));
        Scanner {
            merger: Merger {
                ids: HashMap::new(),
                labels: Vec::new(),
                sample_size: options.sample_size,
                full_stats: options.full_stats,
            },
            checker: Checker {
                schema,
                options,
                fast,
            },
        }
    }

    /// Reads `input` to its end (or to an I/O error, kept in `read_error`).
    ///
    /// While the workers check one batch, this thread merges the previous one
    /// and reads the next, so reading and merging cost no wall time.
    pub fn scan(&mut self, input: Input, progress: &indicatif::ProgressBar) -> FileScan {
        let file_index = self.merger.labels.len() as u32;
        self.merger.labels.push(input.label.clone());
        let mut scan = FileScan {
            label: input.label.clone(),
            role: input.role,
            records: 0,
            types: Default::default(),
            problems: Vec::new(),
            duplicate_ids: 0,
            read_error: None,
            tags: [0; 4],
            prints: Vec::new(),
            leaks: 0,
            leak_examples: Vec::new(),
            secrets: 0,
            secret_examples: Vec::new(),
            content_hash: None,
            origin: input.origin.clone(),
            signoffs: Ledger::NotLoaded,
        };
        let role = scan.role;
        let source = match Source::open(input.reader, &input.label, input.lfs_note.as_deref()) {
            Ok(source) => source,
            Err(NotRecords(message)) => {
                // Nothing here is a record: one problem for the file, and
                // like an unreadable file it is not checked.
                scan.problems.push(Problem {
                    path: scan.label.clone(),
                    line: 1,
                    id: None,
                    field: "-".into(),
                    message,
                    kind: ProblemKind::Io,
                });
                return scan;
            }
        };
        let mut reader = Reader {
            source,
            carry: Vec::new(),
            max_line: self.checker.options.max_line_bytes,
            skipping: None,
            first: true,
            eof: false,
            error: None,
            batch_len: rayon::current_num_threads().max(1) * 4,
            progress: progress.clone(),
            shown: 0,
        };
        let checker = &self.checker;
        let merger = &mut self.merger;
        let mut line_base = 0u64;
        let mut batch = reader.next_batch();
        let document = batch
            .first()
            .filter(|c| c.long_line.is_none())
            .and_then(|c| json_document(&c.bytes));
        if let Some(doc) = document {
            // One problem for the file, not one per line; read on only to hash it.
            scan.problems.push(Problem {
                path: scan.label.clone(),
                line: doc.line,
                id: None,
                field: "-".into(),
                message: doc.message(&scan.label),
                kind: ProblemKind::Record,
            });
            while !batch.is_empty() {
                batch = reader.next_batch();
            }
        }
        let mut pending: Option<(Vec<Chunk>, Vec<ChunkOut>)> = None;
        while !batch.is_empty() || pending.is_some() {
            // A record whose priority is above a full sample's largest can never
            // enter it (the bound only falls), so its text need not be normalised.
            let bounds: [Option<u64>; 6] = std::array::from_fn(|i| {
                let sample = &scan.types[i].sample;
                let full = sample.len() >= merger.sample_size;
                (full && !merger.full_stats)
                    .then(|| sample.peek().map(|t| t.0))
                    .flatten()
            });
            let (next, outs) = rayon::join(
                || {
                    if let Some((chunks, outs)) = pending.take() {
                        for (chunk, out) in chunks.iter().zip(outs) {
                            let chunk = &chunk.bytes;
                            merger.merge(&mut scan, file_index, line_base, out, chunk);
                            line_base += count_lines(chunk);
                        }
                    }
                    reader.next_batch()
                },
                || {
                    batch
                        .par_iter()
                        .map(|c| checker.check_chunk(c, &bounds, role))
                        .collect::<Vec<_>>()
                },
            );
            pending = (!batch.is_empty()).then_some((batch, outs));
            batch = next;
        }
        scan.read_error = reader.error.take();
        if scan.read_error.is_none() {
            scan.content_hash = Some(reader.source.content_hash());
        }
        // duplicates are found at merge time, after their chunk's own problems
        scan.problems.sort_by_key(|p| p.line);
        if let Some(message) = &scan.read_error {
            scan.problems.push(Problem {
                path: scan.label.clone(),
                line: line_base + 1,
                id: None,
                field: "-".into(),
                message: format!(
                    "read failed here, the rest of the file was not checked: {message}"
                ),
                kind: ProblemKind::Io,
            });
        }
        scan
    }
}

impl Merger {
    fn merge(
        &mut self,
        scan: &mut FileScan,
        file_index: u32,
        base: u64,
        out: ChunkOut,
        chunk: &[u8],
    ) {
        scan.records += out.records;
        for (total, n) in scan.tags.iter_mut().zip(out.tags) {
            *total += n;
        }
        scan.prints.extend(out.prints.into_iter().map(|mut p| {
            p.line += base;
            p
        }));
        for mut leak in out.leaks {
            scan.leaks += 1;
            if scan.leak_examples.len() < LEAK_EXAMPLES {
                leak.line += base;
                scan.leak_examples.push(leak);
            }
        }
        scan.secrets += out.secret_records;
        for mut at in out.secrets {
            if scan.secret_examples.len() < LEAK_EXAMPLES {
                at.line += base;
                scan.secret_examples.push(at);
            }
        }
        for (line, id, field, message) in out.problems {
            scan.problems.push(Problem {
                path: scan.label.clone(),
                line: base + line,
                id,
                field,
                message,
                kind: ProblemKind::Record,
            });
        }
        for (hash, line, id) in out.ids {
            match self.ids.entry(hash) {
                Entry::Vacant(v) => {
                    v.insert(u64::from(file_index) << 40 | (base + line));
                }
                Entry::Occupied(o) => {
                    let (fi, first_line) = (o.get() >> 40, o.get() & ((1 << 40) - 1));
                    let first_path = &self.labels[fi as usize];
                    scan.duplicate_ids += 1;
                    scan.problems.push(Problem {
                        path: scan.label.clone(),
                        line: base + line,
                        id: Some(id.text(chunk)),
                        field: "id".into(),
                        message: format!("duplicate id, first at {first_path}:{first_line}"),
                        kind: ProblemKind::DuplicateId,
                    });
                }
            }
        }
        let k = self.sample_size;
        for rec in out.recs {
            let tally = &mut scan.types[rec.ty.index()];
            tally.count += 1;
            match rec.real {
                Some(true) => tally.real += 1,
                Some(false) => tally.synthetic += 1,
                None => {}
            }
            match rec.text {
                None => {}
                Some(Text::OutOfSample) => tally.texts += 1,
                Some(Text::Hash(text, sig)) => {
                    tally.texts += 1;
                    let entry = (rec.priority, base + rec.line, text, sig);
                    if tally.sample.len() < k {
                        tally.sample.push(entry);
                    } else if tally.sample.peek().is_some_and(|top| entry < *top) {
                        tally.sample.pop();
                        tally.sample.push(entry);
                    }
                    if self.full_stats {
                        tally.unique_texts.insert(text);
                    }
                }
            }
            if self.full_stats {
                tally.response_chars.push(rec.response_chars);
                tally.input_chars.push(rec.input_chars);
            }
        }
    }
}

impl Checker<'_> {
    /// Checks every line of one chunk; line numbers are relative to the chunk.
    fn check_chunk(&self, chunk: &Chunk, bounds: &[Option<u64>; 6], role: Role) -> ChunkOut {
        let max = self.options.max_line_bytes;
        if let Some(len) = chunk.long_line {
            let mut out = ChunkOut {
                lines: 1,
                records: 1,
                ..ChunkOut::default()
            };
            out.problems
                .push((1, None, "-".into(), long_line_message(len, max)));
            return out;
        }
        let chunk = chunk.bytes.as_slice();
        let wants_prints = (role == Role::Eval && self.options.leakage)
            || (role == Role::Train && self.options.leak_index.is_some());
        let mut w = Work {
            out: ChunkOut::default(),
            chunk,
            bounds,
            norm: String::new(),
            signer: Signer::default(),
            prints: wants_prints.then(|| Fingerprinter::new(self.options.near)),
            role,
        };
        let mut schema_problems = Vec::new();
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', chunk)
            .chain((!chunk.ends_with(b"\n")).then_some(chunk.len()));
        for end in ends {
            let raw = &chunk[start..end];
            start = end + 1;
            w.out.lines += 1;
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            w.out.records += 1;
            let n = w.out.lines;
            if line.len() as u64 > max {
                w.out.problems.push((
                    n,
                    None,
                    "-".into(),
                    long_line_message(line.len() as u64, max),
                ));
                continue;
            }
            if self.fast
                && let Some(record) =
                    fast::FastRecord::parse(line).filter(|r| r.valid_under_builtin())
            {
                self.accept(&mut w, n, line, record.id(), |f| record.get(f));
                continue;
            }
            let (value, wide) = match strict::parse(line) {
                Ok(parsed) => (parsed.value, parsed.wide),
                Err(refused) => {
                    // a repeated key: name the record as a lenient reader sees it
                    let id = matches!(refused, strict::Refused::DuplicateKey { .. })
                        .then(|| serde_json::from_slice::<Value>(line).ok())
                        .flatten()
                        .and_then(|v| Some(v.get("id")?.as_str()?.to_string()));
                    let field = refused.field().to_string();
                    w.out.problems.push((n, id, field, refused.message(line)));
                    continue;
                }
            };
            let id = value.get("id").and_then(Value::as_str);
            for wide in wide {
                let message = wide.message();
                w.out
                    .problems
                    .push((n, id.map(str::to_string), wide.field, message));
            }
            schema_problems.clear();
            self.schema.check(&value, &mut schema_problems);
            for (field, message) in schema_problems.drain(..) {
                w.out
                    .problems
                    .push((n, id.map(str::to_string), field, message));
            }
            let get = |f: &str| value.get(f).and_then(Value::as_str);
            self.accept(&mut w, n, line, id, get);
        }
        w.out
    }

    /// Records what the gates need of a parsed line and applies the rules a
    /// JSON Schema cannot say; `get` reads a string field of the record.
    fn accept<'r>(
        &self,
        w: &mut Work<'_>,
        n: u64,
        line: &[u8],
        id: Option<&str>,
        get: impl Fn(&str) -> Option<&'r str>,
    ) {
        if let Some(id) = id.filter(|id| !id.is_empty()) {
            w.out
                .ids
                .push((xxh3_128(id.as_bytes()), n, IdText::locate(id, w.chunk)));
        }
        let Some(ty) = get("record_type").and_then(|s| s.parse::<RecordType>().ok()) else {
            return;
        };
        let mut problem = |field: &str, message: String| {
            w.out
                .problems
                .push((n, id.map(str::to_string), field.into(), message));
        };
        match ty {
            RecordType::Preference => {
                if let (Some(c), Some(r)) = (get("chosen"), get("rejected"))
                    && !c.trim().is_empty()
                    && c.split_whitespace().eq(r.split_whitespace())
                {
                    problem(
                        "chosen",
                        "is the same text as rejected (ignoring whitespace)".into(),
                    );
                }
            }
            RecordType::Chat => {
                if let (Some(max), Some(input)) = (self.options.chat_turns, get("input"))
                    && let Err(message) = check_chat_input(input, max)
                {
                    problem("input", message);
                }
            }
            _ => {}
        }
        let priority = match id {
            Some(id) => xxh3_64_with_seed(id.as_bytes(), self.options.seed),
            None => xxh3_64_with_seed(&n.to_le_bytes(), self.options.seed),
        };
        let text_field = self.options.uniqueness_fields[ty.index()].as_deref();
        let text = text_field.and_then(&get).map(|t| {
            if w.bounds[ty.index()].is_some_and(|bound| priority > bound) {
                return Text::OutOfSample;
            }
            normalise_into(t, &mut w.norm);
            let sig = w.signer.sign(t, self.options.near.shingle);
            Text::Hash(xxh3_64_with_seed(w.norm.as_bytes(), 0), sig)
        });
        self.compare(w, n, line, id, ty, &get);
        let (response_chars, input_chars) = if self.options.full_stats {
            let chars = |field: &str| get(field).map_or(0, |s| s.chars().count() as u32);
            let input = if ty == RecordType::Preference {
                "prompt"
            } else {
                "input"
            };
            (chars(ty.response_field()), chars(input))
        } else {
            (0, 0)
        };
        w.out.recs.push(Rec {
            ty,
            real: match get("source") {
                Some("real") => Some(true),
                Some("synthetic") => Some(false),
                _ => None,
            },
            line: n,
            priority,
            text,
            response_chars,
            input_chars,
        });
    }
}

impl Checker<'_> {
    /// What the eval-side gates need: hard-case tags and fingerprints of eval
    /// records, and train records probed against the eval fingerprints.
    fn compare<'r>(
        &self,
        w: &mut Work<'_>,
        n: u64,
        line: &[u8],
        id: Option<&str>,
        ty: RecordType,
        get: &impl Fn(&str) -> Option<&'r str>,
    ) {
        if let Some(scanner) = &self.options.secrets {
            let found = SECRET_FIELDS
                .iter()
                .find_map(|&field| get(field).and_then(|t| Some((field, t, scanner.first(t)?))));
            if let Some((field, text, finding)) = found {
                w.out.secret_records += 1;
                if w.out.secrets.len() < LEAK_EXAMPLES {
                    w.out.secrets.push(SecretAt {
                        line: n,
                        id: id.map(str::to_string),
                        field,
                        kind: finding.kind,
                        masked: finding.masked(text),
                    });
                }
            }
        }
        let user_side = get(if ty == RecordType::Preference {
            "prompt"
        } else {
            "input"
        });
        if w.role == Role::Eval
            && let Some(tagger) = &self.options.tagger
        {
            let tags = user_side
                .map(|t| tagger.tag(t))
                .unwrap_or_default()
                .union(meta_tags(line));
            for (count, tag) in w.out.tags.iter_mut().zip(Tag::ALL) {
                *count += u64::from(tags.contains(tag));
            }
        }
        let Some(printer) = w.prints.as_mut() else {
            return;
        };
        let fp = printer.of(user_side, get(ty.response_field()));
        let id = id.map(str::to_string);
        match (w.role, &self.options.leak_index) {
            (Role::Eval, _) => w.out.prints.push(EvalPrint {
                line: n,
                id,
                ty,
                fp,
            }),
            (Role::Train, Some(index)) => {
                if let Some(leak) = index.probe(&fp) {
                    w.out.leaks.push(LeakAt {
                        line: n,
                        id,
                        ty,
                        leak,
                    });
                }
            }
            _ => {}
        }
    }
}

/// Tags a record carries itself in `meta.tags`; unknown names are ignored.
/// Most lines have none, so the parse runs only when the word is there.
fn meta_tags(line: &[u8]) -> Tags {
    #[derive(serde::Deserialize)]
    struct Line {
        meta: Option<Meta>,
    }
    #[derive(serde::Deserialize)]
    struct Meta {
        tags: Option<Vec<String>>,
    }
    let mut tags = Tags::default();
    if memchr::memmem::find(line, b"\"tags\"").is_none() {
        return tags;
    }
    if let Ok(Line {
        meta: Some(Meta { tags: Some(names) }),
    }) = serde_json::from_slice::<Line>(line)
    {
        for tag in names.iter().filter_map(|n| Tag::parse(n)) {
            tags.insert(tag);
        }
    }
    tags
}

/// Reads until `buf` holds at least a chunk; true at end of input.
fn fill_chunk(reader: &mut dyn Read, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let target = buf.len() + CHUNK;
    buf.reserve(CHUNK);
    while buf.len() < target {
        let start = buf.len();
        buf.resize(target, 0);
        match reader.read(&mut buf[start..]) {
            Ok(0) => {
                buf.truncate(start);
                return Ok(true);
            }
            Ok(n) => buf.truncate(start + n),
            Err(e) if e.kind() == ErrorKind::Interrupted => buf.truncate(start),
            Err(e) => {
                buf.truncate(start);
                return Err(e);
            }
        }
    }
    Ok(false)
}

fn count_lines(chunk: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', chunk).count() as u64
}

/// Loads each scanned file's ledger from beside it (inputs with no place on
/// disk, like standard input, keep [`Ledger::NotLoaded`]).
pub fn attach_ledgers(scans: &mut [FileScan]) {
    for s in scans {
        if let Some(origin) = &s.origin {
            s.signoffs = crate::review::signoff::load(origin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn scan(text: &str) -> FileScan {
        let schema = Schema::builtin().unwrap();
        let mut s = Scanner::new(&schema, Config::default().scan_options(true));
        s.scan(
            Input::from_bytes("t.jsonl", Role::Other, text.as_bytes().to_vec()),
            &indicatif::ProgressBar::hidden(),
        )
    }

    #[test]
    fn line_numbers_survive_blank_lines_crlf_and_bom() {
        let text = "\u{feff}{\"id\":\"a\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"o\"}\r\n\r\n{bad\r\n";
        let s = scan(text);
        assert_eq!(
            s.content_hash,
            Some(ContentHash::of_bytes(text.as_bytes())),
            "the hash is of the bytes as stored, BOM and CRLF included"
        );
        assert_eq!(s.records, 2);
        assert_eq!(s.problems.len(), 1, "{:?}", s.problems);
        assert_eq!(s.problems[0].line, 3);
        assert!(
            s.problems[0].message.starts_with("invalid JSON"),
            "{}",
            s.problems[0]
        );
    }

    #[test]
    fn long_lines_and_many_chunks_keep_their_numbers() {
        let long = "x".repeat(CHUNK * 2);
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(&format!(
                "{{\"id\":\"r{i}\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"{long_or_short}\"}}\n",
                long_or_short = if i == 1500 { long.as_str() } else { "o" }
            ));
        }
        text.push_str("{\"id\":\"r0\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"o\"}");
        let s = scan(&text);
        assert_eq!(s.content_hash, Some(ContentHash::of_bytes(text.as_bytes())));
        assert_eq!(s.records, 3001);
        assert_eq!(s.duplicate_ids, 1);
        let p = &s.problems[0];
        assert_eq!((p.line, p.kind), (3001, ProblemKind::DuplicateId));
        assert_eq!(
            p.to_string(),
            "t.jsonl:3001: r0: id: duplicate id, first at t.jsonl:1"
        );
        assert_eq!(s.types[RecordType::Qa.index()].unique_texts.len(), 2);
    }

    #[test]
    fn invalid_utf8_and_truncation_are_told_apart() {
        let mut bytes =
            b"{\"id\":\"a\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"\xff\"}\n".to_vec();
        bytes.extend_from_slice(b"{\"id\":\"b\",\"record_type\":\"qa\",\"inp");
        let schema = Schema::builtin().unwrap();
        let mut s = Scanner::new(&schema, Config::default().scan_options(false));
        let r = s.scan(
            Input::from_bytes("t", Role::Other, bytes),
            &indicatif::ProgressBar::hidden(),
        );
        assert_eq!(
            r.problems[0].message,
            "invalid UTF-8 at byte 52 of the line"
        );
        assert_eq!(r.problems[1].line, 2);
        assert!(
            r.problems[1].message.starts_with("truncated JSON"),
            "{}",
            r.problems[1]
        );
    }

    #[test]
    fn a_line_over_the_cap_is_dropped_as_it_is_read() {
        // 40 MiB without a newline, then a record: the reader must never
        // hold much more than the cap plus a chunk.
        let cap = 2 * CHUNK as u64;
        let long = std::io::repeat(b'x').take(40 << 20);
        let rest = std::io::Cursor::new(
            b"\n{\"id\":\"a\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"o\"}\n".to_vec(),
        );
        let source = Source::open(Box::new(long.chain(rest)), "big.jsonl", None).unwrap();
        let mut reader = Reader {
            source,
            carry: Vec::new(),
            max_line: cap,
            skipping: None,
            first: true,
            eof: false,
            error: None,
            batch_len: 4,
            progress: indicatif::ProgressBar::hidden(),
            shown: 0,
        };
        let mut chunks = Vec::new();
        loop {
            let batch = reader.next_batch();
            assert!(reader.carry.capacity() as u64 <= cap + 2 * CHUNK as u64);
            if batch.is_empty() {
                break;
            }
            for c in batch {
                assert!(c.bytes.len() as u64 <= cap + 2 * CHUNK as u64);
                chunks.push((c.long_line, c.bytes.len()));
            }
        }
        assert_eq!(chunks[0], (Some(40 << 20), 1), "{chunks:?}");
        assert_eq!(chunks.len(), 2, "{chunks:?}");

        let schema = Schema::builtin().unwrap();
        let mut options = Config::default().scan_options(false);
        options.max_line_bytes = cap;
        let mut s = Scanner::new(&schema, options);
        let long = std::io::repeat(b'x').take(40 << 20);
        let rest = std::io::Cursor::new(
            b"\n{\"id\":\"a\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"o\"}\n".to_vec(),
        );
        let r = s.scan(
            Input {
                label: "big.jsonl".into(),
                role: Role::Other,
                reader: Box::new(long.chain(rest)),
                len: None,
                origin: None,
                lfs_note: None,
            },
            &indicatif::ProgressBar::hidden(),
        );
        let shown: Vec<String> = r.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "big.jsonl:1: -: -: line is 41943040 bytes, over the limit of 2097152 ([limits] max_line_bytes)"
            ]
        );
        assert_eq!((r.records, r.typed()), (2, 1));
        assert!(
            r.content_hash.is_some(),
            "the dropped bytes are still hashed"
        );
    }

    #[test]
    fn sample_is_bounded_and_seeded() {
        let mut text = String::new();
        for i in 0..5000 {
            text.push_str(&format!(
                "{{\"id\":\"c{i}\",\"record_type\":\"chat\",\"input\":\"User: hi\",\"output\":\"Answer {}\"}}\n",
                i % 10
            ));
        }
        let a = scan(&text);
        let t = &a.types[RecordType::Chat.index()];
        assert_eq!(t.sampled_uniqueness(), (10, 2000));
        let b = scan(&text);
        let mut sa: Vec<_> = t.sample.iter().collect();
        let mut sb: Vec<_> = b.types[0].sample.iter().collect();
        sa.sort();
        sb.sort();
        assert_eq!(sa, sb);
    }
}
