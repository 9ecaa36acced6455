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
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use xxhash_rust::xxh3::{xxh3_64_with_seed, xxh3_128};

use crate::config::{Config, Role};
use crate::error::Error;
use crate::record::{RecordType, check_chat_input, normalise_into};
use crate::schema::Schema;

const CHUNK: usize = 1 << 20;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A dataset to read: a file, standard input, or bytes held in memory (the git index, the demo).
pub struct Input {
    pub label: String,
    pub role: Role,
    reader: Box<dyn Read + Send>,
    len: Option<u64>,
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
        })
    }

    pub fn from_bytes(label: impl Into<String>, role: Role, bytes: Vec<u8>) -> Self {
        let len = bytes.len() as u64;
        Input {
            label: label.into(),
            role,
            reader: Box::new(std::io::Cursor::new(bytes)),
            len: Some(len),
        }
    }

    pub fn stdin(role: Role) -> Self {
        Input {
            label: "<stdin>".into(),
            role,
            reader: Box::new(std::io::stdin()),
            len: None,
        }
    }

    /// Size in bytes when known up front (not for standard input); drives the progress bar.
    pub fn size(&self) -> Option<u64> {
        self.len
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

/// Ids come from untrusted files and are printed to terminals: escape control characters.
fn sanitise(s: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = s.chars().take(MAX).flat_map(char::escape_debug).collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
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
}

impl Options {
    pub fn from_config(config: &Config, full_stats: bool) -> Self {
        let mut fields: [Option<String>; 6] = Default::default();
        for (ty, field) in &config.gates.uniqueness.fields {
            fields[ty.index()] = Some(field.clone());
        }
        if full_stats {
            // stats reports uniqueness for every type, on its response field unless configured.
            for ty in RecordType::ALL {
                fields[ty.index()].get_or_insert_with(|| ty.response_field().to_string());
            }
        }
        Options {
            chat_turns: config.schema.chat_turns.then_some(config.schema.max_turns),
            uniqueness_fields: fields,
            sample_size: config.gates.uniqueness.sample_size,
            seed: config.gates.uniqueness.seed,
            full_stats,
        }
    }
}

/// Per-type tallies of one file.
#[derive(Debug, Default, Clone)]
pub struct TypeTally {
    pub count: u64,
    pub real: u64,
    pub synthetic: u64,
    /// Bottom-k sample by seeded hash of the id: (priority, order, text hash).
    sample: BinaryHeap<(u64, u64, u64)>,
    /// Only with `full_stats`.
    pub unique_texts: HashSet<u64>,
    pub texts: u64,
    pub response_chars: Vec<u32>,
    pub input_chars: Vec<u32>,
}

impl TypeTally {
    /// Unique normalised texts and the sample size, over the seeded sample.
    pub fn sampled_uniqueness(&self) -> (usize, usize) {
        let unique: HashSet<u64> = self.sample.iter().map(|&(_, _, h)| h).collect();
        (unique.len(), self.sample.len())
    }
}

#[derive(Debug, Clone)]
pub struct FileScan {
    pub label: String,
    pub role: Role,
    /// Non-blank lines, whether valid or not.
    pub records: u64,
    pub bytes: u64,
    pub types: [TypeTally; 6],
    pub problems: Vec<Problem>,
    /// Records read fully, but whose problems were not counted (none by default).
    pub duplicate_ids: u64,
    /// An I/O failure that stopped reading the file before its end.
    pub read_error: Option<String>,
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
    schema: &'a Schema,
    options: Options,
    ids: HashMap<u128, (u32, u64)>,
    labels: Vec<String>,
}

#[derive(Default)]
struct ChunkOut {
    lines: u64,
    records: u64,
    problems: Vec<(u64, Option<String>, String, String)>,
    ids: Vec<(u128, u64, Option<String>)>,
    recs: Vec<Rec>,
}

/// The judged text of a record, hashed only when it may be sampled.
#[derive(Clone, Copy)]
enum Text {
    Hash(u64),
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

impl<'a> Scanner<'a> {
    pub fn new(schema: &'a Schema, options: Options) -> Self {
        Scanner {
            schema,
            options,
            ids: HashMap::new(),
            labels: Vec::new(),
        }
    }

    /// Reads `input` to its end (or to an I/O error, kept in `read_error`).
    pub fn scan(&mut self, mut input: Input, progress: &indicatif::ProgressBar) -> FileScan {
        let file_index = self.labels.len() as u32;
        self.labels.push(input.label.clone());
        let mut scan = FileScan {
            label: input.label.clone(),
            role: input.role,
            records: 0,
            bytes: 0,
            types: Default::default(),
            problems: Vec::new(),
            duplicate_ids: 0,
            read_error: None,
        };
        let batch_len = rayon::current_num_threads().max(1) * 4;
        let mut carry: Vec<u8> = Vec::new();
        let mut line_base = 0u64;
        let mut first = true;
        let mut eof = false;
        while !eof {
            let mut batch = Vec::with_capacity(batch_len);
            while batch.len() < batch_len && !eof {
                let mut buf = std::mem::take(&mut carry);
                match fill_chunk(&mut input.reader, &mut buf) {
                    Ok(done) => eof = done,
                    Err(e) => {
                        scan.read_error = Some(e.to_string());
                        eof = true;
                    }
                }
                if first {
                    first = false;
                    if buf.starts_with(BOM) {
                        buf.drain(..BOM.len());
                        scan.bytes += BOM.len() as u64;
                    }
                }
                if !eof {
                    match memchr::memrchr(b'\n', &buf) {
                        Some(pos) => carry = buf.split_off(pos + 1),
                        None => {
                            // a line longer than the chunk: keep reading it
                            carry = buf;
                            continue;
                        }
                    }
                }
                if !buf.is_empty() {
                    batch.push(buf);
                }
            }
            // A record whose priority is above a full sample's largest can never
            // enter it (the bound only falls), so its text need not be normalised.
            let bounds: [Option<u64>; 6] = std::array::from_fn(|i| {
                let sample = &scan.types[i].sample;
                let full = sample.len() >= self.options.sample_size;
                (full && !self.options.full_stats).then(|| sample.peek().map(|t| t.0)).flatten()
            });
            let outs: Vec<ChunkOut> = batch.par_iter().map(|c| self.check_chunk(c, &bounds)).collect();
            for (chunk, out) in batch.iter().zip(outs) {
                scan.bytes += chunk.len() as u64;
                progress.inc(chunk.len() as u64);
                self.merge(&mut scan, file_index, line_base, out);
                line_base += count_lines(chunk);
            }
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

    fn merge(&mut self, scan: &mut FileScan, file_index: u32, base: u64, out: ChunkOut) {
        scan.records += out.records;
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
                    v.insert((file_index, base + line));
                }
                Entry::Occupied(o) => {
                    let (fi, first_line) = *o.get();
                    let first_path = &self.labels[fi as usize];
                    scan.duplicate_ids += 1;
                    scan.problems.push(Problem {
                        path: scan.label.clone(),
                        line: base + line,
                        id,
                        field: "id".into(),
                        message: format!("duplicate id, first at {first_path}:{first_line}"),
                        kind: ProblemKind::DuplicateId,
                    });
                }
            }
        }
        let k = self.options.sample_size;
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
                Some(Text::Hash(text)) => {
                    tally.texts += 1;
                    let entry = (rec.priority, base + rec.line, text);
                    if tally.sample.len() < k {
                        tally.sample.push(entry);
                    } else if tally.sample.peek().is_some_and(|top| entry < *top) {
                        tally.sample.pop();
                        tally.sample.push(entry);
                    }
                    if self.options.full_stats {
                        tally.unique_texts.insert(text);
                    }
                }
            }
            if self.options.full_stats {
                tally.response_chars.push(rec.response_chars);
                tally.input_chars.push(rec.input_chars);
            }
        }
    }

    /// Checks every line of one chunk; line numbers are relative to the chunk.
    fn check_chunk(&self, chunk: &[u8], bounds: &[Option<u64>; 6]) -> ChunkOut {
        let mut out = ChunkOut::default();
        let mut norm = String::new();
        let mut schema_problems = Vec::new();
        for raw in chunk.split(|&b| b == b'\n') {
            out.lines += 1;
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            out.records += 1;
            let n = out.lines;
            let value: Value = match serde_json::from_slice(line) {
                Ok(v) => v,
                Err(e) => {
                    out.problems
                        .push((n, None, "-".into(), json_error(line, &e)));
                    continue;
                }
            };
            let id = value.get("id").and_then(Value::as_str);
            schema_problems.clear();
            self.schema.check(&value, &mut schema_problems);
            for (field, message) in schema_problems.drain(..) {
                out.problems
                    .push((n, id.map(str::to_string), field, message));
            }
            if let Some(id) = id {
                if !id.is_empty() {
                    out.ids
                        .push((xxh3_128(id.as_bytes()), n, Some(id.to_string())));
                }
            }
            let Some(ty) = value
                .get("record_type")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<RecordType>().ok())
            else {
                continue;
            };
            self.record_rules(ty, &value, |field, message| {
                out.problems
                    .push((n, id.map(str::to_string), field.into(), message));
            });
            let priority = match id {
                Some(id) => xxh3_64_with_seed(id.as_bytes(), self.options.seed),
                None => xxh3_64_with_seed(&n.to_le_bytes(), self.options.seed),
            };
            let text_field = self.options.uniqueness_fields[ty.index()].as_deref();
            let text = text_field.and_then(|f| value.get(f)).and_then(Value::as_str).map(|t| {
                if bounds[ty.index()].is_some_and(|bound| priority > bound) {
                    return Text::OutOfSample;
                }
                normalise_into(t, &mut norm);
                Text::Hash(xxh3_64_with_seed(norm.as_bytes(), 0))
            });
            let chars = |field: &str| {
                value
                    .get(field)
                    .and_then(Value::as_str)
                    .map_or(0, |s| s.chars().count() as u32)
            };
            let (response_chars, input_chars) = if self.options.full_stats {
                let input = if ty == RecordType::Preference {
                    "prompt"
                } else {
                    "input"
                };
                (chars(ty.response_field()), chars(input))
            } else {
                (0, 0)
            };
            out.recs.push(Rec {
                ty,
                real: match value.get("source").and_then(Value::as_str) {
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
        // `split` yields one piece after the final newline; it is not a line.
        if chunk.ends_with(b"\n") {
            out.lines -= 1;
        }
        out
    }

    /// Rules of the record format that a JSON Schema cannot say.
    fn record_rules(&self, ty: RecordType, value: &Value, mut problem: impl FnMut(&str, String)) {
        let text = |f: &str| value.get(f).and_then(Value::as_str);
        match ty {
            RecordType::Preference => {
                if let (Some(c), Some(r)) = (text("chosen"), text("rejected")) {
                    if !c.trim().is_empty() && c.split_whitespace().eq(r.split_whitespace()) {
                        problem(
                            "chosen",
                            "is the same text as rejected (ignoring whitespace)".into(),
                        );
                    }
                }
            }
            RecordType::Chat => {
                if let (Some(max), Some(input)) = (self.options.chat_turns, text("input")) {
                    if let Err(message) = check_chat_input(input, max) {
                        problem("input", message);
                    }
                }
            }
            _ => {}
        }
    }
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

/// Says why a line is not JSON, naming the column, and tells bad UTF-8 apart.
fn json_error(line: &[u8], e: &serde_json::Error) -> String {
    if let Err(utf8) = std::str::from_utf8(line) {
        return format!(
            "invalid UTF-8 at byte {} of the line",
            utf8.valid_up_to() + 1
        );
    }
    let text = e.to_string();
    let reason = text.split(" at line ").next().unwrap_or(&text);
    let what = match e.classify() {
        serde_json::error::Category::Eof => "truncated JSON",
        _ => "invalid JSON",
    };
    format!("{what}: {reason} at column {}", e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> FileScan {
        let schema = Schema::builtin().unwrap();
        let mut s = Scanner::new(&schema, Options::from_config(&Config::default(), true));
        s.scan(
            Input::from_bytes("t.jsonl", Role::Other, text.as_bytes().to_vec()),
            &indicatif::ProgressBar::hidden(),
        )
    }

    #[test]
    fn line_numbers_survive_blank_lines_crlf_and_bom() {
        let text = "\u{feff}{\"id\":\"a\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"o\"}\r\n\r\n{bad\r\n";
        let s = scan(text);
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
        let mut s = Scanner::new(&schema, Options::from_config(&Config::default(), false));
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
