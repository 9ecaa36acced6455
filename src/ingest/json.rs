//! The JSON formats: ShareGPT (array or JSONL), OpenAI fine-tuning JSONL and
//! the ChatGPT data export. Arrays are streamed element by element so memory
//! stays flat on exports of hundreds of megabytes.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, Read};
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer as _, SeqAccess, Visitor};
use serde_json::Value;

use super::{Body, Conv, IngestError, Role, Sink};

/// A serde_json error as an [`IngestError`] at `line` (the file line for
/// JSONL, where serde_json only sees one line; `None` for a streamed array,
/// where serde_json's own line is the file's).
fn json_error(label: &str, line: Option<u64>, e: &serde_json::Error) -> IngestError {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let what = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
    IngestError::Json {
        file: label.to_string(),
        line: line.unwrap_or(e.line() as u64),
        column: e.column() as u64,
        what,
    }
}

/// Pulls one element at a time out of the outer array and hands it on at
/// once, instead of collecting a `Vec` the size of the file.
struct Each<'s, 'a, T> {
    sink: &'s mut Sink<'a>,
    handle: fn(&mut Sink<'a>, T),
    _t: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Each<'_, '_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of conversations")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<T>()? {
            (self.handle)(self.sink, item);
        }
        Ok(())
    }
}

pub(super) fn array<'a, T: DeserializeOwned>(
    reader: impl Read,
    sink: &mut Sink<'a>,
    handle: fn(&mut Sink<'a>, T),
) -> Result<(), IngestError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let label = sink.label;
    let each = Each {
        sink,
        handle,
        _t: PhantomData,
    };
    (&mut de)
        .deserialize_seq(each)
        .and_then(|()| de.end())
        .map_err(|e| json_error(label, None, &e))
}

/// JSONL: one conversation per line. A bad line is a fault; with
/// `keep_going` it is counted lost and reading goes on, since unlike an
/// array the next line is still well delimited.
pub(super) fn lines<'a>(
    mut reader: impl BufRead,
    sink: &mut Sink<'a>,
    keep_going: bool,
    handle: fn(&mut Sink<'a>, &[u8]) -> Result<(), serde_json::Error>,
) -> Result<(), IngestError> {
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| IngestError::Read {
                file: sink.label.to_string(),
                line: line_no + 1,
                source,
            })?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
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
