//! Turns real chat transcripts (plain text, Markdown, ShareGPT, OpenAI
//! fine-tuning JSONL, the ChatGPT data export) into chat records.
//!
//! Every format is read as a stream into one shared turn model (`Conv`, in `conversation`), so
//! the rules that decide what becomes a record (merging, skipping, the window
//! of prior turns, ids) live in one place and cannot drift between formats.

mod conversation;
mod json;
#[cfg(test)]
mod tests;
mod text;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use conversation::Sink;
pub use conversation::{Format, IngestError, IngestSummary};

/// `[limits] max_line_bytes` of the built-in config (16 MiB), the default
/// longest transcript line; a test holds the two equal.
pub const DEFAULT_MAX_LINE_BYTES: u64 = 16 << 20;

/// How much of a file detection looks at: enough for the first keys of a JSON
/// document or the first speaker lines of a transcript, without reading a
/// 100 MB export twice.
const HEAD_BYTES: usize = 64 * 1024;

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
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            secrets: None,
        }
    }
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
