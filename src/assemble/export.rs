//! `revmine export`: records of the dataset format rewritten as the rows
//! trainers read: TRL, OpenAI fine-tuning, or ShareGPT (LLaMA-Factory's
//! convention, including its preference extension).
//!
//! Two rules shape this module, both from how `datasets.load_dataset("json")`
//! turns JSONL into an Arrow table, inferring each column's type from the rows:
//!
//! - **One kind of row per file.** SFT rows (`messages`, `conversations`) and
//!   preference rows (`prompt`/`chosen`/`rejected`, `preferred_output`…) have
//!   different columns; mixed in one file, every row gets the other kind's
//!   columns as nulls and no trainer accepts it. A mixed input is therefore
//!   split into two files, or one kind is picked (see [`Kind`]).
//! - **One JSON type per field.** Rows are typed structs whose texts are
//!   `&str`, so `content` is a string in every row, never null in one and a
//!   list in another; the optional system prompt is a leading message, so it
//!   changes a list's length, never a column's type.
//!
//! The input is read line by line (memory stays flat for a million records)
//! and every line is checked; the first malformed one stops the run with
//! `FILE:LINE: ID: FIELD: what is wrong`, and nothing is written.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dataset::record::{RecordType, Speaker, check_chat_input, turns};
use crate::error::Error;
use crate::output::Output as OutputFile;

/// The row shape to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    /// TRL: SFT `messages`; preference `prompt`/`chosen`/`rejected` in [`Style`].
    Trl,
    /// OpenAI fine-tuning: `messages`; preference `input`/`preferred_output`/`non_preferred_output`.
    OpenAi,
    /// ShareGPT `conversations` (`from`/`value`); preference adds LLaMA-Factory's `chosen`/`rejected`.
    ShareGpt,
}

impl Format {
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Trl => "trl",
            Format::OpenAi => "openai",
            Format::ShareGpt => "sharegpt",
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "trl" => Ok(Format::Trl),
            "openai" => Ok(Format::OpenAi),
            "sharegpt" => Ok(Format::ShareGpt),
            _ => Err(format!(
                "unknown format `{s}` (expected trl, openai or sharegpt)"
            )),
        }
    }
}

/// How TRL preference rows are written. Conversational is the default: TRL
/// then renders the prompt with the model's own chat template (turns and
/// system prompt as the model was tuned on them), which is what our chat
/// data is; standard hands TRL raw text, for base models or a template of
/// your own, and has no place for a system prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// `prompt` a list of `{role, content}`; `chosen`/`rejected` one assistant message each.
    #[default]
    Conversational,
    /// `prompt`, `chosen`, `rejected` plain strings.
    Standard,
}

impl Style {
    pub const fn as_str(self) -> &'static str {
        match self {
            Style::Conversational => "conversational",
            Style::Standard => "standard",
        }
    }
}

impl FromStr for Style {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "conversational" => Ok(Style::Conversational),
            "standard" => Ok(Style::Standard),
            _ => Err(format!(
                "unknown style `{s}` (expected conversational or standard)"
            )),
        }
    }
}

/// Which records to write, given that one file holds one kind of row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// Whatever the input holds: one kind goes to OUT; both kinds go to
    /// `STEM.sft.EXT` and `STEM.pref.EXT` beside it (standard output cannot
    /// be split, so a mixed input there is an error).
    #[default]
    Auto,
    /// Only chat, qa, knowledge, memory and trajectory records; preference records are skipped and counted.
    Sft,
    /// Only preference records; the others are skipped and counted.
    Preference,
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Kind::Auto),
            "sft" => Ok(Kind::Sft),
            "preference" => Ok(Kind::Preference),
            _ => Err(format!(
                "unknown kind `{s}` (expected auto, sft or preference)"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub format: Format,
    pub style: Style,
    pub kind: Kind,
    /// Add each record's `id` as a leading `id` column (a string in every row).
    pub with_id: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A line that is not a record export can convert.
    #[error("{path}:{line}: {id}: {field}: {message}")]
    Record {
        path: String,
        line: u64,
        /// The record's id as the user can search for it, `-` when it has none.
        id: String,
        field: String,
        message: String,
    },
    #[error("cannot read `{path}` past line {line}: {source}")]
    Read {
        path: String,
        line: u64,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{path}` holds {sft} SFT and {preference} preference records, and one output cannot hold both \
(their columns differ); write to a file with -o (it is split into NAME.sft.jsonl and NAME.pref.jsonl), \
or pick one kind with --kind sft|preference"
    )]
    MixedToStdout {
        path: String,
        sft: u64,
        preference: u64,
    },
    /// Any other failure: reading the input, writing an output, an output
    /// that is an input.
    #[error(transparent)]
    Lib(#[from] Error),
}

/// One file written (or the rows sent to standard output).
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub path: String,
    /// `sft`, `preference`, or `empty` when the input gave it no rows.
    pub kind: &'static str,
    pub rows: u64,
}

/// What a run read and wrote; `--json` prints it as is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub input: String,
    pub format: &'static str,
    /// The TRL preference style, when it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<&'static str>,
    pub records: u64,
    /// Records read per record type.
    pub types: BTreeMap<&'static str, u64>,
    pub outputs: Vec<Output>,
    /// Records of the kind `--kind` left out.
    pub skipped: u64,
    /// System prompts with no place in the rows (TRL standard preference rows).
    pub system_dropped: u64,
}

/// The fields export reads; unknown fields are skipped unparsed. `Value`
/// rather than `String` so a wrong type can be named with its field.
#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    id: Value,
    #[serde(default)]
    record_type: Value,
    #[serde(default)]
    input: Value,
    #[serde(default)]
    output: Value,
    #[serde(default)]
    prompt: Value,
    #[serde(default)]
    chosen: Value,
    #[serde(default)]
    rejected: Value,
    #[serde(default)]
    meta: Value,
}

type Turns<'a> = Vec<(Speaker, Cow<'a, str>)>;

/// A checked record, borrowing its texts from the parsed line.
#[derive(Debug)]
enum Parsed<'a> {
    Sft {
        id: Option<&'a str>,
        system: Option<&'a str>,
        /// The conversation before the answer, ending with the user turn.
        turns: Turns<'a>,
        output: &'a str,
    },
    Preference {
        id: Option<&'a str>,
        system: Option<&'a str>,
        /// The prompt as written, for TRL's standard style.
        prompt: &'a str,
        /// The prompt as turns: split when it is `User:`/`Assistant:` lines, else one user turn.
        turns: Turns<'a>,
        chosen: &'a str,
        rejected: &'a str,
    },
}

/// What is wrong with a line: the field and the message.
type Bad = (String, String);

fn bad(field: &str, message: impl Into<String>) -> Bad {
    (field.to_string(), message.into())
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn text<'a>(v: &'a Value, field: &str) -> Result<&'a str, Bad> {
    match v {
        Value::String(s) => Ok(s),
        Value::Null => Err(bad(field, "missing required field (a string)")),
        other => Err(bad(
            field,
            format!("expected a string, found {}", json_kind(other)),
        )),
    }
}

/// Splits `User:`/`Assistant:` lines into turns, merging a speaker's
/// consecutive turns: every format then alternates, as LLaMA-Factory and
/// most chat templates require.
fn split_turns(input: &str) -> Result<Turns<'_>, String> {
    let mut out: Turns<'_> = Vec::new();
    for (who, said) in turns(input)? {
        match out.last_mut() {
            Some((last, text)) if *last == who => {
                let t = text.to_mut();
                t.push_str("\n\n");
                t.push_str(said);
            }
            _ => out.push((who, Cow::Borrowed(said))),
        }
    }
    Ok(out)
}

/// Checks one record and borrows what the rows need from it.
fn parse(raw: &Raw, with_id: bool) -> Result<(RecordType, Parsed<'_>), Bad> {
    // Only `--with-id` needs the id; without it a record without one still converts.
    let id = if with_id {
        Some(text(&raw.id, "id")?)
    } else {
        None
    };
    let ty = text(&raw.record_type, "record_type")?;
    let ty: RecordType = ty.parse().map_err(|()| {
        bad(
            "record_type",
            format!(
                "unknown value {ty:?} (expected one of: chat, qa, preference, knowledge, memory, trajectory)"
            ),
        )
    })?;
    let system = match &raw.meta {
        Value::Null => None,
        Value::Object(m) => match m.get("system") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => {
                return Err(bad(
                    "meta.system",
                    format!("expected a string, found {}", json_kind(other)),
                ));
            }
        },
        other => {
            return Err(bad(
                "meta",
                format!("expected an object, found {}", json_kind(other)),
            ));
        }
    };
    let parsed = match ty {
        RecordType::Preference => {
            let prompt = text(&raw.prompt, "prompt")?;
            let chosen = text(&raw.chosen, "chosen")?;
            let rejected = text(&raw.rejected, "rejected")?;
            // A prompt holding prior turns (as `mine` writes them from
            // `history:`) is a conversation; any other prompt is one message.
            let turns = match check_chat_input(prompt, usize::MAX) {
                Ok(()) => split_turns(prompt).map_err(|m| bad("prompt", m))?,
                Err(_) => vec![(Speaker::User, Cow::Borrowed(prompt))],
            };
            Parsed::Preference {
                id,
                system,
                prompt,
                turns,
                chosen,
                rejected,
            }
        }
        _ => {
            let input = text(&raw.input, "input")?;
            let output = text(&raw.output, "output")?;
            let turns = if ty == RecordType::Chat {
                check_chat_input(input, usize::MAX).map_err(|m| bad("input", m))?;
                split_turns(input).map_err(|m| bad("input", m))?
            } else {
                vec![(Speaker::User, Cow::Borrowed(input))]
            };
            Parsed::Sft {
                id,
                system,
                turns,
                output,
            }
        }
    };
    Ok((ty, parsed))
}

// ---- Rows: one struct per shape, texts borrowed, so every field keeps one type.

#[derive(Debug, Serialize)]
struct Msg<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Debug, Serialize)]
struct Turn<'a> {
    from: &'static str,
    value: &'a str,
}

/// A row with the optional `id` column first: present in every row or in none.
#[derive(Serialize)]
struct Row<'a, R: Serialize> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(flatten)]
    row: R,
}

#[derive(Serialize)]
struct Messages<'a> {
    messages: Vec<Msg<'a>>,
}

#[derive(Serialize)]
struct Conversations<'a> {
    conversations: Vec<Turn<'a>>,
}

#[derive(Serialize)]
struct TrlStandard<'a> {
    prompt: &'a str,
    chosen: &'a str,
    rejected: &'a str,
}

#[derive(Serialize)]
struct TrlConversational<'a> {
    prompt: Vec<Msg<'a>>,
    chosen: [Msg<'a>; 1],
    rejected: [Msg<'a>; 1],
}

#[derive(Serialize)]
struct OpenAiPreference<'a> {
    input: Messages<'a>,
    preferred_output: [Msg<'a>; 1],
    non_preferred_output: [Msg<'a>; 1],
}

#[derive(Serialize)]
struct ShareGptPreference<'a> {
    conversations: Vec<Turn<'a>>,
    chosen: Turn<'a>,
    rejected: Turn<'a>,
}

fn role(who: Speaker) -> &'static str {
    match who {
        Speaker::User => "user",
        Speaker::Assistant => "assistant",
    }
}

fn from(who: Speaker) -> &'static str {
    match who {
        Speaker::User => "human",
        Speaker::Assistant => "gpt",
    }
}

fn messages<'a>(system: Option<&'a str>, turns: &'a Turns<'a>) -> Vec<Msg<'a>> {
    let mut out = Vec::with_capacity(turns.len() + 2);
    if let Some(s) = system {
        out.push(Msg {
            role: "system",
            content: s,
        });
    }
    out.extend(turns.iter().map(|(who, t)| Msg {
        role: role(*who),
        content: t,
    }));
    out
}

fn conversations<'a>(system: Option<&'a str>, turns: &'a Turns<'a>) -> Vec<Turn<'a>> {
    let mut out = Vec::with_capacity(turns.len() + 2);
    if let Some(s) = system {
        out.push(Turn {
            from: "system",
            value: s,
        });
    }
    out.extend(turns.iter().map(|(who, t)| Turn {
        from: from(*who),
        value: t,
    }));
    out
}

fn assistant(content: &str) -> [Msg<'_>; 1] {
    [Msg {
        role: "assistant",
        content,
    }]
}

fn gpt(value: &str) -> Turn<'_> {
    Turn { from: "gpt", value }
}

fn line<R: Serialize>(id: Option<&str>, row: R) -> String {
    // Serialising borrowed strings into a String cannot fail (no maps with
    // non-string keys, no I/O); an empty object would still be a valid line.
    serde_json::to_string(&Row { id, row }).unwrap_or_else(|_| "{}".to_string())
}

/// The output line of a checked record, and whether a system prompt had no place in it.
fn render(p: &Parsed<'_>, opts: &Options) -> (String, bool) {
    match p {
        Parsed::Sft {
            id,
            system,
            turns,
            output,
        } => {
            let mut all: Turns<'_> = turns
                .iter()
                .map(|(w, t)| (*w, Cow::Borrowed(&**t)))
                .collect();
            all.push((Speaker::Assistant, Cow::Borrowed(*output)));
            let l = match opts.format {
                Format::Trl | Format::OpenAi => line(
                    *id,
                    Messages {
                        messages: messages(*system, &all),
                    },
                ),
                Format::ShareGpt => line(
                    *id,
                    Conversations {
                        conversations: conversations(*system, &all),
                    },
                ),
            };
            (l, false)
        }
        Parsed::Preference {
            id,
            system,
            prompt,
            turns,
            chosen,
            rejected,
        } => match (opts.format, opts.style) {
            (Format::Trl, Style::Standard) => (
                line(
                    *id,
                    TrlStandard {
                        prompt,
                        chosen,
                        rejected,
                    },
                ),
                system.is_some(),
            ),
            (Format::Trl, Style::Conversational) => (
                line(
                    *id,
                    TrlConversational {
                        prompt: messages(*system, turns),
                        chosen: assistant(chosen),
                        rejected: assistant(rejected),
                    },
                ),
                false,
            ),
            (Format::OpenAi, _) => (
                line(
                    *id,
                    OpenAiPreference {
                        input: Messages {
                            messages: messages(*system, turns),
                        },
                        preferred_output: assistant(chosen),
                        non_preferred_output: assistant(rejected),
                    },
                ),
                false,
            ),
            (Format::ShareGpt, _) => (
                line(
                    *id,
                    ShareGptPreference {
                        conversations: conversations(*system, turns),
                        chosen: gpt(chosen),
                        rejected: gpt(rejected),
                    },
                ),
                false,
            ),
        },
    }
}

/// Rows of one kind on their way out: to the output (replaced or written
/// through only at the end), or spooled to an anonymous temp file for
/// standard output, so a bad line late in the input leaves nothing half
/// printed either.
enum Sink {
    File(OutputFile),
    Spool(std::io::BufWriter<std::fs::File>),
}

struct Lane {
    sink: Option<Sink>,
    rows: u64,
}

impl Lane {
    fn new() -> Self {
        Lane {
            sink: None,
            rows: 0,
        }
    }

    fn push(&mut self, dest: Option<&Path>, line: &str) -> Result<(), Error> {
        if self.sink.is_none() {
            self.sink = Some(open_sink(dest)?);
        }
        match &mut self.sink {
            Some(Sink::File(f)) => f.line(line)?,
            Some(Sink::Spool(w)) => {
                let spool_err = |source| Error::Write {
                    path: "<temp file for standard output>".into(),
                    source,
                };
                w.write_all(line.as_bytes()).map_err(spool_err)?;
                w.write_all(b"\n").map_err(spool_err)?;
            }
            None => {}
        }
        self.rows += 1;
        Ok(())
    }

    /// Puts the rows at `path` (or on `out` when there is no file).
    fn finish(
        self,
        dest: Option<&Path>,
        path: Option<&Path>,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        let sink = match self.sink {
            Some(s) => s,
            None => open_sink(dest)?,
        };
        match (sink, path) {
            // The output itself (a regular file, a FIFO or a device).
            (Sink::File(f), Some(p)) if Some(p) == dest => f.commit(),
            // One half of a split, beside the regular file named.
            (Sink::File(f), Some(p)) => f.commit_as(p),
            (Sink::File(_), None) => Ok(()),
            (Sink::Spool(w), _) => {
                let spool_err = |source| Error::Write {
                    path: "<temp file for standard output>".into(),
                    source,
                };
                let mut file = w.into_inner().map_err(|e| spool_err(e.into_error()))?;
                file.rewind().map_err(spool_err)?;
                std::io::copy(&mut file, out).map_err(Error::stdout)?;
                Ok(())
            }
        }
    }
}

/// The output when one is named ([`OutputFile`] holds back what a FIFO or a
/// device gets until commit); else an anonymous spool for standard output,
/// written out once the input is all read.
fn open_sink(dest: Option<&Path>) -> Result<Sink, Error> {
    match dest {
        Some(p) => Ok(Sink::File(OutputFile::create(p)?)),
        None => tempfile::tempfile()
            .map(|f| Sink::Spool(std::io::BufWriter::with_capacity(1 << 20, f)))
            .map_err(|source| Error::Write {
                path: "<temp file for standard output>".into(),
                source,
            }),
    }
}

/// `out.jsonl` -> `out.sft.jsonl`: the name of one kind's file when a mixed input is split.
pub fn split_path(path: &Path, tag: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}.{tag}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{tag}"),
    };
    path.with_file_name(name)
}

/// Converts the JSONL records read from `reader` (named `label` in errors)
/// and writes the rows to `dest` (atomically; split in two when the input
/// mixes kinds under [`Kind::Auto`]) or, with no `dest`, to `out` once the
/// whole input has been read. `shown` is how `dest` is named in the summary.
pub fn export(
    reader: impl Read,
    label: &str,
    dest: Option<(&Path, &Path)>,
    opts: &Options,
    out: &mut dyn Write,
    progress: &indicatif::ProgressBar,
) -> Result<Summary, ExportError> {
    let file = dest.map(|(real, _)| real);
    let mut summary = Summary {
        input: label.to_string(),
        format: opts.format.as_str(),
        style: (opts.format == Format::Trl).then_some(opts.style.as_str()),
        ..Summary::default()
    };
    let mut sft = Lane::new();
    let mut pref = Lane::new();
    let mut reader = std::io::BufReader::with_capacity(1 << 20, reader);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| ExportError::Read {
                path: label.to_string(),
                line: n,
                source,
            })?;
        if read == 0 {
            break;
        }
        n += 1;
        progress.inc(read as u64);
        let mut l = buf.as_slice();
        if n == 1 {
            l = l.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(l);
        }
        let l = l.strip_suffix(b"\n").unwrap_or(l);
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let at = |id: Option<&str>, (field, message): Bad| ExportError::Record {
            path: label.to_string(),
            line: n,
            id: id.map_or_else(|| "-".to_string(), crate::dataset::line::sanitise),
            field,
            message,
        };
        let raw = read_object(l).map_err(|m| at(None, bad("-", m)))?;
        let (ty, parsed) = parse(&raw, opts.with_id).map_err(|b| at(raw.id.as_str(), b))?;
        summary.records += 1;
        *summary.types.entry(ty.as_str()).or_default() += 1;
        let is_pref = ty == RecordType::Preference;
        let lane = match (opts.kind, is_pref) {
            (Kind::Sft, true) | (Kind::Preference, false) => {
                summary.skipped += 1;
                continue;
            }
            (_, true) => &mut pref,
            (_, false) => &mut sft,
        };
        let (row, dropped) = render(&parsed, opts);
        summary.system_dropped += u64::from(dropped);
        lane.push(file, &row)?;
    }
    let shown = |p: &Path| p.display().to_string();
    let kinds = [("sft", sft), ("preference", pref)];
    let with_rows = kinds.iter().filter(|(_, l)| l.rows > 0).count();
    if opts.kind == Kind::Auto && with_rows == 2 {
        let Some((real, given)) = dest else {
            return Err(ExportError::MixedToStdout {
                path: label.to_string(),
                sft: kinds[0].1.rows,
                preference: kinds[1].1.rows,
            });
        };
        if !matches!(
            crate::output::resolve(real)?,
            crate::output::Dest::Replace(_)
        ) {
            return Err(Error::Output {
                path: given.to_path_buf(),
                message: format!(
                    "is not a regular file, so the {} sft and {} preference rows cannot be split \
                     into two files beside it; pick one kind with --kind sft|preference",
                    kinds[0].1.rows, kinds[1].1.rows
                ),
            }
            .into());
        }
        for (kind, lane) in kinds {
            let tag = if kind == "sft" { "sft" } else { "pref" };
            let rows = lane.rows;
            lane.finish(file, Some(&split_path(real, tag)), out)?;
            summary.outputs.push(Output {
                path: shown(&split_path(given, tag)),
                kind,
                rows,
            });
        }
        return Ok(summary);
    }
    // One kind (or none): it goes to the output itself.
    let wanted = match opts.kind {
        Kind::Preference => 1,
        Kind::Sft => 0,
        Kind::Auto => usize::from(kinds[1].1.rows > 0),
    };
    let mut kinds = kinds.into_iter();
    let Some((kind, lane)) = kinds.nth(wanted) else {
        return Ok(summary);
    };
    let rows = lane.rows;
    lane.finish(file, file, out)?;
    summary.outputs.push(Output {
        path: dest.map_or_else(|| "standard output".to_string(), |(_, given)| shown(given)),
        kind: if rows == 0 { "empty" } else { kind },
        rows,
    });
    Ok(summary)
}

/// Parses one line as a JSON object, saying plainly what it is otherwise.
fn read_object(l: &[u8]) -> Result<Raw, String> {
    let first = l.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        // Not an object: say what it is (or why it is not JSON at all).
        return match serde_json::from_slice::<Value>(l) {
            Ok(v) => Err(format!("the line is {}, not a JSON object", json_kind(&v))),
            Err(e) => Err(crate::dataset::line::json_error(l, &e)),
        };
    }
    serde_json::from_slice::<Raw>(l).map_err(|e| crate::dataset::line::json_error(l, &e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(format: Format, style: Style) -> Options {
        Options {
            format,
            style,
            ..Options::default()
        }
    }

    /// The row one input line becomes, as JSON, and whether a system prompt was dropped.
    fn row(line: &str, o: &Options) -> (Value, bool) {
        let raw = read_object(line.as_bytes()).expect("an object");
        let (_, parsed) = parse(&raw, o.with_id).expect("a valid record");
        let (text, dropped) = render(&parsed, o);
        (serde_json::from_str(&text).expect("JSON"), dropped)
    }

    const CHAT: &str = r#"{"id":"c1","record_type":"chat","input":"User: I missed it.\nAssistant: Reset.\nUser: Two hours?","output":"Start small.","meta":{"system":"Be brief.","repo":"x"}}"#;
    const QA: &str =
        r#"{"id":"q1","record_type":"qa","input":"User: is this split?","output":"No."}"#;
    const PREF: &str = r#"{"id":"p1","record_type":"preference","prompt":"User: hi\nAssistant: hello\nUser: plan?","chosen":"Do A.","rejected":"Do B.","meta":{"system":"Be kind."}}"#;
    const PLAIN_PREF: &str = r#"{"id":"p2","record_type":"preference","prompt":"How do I start?","chosen":"Small.","rejected":"Big."}"#;

    fn msg(role: &str, content: &str) -> Value {
        json!({"role": role, "content": content})
    }

    #[test]
    fn trl_and_openai_sft_are_messages_with_the_system_prompt_first() {
        for f in [Format::Trl, Format::OpenAi] {
            let (r, _) = row(CHAT, &opts(f, Style::Conversational));
            assert_eq!(
                r,
                json!({"messages": [
                    msg("system", "Be brief."),
                    msg("user", "I missed it."),
                    msg("assistant", "Reset."),
                    msg("user", "Two hours?"),
                    msg("assistant", "Start small."),
                ]})
            );
        }
        // other types' input is one user message, even when it looks like turns
        let (r, _) = row(QA, &opts(Format::Trl, Style::Conversational));
        assert_eq!(
            r,
            json!({"messages": [msg("user", "User: is this split?"), msg("assistant", "No.")]})
        );
    }

    #[test]
    fn trl_preference_conversational_splits_the_prompt_into_turns() {
        let (r, dropped) = row(PREF, &opts(Format::Trl, Style::Conversational));
        assert!(!dropped);
        assert_eq!(
            r,
            json!({
                "prompt": [msg("system", "Be kind."), msg("user", "hi"), msg("assistant", "hello"), msg("user", "plan?")],
                "chosen": [msg("assistant", "Do A.")],
                "rejected": [msg("assistant", "Do B.")],
            })
        );
        let (r, _) = row(PLAIN_PREF, &opts(Format::Trl, Style::Conversational));
        assert_eq!(r["prompt"], json!([msg("user", "How do I start?")]));
    }

    #[test]
    fn trl_preference_standard_is_strings_and_counts_a_dropped_system_prompt() {
        let (r, dropped) = row(PREF, &opts(Format::Trl, Style::Standard));
        assert!(dropped);
        assert_eq!(
            r,
            json!({"prompt": "User: hi\nAssistant: hello\nUser: plan?", "chosen": "Do A.", "rejected": "Do B."})
        );
        let (_, dropped) = row(PLAIN_PREF, &opts(Format::Trl, Style::Standard));
        assert!(!dropped);
    }

    #[test]
    fn openai_preference_has_input_messages_and_one_message_outputs() {
        let (r, _) = row(PLAIN_PREF, &opts(Format::OpenAi, Style::default()));
        assert_eq!(
            r,
            json!({
                "input": {"messages": [msg("user", "How do I start?")]},
                "preferred_output": [msg("assistant", "Small.")],
                "non_preferred_output": [msg("assistant", "Big.")],
            })
        );
    }

    #[test]
    fn sharegpt_rows_use_from_and_value_and_llama_factory_preference_fields() {
        let o = opts(Format::ShareGpt, Style::default());
        let (r, _) = row(CHAT, &o);
        assert_eq!(
            r,
            json!({"conversations": [
                {"from": "system", "value": "Be brief."},
                {"from": "human", "value": "I missed it."},
                {"from": "gpt", "value": "Reset."},
                {"from": "human", "value": "Two hours?"},
                {"from": "gpt", "value": "Start small."},
            ]})
        );
        let (r, _) = row(PREF, &o);
        assert_eq!(
            r,
            json!({
                "conversations": [
                    {"from": "system", "value": "Be kind."},
                    {"from": "human", "value": "hi"},
                    {"from": "gpt", "value": "hello"},
                    {"from": "human", "value": "plan?"},
                ],
                "chosen": {"from": "gpt", "value": "Do A."},
                "rejected": {"from": "gpt", "value": "Do B."},
            })
        );
    }

    #[test]
    fn consecutive_turns_of_one_speaker_merge_and_a_blank_system_prompt_is_none() {
        let line = r#"{"record_type":"chat","input":"User: one\nUser: two\nAssistant: ok\nUser: three","output":"done","meta":{"system":"  "}}"#;
        let (r, _) = row(line, &opts(Format::Trl, Style::default()));
        assert_eq!(
            r,
            json!({"messages": [
                msg("user", "one\n\ntwo"),
                msg("assistant", "ok"),
                msg("user", "three"),
                msg("assistant", "done"),
            ]})
        );
    }

    #[test]
    fn with_id_puts_the_id_first_and_requires_it() {
        let o = Options {
            with_id: true,
            ..Options::default()
        };
        let raw = read_object(QA.as_bytes()).expect("object");
        let (_, parsed) = parse(&raw, true).expect("valid");
        assert!(
            render(&parsed, &o)
                .0
                .starts_with(r#"{"id":"q1","messages":"#)
        );
        let raw = read_object(br#"{"record_type":"qa","input":"q","output":"a"}"#).expect("object");
        let e = parse(&raw, true).expect_err("no id");
        assert_eq!(e, bad("id", "missing required field (a string)"));
    }

    fn problem(line: &str) -> Bad {
        match read_object(line.as_bytes()) {
            Err(m) => bad("-", m),
            Ok(raw) => parse(&raw, false).expect_err("a bad record"),
        }
    }

    #[test]
    fn bad_records_name_the_field_and_what_is_wrong() {
        let cases = [
            (r#"[1,2]"#, "-", "the line is an array, not a JSON object"),
            (r#"{"id":"x""#, "-", "truncated JSON"),
            (
                r#"{"record_type":"poem","input":"a","output":"b"}"#,
                "record_type",
                "unknown value \"poem\"",
            ),
            (
                r#"{"input":"a","output":"b"}"#,
                "record_type",
                "missing required field",
            ),
            (
                r#"{"record_type":"qa","input":"a","output":3}"#,
                "output",
                "expected a string, found a number",
            ),
            (
                r#"{"record_type":"preference","prompt":"a","chosen":"b"}"#,
                "rejected",
                "missing required field",
            ),
            (
                r#"{"record_type":"chat","input":"hello","output":"b"}"#,
                "input",
                "must start with",
            ),
            (
                r#"{"record_type":"chat","input":"User: a\nAssistant: b","output":"c"}"#,
                "input",
                "must end with",
            ),
            (
                r#"{"record_type":"qa","input":"a","output":"b","meta":{"system":1}}"#,
                "meta.system",
                "expected a string",
            ),
            (
                r#"{"record_type":"qa","input":"a","output":"b","meta":"x"}"#,
                "meta",
                "expected an object",
            ),
        ];
        for (line, field, says) in cases {
            let (f, m) = problem(line);
            assert_eq!(f, field, "{line}: {m}");
            assert!(m.contains(says), "{line}: {m}");
        }
    }

    fn run_export(
        input: &str,
        dest: Option<&Path>,
        o: &Options,
    ) -> (Result<Summary, ExportError>, String) {
        let mut out = Vec::new();
        let r = export(
            input.as_bytes(),
            "in.jsonl",
            dest.map(|p| (p, p)),
            o,
            &mut out,
            &indicatif::ProgressBar::hidden(),
        );
        (r, String::from_utf8(out).expect("UTF-8"))
    }

    #[test]
    fn a_bad_line_names_file_line_and_id_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("tmp");
        let dest = dir.path().join("out.jsonl");
        std::fs::write(&dest, "old\n").expect("write");
        // BOM, CRLF and a blank line are fine; line 4 is the bad one
        let input = format!(
            "\u{feff}{QA}\r\n\n{CHAT}\n{{\"id\":\"b1\",\"record_type\":\"qa\",\"input\":\"a\"}}\n"
        );
        let (r, _) = run_export(&input, Some(&dest), &Options::default());
        let e = r.expect_err("bad line").to_string();
        assert_eq!(
            e,
            "in.jsonl:4: b1: output: missing required field (a string)"
        );
        assert_eq!(std::fs::read_to_string(&dest).expect("read"), "old\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("ls").count(),
            1,
            "no temp file left"
        );
        let (r, out) = run_export(&input, None, &Options::default());
        assert!(r.is_err() && out.is_empty(), "nothing printed: {out}");
    }

    #[test]
    fn a_mixed_input_splits_into_two_files_and_cannot_go_to_stdout() {
        let dir = tempfile::tempdir().expect("tmp");
        let dest = dir.path().join("out.jsonl");
        let input = format!("{CHAT}\n{PREF}\n{QA}\n");
        let (r, _) = run_export(&input, Some(&dest), &Options::default());
        let s = r.expect("exported");
        let kinds: Vec<(&str, u64)> = s.outputs.iter().map(|o| (o.kind, o.rows)).collect();
        assert_eq!(kinds, [("sft", 2), ("preference", 1)]);
        assert!(!dest.exists());
        let sft = std::fs::read_to_string(dir.path().join("out.sft.jsonl")).expect("sft");
        let pref = std::fs::read_to_string(dir.path().join("out.pref.jsonl")).expect("pref");
        assert!(
            sft.lines().all(|l| l.starts_with(r#"{"messages":"#)),
            "{sft}"
        );
        assert!(pref.starts_with(r#"{"prompt":[{"role":"system""#), "{pref}");
        let (r, out) = run_export(&input, None, &Options::default());
        let e = r.expect_err("mixed to stdout").to_string();
        assert!(
            e.contains("holds 2 SFT and 1 preference records") && e.contains("--kind"),
            "{e}"
        );
        assert!(out.is_empty());
        let o = Options {
            kind: Kind::Preference,
            ..Options::default()
        };
        let (r, out) = run_export(&input, None, &o);
        let s = r.expect("one kind");
        assert_eq!(
            (s.skipped, s.outputs[0].rows, out.lines().count()),
            (2, 1, 1)
        );
    }

    #[test]
    fn an_input_without_the_wanted_kind_writes_an_empty_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let dest = dir.path().join("out.jsonl");
        let o = Options {
            kind: Kind::Preference,
            ..Options::default()
        };
        let (r, _) = run_export(&format!("{QA}\n"), Some(&dest), &o);
        assert_eq!(r.expect("ok").outputs[0].kind, "empty");
        assert_eq!(std::fs::read_to_string(&dest).expect("written"), "");
    }

    #[test]
    fn split_names_insert_the_kind_before_the_extension() {
        assert_eq!(
            split_path(Path::new("d/out.jsonl"), "sft"),
            Path::new("d/out.sft.jsonl")
        );
        assert_eq!(split_path(Path::new("out"), "pref"), Path::new("out.pref"));
        assert_eq!(
            split_path(Path::new("a.b.json"), "pref"),
            Path::new("a.b.pref.json")
        );
    }
}
