//! Planning and status notes (Markdown) as chat exchanges.
//!
//! The plan's data strategy ranks "real planning/status notes converted into
//! user–assistant exchanges" second only to real chat logs: a note's sections
//! already answer the questions a user would ask about its subject ("what is
//! the current state?", "what is blocking?"). Each `##`/`###` section becomes
//! one exchange: the heading is phrased as a user question by the first
//! matching rule, the section body, stripped of Markdown noise, is the answer.
//! The sections of one note form one conversation, so later records carry the
//! earlier exchanges as prior turns, as the plan's `chat.input` layout asks.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::{Captures, Regex, RegexBuilder};
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_128;
use yaml_rust2::{Yaml, YamlLoader};

use crate::dataset::record::{Chat, RecordType, Speaker, chat_input};
use crate::error::Error;
use crate::mine::markdown::{
    Line, classify, heading_of, run_of, split_front_matter, title_of_file,
};

/// How notes become exchanges.
#[derive(Debug, Clone)]
pub struct NotesOptions {
    /// Prior turns kept before the user turn, 1..=3 (default 3); the plan's
    /// record design allows 1-3 previous turns, so other values are clamped.
    pub turns: usize,
    /// Heading → question rules, tried in order: a regex on the heading and a
    /// template where `{subject}` is the note's subject (its `# ` title, else
    /// the front matter's `title:`, else the file name without extension,
    /// `-`/`_` as spaces) and `{heading}` the heading text. Build them with
    /// [`NotesOptions::rule`] so they match case-insensitively. When no rule
    /// matches, the built-in fallback "What about {heading} in {subject}?" is used.
    pub rules: Vec<(Regex, String)>,
    /// Redacts secrets from questions and answers before records are made.
    pub secrets: Option<std::sync::Arc<crate::secrets::Scanner>>,
}

impl Default for NotesOptions {
    fn default() -> Self {
        NotesOptions {
            turns: 3,
            rules: default_rules(),
            secrets: None,
        }
    }
}

impl NotesOptions {
    /// A case-insensitive rule, so callers (config, CLI) need not remember `(?i)`.
    pub fn rule(pattern: &str, template: &str) -> Result<(Regex, String), regex::Error> {
        let re = RegexBuilder::new(pattern).case_insensitive(true).build()?;
        Ok((re, template.to_string()))
    }
}

/// Counts over a run, for the command's report.
#[derive(Debug, Default, Serialize)]
pub struct NotesSummary {
    pub notes: u64,
    pub sections: u64,
    pub records: u64,
    pub skipped: BTreeMap<&'static str, u64>,
    /// Secrets replaced by `[REDACTED:kind]`, per kind, once per section
    /// (an answer repeated as later records' history is redacted once).
    pub redacted: crate::secrets::Counts,
}

/// `text` with secrets redacted when `scanner` is set, counted in `summary`.
fn redact(
    scanner: Option<&crate::secrets::Scanner>,
    text: String,
    summary: &mut NotesSummary,
) -> String {
    match scanner.map(|s| s.redact_counting(&text, &mut summary.redacted)) {
        Some(std::borrow::Cow::Owned(clean)) => clean,
        _ => text,
    }
}

/// A heading that is the keyword itself, optionally qualified by a
/// parenthesis or after a colon/dash ("Current State (Measured)",
/// "Risks: Q3"). Anchored so a heading naming something specific
/// ("Practical Delta vs Real Conversational Datasets", "Risks of the Redis
/// move") keeps its own words through the fallback instead of being
/// flattened into a generic question.
fn keyword(alternatives: &str) -> String {
    format!(r"^(?:the\s+|our\s+)?(?:{alternatives})(?:\s*\(.*\)|\s*[:\-–—].*)?\s*[.:]?$")
}

/// The fallback template, also used when the caller's rules match nothing.
const FALLBACK: &str = "What about {heading} in {subject}?";

/// The default heading → question rules, most specific first.
fn default_rules() -> Vec<(Regex, String)> {
    let rules: [(String, &str); 13] = [
        (
            r"^\d{4}-\d{2}-\d{2}\b".to_string(),
            "What happened on {heading} with {subject}?",
        ),
        (
            keyword(r"current\s+state|state|where\s+we\s+are"),
            "What is the current state of {subject}?",
        ),
        (
            keyword(r"(?:current\s+)?status|status\s+update"),
            "What's the status of {subject}?",
        ),
        (
            keyword(r"progress|done|completed|what'?s\s+done"),
            "What progress has been made on {subject}?",
        ),
        (
            keyword(r"blockers?|blocked|blocking|impediments?"),
            "What is blocking {subject}?",
        ),
        (
            keyword(r"(?:open\s+|known\s+)?risks?(?:\s+and\s+mitigations?)?"),
            "What are the risks for {subject}?",
        ),
        (
            keyword(r"(?:key\s+)?decisions?(?:\s+made)?|decided"),
            "What was decided about {subject}?",
        ),
        (
            keyword(r"targets?|goals?|objectives?"),
            "What are the targets for {subject}?",
        ),
        (
            keyword(r"(?:execution\s+|action\s+|the\s+)?plan"),
            "What's the plan for {subject}?",
        ),
        (
            keyword(r"next\s+steps?|next\s+deliverables?|next|up\s+next|todo|to\s+do"),
            "What are the next steps for {subject}?",
        ),
        (
            r"^(?:gates?\b.*|(?:acceptance\s+|exit\s+|pass\s+|success\s+)?criteria)$".to_string(),
            "What has to pass before {subject} can move on?",
        ),
        (
            keyword(r"open\s+questions?|questions"),
            "What questions are still open about {subject}?",
        ),
        (r".*".to_string(), FALLBACK),
    ];
    // The patterns are constants covered by a test; `filter_map` keeps a
    // (never expected) bad one from panicking a library caller.
    rules
        .iter()
        .filter_map(|(p, t)| NotesOptions::rule(p, t).ok())
        .collect()
}

/// Chat record provenance: which note and section an exchange came from.
#[derive(Serialize)]
struct Meta<'a> {
    origin: &'static str,
    /// The repository or folder identity, never a path as typed.
    repo: &'a str,
    /// The note's path inside `repo`.
    file: &'a str,
    section: &'a str,
    index: usize,
}

/// A note read once: its subject and its substantive sections as (heading, answer).
struct Note {
    subject: String,
    sections: Vec<(String, String)>,
}

/// Reads a note's sections; empty, untitled and link-only ones are counted in `summary`.
fn read_note(text: &str, label: &str, summary: &mut NotesSummary) -> Note {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let all: Vec<&str> = text.lines().collect();
    let (front_title, body) = match split_front_matter(&all) {
        Some((yaml, rest)) => (front_matter_title(&yaml), rest),
        None => (None, &all[..]),
    };
    let lines = classify(body);
    let subject = lines
        .iter()
        .filter_map(|l| l.heading)
        .find(|&(level, t)| level == 1 && !t.is_empty())
        .map(|(_, t)| inline(t))
        .filter(|t| !t.is_empty())
        .or(front_title)
        .unwrap_or_else(|| title_of_file(label));
    let mut sections = Vec::new();
    for (start, end) in sections_of(&lines) {
        summary.sections += 1;
        let heading = match lines.get(start).and_then(|l| l.heading) {
            Some((_, h)) => inline(h),
            None => continue,
        };
        let content = lines.get(start + 1..end).unwrap_or(&[]);
        let skip = if heading.is_empty() {
            Some("untitled_section")
        } else if is_link_only(content) {
            Some("link_only_section")
        } else {
            None
        };
        let answer = render(content);
        let skip = skip.or(answer.is_empty().then_some("empty_section"));
        if let Some(reason) = skip {
            *summary.skipped.entry(reason).or_insert(0) += 1;
            continue;
        }
        sections.push((heading, answer));
    }
    Note { subject, sections }
}

/// Converts one note (its text; `repo` the identity of the repository or
/// folder holding it and `file` its path there, see
/// [`crate::source::git::locate`]) into chat record JSONL lines (no
/// newline), in order.
///
/// A record's id hashes where it comes from (repo, file, heading, position)
/// *and* what it says (input and output): an edited section, or a later
/// section whose prior turns quote it, gets a new id, so a periodic run sees
/// the new version instead of keeping the old one under the old id.
pub fn convert(
    text: &str,
    repo: &str,
    file: &str,
    opts: &NotesOptions,
    summary: &mut NotesSummary,
) -> Vec<String> {
    summary.notes += 1;
    let note = read_note(text, file, summary);
    let window = opts.turns.clamp(1, 3);
    let mut history: Vec<(Speaker, String)> = Vec::new();
    let mut out = Vec::new();
    for (heading, answer) in note.sections {
        let scanner = opts.secrets.as_deref();
        let question = redact(
            scanner,
            question(&heading, &note.subject, &opts.rules),
            summary,
        );
        let answer = redact(scanner, answer, summary);
        let k = history.len() / 2;
        let from = history.len().saturating_sub(window);
        let prior: Vec<(Speaker, &str)> = history
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .map(|(s, t)| (*s, t.as_str()))
            .collect();
        let input = chat_input(&prior, &question);
        let id = format!(
            "nt_{:032x}",
            xxh3_128(format!("{repo}\0{file}\0{heading}\0{k}\0{input}\0{answer}").as_bytes())
        );
        let record = Chat {
            id: &id,
            record_type: RecordType::Chat,
            source: "real",
            input: &input,
            output: &answer,
            meta: Meta {
                origin: "notes",
                repo,
                file,
                section: &heading,
                index: k,
            },
        };
        // Serialising plain strings and integers cannot fail; skip rather than panic if it ever did.
        if let Ok(line) = serde_json::to_string(&record) {
            out.push(line);
            summary.records += 1;
            history.push((Speaker::User, question));
            history.push((Speaker::Assistant, answer));
        }
    }
    out
}

#[derive(Serialize)]
struct ChangeMeta<'a> {
    origin: &'static str,
    repo: &'a str,
    file: &'a str,
    section: &'a str,
    since: &'a str,
    commit: &'a str,
}

/// "What changed" exchanges between two versions of a note: for each section
/// whose answer changed, the user asks what changed in it since the earlier
/// version's date, and the assistant answers with the lines that came and went.
/// `(repo, file)` say where the note lives, as for [`convert`].
pub fn what_changed(
    old: &str,
    new: &str,
    (repo, file): (&str, &str),
    since: &str,
    commit: &str,
    secrets: Option<&crate::secrets::Scanner>,
    summary: &mut NotesSummary,
) -> Vec<String> {
    let mut scratch = NotesSummary::default();
    let before = read_note(old, file, &mut scratch);
    let after = read_note(new, file, summary);
    let mut out = Vec::new();
    for (heading, answer) in &after.sections {
        let Some((_, was)) = before.sections.iter().find(|(h, _)| h == heading) else {
            *summary.skipped.entry("new_section").or_insert(0) += 1;
            continue;
        };
        if was.split_whitespace().eq(answer.split_whitespace()) {
            continue;
        }
        let diff = similar::TextDiff::from_lines(was.as_str(), answer.as_str());
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        for change in diff.iter_all_changes() {
            let line = change.value().trim_end();
            if line.trim().is_empty() {
                continue;
            }
            match change.tag() {
                similar::ChangeTag::Insert => added.push(line),
                similar::ChangeTag::Delete => removed.push(line),
                similar::ChangeTag::Equal => {}
            }
        }
        let mut answer_text = String::new();
        if !added.is_empty() {
            answer_text.push_str("New or changed:\n");
            answer_text.push_str(&added.join("\n"));
        }
        if !removed.is_empty() {
            if !answer_text.is_empty() {
                answer_text.push_str("\n\n");
            }
            answer_text.push_str("No longer there:\n");
            answer_text.push_str(&removed.join("\n"));
        }
        if answer_text.is_empty() {
            continue;
        }
        let question = if heading.ends_with('?') {
            format!(
                "How has the answer to \"{heading}\" in {} changed since {since}?",
                after.subject
            )
        } else {
            format!(
                "What changed in {heading} for {} since {since}?",
                after.subject
            )
        };
        let question = redact(secrets, question, summary);
        let answer_text = redact(secrets, answer_text, summary);
        let input = chat_input(&[], &question);
        let id = format!(
            "nc_{:032x}",
            xxh3_128(format!("{repo}\0{file}\0{heading}\0{commit}").as_bytes())
        );
        let record = Chat {
            id: &id,
            record_type: RecordType::Chat,
            source: "real",
            input: &input,
            output: &answer_text,
            meta: ChangeMeta {
                origin: "notes_history",
                repo,
                file,
                section: heading,
                since,
                commit,
            },
        };
        if let Ok(line) = serde_json::to_string(&record) {
            out.push(line);
            summary.records += 1;
        }
    }
    out
}

/// The user turn for a heading: a heading that is already a question is
/// asked as written; otherwise the first matching rule phrases it.
fn question(heading: &str, subject: &str, rules: &[(Regex, String)]) -> String {
    if heading.ends_with('?') {
        return heading.to_string();
    }
    let template = rules
        .iter()
        .find(|(re, _)| re.is_match(heading))
        .map_or(FALLBACK, |(_, t)| t.as_str());
    template
        .replace("{subject}", subject)
        .replace("{heading}", heading)
}

/// The (heading line, end) ranges of the `##`/`###` sections. A section runs
/// to the next heading of level <= 3, so a `###` is its own exchange and a
/// `##` holding only `###` children has no content of its own.
fn sections_of(lines: &[Line<'_>]) -> Vec<(usize, usize)> {
    let starts: Vec<(usize, usize)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.heading.filter(|&(lv, _)| lv <= 3).map(|(lv, _)| (i, lv)))
        .collect();
    starts
        .iter()
        .enumerate()
        .filter(|(_, (_, lv))| *lv >= 2)
        .map(|(n, &(i, _))| {
            let end = starts.get(n + 1).map_or(lines.len(), |&(j, _)| j);
            (i, end)
        })
        .collect()
}

/// The front matter's `title:`, if it parses and has one; a broken block is
/// skipped rather than failing the note, since it carries no answer text.
fn front_matter_title(yaml: &str) -> Option<String> {
    let docs = YamlLoader::load_from_str(yaml).ok()?;
    let title = match docs.first()? {
        Yaml::Hash(map) => map.iter().find_map(|(k, v)| {
            (k.as_str() == Some("title"))
                .then(|| match v {
                    Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
                    Yaml::Integer(i) => Some(i.to_string()),
                    _ => None,
                })
                .flatten()
        })?,
        _ => return None,
    };
    let title = inline(title.trim());
    (!title.is_empty()).then_some(title)
}

/// Compiles a constant pattern lazily. The patterns are covered by tests;
/// `None` (never expected) makes the rule inert instead of panicking.
fn re(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn matches(re: &Option<Regex>, text: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(text))
}

fn replace<'t>(re: &Option<Regex>, text: &'t str, with: impl regex::Replacer) -> Cow<'t, str> {
    match re {
        Some(r) => r.replace_all(text, with),
        None => Cow::Borrowed(text),
    }
}

static LIST_ITEM: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$"));
static THEMATIC_BREAK: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$"));
static TABLE_SEPARATOR: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$"));
static LINK_ONLY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r#"^(?:[-*+]\s+)?(?:!?\[[^\]]*\]\([^)]*\)|!?\[[^\]]*\]\[[^\]]*\]|<[A-Za-z][A-Za-z0-9+.\-]*:[^>\s]*>|https?://\S+)$"#,
    )
});
static IMAGE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r#"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]"#));
static LINK: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r#"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)"#));
static REF_LINK: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"\[([^\]]+)\]\[[^\]]*\]"));
static AUTOLINK: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"<((?:https?|ftp|mailto):[^>\s]+)>"));
static HTML_TAG: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)</?(?:br|b|i|em|strong|sup|sub|span|kbd|u|small|mark|s|del|ins|details|summary|div|p)(?:\s[^>]*)?/?>",
    )
});
static STRONG_STAR: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"\*\*([^*\s](?:.*?[^*\s])?)\*\*"));
static STRONG_UNDER: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"\b__([^_\s](?:.*?[^_\s])?)__\b"));
static EM_STAR: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"\*([^*\s](?:[^*]*[^*\s])?)\*"));
static EM_UNDER: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"\b_([^_\s](?:[^_]*[^_\s])?)_\b"));
static STRIKE: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"~~([^~]+)~~"));

/// A section whose only substance is one link or image: nothing to answer
/// with, only a pointer elsewhere.
fn is_link_only(content: &[Line<'_>]) -> bool {
    if content.iter().any(|l| l.code) {
        return false;
    }
    let text = strip_comments(content.iter().map(|l| l.text));
    let mut lines = text.iter().filter(|l| !l.trim().is_empty());
    match (lines.next(), lines.next()) {
        (Some(only), None) => matches(&LINK_ONLY, only.trim()),
        _ => false,
    }
}

/// Drops HTML comments, which may span lines; a line left blank by a
/// comment stays as a blank line.
fn strip_comments<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut in_comment = false;
    let mut out = Vec::new();
    for line in lines {
        let mut kept = String::new();
        let mut rest = line;
        loop {
            if in_comment {
                match rest.find("-->") {
                    Some(p) => {
                        in_comment = false;
                        rest = rest.get(p + 3..).unwrap_or("");
                    }
                    None => break,
                }
            } else {
                match rest.find("<!--") {
                    Some(p) => {
                        kept.push_str(rest.get(..p).unwrap_or(""));
                        in_comment = true;
                        rest = rest.get(p + 4..).unwrap_or("");
                    }
                    None => {
                        kept.push_str(rest);
                        break;
                    }
                }
            }
        }
        // A line that held only a comment vanishes instead of becoming a
        // blank line that would split a list or paragraph.
        if kept.trim().is_empty() && !line.trim().is_empty() {
            continue;
        }
        out.push(kept);
    }
    out
}

/// The section content as readable plain text: list structure and
/// indentation kept, tables as aligned columns, code indented by four
/// spaces, Markdown markup removed, runs of blank lines folded to one.
fn render(content: &[Line<'_>]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut prose: Vec<(usize, String)> = Vec::new();
    // Comments are stripped per run of non-code lines, so a `<!--` inside a
    // code block never swallows prose.
    let mut i = 0;
    while i < content.len() {
        if content.get(i).is_some_and(|l| l.code) {
            flush_prose(&mut prose, &mut out);
            if let Some(l) = content.get(i).filter(|l| !l.fence) {
                let text = l.text.trim_end();
                out.push(if text.trim().is_empty() {
                    String::new()
                } else {
                    format!("    {}", expand_tabs(text))
                });
            }
            i += 1;
            continue;
        }
        let run_end = content
            .get(i..)
            .and_then(|r| r.iter().position(|l| l.code))
            .map_or(content.len(), |p| i + p);
        let run = content.get(i..run_end).unwrap_or(&[]);
        // Headings are re-detected on the comment-free text, since dropped
        // comment lines shift positions within the run.
        for text in strip_comments(run.iter().map(|l| l.text)) {
            let level = heading_of(&text).map_or(0, |(lv, _)| lv);
            prose.push((level, text));
        }
        flush_prose(&mut prose, &mut out);
        i = run_end;
    }
    flush_prose(&mut prose, &mut out);

    // Fold blank runs, trim blank edges, and keep continuation lines from
    // reading as new turns when the answer becomes a prior turn.
    let mut lines: Vec<String> = Vec::new();
    for line in out {
        let blank = line.trim().is_empty();
        if blank && lines.last().is_none_or(|l: &String| l.is_empty()) {
            continue;
        }
        lines.push(if blank { String::new() } else { line });
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    for line in lines.iter_mut().skip(1) {
        if line.starts_with("User:") || line.starts_with("Assistant:") {
            line.insert_str(0, "  ");
        }
    }
    lines.join("\n")
}

/// Renders a run of prose lines (comments already removed), each with its
/// heading level (0 for none), onto `out`.
fn flush_prose(prose: &mut Vec<(usize, String)>, out: &mut Vec<String>) {
    let lines = std::mem::take(prose);
    let mut i = 0;
    while let Some((level, text)) = lines.get(i) {
        if let Some(len) = table_len(&lines, i) {
            let rows = lines.get(i..i + len).unwrap_or(&[]);
            out.extend(render_table(rows.iter().map(|(_, t)| t.as_str())));
            i += len;
            continue;
        }
        i += 1;
        if text.trim().is_empty() {
            out.push(String::new());
            continue;
        }
        if *level > 0 {
            if let Some((_, h)) = heading_of(text) {
                let h = inline(h);
                if !h.is_empty() {
                    out.push(h);
                }
            }
            continue;
        }
        if matches(&THEMATIC_BREAK, text) {
            continue;
        }
        if let Some(line) = render_line(text) {
            out.push(line);
        }
    }
}

/// One prose line: list markers normalised (`*`/`+` → `-`, numbers kept)
/// with their indentation, blockquote markers dropped, inline markup
/// removed. `None` when nothing readable is left (an image-only line).
fn render_line(text: &str) -> Option<String> {
    let text = expand_tabs(text.trim_end());
    let trimmed = text.trim_start();
    let indent = text.len() - trimmed.len();
    let mut body = trimmed;
    while let Some(rest) = body.strip_prefix('>') {
        body = rest.trim_start();
    }
    let quoted = body.len() != trimmed.len();
    let line = if let Some(c) = LIST_ITEM.as_ref().and_then(|r| r.captures(body)) {
        let pad = c.get(1).map_or("", |m| m.as_str());
        let marker = c.get(2).map_or("-", |m| m.as_str());
        let marker = if matches!(marker, "*" | "+") {
            "-"
        } else {
            marker
        };
        let item = inline(c.get(3).map_or("", |m| m.as_str()));
        if item.is_empty() {
            return None;
        }
        let pad = if quoted {
            pad.len()
        } else {
            indent + pad.len()
        };
        format!("{}{marker} {item}", " ".repeat(pad))
    } else {
        let rest = inline(body);
        if rest.is_empty() {
            return None;
        }
        let pad = if quoted { 0 } else { indent };
        format!("{}{rest}", " ".repeat(pad))
    };
    Some(line)
}

fn expand_tabs(text: &str) -> String {
    text.replace('\t', "    ")
}

/// Whether a table starts at `i`, and how many lines it spans: a row with
/// a delimiter row under it (GFM), or a run of `|`-framed rows.
fn table_len(lines: &[(usize, String)], i: usize) -> Option<usize> {
    let row = |j: usize| {
        lines
            .get(j)
            .filter(|(lv, t)| *lv == 0 && t.contains('|') && !t.trim().is_empty())
    };
    let first = row(i)?;
    let framed = |t: &str| {
        let t = t.trim();
        t.starts_with('|') && t.ends_with('|') && t.len() > 1
    };
    let with_delimiter = row(i + 1).is_some_and(|(_, t)| {
        matches(&TABLE_SEPARATOR, t) && t.contains('-') && !matches(&THEMATIC_BREAK, t)
    });
    if !with_delimiter && !framed(&first.1) {
        return None;
    }
    let mut len = if with_delimiter { 2 } else { 1 };
    while let Some((_, t)) = row(i + len) {
        if !with_delimiter && !framed(t) {
            break;
        }
        len += 1;
    }
    Some(len)
}

/// Table rows as aligned plain-text columns (two spaces apart), the
/// delimiter row dropped; alignment keeps row/column reading intact
/// without the pipes.
fn render_table<'a>(rows: impl Iterator<Item = &'a str>) -> Vec<String> {
    let cells: Vec<Vec<String>> = rows
        .filter(|r| !matches(&TABLE_SEPARATOR, r))
        .map(split_row)
        .collect();
    let columns = cells.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            cells
                .iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    cells
        .iter()
        .map(|row| {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                let width = widths.get(c).copied().unwrap_or(0);
                line.extend(std::iter::repeat_n(
                    ' ',
                    width.saturating_sub(cell.chars().count()),
                ));
            }
            line.trim_end().to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// The cells of one row: outer pipes dropped, split on unescaped `|`
/// outside code spans, each cell's markup removed.
fn split_row(row: &str) -> Vec<String> {
    let row = row.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let row = match row.strip_suffix('|') {
        Some(r) if !r.ends_with('\\') => r,
        _ => row,
    };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = row.chars();
    let mut in_code = false;
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => match chars.next() {
                Some('|') => cell.push('|'),
                Some(next) => {
                    cell.push('\\');
                    cell.push(next);
                }
                None => cell.push('\\'),
            },
            '`' => {
                in_code = !in_code;
                cell.push(ch);
            }
            '|' if !in_code => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(ch),
        }
    }
    cells.push(cell);
    cells.iter().map(|c| inline(c.trim())).collect()
}

/// First private-use code point; backslash-escaped punctuation is parked
/// there while markup is removed so `\*` stays a literal `*`.
const PARK: u32 = 0xE000;

/// Removes inline Markdown: code spans keep their text verbatim, images go,
/// links read `text (url)`, emphasis/strikethrough markers and simple HTML
/// tags go, backslash escapes resolve.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let (before, from) = rest.split_at(start);
        let ticks = run_of(from, '`');
        let after = from.get(ticks..).unwrap_or("");
        let close = find_closing_ticks(after, ticks);
        match close {
            Some(end) => {
                out.push_str(&prose(before));
                let code = after.get(..end).unwrap_or("");
                let code = if code.len() > 2 && code.starts_with(' ') && code.ends_with(' ') {
                    code.get(1..code.len() - 1).unwrap_or(code)
                } else {
                    code
                };
                out.push_str(code);
                rest = after.get(end + ticks..).unwrap_or("");
            }
            None => {
                // An unmatched run is literal backticks.
                out.push_str(&prose(before));
                out.push_str(from.get(..ticks).unwrap_or(""));
                rest = after;
            }
        }
    }
    out.push_str(&prose(rest));
    out.trim().to_string()
}

/// Byte offset in `s` of a backtick run of exactly `n`.
fn find_closing_ticks(s: &str, n: usize) -> Option<usize> {
    let mut offset = 0;
    while let Some(p) = s.get(offset..)?.find('`') {
        let at = offset + p;
        let run = run_of(s.get(at..)?, '`');
        if run == n {
            return Some(at);
        }
        offset = at + run;
    }
    None
}

/// Markup removal for text outside code spans.
fn prose(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut parked = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, chars.peek()) {
            ('\\', Some(&next)) if next.is_ascii_punctuation() => {
                parked.push(char::from_u32(PARK + next as u32).unwrap_or(next));
                chars.next();
            }
            _ => parked.push(ch),
        }
    }
    let s = replace(&IMAGE, &parked, "");
    let s = replace(&LINK, &s, |c: &Captures<'_>| {
        let text = c.get(1).map_or("", |m| m.as_str()).trim();
        let url = c.get(2).map_or("", |m| m.as_str());
        if url.is_empty() || url.starts_with('#') || url == text {
            text.to_string()
        } else if text.is_empty() {
            url.to_string()
        } else {
            format!("{text} ({url})")
        }
    });
    let s = replace(&REF_LINK, &s, "$1");
    let s = replace(&AUTOLINK, &s, "$1");
    let s = replace(&HTML_TAG, &s, "");
    let s = replace(&STRONG_STAR, &s, "$1");
    let s = replace(&STRONG_UNDER, &s, "$1");
    let s = replace(&EM_STAR, &s, "$1");
    let s = replace(&EM_UNDER, &s, "$1");
    let s = replace(&STRIKE, &s, "$1");
    // Removed markup (an image, a tag) leaves doubled spaces; Markdown
    // prose folds whitespace anyway.
    let mut folded = String::with_capacity(s.len());
    for c in s.chars() {
        if c == ' ' && folded.ends_with(' ') {
            continue;
        }
        folded.push(c);
    }
    folded
        .chars()
        .map(|c| {
            let code = c as u32;
            if (PARK..PARK + 0x80).contains(&code) {
                char::from_u32(code - PARK).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// "What changed" records from the history of the notes in `repo` (at
/// `at`): each revision of a note, against the version before it, dated by
/// that version. `keep` says which paths are notes; blobs over `max_bytes`
/// are skipped.
pub fn history(
    repo: &Path,
    at: &crate::source::git::Location,
    keep: &(dyn Fn(&str) -> bool + Sync),
    max_bytes: u64,
    secrets: Option<&crate::secrets::Scanner>,
    summary: &mut NotesSummary,
) -> Result<Vec<String>, Error> {
    use crate::source::git::{BlobReader, GitRepo, History};
    let git = GitRepo::open(repo)?;
    let reader = BlobReader::open(repo, max_bytes)?;
    // Path -> the date of the version it holds, to say "since when".
    let mut dated: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut lines = Vec::new();
    git.walk(
        None,
        History::FirstParent,
        None,
        keep,
        &mut |info, changes| {
            let date = chrono::DateTime::from_timestamp(info.time, 0)
                .zip(chrono::FixedOffset::east_opt(info.offset_minutes * 60))
                .map(|(t, off)| t.with_timezone(&off).format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            let commit = info.id.to_string();
            for c in changes {
                let from = c.renamed_from.as_deref().unwrap_or(&c.path);
                let since = dated.remove(from);
                if let (Some(old), Some(new), Some(since)) = (c.old, c.new, since.as_deref())
                    && let (Ok(old), Ok(new)) = (reader.text(old.id), reader.text(new.id))
                {
                    let note = at.join(&c.path);
                    lines.extend(what_changed(
                        &old,
                        &new,
                        (&note.repo, &note.path),
                        since,
                        &commit[..12],
                        secrets,
                        summary,
                    ));
                }
                if c.new.is_some() {
                    dated.insert(c.path.clone(), date.clone());
                }
            }
        },
    )?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::record::check_chat_input;
    use serde_json::Value;

    /// The first three sections of the seed plan (shared/seeds/conversational-refinement-plan-v1.md),
    /// embedded because paths outside the repository break CI.
    const SEED: &str = "# Conversational Refinement Plan v1

## Current State (Measured)

Train dataset (`assistant_dataset_train.v8.jsonl`):
- 18,000 records total
- chat: 6,000
- qa: 3,000
- preference: 3,000
- knowledge: 2,000
- memory: 2,000
- trajectory: 2,000

Eval dataset (`assistant_dataset_eval.jsonl`):
- 360 records (60 per type)

## Practical Delta vs Real Conversational Datasets

Compared with real instruction/chat datasets (Dolly, OASST1, UltraChat), the biggest gap is **semantic diversity**.

Measured uniqueness in v8 baseline synthetic profile:
- chat outputs: 6 unique / 6000 total
- qa answers: 6 unique / 3000 total
- preference chosen: 6 unique / 3000 total

Implication:
- high volume but low conversational variety
- model will overfit response templates
- assistant quality will feel repetitive and rigid

## Target for \u{201c}Actual Conversational\u{201d} Quality

Minimum target for next version:
1. At least 35-50% of train set from real or realistic multi-turn conversation artifacts.
2. Chat output uniqueness ratio > 0.25 on sampled records.
";

    fn run(text: &str, label: &str, opts: &NotesOptions) -> (Vec<Value>, NotesSummary) {
        let mut summary = NotesSummary::default();
        let records = convert(text, "notes", label, opts, &mut summary)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (records, summary)
    }

    fn field<'a>(v: &'a Value, key: &str) -> &'a str {
        v[key].as_str().unwrap()
    }

    #[test]
    fn default_rules_all_compile() {
        assert_eq!(default_rules().len(), 13);
    }

    #[test]
    fn seed_plan_becomes_one_conversation() {
        let (r, s) = run(
            SEED,
            "plans/conversational-refinement-plan-v1.md",
            &NotesOptions::default(),
        );
        assert_eq!(r.len(), 3);
        assert_eq!(
            field(&r[0], "input"),
            "User: What is the current state of Conversational Refinement Plan v1?"
        );
        let out = field(&r[0], "output");
        assert!(out.contains("18,000 records total"));
        assert!(out.contains("chat: 6,000"));
        assert!(out.starts_with("Train dataset (assistant_dataset_train.v8.jsonl):\n- 18,000"));
        assert_eq!(field(&r[0], "record_type"), "chat");
        assert_eq!(field(&r[0], "source"), "real");
        assert_eq!(r[0]["meta"]["origin"], "notes");
        assert_eq!(
            r[0]["meta"]["file"],
            "plans/conversational-refinement-plan-v1.md"
        );
        assert_eq!(r[0]["meta"]["section"], "Current State (Measured)");
        assert_eq!(r[0]["meta"]["index"], 0);

        // A heading naming something specific falls back and keeps its words.
        let second = field(&r[1], "input");
        let expected_start = format!(
            "User: What is the current state of Conversational Refinement Plan v1?\nAssistant: {out}\n"
        );
        assert!(second.starts_with(&expected_start), "{second}");
        assert!(second.ends_with(
            "\nUser: What about Practical Delta vs Real Conversational Datasets in Conversational Refinement Plan v1?"
        ));
        assert!(field(&r[1], "output").contains("the biggest gap is semantic diversity."));
        assert!(field(&r[2], "input").ends_with(
            "User: What about Target for \u{201c}Actual Conversational\u{201d} Quality in Conversational Refinement Plan v1?"
        ));
        assert_eq!(r[2]["meta"]["index"], 2);
        for rec in &r {
            check_chat_input(field(rec, "input"), 4).unwrap();
        }
        assert_eq!((s.notes, s.sections, s.records), (1, 3, 3));
        assert!(s.skipped.is_empty());
    }

    #[test]
    fn rules_phrase_common_headings() {
        let rules = default_rules();
        let q = |h: &str| question(h, "Redis move", &rules);
        assert_eq!(q("Status"), "What's the status of Redis move?");
        assert_eq!(
            q("current state"),
            "What is the current state of Redis move?"
        );
        assert_eq!(q("Progress"), "What progress has been made on Redis move?");
        assert_eq!(q("Blockers"), "What is blocking Redis move?");
        assert_eq!(q("Risks"), "What are the risks for Redis move?");
        assert_eq!(q("Decisions"), "What was decided about Redis move?");
        assert_eq!(q("Goals"), "What are the targets for Redis move?");
        assert_eq!(q("Execution Plan"), "What's the plan for Redis move?");
        assert_eq!(q("Next Steps"), "What are the next steps for Redis move?");
        assert_eq!(
            q("Next Deliverable"),
            "What are the next steps for Redis move?"
        );
        assert_eq!(
            q("Gates Before Training"),
            "What has to pass before Redis move can move on?"
        );
        assert_eq!(q("Why not Memcached?"), "Why not Memcached?");
        assert_eq!(
            q("Risks of the cutover window"),
            "What about Risks of the cutover window in Redis move?"
        );
        let custom = vec![NotesOptions::rule("^retro$", "How did {subject} go?").unwrap()];
        assert_eq!(question("RETRO", "Q3", &custom), "How did Q3 go?");
        assert_eq!(question("Misc", "Q3", &custom), "What about Misc in Q3?");
    }

    #[test]
    fn lists_tables_and_code_are_legible() {
        let text = "# T\n\n## Layout\n\nIntro *line*:\n\n* top\n  + nested **bold**\n    - deeper\n1. first\n2) second\n\n| Type | Count |\n|------|------:|\n| chat | 6,000 |\n| qa   | `3,000` |\n\n```rust\nfn main() {\n\n    println!(\"## not a heading\");\n}\n```\n\n> quoted _note_\n\n---\n\nEnd.\n";
        let (r, _) = run(text, "t.md", &NotesOptions::default());
        assert_eq!(r.len(), 1);
        assert_eq!(
            field(&r[0], "output"),
            "Intro line:\n\n- top\n  - nested bold\n    - deeper\n1. first\n2) second\n\nType  Count\nchat  6,000\nqa    3,000\n\n    fn main() {\n\n        println!(\"## not a heading\");\n    }\n\nquoted note\n\nEnd."
        );
    }

    #[test]
    fn markdown_noise_is_removed() {
        let text = "# T\n\n## Notes\n\nSee [the doc](https://x.io/a) and [top](#top), ![logo](l.png) **bold** __strong__ *em* _em_ ~~old~~ `a_b*c*` snake_case_name \\*lit\\* <https://y.io>.<br>\n<!-- hidden\nacross lines -->\n#### Sub point\nDone <!-- inline --> here.\n";
        let (r, _) = run(text, "t.md", &NotesOptions::default());
        assert_eq!(
            field(&r[0], "output"),
            "See the doc (https://x.io/a) and top, bold strong em em old a_b*c* snake_case_name *lit* https://y.io.\nSub point\nDone here."
        );
    }

    #[test]
    fn empty_and_link_only_sections_are_skipped_and_counted() {
        let text = "# T\n\n## Parent\n\n### Child\n\nReal content.\n\n## Empty\n\n<!-- todo -->\n\n## Link\n\n[design doc](https://x.io/d)\n\n## Image\n\n![chart](c.png)\n\n## Kept\n\nYes.\n";
        let (r, s) = run(text, "t.md", &NotesOptions::default());
        let sections: Vec<&str> = r
            .iter()
            .map(|v| v["meta"]["section"].as_str().unwrap())
            .collect();
        assert_eq!(sections, ["Child", "Kept"]);
        assert_eq!((s.sections, s.records), (6, 2));
        assert_eq!(s.skipped.get("empty_section"), Some(&2));
        assert_eq!(s.skipped.get("link_only_section"), Some(&2));
        assert_eq!(r[1]["meta"]["index"], 1);
    }

    #[test]
    fn turns_window_one_vs_three() {
        let text = "# P\n\n## Status\n\nGreen.\n\n## Risks\n\nLate.\n\n## Next Steps\n\nShip.\n";
        let one = NotesOptions {
            turns: 1,
            ..NotesOptions::default()
        };
        let (r, _) = run(text, "p.md", &one);
        assert_eq!(field(&r[0], "input"), "User: What's the status of P?");
        assert_eq!(
            field(&r[2], "input"),
            "Assistant: Late.\nUser: What are the next steps for P?"
        );
        let (r, _) = run(text, "p.md", &NotesOptions::default());
        assert_eq!(
            field(&r[1], "input"),
            "User: What's the status of P?\nAssistant: Green.\nUser: What are the risks for P?"
        );
        assert_eq!(
            field(&r[2], "input"),
            "Assistant: Green.\nUser: What are the risks for P?\nAssistant: Late.\nUser: What are the next steps for P?"
        );
        for rec in &r {
            check_chat_input(field(rec, "input"), 4).unwrap();
        }
        // Out-of-range windows are clamped to the plan's 1-3.
        let zero = NotesOptions {
            turns: 0,
            ..NotesOptions::default()
        };
        let (r, _) = run(text, "p.md", &zero);
        assert_eq!(
            field(&r[1], "input"),
            "Assistant: Green.\nUser: What are the risks for P?"
        );
    }

    #[test]
    fn dated_entries_and_file_name_subject() {
        let text = "## 2026-11-20\n\nMigrated staging.\n\n## 2026-11-21 (Fri)\n\nProd cut over.\n";
        let (r, _) = run(
            text,
            "log/redis-migration_status.md",
            &NotesOptions::default(),
        );
        assert_eq!(
            field(&r[0], "input"),
            "User: What happened on 2026-11-20 with redis migration status?"
        );
        assert!(
            field(&r[1], "input")
                .ends_with("User: What happened on 2026-11-21 (Fri) with redis migration status?")
        );
    }

    #[test]
    fn front_matter_is_skipped_and_titles_the_note() {
        let text = "---\ntitle: Launch\ntags: [a]\n---\n## Status\n\nOn track.\n";
        let (r, _) = run(text, "x.md", &NotesOptions::default());
        assert_eq!(r.len(), 1);
        assert_eq!(field(&r[0], "input"), "User: What's the status of Launch?");
        assert_eq!(field(&r[0], "output"), "On track.");
    }

    #[test]
    fn ids_are_deterministic_and_distinct() {
        let opts = NotesOptions::default();
        let (a, _) = run(SEED, "a.md", &opts);
        let (b, _) = run(SEED, "a.md", &opts);
        let (c, _) = run(SEED, "b.md", &opts);
        let ids = |r: &[Value]| {
            r.iter()
                .map(|v| field(v, "id").to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
        let expected = format!(
            "nt_{:032x}",
            xxh3_128(
                format!(
                    "notes\0a.md\0Current State (Measured)\x000\0{}\0{}",
                    field(&a[0], "input"),
                    field(&a[0], "output")
                )
                .as_bytes()
            )
        );
        assert_eq!(field(&a[0], "id"), expected);
        assert_eq!(a[0]["meta"]["repo"], "notes");
        let mut all = ids(&a);
        all.dedup();
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn an_edited_section_gets_new_ids_for_itself_and_what_quotes_it() {
        let opts = NotesOptions::default();
        let v1 = "# P\n\n## Status\n\nGreen.\n\n## Risks\n\nLate.\n\n## Next Steps\n\nShip.\n";
        let v2 = v1.replace("Late.", "Very late.");
        let (a, _) = run(v1, "p.md", &opts);
        let (b, _) = run(&v2, "p.md", &opts);
        assert_eq!(
            a[0]["id"], b[0]["id"],
            "the untouched section before the edit"
        );
        assert_ne!(a[1]["id"], b[1]["id"], "the edited section");
        assert_ne!(a[2]["id"], b[2]["id"], "its prior turns quote the edit");
        // the same note in another repository or folder is another record
        let mut s = NotesSummary::default();
        let other = convert(v1, "elsewhere", "p.md", &opts, &mut s);
        let other: Value = serde_json::from_str(&other[0]).unwrap();
        assert_ne!(a[0]["id"], other["id"]);
    }

    #[test]
    fn heading_inside_code_fence_is_not_a_section() {
        let text = "# T\n\n## Setup\n\n~~~sh\n## not a section\necho hi\n~~~\n\n## Status\n\nOk.\n";
        let (r, s) = run(text, "t.md", &NotesOptions::default());
        assert_eq!(s.sections, 2);
        assert_eq!(field(&r[0], "output"), "    ## not a section\n    echo hi");
    }

    #[test]
    fn turn_like_continuation_lines_are_indented() {
        let text =
            "# T\n\n## Transcript\n\nWe said:\nUser: hi\nAssistant: hello\n\n## Status\n\nOk.\n";
        let (r, _) = run(text, "t.md", &NotesOptions::default());
        assert_eq!(
            field(&r[0], "output"),
            "We said:\n  User: hi\n  Assistant: hello"
        );
        let input = field(&r[1], "input");
        check_chat_input(input, 4).unwrap();
        assert_eq!(crate::dataset::record::turns(input).unwrap().len(), 3);
    }

    #[test]
    fn odd_input_does_not_panic() {
        let inputs = [
            "",
            "---",
            "---\n: [\n---\n## A\nx",
            "##",
            "## \n|",
            "## A\n```\nunclosed ## B",
            "## A\n|x|\n|-|\n|\\|",
            "## A\n` `` ``` \\",
            "## é\n* \n1.\n> \n<!--",
            "## A\n\t- tab\n***\n[]()\n![]()",
        ];
        for text in inputs {
            let mut s = NotesSummary::default();
            for line in convert(text, "", "", &NotesOptions::default(), &mut s) {
                let v: Value = serde_json::from_str(&line).unwrap();
                check_chat_input(field(&v, "input"), 4).unwrap();
                assert!(!field(&v, "output").is_empty());
            }
        }
    }
}
