//! The JSON formats: ShareGPT (array or JSONL), OpenAI fine-tuning JSONL and
//! the ChatGPT data export. Arrays are streamed element by element so memory
//! stays flat on exports of hundreds of megabytes.

use std::collections::HashMap;
use std::io::{BufRead, Read};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::conversation::{
    Body, Conv, IngestError, IngestSummary, Role, Sink, long_line, read_line_capped,
};

/// A serde_json error as an [`IngestError`] at `line` (the file line for
/// JSONL, where serde_json only sees one line; `None` for a streamed array,
/// where serde_json's own line is the file's).
fn json_error(label: &str, line: Option<u64>, e: &serde_json::Error) -> IngestError {
    IngestError::Json {
        file: label.to_string(),
        line: line.unwrap_or(e.line() as u64),
        column: e.column() as u64,
        what: json_what(e),
    }
}

/// serde_json's message without its position (the caller gives the file's).
fn json_what(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let what = text.strip_suffix(&suffix).unwrap_or(&text);
    if what == "recursion limit exceeded" {
        // serde_json stops at 128 levels rather than overflow the stack.
        return "nested more than 128 levels deep (the parser's limit)".to_string();
    }
    what.to_string()
}

/// Streams the outer array: a small scanner finds where each element ends
/// (depth, strings and escapes only), and the element's bytes are parsed with
/// `serde_json::from_slice`, which is several times faster than pulling
/// through a reader. Only the current 1 MiB window and the element in hand
/// are in memory, whatever the file's size. Elements of a window are parsed
/// in parallel and handed on in order.
pub(super) fn array<T: DeserializeOwned + Send>(
    mut reader: impl Read,
    sink: &mut Sink<'_>,
    handle: for<'s> fn(&mut Sink<'s>, T),
) -> Result<(), IngestError> {
    use rayon::prelude::*;
    const WINDOW: usize = 1 << 20;
    let label = sink.label;
    let read_err = |line: u64, source| IngestError::Read {
        file: label.to_string(),
        line,
        source,
    };
    let mut buf: Vec<u8> = Vec::with_capacity(WINDOW * 2);
    // File line at buf[0], for error positions.
    let mut base_line: u64 = 1;
    let mut scan = Scan::default();
    let mut eof = false;
    let mut elements_seen: u64 = 0;
    let mut pending: Vec<Result<Converted, IngestError>> = Vec::new();
    loop {
        if !eof {
            let start = buf.len();
            buf.resize(start + WINDOW, 0);
            let n = loop {
                match reader.read(&mut buf[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(read_err(base_line, e)),
                }
            };
            buf.truncate(start + n);
            eof = n == 0;
        }
        let elements = match scan.elements(&buf) {
            Ok(elements) => elements,
            Err((at, what)) => {
                // What came before the fault is kept.
                emit_all(sink, std::mem::take(&mut pending))?;
                let line = base_line
                    + memchr::memchr_iter(b'\n', &buf[..at.min(buf.len())]).count() as u64;
                return Err(IngestError::Json {
                    file: label.to_string(),
                    line,
                    column: 0,
                    what: what.to_string(),
                });
            }
        };
        // Each element is parsed and turned into record lines on its own (in
        // parallel, on a helper thread), while this thread writes out the
        // previous window's lines; lines go out in file order. An element with
        // no id is numbered by its position in the array.
        let (label, turns, format) = (sink.label, sink.turns, sink.summary.format);
        let (repo, file) = (sink.repo, sink.file);
        let secrets = &sink.secrets.clone();
        let first_index = elements_seen;
        elements_seen += elements.len() as u64;
        let window = &buf;
        let convert = || -> Vec<Result<Converted, IngestError>> {
            elements
                .par_iter()
                .enumerate()
                .map(|(k, &(from, to))| {
                    let item: T = serde_json::from_slice(&window[from..to]).map_err(|e| {
                        let line = base_line
                            + memchr::memchr_iter(b'\n', &window[..from]).count() as u64
                            + e.line() as u64
                            - 1;
                        IngestError::Json {
                            file: label.to_string(),
                            line,
                            column: e.column() as u64,
                            what: json_what(&e),
                        }
                    })?;
                    let mut lines = Vec::new();
                    let mut push = |line: String| lines.push(line);
                    let mut local = Sink {
                        label,
                        repo,
                        file,
                        turns,
                        emit: &mut push,
                        summary: IngestSummary {
                            format,
                            conversations: first_index + k as u64,
                            ..IngestSummary::default()
                        },
                        secrets: secrets.clone(),
                    };
                    handle(&mut local, item);
                    let summary = local.summary;
                    Ok(Converted {
                        lines,
                        summary,
                        position: first_index + k as u64,
                    })
                })
                .collect()
        };
        let previous = std::mem::take(&mut pending);
        let (emitted, current) = std::thread::scope(|ts| {
            let worker = ts.spawn(convert);
            let emitted = emit_all(sink, previous);
            (emitted, worker.join())
        });
        emitted?;
        pending = match current {
            Ok(converted) => converted,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if scan.done || eof {
            emit_all(sink, std::mem::take(&mut pending))?;
        }
        if scan.done {
            // Anything but whitespace after the array means the file is not what it claims.
            let mut rest = buf.split_off(scan.pos.min(buf.len()));
            loop {
                if let Some(at) = rest.iter().position(|b| !b.is_ascii_whitespace()) {
                    let line = base_line
                        + memchr::memchr_iter(b'\n', &buf).count() as u64
                        + memchr::memchr_iter(b'\n', &rest[..at]).count() as u64;
                    let what = "trailing characters after the array".to_string();
                    return Err(IngestError::Json {
                        file: label.to_string(),
                        line,
                        column: 0,
                        what,
                    });
                }
                rest.clear();
                rest.resize(WINDOW, 0);
                let n = reader.read(&mut rest).map_err(|e| read_err(base_line, e))?;
                if n == 0 {
                    return Ok(());
                }
                rest.truncate(n);
            }
        }
        if eof {
            let line = base_line + memchr::memchr_iter(b'\n', &buf).count() as u64;
            let what = if scan.started {
                "EOF while parsing a list (the array is cut short)"
            } else {
                "expected `[`: not a JSON array"
            };
            return Err(IngestError::Json {
                file: label.to_string(),
                line,
                column: 0,
                what: what.into(),
            });
        }
        // Keep only the unfinished element for the next window.
        let keep_from = scan.element_start.unwrap_or(scan.pos).min(buf.len());
        base_line += memchr::memchr_iter(b'\n', &buf[..keep_from]).count() as u64;
        buf.drain(..keep_from);
        scan.shift(keep_from);
    }
}

/// Writes converted elements out in order and adds up their counts; the
/// first broken element ends the array.
fn emit_all(
    sink: &mut Sink<'_>,
    converted: Vec<Result<Converted, IngestError>>,
) -> Result<(), IngestError> {
    for item in converted {
        let c = item?;
        let s = &mut sink.summary;
        s.conversations += c.summary.conversations - c.position;
        s.records += c.summary.records;
        crate::secrets::add_counts(&mut s.redacted, &c.summary.redacted);
        for (why, n) in c.summary.skipped {
            *s.skipped.entry(why).or_insert(0) += n;
        }
        for line in c.lines {
            (sink.emit)(line);
        }
    }
    Ok(())
}

/// One element's records and counts, made on a worker thread.
struct Converted {
    lines: Vec<String>,
    summary: IngestSummary,
    /// Elements before this one in the array.
    position: u64,
}

/// Where the scanner is in the outer array, kept across windows.
#[derive(Default)]
struct Scan {
    /// Next byte to look at.
    pos: usize,
    started: bool,
    done: bool,
    /// Start of the element being read, if one has begun.
    element_start: Option<usize>,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl Scan {
    fn shift(&mut self, by: usize) {
        self.pos -= by;
        if let Some(s) = self.element_start.as_mut() {
            *s -= by;
        }
    }

    /// The (start, end) of every element completed in `buf`, in order.
    fn elements(&mut self, buf: &[u8]) -> Result<Vec<(usize, usize)>, (usize, &'static str)> {
        let mut out = Vec::new();
        while self.pos < buf.len() && !self.done {
            let b = buf[self.pos];
            if !self.started {
                match b {
                    b' ' | b'\t' | b'\r' | b'\n' => {}
                    // a UTF-8 byte-order mark before the array
                    0xEF | 0xBB | 0xBF if self.pos < 3 => {}
                    b'[' => self.started = true,
                    _ => return Err((self.pos, "expected `[`: not a JSON array")),
                }
                self.pos += 1;
                continue;
            }
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    self.pos += 1;
                    continue;
                }
                // Most bytes are inside strings: jump to the next quote or backslash.
                match memchr::memchr2(b'"', b'\\', &buf[self.pos..]) {
                    None => self.pos = buf.len(),
                    Some(at) => {
                        self.pos += at;
                        if buf[self.pos] == b'\\' {
                            self.escaped = true;
                        } else {
                            self.in_string = false;
                        }
                        self.pos += 1;
                    }
                }
                continue;
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    self.element_start.get_or_insert(self.pos);
                }
                b'{' | b'[' => {
                    self.depth += 1;
                    self.element_start.get_or_insert(self.pos);
                }
                b'}' | b']' if self.depth > 0 => self.depth -= 1,
                b',' | b']' if self.depth == 0 => {
                    match self.element_start.take() {
                        Some(start) => out.push((start, self.pos)),
                        None if b == b',' => return Err((self.pos, "expected a value before `,`")),
                        None => {}
                    }
                    if b == b']' {
                        self.done = true;
                    }
                }
                b' ' | b'\t' | b'\r' | b'\n' => {}
                _ => {
                    self.element_start.get_or_insert(self.pos);
                }
            }
            self.pos += 1;
        }
        Ok(out)
    }
}

/// JSONL: one conversation per line. A bad line is a fault; with
/// `keep_going` it is counted lost and reading goes on, since unlike an
/// array the next line is still well delimited.
pub(super) fn lines<'a>(
    mut reader: impl BufRead,
    sink: &mut Sink<'a>,
    keep_going: bool,
    max_line: u64,
    handle: fn(&mut Sink<'a>, &[u8]) -> Result<(), serde_json::Error>,
) -> Result<(), IngestError> {
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    loop {
        buf.clear();
        let (n, len) = read_line_capped(&mut reader, &mut buf, max_line).map_err(|source| {
            IngestError::Read {
                file: sink.label.to_string(),
                line: line_no + 1,
                source,
            }
        })?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        if len > max_line {
            let err = long_line(sink.label, line_no, len, max_line);
            if !keep_going {
                return Err(err);
            }
            sink.summary.lost += 1;
            if sink.summary.fault.is_none() {
                sink.summary.fault = Some(err.to_string());
            }
            continue;
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Err(e) = handle(sink, &buf) {
            let err = json_error(sink.label, Some(line_no), &e);
            if !keep_going {
                return Err(err);
            }
            sink.summary.lost += 1;
            if sink.summary.fault.is_none() {
                sink.summary.fault = Some(err.to_string());
            }
        }
    }
}

/// Conversation ids come as strings or numbers; both name it.
fn id_string(v: Option<Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[derive(Deserialize)]
pub(super) struct ShareGptConv {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    conversations: Option<Vec<ShareGptMsg>>,
}

#[derive(Deserialize)]
struct ShareGptMsg {
    #[serde(default)]
    from: String,
    #[serde(default)]
    value: Value,
}

pub(super) fn sharegpt_element(sink: &mut Sink<'_>, c: ShareGptConv) {
    let Some(msgs) = c.conversations else {
        sink.skip("no_conversations");
        return;
    };
    let mut conv = Conv::default();
    for m in msgs {
        let body = match m.value {
            Value::String(s) => Body::Text(s),
            _ => Body::NonText,
        };
        conv.push(Role::from_name(&m.from), body, &mut sink.summary.skipped);
    }
    sink.finish(id_string(c.id), conv);
}

pub(super) fn sharegpt_line(sink: &mut Sink<'_>, line: &[u8]) -> Result<(), serde_json::Error> {
    let c: ShareGptConv = serde_json::from_slice(line)?;
    sharegpt_element(sink, c);
    Ok(())
}

#[derive(Deserialize)]
struct OpenAiLine {
    messages: Vec<OpenAiMsg>,
}

#[derive(Deserialize)]
struct OpenAiMsg {
    #[serde(default)]
    role: String,
    #[serde(default)]
    content: Value,
}

/// Content is a string or a list of typed parts; only `text` parts carry
/// something a text record can hold.
fn openai_body(content: Value) -> Body {
    match content {
        Value::String(s) => Body::Text(s),
        Value::Array(parts) => {
            let texts: Vec<String> = parts
                .into_iter()
                .filter_map(|p| match p {
                    Value::Object(mut o)
                        if o.get("type").and_then(Value::as_str) == Some("text") =>
                    {
                        match o.remove("text") {
                            Some(Value::String(s)) => Some(s),
                            _ => None,
                        }
                    }
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect();
            if texts.is_empty() {
                Body::NonText
            } else {
                Body::Text(texts.join("\n"))
            }
        }
        _ => Body::NonText,
    }
}

pub(super) fn openai_line(sink: &mut Sink<'_>, line: &[u8]) -> Result<(), serde_json::Error> {
    let l: OpenAiLine = serde_json::from_slice(line)?;
    let mut conv = Conv::default();
    for m in l.messages {
        conv.push(
            Role::from_name(&m.role),
            openai_body(m.content),
            &mut sink.summary.skipped,
        );
    }
    sink.finish(None, conv);
    Ok(())
}

#[derive(Deserialize)]
pub(super) struct ChatGptConv {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    conversation_id: Option<Value>,
    #[serde(default)]
    mapping: HashMap<String, ChatGptNode>,
    #[serde(default)]
    current_node: Option<String>,
}

#[derive(Deserialize)]
struct ChatGptNode {
    #[serde(default)]
    message: Option<ChatGptMsg>,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    children: Vec<String>,
}

#[derive(Deserialize)]
struct ChatGptMsg {
    #[serde(default)]
    author: Option<ChatGptAuthor>,
    #[serde(default)]
    content: Option<ChatGptContent>,
}

#[derive(Deserialize)]
struct ChatGptAuthor {
    #[serde(default)]
    role: String,
}

#[derive(Deserialize)]
struct ChatGptContent {
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    parts: Vec<Value>,
}

/// The node ids from the root to `current_node`: the conversation as the user
/// last saw it. Sibling branches are regenerations or edits the user moved
/// away from. Without a usable `current_node`, the newest child is followed
/// down from the root. Steps are capped at the mapping's size so a cyclic
/// `parent` chain in a damaged export cannot loop forever.
fn chatgpt_path(c: &ChatGptConv) -> Vec<&str> {
    let cap = c.mapping.len();
    let mut path = Vec::new();
    if let Some(mut at) = c
        .current_node
        .as_deref()
        .filter(|id| c.mapping.contains_key(*id))
    {
        while let Some(node) = c.mapping.get(at) {
            path.push(at);
            if path.len() > cap {
                break;
            }
            match node.parent.as_deref() {
                Some(p) => at = p,
                None => break,
            }
        }
        path.reverse();
        return path;
    }
    let root = c.mapping.iter().find(|(_, n)| {
        n.parent
            .as_deref()
            .is_none_or(|p| !c.mapping.contains_key(p))
    });
    let Some((mut at, mut node)) = root.map(|(k, n)| (k.as_str(), n)) else {
        return path;
    };
    loop {
        path.push(at);
        if path.len() > cap {
            break;
        }
        match node
            .children
            .last()
            .and_then(|k| c.mapping.get_key_value(k.as_str()))
        {
            Some((k, n)) => (at, node) = (k.as_str(), n),
            None => break,
        }
    }
    path
}

pub(super) fn chatgpt_element(sink: &mut Sink<'_>, mut c: ChatGptConv) {
    let mut conv = Conv::default();
    for at in chatgpt_path(&c) {
        let Some(msg) = c.mapping.get(at).and_then(|n| n.message.as_ref()) else {
            continue;
        };
        let role = msg
            .author
            .as_ref()
            .map_or(Role::Unknown, |a| Role::from_name(&a.role));
        let body = match &msg.content {
            Some(ct) if ct.content_type == "text" => Body::Text(
                ct.parts
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            _ => Body::NonText,
        };
        conv.push(role, body, &mut sink.summary.skipped);
    }
    let id = id_string(c.id.take()).or_else(|| id_string(c.conversation_id.take()));
    sink.finish(id, conv);
}

/// The keys of the first JSON object that opens at `depth` (1: the document
/// is an object; 2: the first element of an array), read from a prefix of the
/// file. Good enough for detection without parsing a whole export: the keys
/// that tell formats apart come before the bulky values or between them.
pub(super) fn first_object_keys(head: &[u8], depth: usize) -> Vec<String> {
    let mut keys = Vec::new();
    let mut level = 0usize;
    let mut i = 0;
    let mut seen_object = false;
    while i < head.len() {
        match head[i] {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < head.len() && head[j] != b'"' {
                    j += if head[j] == b'\\' { 2 } else { 1 };
                }
                if j >= head.len() {
                    break;
                }
                let mut k = j + 1;
                while k < head.len() && head[k].is_ascii_whitespace() {
                    k += 1;
                }
                if level == depth && seen_object && head.get(k) == Some(&b':') {
                    keys.push(String::from_utf8_lossy(&head[start..j]).into_owned());
                }
                i = j + 1;
                continue;
            }
            b'{' | b'[' => {
                level += 1;
                if level == depth && head[i] == b'{' {
                    seen_object = true;
                }
            }
            b'}' | b']' => {
                if level == depth && seen_object {
                    break;
                }
                level = level.saturating_sub(1);
            }
            _ => {}
        }
        i += 1;
    }
    keys
}
