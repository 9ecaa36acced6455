//! `unit`: the response units of one version of a file.
//!
//! A unit is one answer an author wrote to one prompt. Mining extracts the
//! units of every version of a file, aligns them across versions by [`Unit::key`],
//! and turns each changed response into a (rejected = before, chosen = after)
//! pair. Extraction therefore has to be deterministic and stable under edits
//! that do not change meaning (line endings, a BOM, emphasis in a heading, a
//! uniform shift of every heading level), and it must never panic: it runs on
//! whatever text a repository's history holds.
//!
//! YAML front matter with a `prompt` makes the whole body one unit. Otherwise
//! the body is read as an outline (a CommonMark parse, [`outline`](super::outline)):
//!
//! - **Sections.** The document's *section level* is the level that
//!   structures it: the shallowest heading level once a title heading is set
//!   aside (a first heading that is the only one at the shallowest level).
//!   RFCs before 2025 put Summary, Motivation… at `#`, wikis at `##` under a
//!   `# Title`; both give one unit per such section, subsections in its body.
//!   A file with a title heading and no other heading is one unit (a
//!   one-note-per-file collection). `heading_level` forces a level instead.
//! - **Markers.** A prompt-marker line (`Q: …`) starts a unit that runs to the
//!   next marker or the next heading of any level; its block is carved out of
//!   the section around it, which stays a unit with the rest of its text.
//! - **Prompts stand alone.** A section's prompt is its heading with the
//!   document title (front matter `title:`, else the title heading, else the
//!   file name made readable) as context, Markdown and HTML stripped.
//! - **Navigation** (table of contents, translations, license…, or a section
//!   that is only a list of in-page links) is never a unit; each is noted as
//!   `navigation_section` by [`extract_noting`].

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::mine::markdown::{split_front_matter, title_of_file};
use crate::mine::outline::{Heading, Outline, plain_inline};
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlLoader};

/// How units are found; built once per run from config.
#[derive(Debug, Clone)]
pub struct UnitOptions {
    /// Heading level (1..=6) that starts a section unit, for every document;
    /// `None` (the default, `heading_level = "auto"`) lets each document's
    /// outline decide (see the module doc). Values outside 1..=6 are clamped,
    /// since Markdown has no other levels.
    pub heading_level: Option<usize>,
    /// Headings that say little alone, e.g. "Summary", "Motivation", as keys
    /// (`key_of`): their prompt gets a title as context even when that title
    /// is only a file name like `README`. Keys, so they are normalised once
    /// per run rather than once per file version.
    pub generic_headings: Vec<String>,
    /// Navigation and meta headings (as keys) whose sections are never units:
    /// a table of contents, a list of translations, the license.
    pub navigation_headings: Vec<String>,
    /// A line matching this regex starts a unit; the named group `prompt` (or group 1) is the prompt.
    pub prompt_marker: Option<Regex>,
}

impl Default for UnitOptions {
    fn default() -> Self {
        UnitOptions {
            heading_level: None,
            generic_headings: DEFAULT_GENERIC_HEADINGS.iter().map(|h| key_of(h)).collect(),
            navigation_headings: DEFAULT_NAVIGATION_HEADINGS
                .iter()
                .map(|h| key_of(h))
                .collect(),
            // The pattern is a constant that a unit test compiles, so `ok()` never
            // drops it in practice; it just keeps a panic path out of library code.
            prompt_marker: Regex::new(DEFAULT_PROMPT_MARKER).ok(),
        }
    }
}

/// Headings that name a part of a document rather than a question; alone they
/// would make useless prompts ("Motivation"), so they get the title as context.
/// The template headings of RFCs and ADRs, and the bare headings of wikis and
/// guides seen in real repositories (the-art-of-command-line's "Meta" and
/// "Basics", a wiki's "Links", "Other").
pub const DEFAULT_GENERIC_HEADINGS: &[&str] = &[
    "summary",
    "motivation",
    "background",
    "overview",
    "introduction",
    "details",
    "notes",
    "drawbacks",
    "alternatives",
    "rationale",
    "rationale and alternatives",
    "prior art",
    "unresolved questions",
    "future possibilities",
    "guide-level explanation",
    "reference-level explanation",
    "detailed design",
    "conclusion",
    "context",
    "status",
    "update",
    "answer",
    "reply",
    "draft",
    "response",
    "meta",
    "basics",
    "links",
    "other",
    "misc",
    "miscellaneous",
    "resources",
    "more resources",
    "references",
    "see also",
    "tips",
    "examples",
    "usage",
    "faq",
    "general",
    "setup",
    "installation",
    "getting started",
    "appendix",
    "description",
    "abstract",
    // A diary's or log's headings name a time, not a topic ("March 2018:
    // Changes" on the personal wiki of the quality harness).
    "diary",
    "journal",
    "log",
    "changes",
    "updates",
    "news",
];

/// Sections that point elsewhere or carry boilerplate rather than answer a
/// question: a table of contents (and its spellings), the translations list
/// of a guide (the-art-of-command-line), legal and credit sections. "Appendix"
/// is not here: RFC appendices carry real design text. "Links" is not either:
/// a wiki's link list is content, judged by the edit filters.
pub const DEFAULT_NAVIGATION_HEADINGS: &[&str] = &[
    "table of contents",
    "contents",
    "toc",
    "index",
    "navigation",
    "translations",
    "other languages",
    "license",
    "licence",
    "licensing",
    "disclaimer",
    "authors",
    "contributors",
    "credits",
    "acknowledgements",
    "acknowledgments",
    "sponsors",
    "backers",
    "changelog",
];

/// Default marker: a line `Prompt: ...`, `Q: ...`, `Question: ...` (optionally bold, e.g. `**Q:** ...`).
pub const DEFAULT_PROMPT_MARKER: &str =
    r"^(?:\*\*)?(?:Prompt|Q|Question)(?:\*\*)?:(?:\*\*)?\s*(?P<prompt>\S.*)$";

/// The reason [`extract_noting`] gives for a section left out as navigation.
pub const NAVIGATION_SECTION: &str = "navigation_section";
/// The reason [`extract_noting`] gives for a section whose prompt would ask
/// nothing: one word, or only generic headings, dates and numbers.
pub const BARE_PROMPT: &str = "bare_prompt";

/// Which rule found a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// The whole body of a file whose YAML front matter carries a `prompt`.
    FrontMatter,
    /// A prompt-marker line (`Q: ...`) and the lines after it.
    Marker,
    /// A Markdown heading at the document's section level and its body (or
    /// a title heading and the whole body after it).
    Section,
}

/// One answer to one prompt, in one version of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Alignment key across versions: the prompt/heading as plain text,
    /// normalised (lowercased, whitespace folded, leading/trailing whitespace
    /// and trailing punctuation like `?.:!` removed, `*`/`_`/backticks
    /// removed). Only the heading's own text, not its level or the title, so
    /// a heading-level shift or a retitled document keeps every key.
    /// For duplicate keys in one version, append `#2`, `#3`, ... in document order (the first keeps the bare key).
    pub key: String,
    /// The record's prompt text (what a user asked): plain text, no Markdown or HTML.
    pub prompt: String,
    /// The answer: the unit's body as written (Markdown kept), trimmed of
    /// leading/trailing blank lines and trailing whitespace.
    pub response: String,
    pub kind: UnitKind,
}

/// Why a file yielded no unit (counted in the mining summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoUnits {
    /// No rule found a prompt with a non-empty answer.
    NoPrompt,
    /// The file opens with front matter that is not a YAML mapping.
    BadFrontMatter,
}

/// Extracts the units of one version of a file. `file_name` is the path's
/// last component (a title of last resort: extension, a numeric prefix like
/// `0001-` and `-`/`_` dropped).
pub fn extract(text: &str, file_name: &str, opts: &UnitOptions) -> Result<Vec<Unit>, NoUnits> {
    extract_noting(text, file_name, opts, &mut Vec::new())
}

/// [`extract`], noting in `skipped` one reason per section left out on
/// purpose ([`NAVIGATION_SECTION`], [`BARE_PROMPT`]), so the miner can count
/// what it drops. A text whose every section was left out gives `Ok` and no
/// units (each counted once, under its own reason), not
/// [`NoUnits::NoPrompt`].
pub fn extract_noting(
    text: &str,
    file_name: &str,
    opts: &UnitOptions,
    skipped: &mut Vec<&'static str>,
) -> Result<Vec<Unit>, NoUnits> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = normalise_breaks(text);
    // Front matter opens with `---`; only then are lines worth splitting here.
    let lines: Vec<&str> = if text.starts_with("---") {
        text.split('\n').collect()
    } else {
        Vec::new()
    };

    let mut body_line = 0;
    let mut front_title = None;
    if let Some((yaml, rest)) = split_front_matter(&lines) {
        body_line = lines.len() - rest.len();
        if let Some(front) = parse_front_matter(&yaml)? {
            if let Some(prompt) = front.prompt {
                // The front matter says the whole body answers one prompt.
                let response = trim_block(rest);
                if response.is_empty() {
                    return Err(NoUnits::NoPrompt);
                }
                return Ok(vec![Unit {
                    key: key_of(&prompt),
                    prompt: with_history(&front.turns, &prompt),
                    response,
                    kind: UnitKind::FrontMatter,
                }]);
            }
            front_title = front.title.map(|t| plain_inline(&t));
        }
    }
    let offset: usize = lines.iter().take(body_line).map(|l| l.len() + 1).sum();
    let body = text.get(offset..).unwrap_or("");
    let outline = Outline::parse(body);
    let noted = skipped.len();
    let mut units = outline_units(&outline, front_title, file_name, opts, skipped);
    // Sections left out on purpose are counted under their own reasons, not
    // as a file without a prompt.
    if units.is_empty() && skipped.len() == noted {
        return Err(NoUnits::NoPrompt);
    }
    number_duplicates(&mut units);
    Ok(units)
}

/// `\n` as the only line break. A CRLF→LF-only commit must give identical
/// units, or it would mine a pair whose two sides differ only in invisible
/// bytes; dropping every `\r` before a line break (not just one) keeps that
/// true for stray `\r\r\n`. A lone `\r` is a line break to CommonMark, so it
/// becomes `\n` and the parser's lines stay ours.
fn normalise_breaks(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| l.trim_end_matches('\r').replace('\r', "\n"))
        .collect();
    Cow::Owned(lines.join("\n"))
}

/// Normalises a prompt/heading into an alignment key (used by `extract`, public for callers/tests).
///
/// The key ignores what authors change without changing the question:
/// case, spacing, emphasis, and a trailing `?` or `:`.
pub fn key_of(prompt: &str) -> String {
    let plain: String = prompt
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`'))
        .collect();
    let folded = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    folded
        .to_lowercase()
        .trim_end_matches(|c: char| c.is_whitespace() || TRAILING_PUNCTUATION.contains(&c))
        .to_string()
}

/// Punctuation that ends a prompt without changing it (ASCII and full-width forms).
const TRAILING_PUNCTUATION: &[char] = &['?', '.', ':', '!', ';', ',', '…', '？', '！', '。', '：'];

/// Leading answer labels that say "this is the answer", not part of it.
/// Longer labels first, so `Answer:` is not half-stripped as `A`.
const ANSWER_LABELS: &[&str] = &[
    "**Answer:**",
    "**Answer**:",
    "**A:**",
    "**A**:",
    "Answer:",
    "A:",
];

/// What the front matter says about the file.
struct FrontMatter {
    prompt: Option<String>,
    turns: Vec<(Speaker, String)>,
    title: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Speaker {
    User,
    Assistant,
}

impl Speaker {
    fn label(self) -> &'static str {
        match self {
            Speaker::User => "User",
            Speaker::Assistant => "Assistant",
        }
    }

    fn parse(name: &str) -> Option<Speaker> {
        match name.trim().to_lowercase().as_str() {
            "user" => Some(Speaker::User),
            "assistant" => Some(Speaker::Assistant),
            _ => None,
        }
    }
}

/// Reads the front matter; `Ok(None)` for an empty block (nothing to say).
fn parse_front_matter(yaml: &str) -> Result<Option<FrontMatter>, NoUnits> {
    let docs = YamlLoader::load_from_str(yaml).map_err(|_| NoUnits::BadFrontMatter)?;
    let map = match docs.into_iter().next() {
        None | Some(Yaml::Null) => return Ok(None),
        Some(Yaml::Hash(map)) => map,
        Some(_) => return Err(NoUnits::BadFrontMatter),
    };
    let prompt = lookup(&map, "prompt")
        .and_then(scalar_text)
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty());
    let title = lookup(&map, "title")
        .and_then(scalar_text)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let history = match lookup(&map, "history") {
        Some(Yaml::Array(items)) => Some(items),
        _ => match lookup(&map, "context") {
            Some(Yaml::Array(items)) => Some(items),
            _ => None,
        },
    };
    let turns = history
        .map(|items| items.iter().flat_map(turns_of).collect())
        .unwrap_or_default();
    Ok(Some(FrontMatter {
        prompt,
        turns,
        title,
    }))
}

/// The value under an exact string key.
fn lookup<'a>(map: &'a Hash, key: &str) -> Option<&'a Yaml> {
    map.iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// A scalar as the author wrote it; YAML reads `prompt: 2024` as an integer,
/// but it is still text to us.
fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The prior turns one history item holds: `{user: ..}`, `{assistant: ..}`,
/// `{role: user, content: ..}`, or `"User: ..."`. Anything else is skipped,
/// because a stray item should not cost the whole file.
fn turns_of(item: &Yaml) -> Vec<(Speaker, String)> {
    let turn = |speaker, text: String| {
        let text = text.trim().to_string();
        (!text.is_empty()).then_some((speaker, text))
    };
    match item {
        Yaml::String(s) => {
            let Some((name, text)) = s.split_once(':') else {
                return Vec::new();
            };
            Speaker::parse(name)
                .and_then(|speaker| turn(speaker, text.to_string()))
                .into_iter()
                .collect()
        }
        Yaml::Hash(map) => {
            let field = |name: &str| {
                map.iter()
                    .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(name)))
                    .and_then(|(_, v)| scalar_text(v))
            };
            if let (Some(role), Some(content)) = (field("role"), field("content")) {
                return Speaker::parse(&role)
                    .and_then(|speaker| turn(speaker, content))
                    .into_iter()
                    .collect();
            }
            map.iter()
                .filter_map(|(k, v)| {
                    let speaker = Speaker::parse(k.as_str()?)?;
                    turn(speaker, scalar_text(v)?)
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The prompt with its prior turns, in the `User:`/`Assistant:` transcript form
/// records use; without history the prompt stands alone.
fn with_history(turns: &[(Speaker, String)], prompt: &str) -> String {
    if turns.is_empty() {
        return prompt.to_string();
    }
    let mut lines: Vec<String> = turns
        .iter()
        .map(|(speaker, text)| format!("{}: {text}", speaker.label()))
        .collect();
    lines.push(format!("User: {prompt}"));
    lines.join("\n")
}

/// The body as a response: leading blank lines dropped, trailing whitespace trimmed.
fn trim_block(lines: &[&str]) -> String {
    let start = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    lines
        .get(start..)
        .unwrap_or(&[])
        .join("\n")
        .trim_end()
        .to_string()
}

/// The marker's prompt: the `prompt` group, else group 1, else the whole match.
fn marker_prompt(marker: &Regex, line: &str) -> Option<String> {
    let line = line.trim_end();
    // Most lines are not markers: the plain match is far cheaper than captures.
    if !marker.is_match(line) {
        return None;
    }
    let caps = marker.captures(line)?;
    let text = caps
        .name("prompt")
        .or_else(|| caps.get(1))
        .or_else(|| caps.get(0))
        .map_or("", |m| m.as_str());
    Some(text.trim().to_string())
}

/// Drops an `A:`-style label from the first non-blank line.
fn strip_answer_label<'a>(lines: &mut [&'a str]) {
    let Some(first) = lines.iter_mut().find(|l| !l.trim().is_empty()) else {
        return;
    };
    let current: &'a str = first;
    let text = current.trim_start();
    if let Some(rest) = ANSWER_LABELS.iter().find_map(|l| text.strip_prefix(l)) {
        *first = rest.trim_start_matches([' ', '\t']);
    }
}

/// The title a document's prompts are qualified with.
struct Title {
    text: String,
    /// Said by the author (front matter, a title heading) or an informative
    /// file name: every section prompt gets it. A weak title (`README`) is
    /// given only to generic headings, which need some context at all.
    strong: bool,
}

impl Title {
    fn of(front: Option<String>, heading: Option<&str>, file_name: &str) -> Option<Title> {
        if let Some(text) = front.filter(|t| !t.is_empty()) {
            return Some(Title { text, strong: true });
        }
        if let Some(text) = heading.filter(|t| !t.is_empty()) {
            return Some(Title {
                text: text.to_string(),
                strong: true,
            });
        }
        let text = readable_file_name(file_name);
        let lower = text.to_lowercase();
        let weak = lower.starts_with("readme")
            || matches!(
                lower.as_str(),
                "index" | "_index" | "home" | "main" | "untitled"
            );
        (!text.is_empty()).then_some(Title {
            text,
            strong: !weak,
        })
    }
}

/// `0001-private-fields.md` → `private fields`, `2024-01-02-trip.md` →
/// `trip`: the file name without extension, separators or a leading numeric
/// prefix (kept when it is the whole name).
fn readable_file_name(file_name: &str) -> String {
    let words = title_of_file(file_name);
    let mut rest: Vec<&str> = words.split(' ').collect();
    let numeric = rest
        .iter()
        .take_while(|w| w.chars().all(|c| c.is_ascii_digit()))
        .count();
    if numeric < rest.len() {
        rest.drain(..numeric);
    }
    rest.join(" ")
}

/// A dated heading (`2026-11-20`, `2026-11-20: Fixed`) says as little alone as `Summary`.
fn dated(heading: &str) -> bool {
    let bytes = heading.as_bytes();
    bytes.len() >= 10
        && bytes.iter().take(10).enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// Words in a heading (Unicode word segmentation).
fn word_count(text: &str) -> usize {
    use unicode_segmentation::UnicodeSegmentation;
    text.unicode_words().count()
}

/// Does a heading name a topic: a word that is not a number or a month
/// (`2020 June`, `21`, `Q3` name a time, not a subject)?
fn has_topic(text: &str) -> bool {
    use unicode_segmentation::UnicodeSegmentation;
    const MONTHS: &[&str] = &[
        "jan",
        "january",
        "feb",
        "february",
        "mar",
        "march",
        "apr",
        "april",
        "may",
        "jun",
        "june",
        "jul",
        "july",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "nov",
        "november",
        "dec",
        "december",
        "week",
        "day",
        "q1",
        "q2",
        "q3",
        "q4",
    ];
    text.unicode_words().any(|w| {
        !w.chars().all(|c| c.is_ascii_digit()) && !MONTHS.contains(&w.to_lowercase().as_str())
    })
}

/// A list of links into the same page (`- [Basics](#basics)`): a table of
/// contents under whatever heading.
fn is_anchor_list(body: &[&str]) -> bool {
    static ITEM: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+\[[^\]]*\]\(#[^)\s]*\)\s*$").ok()
    });
    let Some(item) = ITEM.as_ref() else {
        return false;
    };
    let mut items = body.iter().filter(|l| !l.trim().is_empty()).peekable();
    items.peek().is_some() && items.all(|l| item.is_match(l))
}

/// A section being read: its heading, the headings above it, its lines.
struct OpenSection<'o, 'a> {
    heading: &'o Heading,
    /// Headings between the title and the section level (only with a forced
    /// `heading_level`), outermost first.
    ancestors: Vec<&'o Heading>,
    /// The document's only heading: its text is the title itself.
    sole: bool,
    lines: Vec<&'a str>,
}

/// Sections and marker units of one outline, in document order.
fn outline_units(
    o: &Outline<'_>,
    front_title: Option<String>,
    file_name: &str,
    opts: &UnitOptions,
    skipped: &mut Vec<&'static str>,
) -> Vec<Unit> {
    let hs = &o.headings;
    let forced = opts.heading_level.map(|l| l.clamp(1, 6));
    let is_generic = |key: &str| opts.generic_headings.iter().any(|g| g == key);
    let is_navigation = |key: &str| opts.navigation_headings.iter().any(|g| g == key);

    // The title heading: the first heading, alone at the shallowest level
    // (and above a forced section level).
    let title_at = hs.first().filter(|first| {
        hs.iter().skip(1).all(|h| h.level > first.level)
            && forced.is_none_or(|level| first.level < level)
    });
    let rest_min = hs
        .iter()
        .skip(usize::from(title_at.is_some()))
        .map(|h| h.level)
        .min();
    // With nothing but a title heading, that heading is the one section.
    let (level, title_heading) = match (forced, rest_min, title_at) {
        (Some(level), _, t) => (level, t),
        (None, Some(level), t) => (level, t),
        (None, None, Some(t)) => (t.level, None),
        (None, None, None) => (1, None),
    };
    let title_text = title_heading.map(|h| h.text.as_str()).filter(|t| {
        let key = key_of(t);
        !is_generic(&key) && !is_navigation(&key)
    });
    let title = Title::of(front_title.clone(), title_text, file_name);

    let mut units: Vec<(usize, Unit)> = Vec::new();
    let mut finish_section = |open: Option<OpenSection<'_, '_>>,
                              skipped: &mut Vec<&'static str>| {
        let Some(s) = open else { return };
        let heading = s.heading.text.as_str();
        let response = trim_block(&s.lines);
        if heading.is_empty() || response.is_empty() {
            return;
        }
        let key = key_of(heading);
        if is_navigation(&key) || is_anchor_list(&s.lines) {
            skipped.push(NAVIGATION_SECTION);
            return;
        }
        let generic = is_generic(&key) || dated(heading);
        let mut context: Vec<&str> = Vec::new();
        if let Some(t) = &title
            && (t.strong || generic)
            && (!s.sole || generic)
            && key_of(&t.text) != key
        {
            context.push(&t.text);
        }
        context.extend(
            s.ancestors
                .iter()
                .map(|a| a.text.as_str())
                .filter(|a| !a.is_empty()),
        );
        // A prompt must say what is asked: one word ("Math"), or only
        // generic headings, dates and numbers ("Notes", "2020 June: 21"),
        // asks nothing a reader could answer.
        let informative =
            |part: &str| !is_generic(&key_of(part)) && !dated(part) && has_topic(part);
        if !context.iter().copied().chain([heading]).any(informative)
            || context
                .iter()
                .copied()
                .chain([heading])
                .map(word_count)
                .sum::<usize>()
                < 2
        {
            skipped.push(BARE_PROMPT);
            return;
        }
        let prompt = if context.is_empty() {
            heading.to_string()
        } else {
            format!("{}: {heading}", context.join(" › "))
        };
        units.push((
            s.heading.line,
            Unit {
                key,
                prompt,
                response,
                kind: UnitKind::Section,
            },
        ));
    };
    let mut markers: Vec<(usize, Unit)> = Vec::new();
    let mut finish_marker = |open: Option<(String, usize, Vec<&str>)>| {
        let Some((prompt, line, mut body)) = open else {
            return;
        };
        strip_answer_label(&mut body);
        let response = trim_block(&body);
        let prompt = plain_inline(&prompt);
        if !prompt.is_empty() && !response.is_empty() {
            markers.push((
                line,
                Unit {
                    key: key_of(&prompt),
                    prompt,
                    response,
                    kind: UnitKind::Marker,
                },
            ));
        }
    };

    let mut section: Option<OpenSection<'_, '_>> = None;
    let mut marker: Option<(String, usize, Vec<&str>)> = None;
    let mut ancestors: Vec<&Heading> = Vec::new();
    let mut next = hs.iter().peekable();
    let mut i = 0;
    while i < o.lines.len() {
        if let Some(h) = next.next_if(|h| h.line <= i) {
            // A heading of any level ends a marker's block.
            finish_marker(marker.take());
            let end = h.end.clamp(i + 1, o.lines.len());
            if h.level <= level {
                finish_section(section.take(), skipped);
                let is_title = title_heading.is_some_and(|t| std::ptr::eq(t, h));
                if !is_title {
                    ancestors.retain(|a| a.level < h.level);
                    if h.level == level {
                        section = Some(OpenSection {
                            heading: h,
                            ancestors: ancestors.clone(),
                            sole: hs.len() == 1,
                            lines: Vec::new(),
                        });
                    } else {
                        ancestors.push(h);
                    }
                }
            } else if let Some(s) = section.as_mut() {
                // A subsection stays in its section's body, heading and all.
                s.lines.extend(o.lines.get(i..end).unwrap_or(&[]));
            }
            i = end;
            continue;
        }
        let line = o.lines.get(i).copied().unwrap_or("");
        let code = o.code.get(i).copied().unwrap_or(false);
        if !code
            && let Some(prompt) = opts
                .prompt_marker
                .as_ref()
                .and_then(|m| marker_prompt(m, line))
        {
            finish_marker(marker.replace((prompt, i, Vec::new())));
        } else if let Some((_, _, body)) = marker.as_mut() {
            body.push(line);
        } else if let Some(s) = section.as_mut() {
            s.lines.push(line);
        }
        i += 1;
    }
    finish_marker(marker.take());
    finish_section(section.take(), skipped);

    // A file with no heading but a front matter title is one note: its body
    // answers the title.
    if hs.is_empty()
        && units.is_empty()
        && markers.is_empty()
        && let Some(title) = front_title.filter(|t| !t.is_empty())
    {
        let response = trim_block(&o.lines);
        if !response.is_empty() {
            units.push((
                0,
                Unit {
                    key: key_of(&title),
                    prompt: title,
                    response,
                    kind: UnitKind::Section,
                },
            ));
        }
    }
    units.extend(markers);
    units.sort_by_key(|(line, _)| *line);
    units.into_iter().map(|(_, u)| u).collect()
}

/// Makes keys unique within one version: the second `foo` becomes `foo#2`,
/// so repeated headings still align positionally across versions.
fn number_duplicates(units: &mut [Unit]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut used: HashSet<String> = HashSet::new();
    for unit in units {
        let count = counts.entry(unit.key.clone()).or_insert(0);
        *count += 1;
        let mut key = if *count == 1 {
            unit.key.clone()
        } else {
            format!("{}#{count}", unit.key)
        };
        // A literal heading like "foo#2" may already hold the suffixed key.
        while used.contains(&key) {
            *count += 1;
            key = format!("{}#{count}", unit.key);
        }
        used.insert(key.clone());
        unit.key = key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mine::markdown::heading_of;
    use crate::mine::markdown::title_of_file;

    fn units(text: &str, file_name: &str) -> Vec<Unit> {
        extract(text, file_name, &UnitOptions::default()).unwrap()
    }

    /// (key, prompt, response) triples, for compact exact assertions.
    fn triples(units: &[Unit]) -> Vec<(&str, &str, &str)> {
        units
            .iter()
            .map(|u| (u.key.as_str(), u.prompt.as_str(), u.response.as_str()))
            .collect()
    }

    #[test]
    fn default_marker_compiles() {
        assert!(UnitOptions::default().prompt_marker.is_some());
        assert_eq!(UnitOptions::default().heading_level, None);
    }

    #[test]
    fn plan_style_sections() {
        let text = "# Weekly replies\n\nIntro text is not a unit.\n\n\
                    ## How do I start?\n\nStart small.\nThen grow.\n\n\
                    ## What about *tests*?\nWrite them first.\n\n\
                    ## Shipping\n\n  Ship on Fridays.  \n\n";
        let got = units(text, "weekly.md");
        assert_eq!(
            triples(&got),
            vec![
                (
                    "how do i start",
                    "Weekly replies: How do I start?",
                    "Start small.\nThen grow."
                ),
                (
                    "what about tests",
                    "Weekly replies: What about tests?",
                    "Write them first."
                ),
                ("shipping", "Weekly replies: Shipping", "  Ship on Fridays."),
            ]
        );
        assert!(got.iter().all(|u| u.kind == UnitKind::Section));
    }

    #[test]
    fn key_normalisation() {
        assert_eq!(key_of("How do I start?"), "how do i start");
        assert_eq!(key_of("  **How**   do\tI _start_ ?!  "), "how do i start");
        assert_eq!(key_of("Use `cargo test`:"), "use cargo test");
        assert_eq!(key_of("Why…"), "why");
        assert_eq!(key_of("?"), "");
    }

    #[test]
    fn dated_entries_get_title() {
        let text = "# Import pipeline\n\n## 2026-11-03\nImport stalled.\n\n## 2026-11-04: Fixed\nRetry added.\n";
        let got = units(text, "j.md");
        assert_eq!(got[0].prompt, "Import pipeline: 2026-11-03");
        assert_eq!(got[1].prompt, "Import pipeline: 2026-11-04: Fixed");
        // a diary names only times: no prompt
        assert!(units("# Journal\n\n## 2026-11-03\nSlept.\n", "journal.md").is_empty());
    }

    #[test]
    fn prompts_that_ask_nothing_are_noted_not_units() {
        let noted = std::cell::RefCell::new(Vec::new());
        let run = |text: &str, file: &str| -> Vec<String> {
            extract_noting(text, file, &UnitOptions::default(), &mut noted.borrow_mut())
                .map(|us| us.into_iter().map(|u| u.prompt).collect())
                .expect("sections left out are noted, not NoPrompt")
        };
        // a one-word title and its body
        assert!(
            run(
                "# Math\n\n- [Khan Academy](https://khanacademy.org)\n",
                "math.md"
            )
            .is_empty()
        );
        // a journal day under a month title
        assert!(
            run(
                "# 2020 June\n\n## 21\nSlept well.\n\n## 22\nRan.\n",
                "june.md"
            )
            .is_empty()
        );
        // only generic headings, the title a generic file name
        assert!(run("## Notes\nSome notes here.\n", "notes.md").is_empty());
        assert_eq!(*noted.borrow(), vec![BARE_PROMPT; 4]);
        // a topic with a generic heading, a two-word title: real prompts
        assert_eq!(
            run("# Zsh\n\n## Notes\nUse zsh.\n", "zsh.md"),
            ["Zsh: Notes"]
        );
        assert_eq!(
            run("# Duplicate tabs\n\nPress Cmd+L then Enter.\n", "tabs.md"),
            ["Duplicate tabs"]
        );
    }

    #[test]
    fn generic_heading_gets_title() {
        let text = "# RFC: const generics\n\n## Motivation\nArrays.\n\n## Why now\nBecause.\n";
        let got = units(text, "0001-const.md");
        assert_eq!(
            triples(&got),
            vec![
                ("motivation", "RFC: const generics: Motivation", "Arrays."),
                ("why now", "RFC: const generics: Why now", "Because."),
            ]
        );
    }

    #[test]
    fn generic_heading_uses_file_name_title_without_h1() {
        let text = "## Summary:\nConst generics.\n\n## Prior Art\nC++.\n";
        let got = units(text, "const-generics.md");
        assert_eq!(
            triples(&got),
            vec![
                ("summary", "const generics: Summary:", "Const generics."),
                ("prior art", "const generics: Prior Art", "C++."),
            ]
        );
        assert_eq!(title_of_file("my_notes.draft.md"), "my notes.draft");
        assert_eq!(title_of_file("README"), "README");
        assert_eq!(title_of_file(".notes"), ".notes");
    }

    #[test]
    fn subsections_and_code_fences_stay_in_body() {
        let text = "## Setup steps\nInstall it.\n### Linux\nUse apt.\n\
                    ```sh\n## not a heading\n# nor this\n```\n\
                    ~~~~\n## still code\n~~~\nstill code too\n~~~~\nDone.\n\
                    ## Next\nMore.\n";
        let got = units(text, "setup.md");
        assert_eq!(
            triples(&got),
            vec![
                (
                    "setup steps",
                    "setup: Setup steps",
                    "Install it.\n### Linux\nUse apt.\n```sh\n## not a heading\n# nor this\n```\n\
                     ~~~~\n## still code\n~~~\nstill code too\n~~~~\nDone."
                ),
                ("next", "setup: Next", "More."),
            ]
        );
    }

    #[test]
    fn unclosed_fence_hides_rest_of_file() {
        let text = "## Part A\nbody\n```\n## B\ncode\n";
        assert_eq!(
            triples(&units(text, "x.md")),
            vec![("part a", "Part A", "body\n```\n## B\ncode")]
        );
    }

    #[test]
    fn heading_syntax() {
        assert_eq!(heading_of("## Title ##"), Some((2, "Title")));
        assert_eq!(heading_of("## C#"), Some((2, "C#")));
        assert_eq!(heading_of("   ## Indented"), Some((2, "Indented")));
        assert_eq!(heading_of("    ## Code"), None);
        assert_eq!(heading_of("##NoSpace"), None);
        assert_eq!(heading_of("####### seven"), None);
        assert_eq!(heading_of("##"), Some((2, "")));
    }

    #[test]
    fn crlf_and_bom_give_identical_units() {
        let lf = "# T\n\n## One?\nFirst line.\nSecond.\n\n## Two\nMore.\n";
        let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
        assert_eq!(units(lf, "t.md"), units(&crlf, "t.md"));
        assert_eq!(units(lf, "t.md").len(), 2);
    }

    #[test]
    fn front_matter_prompt_is_one_unit() {
        let text = "---\ntitle: Reset\nprompt: How do I reset my password?\n---\n\n\
                    ## Steps\nClick reset.\n\nWait for mail.\n";
        let got = units(text, "reset.md");
        assert_eq!(
            got,
            vec![Unit {
                key: "how do i reset my password".to_string(),
                prompt: "How do I reset my password?".to_string(),
                response: "## Steps\nClick reset.\n\nWait for mail.".to_string(),
                kind: UnitKind::FrontMatter,
            }]
        );
    }

    #[test]
    fn front_matter_history_mappings() {
        let text = "---\nprompt: And on Linux?\nhistory:\n  - user: How do I install it?\n  \
                    - Assistant: Use the installer.\n  - role: user\n    content: It failed.\n  \
                    - role: assistant\n    content: Try again.\n---\nUse apt.\n";
        let got = units(text, "install.md");
        assert_eq!(
            triples(&got),
            vec![(
                "and on linux",
                "User: How do I install it?\nAssistant: Use the installer.\n\
                 User: It failed.\nAssistant: Try again.\nUser: And on Linux?",
                "Use apt."
            )]
        );
    }

    #[test]
    fn front_matter_context_strings() {
        let text = "---\r\nprompt: \"Thanks!\"\r\ncontext:\r\n  - \"User: hi\"\r\n  \
                    - \"assistant: Hello.\"\r\n  - \"System: ignored\"\r\n...\r\nYou're welcome.\r\n";
        let got = units(text, "x.md");
        assert_eq!(
            triples(&got),
            vec![(
                "thanks",
                "User: hi\nAssistant: Hello.\nUser: Thanks!",
                "You're welcome."
            )]
        );
    }

    #[test]
    fn front_matter_prompt_with_empty_body() {
        let text = "---\nprompt: Anything?\n---\n\n  \n";
        assert_eq!(
            extract(text, "x.md", &UnitOptions::default()),
            Err(NoUnits::NoPrompt)
        );
    }

    #[test]
    fn front_matter_without_prompt_falls_through() {
        let text = "---\ntitle: Const generics\ntags: [rust]\n---\n## Motivation\nArrays.\n";
        assert_eq!(
            triples(&units(text, "cg.md")),
            vec![("motivation", "Const generics: Motivation", "Arrays.")]
        );
        // The front matter itself is never a section body or a marker.
        let text = "---\nnote: \"Q: not a marker\"\n---\nQ: Real?\nA: Yes.\n";
        assert_eq!(
            triples(&units(text, "q.md")),
            vec![("real", "Real?", "Yes.")]
        );
    }

    #[test]
    fn bad_front_matter() {
        let opts = UnitOptions::default();
        assert_eq!(
            extract("---\nprompt: [unclosed\n---\nbody", "x.md", &opts),
            Err(NoUnits::BadFrontMatter)
        );
        assert_eq!(
            extract("---\n- a list\n---\n## A\nbody", "x.md", &opts),
            Err(NoUnits::BadFrontMatter)
        );
        // An unclosed `---` is a thematic break, not front matter.
        assert_eq!(
            triples(&units("---\n## Part A\nbody\n", "x.md")),
            vec![("part a", "Part A", "body")]
        );
    }

    #[test]
    fn marker_units_strip_answer_label() {
        let text = "# FAQ\n\nQ: How do I reset?\nA: Start small.\nThen grow.\n\n\
                    Q: Next?\n\nA:\n\nKeep going.\n";
        let got = units(text, "faq.md");
        assert_eq!(
            triples(&got),
            vec![
                (
                    "how do i reset",
                    "How do I reset?",
                    "Start small.\nThen grow."
                ),
                ("next", "Next?", "Keep going."),
            ]
        );
        assert!(got.iter().all(|u| u.kind == UnitKind::Marker));
    }

    #[test]
    fn bold_markers_headings_and_fences() {
        let text = "**Q:** Which editor?\n**Answer:** Helix.\n```\nQ: inside code\n```\n\
                    ## Aside\nNot part of the answer.\n\
                    Question: Tabs?\n**A**: Spaces.\n### Why\nHabit.\n\
                    Prompt: Empty one\n\n## Later\nStill a section.\n";
        let got = units(text, "x.md");
        // The marker block ends at `### Why`; the section around it keeps
        // the rest of its text (markers never switch sections off).
        assert_eq!(
            triples(&got),
            vec![
                (
                    "which editor",
                    "Which editor?",
                    "Helix.\n```\nQ: inside code\n```"
                ),
                (
                    "aside",
                    "x: Aside",
                    "Not part of the answer.\n### Why\nHabit."
                ),
                ("tabs", "Tabs?", "Spaces."),
                ("later", "x: Later", "Still a section."),
            ]
        );
    }

    #[test]
    fn marker_only_in_code_means_sections() {
        let text = "## Shell tips\n```\nQ: not a marker\n```\n";
        assert_eq!(
            triples(&units(text, "x.md")),
            vec![("shell tips", "Shell tips", "```\nQ: not a marker\n```")]
        );
    }

    #[test]
    fn custom_marker_and_level() {
        let opts = UnitOptions {
            heading_level: Some(3),
            generic_headings: Vec::new(),
            navigation_headings: Vec::new(),
            prompt_marker: Some(Regex::new(r"^>>\s*(.+)$").unwrap()),
        };
        // `## Part` is the title heading; with a forced level, a heading
        // between the title and the section level is a parent in the prompt.
        let text = "## Part\n### Intro\nHello.\n";
        assert_eq!(
            triples(&extract(text, "x.md", &opts).unwrap()),
            vec![("intro", "Part: Intro", "Hello.")]
        );
        let text = "# Guide\n## Part\n### Intro\nHello.\n";
        assert_eq!(
            triples(&extract(text, "x.md", &opts).unwrap()),
            vec![("intro", "Guide › Part: Intro", "Hello.")]
        );
        let text = ">> Ask\nAnswer.\n";
        assert_eq!(
            triples(&extract(text, "x.md", &opts).unwrap()),
            vec![("ask", "Ask", "Answer.")]
        );
        let no_marker = UnitOptions {
            prompt_marker: None,
            ..UnitOptions::default()
        };
        assert_eq!(
            extract("Q: Hi?\nA: Hello.\n", "x.md", &no_marker),
            Err(NoUnits::NoPrompt)
        );
    }

    #[test]
    fn level_one_sections_take_title_from_file_name() {
        let opts = UnitOptions {
            heading_level: Some(1),
            ..UnitOptions::default()
        };
        let text = "# Summary
Short.
## Detail
Longer.
# Plan
Soon.
";
        assert_eq!(
            triples(&extract(text, "road-map.md", &opts).unwrap()),
            vec![
                ("summary", "road map: Summary", "Short.\n## Detail\nLonger."),
                ("plan", "road map: Plan", "Soon."),
            ]
        );
    }

    #[test]
    fn prose_and_empty_files_have_no_units() {
        let opts = UnitOptions::default();
        assert_eq!(
            extract("Just some prose.\n\nMore prose.\n", "x.md", &opts),
            Err(NoUnits::NoPrompt)
        );
        assert_eq!(extract("", "x.md", &opts), Err(NoUnits::NoPrompt));
        assert_eq!(extract("\u{feff}", "x.md", &opts), Err(NoUnits::NoPrompt));
        assert_eq!(
            extract("# Title\n## Empty\n\n## Also empty\n", "x.md", &opts),
            Err(NoUnits::NoPrompt)
        );
    }

    #[test]
    fn duplicate_keys_are_numbered() {
        let text = "## Notes\na\n## Ideas\nb\n## notes:\nc\n## Notes\nd\n## Notes#2\ne\n";
        let got = units(text, "x.md");
        let keys: Vec<&str> = got.iter().map(|u| u.key.as_str()).collect();
        assert_eq!(
            keys,
            vec!["notes", "ideas", "notes#2", "notes#3", "notes#2#2"]
        );
        assert_eq!(got[2].prompt, "x: notes:");
    }

    #[test]
    fn non_ascii_text() {
        let text = "# Café ☕\n## ÉTÉ à Zürich 🚀?\nDéjà vu 🎉\n## Résumé\n日本語の本文。\n";
        let got = units(text, "café.md");
        assert_eq!(
            triples(&got),
            vec![
                ("été à zürich 🚀", "Café ☕: ÉTÉ à Zürich 🚀?", "Déjà vu 🎉"),
                ("résumé", "Café ☕: Résumé", "日本語の本文。"),
            ]
        );
        assert_eq!(key_of("ＱＵＥＳＴＩＯＮ？"), "ｑｕｅｓｔｉｏｎ");
        assert_eq!(title_of_file("été-2024.md"), "été 2024");
        // Multi-byte characters next to every syntax element must not split a char.
        for text in [
            "é",
            "#é",
            "##é",
            "```é",
            "~~~é\n~~~",
            "Q:é",
            "---é",
            "—\n—",
            "##\u{a0}x",
            "🎉:",
        ] {
            let _ = extract(text, "é", &UnitOptions::default());
        }
    }

    #[test]
    fn setext_headings_are_sections() {
        let text = "The Guide\n=========\n\nIntro.\n\nFirst steps\n-----------\nInstall.\n\n\
                    Going further\n-------------\nRead more.\n";
        assert_eq!(
            triples(&units(text, "g.md")),
            vec![
                ("first steps", "The Guide: First steps", "Install."),
                ("going further", "The Guide: Going further", "Read more."),
            ]
        );
    }

    #[test]
    fn unclosed_fence_in_a_quote_ends_with_the_quote() {
        let text = "# T\n## A\n> Quoted:\n> ```sh\n> ls\n\n## B\nBody of B.\n";
        assert_eq!(
            triples(&units(text, "t.md")),
            vec![
                ("a", "T: A", "> Quoted:\n> ```sh\n> ls"),
                ("b", "T: B", "Body of B."),
            ]
        );
        // In a list item too.
        let text = "## A\n- step\n  ```\n  code\n\n## B\nBody of B.\n";
        assert_eq!(units(text, "t.md").len(), 2);
    }

    #[test]
    fn html_blocks_hide_headings_and_markers() {
        let text = "# T\n## A\n<details>\n## not a section\nQ: not a marker\n</details>\n\n\
                    ## B\nBody.\n";
        assert_eq!(
            triples(&units(text, "t.md")),
            vec![
                (
                    "a",
                    "T: A",
                    "<details>\n## not a section\nQ: not a marker\n</details>"
                ),
                ("b", "T: B", "Body."),
            ]
        );
    }

    #[test]
    fn uniform_level_shift_keeps_keys() {
        let before =
            "# Summary\nShort.\n# Motivation\nWhy.\n## Detail\nMore.\n# Drawbacks\nNone.\n";
        let after =
            "## Summary\nShort.\n## Motivation\nWhy.\n### Detail\nMore.\n## Drawbacks\nNone.\n";
        let keys = |t| {
            units(t, "0042-thing.md")
                .into_iter()
                .map(|u| (u.key, u.prompt))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(before), keys(after));
        // With a title over the sections as well.
        let before = "# Guide\n## Basics\nA.\n### Deep\nB.\n## Everyday use\nC.\n";
        let after = "## Guide\n### Basics\nA.\n#### Deep\nB.\n### Everyday use\nC.\n";
        assert_eq!(keys(before), keys(after));
        assert_eq!(keys(before)[1].1, "Guide: Everyday use");
    }

    #[test]
    fn title_and_body_file_is_one_unit() {
        let text =
            "# ack --bar\n\nThe `ack` utility has an Easter egg.\n\n```bash\n$ ack --bar\n```\n";
        assert_eq!(
            triples(&units(text, "ack-bar.md")),
            vec![(
                "ack --bar",
                "ack --bar",
                "The `ack` utility has an Easter egg.\n\n```bash\n$ ack --bar\n```"
            )]
        );
        // A generic title alone is qualified by the file name.
        assert_eq!(
            units("# Notes\nSome text.\n", "redis-migration.md")[0].prompt,
            "redis migration: Notes"
        );
        // No heading, but a front matter title: the same one-note shape.
        assert_eq!(
            triples(&units(
                "---\ntitle: Trip *plan*\n---\nPack light.\n",
                "t.md"
            )),
            vec![("trip plan", "Trip plan", "Pack light.")]
        );
    }

    #[test]
    fn rfc_style_top_level_sections_get_the_file_title() {
        let text = "- Feature Name: private_fields\n- Start Date: 2014-03-11\n\n\
                    # Summary\n\nMake fields private.\n\n# Motivation\n\nEncapsulation.\n\n\
                    # Detailed design\n\nThe rules.\n\n## Refinements to tuple structs\n\nMore rules.\n\n\
                    # Alternatives\n\nKeep them public.\n";
        assert_eq!(
            triples(&units(text, "0001-private-fields.md")),
            vec![
                ("summary", "private fields: Summary", "Make fields private."),
                ("motivation", "private fields: Motivation", "Encapsulation."),
                (
                    "detailed design",
                    "private fields: Detailed design",
                    "The rules.\n\n## Refinements to tuple structs\n\nMore rules."
                ),
                (
                    "alternatives",
                    "private fields: Alternatives",
                    "Keep them public."
                ),
            ]
        );
        // A lone template heading is never the title.
        let text = "# Summary\nShort.\n## Motivation\nWhy.\n## Design\nHow.\n";
        assert_eq!(
            units(text, "0002-const.md")
                .iter()
                .map(|u| u.prompt.as_str())
                .collect::<Vec<_>>(),
            ["const: Motivation", "const: Design"]
        );
    }

    #[test]
    fn a_marker_line_never_switches_sections_off() {
        let text = "# Guide\n\n## Basics\nLearn bash.\n\n**Q:** Why bash?\n**A:** It is everywhere.\n\n\
                    ## Everyday use\nUse tab completion.\n";
        let got = units(text, "README.md");
        assert_eq!(
            triples(&got),
            vec![
                ("basics", "Guide: Basics", "Learn bash."),
                ("why bash", "Why bash?", "It is everywhere."),
                ("everyday use", "Guide: Everyday use", "Use tab completion."),
            ]
        );
        assert_eq!(got[1].kind, UnitKind::Marker);
    }

    #[test]
    fn navigation_sections_are_skipped_and_noted() {
        let text = "# Guide\n\n## Contents\n- [Basics](#basics)\n- [Meta](#meta)\n\n\
                    ## Basics\nLearn bash.\n\n## Index of tips\n* [Basics](#basics)\n  * [Tab](#tab)\n\n\
                    ## Translations\n[Deutsch](README-de.md)\n\n## License\nCC BY-SA.\n";
        let mut noted = Vec::new();
        let got = extract_noting(text, "README.md", &UnitOptions::default(), &mut noted).unwrap();
        assert_eq!(
            triples(&got),
            vec![("basics", "Guide: Basics", "Learn bash.")]
        );
        assert_eq!(noted, vec![NAVIGATION_SECTION; 4]);
        // Configurable: an empty list keeps named sections (anchor lists stay out).
        let opts = UnitOptions {
            navigation_headings: Vec::new(),
            ..UnitOptions::default()
        };
        let keys: Vec<String> = extract(text, "README.md", &opts)
            .unwrap()
            .into_iter()
            .map(|u| u.key)
            .collect();
        assert_eq!(keys, ["basics", "translations", "license"]);
    }

    #[test]
    fn prompts_carry_no_markup() {
        let text = "# **The** Art of `bash`<br>\n\n## <a name=\"meta\"></a>Meta\nScope.\n\n\
                    ## [Tool](https://example.com/tool): Notes\nUse it.\n\n\
                    ## Use `sort -n` *carefully*\nNumbers.\n";
        assert_eq!(
            triples(&units(text, "x.md")),
            vec![
                ("meta", "The Art of bash: Meta", "Scope."),
                ("tool: notes", "The Art of bash: Tool: Notes", "Use it."),
                (
                    "use sort -n carefully",
                    "The Art of bash: Use sort -n carefully",
                    "Numbers."
                ),
            ]
        );
        let text = "**Q: Which `editor`?**\nHelix.\n";
        assert_eq!(
            triples(&units(text, "x.md")),
            vec![("which editor", "Which editor?", "Helix.")]
        );
    }

    #[test]
    fn a_readme_file_name_is_context_only_for_generic_headings() {
        let text = "## How do I start?\nSmall.\n\n## Links\n- a\n";
        assert_eq!(
            units(text, "README.md")
                .iter()
                .map(|u| u.prompt.as_str())
                .collect::<Vec<_>>(),
            ["How do I start?", "README: Links"]
        );
        assert_eq!(readable_file_name("2024-01-02-trip.md"), "trip");
        assert_eq!(readable_file_name("3d-printing.md"), "3d printing");
        assert_eq!(readable_file_name("2024.md"), "2024");
    }
}
