//! Turns real chat transcripts (plain text, Markdown, ShareGPT, OpenAI
//! fine-tuning JSONL, the ChatGPT data export) into chat records.
//!
//! Every format is read as a stream into one shared turn model ([`Conv`]), so
//! the rules that decide what becomes a record (merging, skipping, the window
//! of prior turns, ids) live in one place and cannot drift between formats.

mod json;
#[cfg(test)]
mod tests;
mod text;

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use serde::Serialize;
use xxhash_rust::xxh3::xxh3_128;

use crate::record::{Chat, RecordType, Speaker, chat_input};

/// How much of a file detection looks at: enough for the first keys of a JSON
/// document or the first speaker lines of a transcript, without reading a
/// 100 MB export twice.
const HEAD_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Auto,
    Text,
    Markdown,
    ShareGpt,
    OpenAi,
    ChatGpt,
}

impl Format {
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::ShareGpt => "sharegpt",
            Format::OpenAi => "openai",
            Format::ChatGpt => "chatgpt",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            Format::Auto,
            Format::Text,
            Format::Markdown,
            Format::ShareGpt,
            Format::OpenAi,
            Format::ChatGpt,
        ]
        .into_iter()
        .find(|f| f.as_str().eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            format!("unknown transcript format `{s}`; expected auto, text, markdown, sharegpt, openai or chatgpt")
        })
    }
}

#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub format: Format,
    /// Prior turns kept before the user turn, 1..=3 (default 3); values
    /// outside are clamped because the record layout allows no more.
    pub turns: usize,
    pub keep_going: bool,
    /// Advanced by the bytes read; hidden unless the caller shows it.
    pub progress: indicatif::ProgressBar,
    /// `[limits] max_line_bytes`: a longer line of a JSONL or text
    /// transcript is an error (a lost conversation with `keep_going`), and
    /// is never held in memory whole.
    pub max_line_bytes: u64,
    /// Redacts secrets from every turn before records are made of it.
    pub secrets: Option<std::sync::Arc<crate::secrets::Scanner>>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: Format::Auto,
            turns: 3,
            keep_going: false,
            progress: indicatif::ProgressBar::hidden(),
            max_line_bytes: crate::config::Config::default().limits.max_line_bytes,
            secrets: None,
        }
    }
}

/// Counts for one file, for the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub file: String,
    pub format: &'static str,
    pub conversations: u64,
    pub records: u64,
    pub skipped: BTreeMap<&'static str, u64>,
    /// Secrets replaced by `[REDACTED:kind]`, per kind, counted once per
    /// turn they were in (a turn repeated as later records' history is
    /// redacted once).
    pub redacted: crate::secrets::Counts,
    /// Conversations lost after a fault (keep_going).
    pub lost: u64,
    /// The fault, when keep_going kept what came before it.
    pub fault: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{file}: cannot open: {source}")]
    Open { file: String, source: io::Error },
    #[error("{file}: read failed near line {line}: {source}")]
    Read {
        file: String,
        line: u64,
        source: io::Error,
    },
    #[error("{file}: line {line}: {what}")]
    Line {
        file: String,
        line: u64,
        what: String,
    },
    #[error("{file}: line {line} column {column}: {what}")]
    Json {
        file: String,
        line: u64,
        column: u64,
        what: String,
    },
    #[error("{file}: cannot tell the transcript format from its first {bytes} bytes: {what}")]
    Undetected {
        file: String,
        bytes: usize,
        what: String,
    },
}

/// Reads `path` (named `label` in records and errors) and calls `emit` with
/// each record's JSONL line (no newline), in order. Records are emitted as
/// they are found so a 100 MB export never sits in memory; a caller that must
/// write nothing on error buffers them itself.
pub fn ingest_file(
    path: &Path,
    label: &str,
    opts: &IngestOptions,
    emit: &mut dyn FnMut(String),
) -> Result<IngestSummary, IngestError> {
    ingest_file_at(path, label, "", label, opts, emit)
}

/// [`ingest_file`] for a file that lives at `file` inside the repository or
/// folder `repo` (see [`crate::source::git::locate`]): records name it, and
/// their ids depend on it, that way, whatever spelling of its path `label`
/// (used in errors and the summary) is.
pub fn ingest_file_at(
    path: &Path,
    label: &str,
    repo: &str,
    file: &str,
    opts: &IngestOptions,
    emit: &mut dyn FnMut(String),
) -> Result<IngestSummary, IngestError> {
    let head = read_head(path, label)?;
    let format = match opts.format {
        Format::Auto => detect(&head, label)?,
        f => f,
    };
    let file_at = file;
    let file = File::open(path).map_err(|source| IngestError::Open {
        file: label.to_string(),
        source,
    })?;
    let reader = BufReader::with_capacity(256 * 1024, opts.progress.wrap_read(file));
    let at = (repo, file_at);
    ingest_stream(reader, &head, format, label, at, opts, emit)
}

/// [`ingest_file`] over a stream such as standard input: its first bytes
/// are read to tell the format, then the whole stream is parsed as it comes.
pub fn ingest_reader(
    mut reader: impl Read,
    label: &str,
    opts: &IngestOptions,
    emit: &mut dyn FnMut(String),
) -> Result<IngestSummary, IngestError> {
    let head = take_head(&mut reader, label)?;
    let bare = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head).to_vec();
    let format = match opts.format {
        Format::Auto => detect(&bare, label)?,
        f => f,
    };
    let stream = BufReader::with_capacity(256 * 1024, io::Cursor::new(head).chain(reader));
    ingest_stream(stream, &bare, format, label, ("", label), opts, emit)
}

/// [`ingest_file`] over bytes in memory: the same detection and parsers,
/// for callers that hold a transcript already (and for the fuzz targets).
pub fn ingest_bytes(
    bytes: &[u8],
    label: &str,
    opts: &IngestOptions,
    emit: &mut dyn FnMut(String),
) -> Result<IngestSummary, IngestError> {
    let mut head = bytes[..bytes.len().min(HEAD_BYTES)].to_vec();
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    let format = match opts.format {
        Format::Auto => detect(&head, label)?,
        f => f,
    };
    ingest_stream(bytes, &head, format, label, ("", label), opts, emit)
}

/// Parses a transcript of a known `format`; `head` is its first bytes, BOM removed.
fn ingest_stream(
    mut reader: impl BufRead,
    head: &[u8],
    format: Format,
    label: &str,
    (repo, file): (&str, &str),
    opts: &IngestOptions,
    emit: &mut dyn FnMut(String),
) -> Result<IngestSummary, IngestError> {
    skip_bom(&mut reader, label)?;
    let mut sink = Sink::new(label, format, opts.turns, emit);
    sink.repo = repo;
    sink.file = file;
    sink.secrets = opts.secrets.clone();
    let keep_going = opts.keep_going;
    let max = opts.max_line_bytes;
    let result = match format {
        Format::Text => text::run(reader, &mut sink, false, max),
        Format::Markdown => text::run(reader, &mut sink, true, max),
        Format::ShareGpt if first_byte(head) == Some(b'[') => {
            json::array(reader, &mut sink, json::sharegpt_element)
        }
        Format::ShareGpt => json::lines(reader, &mut sink, keep_going, max, json::sharegpt_line),
        Format::OpenAi => json::lines(reader, &mut sink, keep_going, max, json::openai_line),
        Format::ChatGpt => json::array(reader, &mut sink, json::chatgpt_element),
        Format::Auto => Err(IngestError::Undetected {
            file: label.to_string(),
            bytes: head.len(),
            what: "no format was resolved".into(),
        }),
    };
    match result {
        Ok(()) => Ok(sink.summary),
        Err(e) if keep_going => {
            // The stream cannot resume after a fault; what came before it was
            // already emitted and is kept, the conversation under way is lost.
            sink.summary.lost += 1;
            sink.summary.fault = Some(e.to_string());
            Ok(sink.summary)
        }
        Err(e) => Err(e),
    }
}

/// The first [`HEAD_BYTES`] of `reader` (fewer when it ends first), which
/// format detection reads.
fn take_head(reader: &mut impl Read, label: &str) -> Result<Vec<u8>, IngestError> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    reader
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|source| IngestError::Read {
            file: label.to_string(),
            line: 1,
            source,
        })?;
    Ok(head)
}

fn read_head(path: &Path, label: &str) -> Result<Vec<u8>, IngestError> {
    let open = |source| IngestError::Open {
        file: label.to_string(),
        source,
    };
    let mut file = File::open(path).map_err(open)?;
    let mut head = take_head(&mut file, label)?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    Ok(head)
}

/// Editors on Windows write a byte-order mark that JSON parsers reject.
fn skip_bom(reader: &mut impl BufRead, label: &str) -> Result<(), IngestError> {
    let buf = reader.fill_buf().map_err(|source| IngestError::Read {
        file: label.to_string(),
        line: 1,
        source,
    })?;
    if buf.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok(())
}

/// Reads one line (with its newline) into `buf`, holding at most `max`
/// bytes of it: the rest of a longer line is read and dropped. Returns the
/// bytes it consumed (0 at the end of input) and the line's length without
/// its newline; a length over `max` means `buf` holds only a prefix.
fn read_line_capped(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: u64,
) -> io::Result<(u64, u64)> {
    let mut total = 0u64;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((total, total));
        }
        let (take, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        let room = max.saturating_add(1).saturating_sub(buf.len() as u64);
        let keep = (take as u64).min(room) as usize;
        buf.extend_from_slice(&available[..keep]);
        total += take as u64;
        reader.consume(take);
        if done {
            // The newline does not count against the cap; a CR before it does.
            return Ok((total, total - 1));
        }
    }
}

/// The error for a line over `[limits] max_line_bytes`.
fn long_line(label: &str, line: u64, len: u64, max: u64) -> IngestError {
    IngestError::Line {
        file: label.to_string(),
        line,
        what: crate::scan::long_line_message(len, max),
    }
}

fn first_byte(head: &[u8]) -> Option<u8> {
    head.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Decides the format from content, never from the file name: exports are
/// routinely renamed, and a `.txt` may well hold JSON.
fn detect(head: &[u8], label: &str) -> Result<Format, IngestError> {
    let undetected = |what: &str| IngestError::Undetected {
        file: label.to_string(),
        bytes: head.len(),
        what: what.to_string(),
    };
    match first_byte(head) {
        None => Err(undetected("the file is empty")),
        Some(b'[') => {
            let keys = json::first_object_keys(head, 2);
            if keys.iter().any(|k| k == "mapping") {
                Ok(Format::ChatGpt)
            } else if keys.iter().any(|k| k == "conversations") {
                Ok(Format::ShareGpt)
            } else {
                Err(undetected(
                    "a JSON array whose first element has neither `mapping` (ChatGPT export) nor `conversations` (ShareGPT)",
                ))
            }
        }
        Some(b'{') => {
            let keys = json::first_object_keys(head, 1);
            if keys.iter().any(|k| k == "messages") {
                Ok(Format::OpenAi)
            } else if keys.iter().any(|k| k == "conversations") {
                Ok(Format::ShareGpt)
            } else {
                Err(undetected(
                    "a JSON object without `messages` (OpenAI JSONL) or `conversations` (ShareGPT JSONL)",
                ))
            }
        }
        Some(_) => {
            let text = String::from_utf8_lossy(head);
            let mut lines = text.lines();
            if lines.clone().any(|l| text::heading_speaker(l).is_some()) {
                Ok(Format::Markdown)
            } else if lines.any(|l| text::label_speaker(l).is_some()) {
                Ok(Format::Text)
            } else {
                Err(undetected(
                    "no JSON, and no line starts with a speaker such as `User:` or `## Assistant`",
                ))
            }
        }
    }
}

/// Who a source message is from, before it is judged usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    System,
    User,
    Assistant,
    Tool,
    Unknown,
}

impl Role {
    /// One table for every format's speaker names, so ShareGPT's `gpt` and a
    /// text transcript's `AI:` mean the same thing.
    fn from_name(name: &str) -> Role {
        match name.trim().to_ascii_lowercase().as_str() {
            "system" => Role::System,
            "user" | "human" | "q" | "prompter" => Role::User,
            "assistant" | "gpt" | "chatgpt" | "ai" | "a" | "bing" | "bard" | "claude" | "model" => {
                Role::Assistant
            }
            "tool" | "function" | "function_call" | "observation" | "ipython" => Role::Tool,
            _ => Role::Unknown,
        }
    }
}

/// A message's content: text, or something a text record cannot carry.
#[derive(Debug)]
enum Body {
    Text(String),
    NonText,
}

/// One conversation as merged turns, built message by message.
#[derive(Debug, Default)]
struct Conv {
    system: Option<String>,
    turns: Vec<(Speaker, String)>,
}

impl Conv {
    fn push(&mut self, role: Role, body: Body, skipped: &mut BTreeMap<&'static str, u64>) {
        let mut skip = |why| *skipped.entry(why).or_insert(0) += 1;
        let text = match (role, body) {
            (Role::Tool, _) => return skip("tool_turn"),
            (Role::Unknown, _) => return skip("unknown_role"),
            (_, Body::NonText) => return skip("non_text_turn"),
            (_, Body::Text(t)) => t,
        };
        let text = text.trim();
        if text.is_empty() {
            return skip("empty_turn");
        }
        let speaker = match role {
            Role::User => Speaker::User,
            Role::Assistant => Speaker::Assistant,
            _ => {
                join_into(self.system.get_or_insert_with(String::new), text);
                return;
            }
        };
        match self.turns.last_mut() {
            Some((last, prev)) if *last == speaker => join_into(prev, text),
            _ => self.turns.push((speaker, text.to_string())),
        }
    }
}

fn join_into(acc: &mut String, text: &str) {
    if !acc.is_empty() {
        acc.push_str("\n\n");
    }
    acc.push_str(text);
}

#[derive(Serialize)]
struct Meta<'a> {
    origin: &'static str,
    /// The repository or folder identity; empty (left out) for bytes with no file.
    #[serde(skip_serializing_if = "str::is_empty")]
    repo: &'a str,
    /// The file's path inside `repo`.
    file: &'a str,
    format: &'static str,
    conversation: &'a str,
    turn: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<&'a str>,
}

/// Where finished conversations become records; holds the counts.
struct Sink<'a> {
    /// The file as the user named it: for errors and the summary.
    label: &'a str,
    /// Where the file lives, for records and their ids.
    repo: &'a str,
    file: &'a str,
    turns: usize,
    emit: &'a mut dyn FnMut(String),
    summary: IngestSummary,
    secrets: Option<std::sync::Arc<crate::secrets::Scanner>>,
}

impl<'a> Sink<'a> {
    fn new(label: &'a str, format: Format, turns: usize, emit: &'a mut dyn FnMut(String)) -> Self {
        Sink {
            label,
            repo: "",
            file: label,
            turns: turns.clamp(1, 3),
            emit,
            summary: IngestSummary {
                file: label.to_string(),
                format: format.as_str(),
                ..IngestSummary::default()
            },
            secrets: None,
        }
    }

    fn skip(&mut self, why: &'static str) {
        *self.summary.skipped.entry(why).or_insert(0) += 1;
    }

    /// Emits one record per answered assistant turn. `id` is the data's own
    /// conversation id; without one the 1-based position stands in, which is
    /// stable across runs of the same file.
    fn finish(&mut self, id: Option<String>, mut conv: Conv) {
        self.summary.conversations += 1;
        if let Some(scanner) = &self.secrets {
            let counts = &mut self.summary.redacted;
            for text in conv
                .turns
                .iter_mut()
                .map(|(_, t)| t)
                .chain(conv.system.as_mut())
            {
                if let std::borrow::Cow::Owned(clean) = scanner.redact_counting(text, counts) {
                    *text = clean;
                }
            }
        }
        let id = id.unwrap_or_else(|| self.summary.conversations.to_string());
        for (i, (who, output)) in conv.turns.iter().enumerate() {
            if *who != Speaker::Assistant {
                continue;
            }
            // Merging guarantees the turn before an assistant turn is a user turn.
            let Some(user) = i.checked_sub(1) else {
                self.skip("assistant_without_user");
                continue;
            };
            let prior: Vec<(Speaker, &str)> = conv.turns[user.saturating_sub(self.turns)..user]
                .iter()
                .map(|(s, t)| (*s, t.as_str()))
                .collect();
            let input = chat_input(&prior, &conv.turns[user].1);
            // Where the turn is and what it says: a corrected turn is a new record.
            let key = format!(
                "{}\0{}\0{}\0{}\0{}\0{}",
                self.repo,
                self.file,
                id,
                i,
                input,
                output.trim()
            );
            let record_id = format!("tr_{:032x}", xxh3_128(key.as_bytes()));
            let chat = Chat {
                id: &record_id,
                record_type: RecordType::Chat,
                source: "real",
                input: &input,
                output: output.trim(),
                meta: Meta {
                    origin: "transcript",
                    repo: self.repo,
                    file: self.file,
                    format: self.summary.format,
                    conversation: &id,
                    turn: i,
                    system: conv.system.as_deref(),
                },
            };
            match serde_json::to_string(&chat) {
                Ok(line) => {
                    (self.emit)(line);
                    self.summary.records += 1;
                }
                Err(_) => self.skip("unencodable"),
            }
        }
    }
}
