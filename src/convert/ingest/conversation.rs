//! The turn model every format reads into: a conversation's turns ([`Conv`]),
//! and the [`Sink`] that judges them and turns each into records, with the
//! format names, counts and errors the readers share.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufRead};
use std::str::FromStr;

use serde::Serialize;
use xxhash_rust::xxh3::xxh3_128;

use crate::dataset::record::{Chat, RecordType, Speaker, chat_input};

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

/// Reads one line (with its newline) into `buf`, holding at most `max`
/// bytes of it: the rest of a longer line is read and dropped. Returns the
/// bytes it consumed (0 at the end of input) and the line's length without
/// its newline; a length over `max` means `buf` holds only a prefix.
pub(super) fn read_line_capped(
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
pub(super) fn long_line(label: &str, line: u64, len: u64, max: u64) -> IngestError {
    IngestError::Line {
        file: label.to_string(),
        line,
        what: crate::dataset::line::long_line_message(len, max),
    }
}

/// Who a source message is from, before it is judged usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    System,
    User,
    Assistant,
    Tool,
    Unknown,
}

impl Role {
    /// One table for every format's speaker names, so ShareGPT's `gpt` and a
    /// text transcript's `AI:` mean the same thing.
    pub(super) fn from_name(name: &str) -> Role {
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
pub(super) enum Body {
    Text(String),
    NonText,
}

/// One conversation as merged turns, built message by message.
#[derive(Debug, Default)]
pub(super) struct Conv {
    pub(super) system: Option<String>,
    pub(super) turns: Vec<(Speaker, String)>,
}

impl Conv {
    pub(super) fn push(
        &mut self,
        role: Role,
        body: Body,
        skipped: &mut BTreeMap<&'static str, u64>,
    ) {
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

pub(super) fn join_into(acc: &mut String, text: &str) {
    if !acc.is_empty() {
        acc.push_str("\n\n");
    }
    acc.push_str(text);
}

#[derive(Serialize)]
pub(super) struct Meta<'a> {
    pub(super) origin: &'static str,
    /// The repository or folder identity; empty (left out) for bytes with no file.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) repo: &'a str,
    /// The file's path inside `repo`.
    pub(super) file: &'a str,
    pub(super) format: &'static str,
    pub(super) conversation: &'a str,
    pub(super) turn: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) system: Option<&'a str>,
}

/// Where finished conversations become records; holds the counts.
pub(super) struct Sink<'a> {
    /// The file as the user named it: for errors and the summary.
    pub(super) label: &'a str,
    /// Where the file lives, for records and their ids.
    pub(super) repo: &'a str,
    pub(super) file: &'a str,
    pub(super) turns: usize,
    pub(super) emit: &'a mut dyn FnMut(String),
    pub(super) summary: IngestSummary,
    pub(super) secrets: Option<std::sync::Arc<crate::secrets::Scanner>>,
}

impl<'a> Sink<'a> {
    pub(super) fn new(
        label: &'a str,
        format: Format,
        turns: usize,
        emit: &'a mut dyn FnMut(String),
    ) -> Self {
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

    pub(super) fn skip(&mut self, why: &'static str) {
        *self.summary.skipped.entry(why).or_insert(0) += 1;
    }

    /// Emits one record per answered assistant turn. `id` is the data's own
    /// conversation id; without one the 1-based position stands in, which is
    /// stable across runs of the same file.
    pub(super) fn finish(&mut self, id: Option<String>, mut conv: Conv) {
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
