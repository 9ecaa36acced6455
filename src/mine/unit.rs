//! `unit`: the response units of one version of a file.
//!
//! A unit is one answer an author wrote to one prompt. Mining extracts the
//! units of every version of a file, aligns them across versions by [`Unit::key`],
//! and turns each changed response into a (rejected = before, chosen = after)
//! pair. Extraction therefore has to be deterministic and stable under edits
//! that do not change meaning (line endings, a BOM, emphasis in a heading),
//! and it must never panic: it runs on whatever text a repository's history holds.
//!
//! The first rule that yields a unit decides: YAML front matter with a
//! `prompt`, then prompt-marker lines (`Q: ...`), then Markdown sections.

use std::collections::{HashMap, HashSet};

use regex::Regex;

use crate::mine::markdown::{Line, classify, split_front_matter, title_of_file};
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlLoader};

/// How units are found; built once per run from config.
#[derive(Debug, Clone)]
pub struct UnitOptions {
    /// Markdown ATX heading level that starts a section unit (default 2, i.e. `## `).
    /// Values outside 1..=6 are clamped, since Markdown has no other levels.
    pub heading_level: usize,
    /// Headings that say little alone, e.g. "Summary", "Motivation", as keys
    /// (`key_of`): their prompt gets the document title as context. Keys, so
    /// they are normalised once per run rather than once per file version.
    pub generic_headings: Vec<String>,
    /// A line matching this regex starts a unit; the named group `prompt` (or group 1) is the prompt.
    pub prompt_marker: Option<Regex>,
}

impl Default for UnitOptions {
    fn default() -> Self {
        UnitOptions {
            heading_level: 2,
            generic_headings: DEFAULT_GENERIC_HEADINGS.iter().map(|h| key_of(h)).collect(),
            // The pattern is a constant that a unit test compiles, so `ok()` never
            // drops it in practice; it just keeps a panic path out of library code.
            prompt_marker: Regex::new(DEFAULT_PROMPT_MARKER).ok(),
        }
    }
}

/// Headings that name a part of a document rather than a question; alone they
/// would make useless prompts ("Motivation"), so they get the title as context.
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
];

/// Default marker: a line `Prompt: ...`, `Q: ...`, `Question: ...` (optionally bold, e.g. `**Q:** ...`).
pub const DEFAULT_PROMPT_MARKER: &str =
    r"^(?:\*\*)?(?:Prompt|Q|Question)(?:\*\*)?:(?:\*\*)?\s*(?P<prompt>\S.*)$";

/// Which rule found a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// The whole body of a file whose YAML front matter carries a `prompt`.
    FrontMatter,
    /// A prompt-marker line (`Q: ...`) and the lines after it.
    Marker,
    /// A Markdown heading of the configured level and its body.
    Section,
}

/// One answer to one prompt, in one version of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Alignment key across versions: the prompt/heading normalised (lowercased, whitespace folded,
    /// leading/trailing whitespace and trailing punctuation like `?.:!` removed, Markdown emphasis `*`/`_`/backticks removed).
    /// For duplicate keys in one version, append `#2`, `#3`, ... in document order (the first keeps the bare key).
    pub key: String,
    /// The record's prompt text (what a user asked).
    pub prompt: String,
    /// The answer: the unit's body, trimmed of leading/trailing blank lines and trailing whitespace.
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

/// Extracts the units of one version of a file. `file_name` is the path's last component (used as the
/// title when there is no `# ` heading: strip the extension, turn `-`/`_` into spaces).
pub fn extract(text: &str, file_name: &str, opts: &UnitOptions) -> Result<Vec<Unit>, NoUnits> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A CRLF→LF-only commit must give identical units, or it would mine a
    // pair whose two sides differ only in invisible bytes. Dropping every `\r`
    // before a line break (not just one) keeps that true for stray `\r\r\n`.
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let level = opts.heading_level.clamp(1, 6);

    let mut body: &[&str] = &lines;
    let mut front_title = None;
    if let Some((yaml, rest)) = split_front_matter(&lines) {
        body = rest;
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
            front_title = front.title;
        }
    }

    let lines = classify(body);
    if let Some(marker) = &opts.prompt_marker {
        let mut units = marker_units(&lines, level, marker);
        if !units.is_empty() {
            number_duplicates(&mut units);
            return Ok(units);
        }
    }
    let title = document_title(&lines, level, front_title, file_name);
    let mut units = section_units(&lines, level, &title, &opts.generic_headings);
    if units.is_empty() {
        return Err(NoUnits::NoPrompt);
    }
    number_duplicates(&mut units);
    Ok(units)
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

/// Rule 2: each marker line starts a unit that runs to the next marker or the
/// next heading of level <= `level` (which belongs to the document, not the answer).
fn marker_units(lines: &[Line<'_>], level: usize, marker: &Regex) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    let mut finish = |current: Option<(String, Vec<&str>)>| {
        let Some((prompt, mut body)) = current else {
            return;
        };
        strip_answer_label(&mut body);
        let response = trim_block(&body);
        if !prompt.is_empty() && !response.is_empty() {
            units.push(Unit {
                key: key_of(&prompt),
                prompt,
                response,
                kind: UnitKind::Marker,
            });
        }
    };
    for line in lines {
        if !line.code {
            if let Some(prompt) = marker_prompt(marker, line.text) {
                finish(current.replace((prompt, Vec::new())));
                continue;
            }
            if line.heading.is_some_and(|(l, _)| l <= level) {
                finish(current.take());
                continue;
            }
        }
        if let Some((_, body)) = current.as_mut() {
            body.push(line.text);
        }
    }
    finish(current);
    units
}

/// The title generic headings are qualified with: the first `# ` heading,
/// else the front matter's `title`, else the file name. When sections are
/// level 1 themselves, a `# ` heading is a section, not the title.
fn document_title(
    lines: &[Line<'_>],
    level: usize,
    front_title: Option<String>,
    file_name: &str,
) -> String {
    let heading = lines
        .iter()
        .filter_map(|l| l.heading)
        .find(|&(l, text)| l == 1 && level > 1 && !text.is_empty())
        .map(|(_, text)| text.to_string());
    heading
        .or(front_title)
        .unwrap_or_else(|| title_of_file(file_name))
}

/// Rule 3: each heading of exactly `level` starts a unit that runs to the
/// next heading of level <= `level`; deeper headings stay in the body.
fn section_units(lines: &[Line<'_>], level: usize, title: &str, generic: &[String]) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut current: Option<(&str, Vec<&str>)> = None;
    let mut finish = |current: Option<(&str, Vec<&str>)>| {
        let Some((heading, body)) = current else {
            return;
        };
        let response = trim_block(&body);
        if heading.is_empty() || response.is_empty() {
            return;
        }
        let key = key_of(heading);
        // A dated entry (`## 2026-11-20`) says as little alone as `Summary`.
        let dated = heading.len() >= 10
            && heading.as_bytes()[..10].iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        let prompt = if (generic.contains(&key) || dated) && !title.is_empty() {
            format!("{title}: {heading}")
        } else {
            heading.to_string()
        };
        units.push(Unit {
            key,
            prompt,
            response,
            kind: UnitKind::Section,
        });
    };
    for line in lines {
        if let Some((l, text)) = line.heading.filter(|&(l, _)| l <= level) {
            finish(current.take());
            if l == level {
                current = Some((text, Vec::new()));
            }
            continue;
        }
        if let Some((_, body)) = current.as_mut() {
            body.push(line.text);
        }
    }
    finish(current);
    units
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
        assert_eq!(UnitOptions::default().heading_level, 2);
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
                    "How do I start?",
                    "Start small.\nThen grow."
                ),
                (
                    "what about tests",
                    "What about *tests*?",
                    "Write them first."
                ),
                ("shipping", "Shipping", "  Ship on Fridays."),
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
        let text =
            "# Journal\n\n## 2026-11-03\nImport stalled.\n\n## 2026-11-04: Fixed\nRetry added.\n";
        let got = units(text, "j.md");
        assert_eq!(got[0].prompt, "Journal: 2026-11-03");
        assert_eq!(got[1].prompt, "Journal: 2026-11-04: Fixed");
    }

    #[test]
    fn generic_heading_gets_title() {
        let text = "# RFC: const generics\n\n## Motivation\nArrays.\n\n## Why now\nBecause.\n";
        let got = units(text, "0001-const.md");
        assert_eq!(
            triples(&got),
            vec![
                ("motivation", "RFC: const generics: Motivation", "Arrays."),
                ("why now", "Why now", "Because."),
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
        let text = "## Setup\nInstall it.\n### Linux\nUse apt.\n\
                    ```sh\n## not a heading\n# nor this\n```\n\
                    ~~~~\n## still code\n~~~\nstill code too\n~~~~\nDone.\n\
                    ## Next\nMore.\n";
        let got = units(text, "setup.md");
        assert_eq!(
            triples(&got),
            vec![
                (
                    "setup",
                    "Setup",
                    "Install it.\n### Linux\nUse apt.\n```sh\n## not a heading\n# nor this\n```\n\
                     ~~~~\n## still code\n~~~\nstill code too\n~~~~\nDone."
                ),
                ("next", "Next", "More."),
            ]
        );
    }

    #[test]
    fn unclosed_fence_hides_rest_of_file() {
        let text = "## A\nbody\n```\n## B\ncode\n";
        assert_eq!(
            triples(&units(text, "x.md")),
            vec![("a", "A", "body\n```\n## B\ncode")]
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
            triples(&units("---\n## A\nbody\n", "x.md")),
            vec![("a", "A", "body")]
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
                    Prompt: Empty one\n\n";
        let got = units(text, "x.md");
        assert_eq!(
            triples(&got),
            vec![
                (
                    "which editor",
                    "Which editor?",
                    "Helix.\n```\nQ: inside code\n```"
                ),
                ("tabs", "Tabs?", "Spaces.\n### Why\nHabit."),
            ]
        );
    }

    #[test]
    fn marker_only_in_code_means_sections() {
        let text = "## Shell\n```\nQ: not a marker\n```\n";
        assert_eq!(
            triples(&units(text, "x.md")),
            vec![("shell", "Shell", "```\nQ: not a marker\n```")]
        );
    }

    #[test]
    fn custom_marker_and_level() {
        let opts = UnitOptions {
            heading_level: 3,
            generic_headings: Vec::new(),
            prompt_marker: Some(Regex::new(r"^>>\s*(.+)$").unwrap()),
        };
        let text = "## Part\n### Intro\nHello.\n";
        assert_eq!(
            triples(&extract(text, "x.md", &opts).unwrap()),
            vec![("intro", "Intro", "Hello.")]
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
            heading_level: 1,
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
                ("plan", "Plan", "Soon."),
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
                ("été à zürich 🚀", "ÉTÉ à Zürich 🚀?", "Déjà vu 🎉"),
                ("résumé", "Résumé", "日本語の本文。"),
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
}
