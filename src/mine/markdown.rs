//! Markdown line scanning shared by response units (`unit`) and notes
//! (`notes`): fenced code, ATX headings, YAML front matter and the title a
//! file name gives, read the same way everywhere.

/// One line of the note, classified once so headings inside code fences
/// never start a section.
pub(crate) struct Line<'a> {
    pub(crate) text: &'a str,
    /// Inside a fenced code block, fence lines included.
    pub(crate) code: bool,
    /// A fence line itself (dropped from answers, its content kept).
    pub(crate) fence: bool,
    pub(crate) heading: Option<(usize, &'a str)>,
}

/// Marks code and headings, tracking fences as CommonMark does: a fence of
/// three or more `` ` `` or `~` closes only with the same character, at
/// least as long, and nothing else on the line.
pub(crate) fn classify<'a>(lines: &[&'a str]) -> Vec<Line<'a>> {
    let mut open: Option<(char, usize)> = None;
    lines
        .iter()
        .map(|&text| match open {
            Some((ch, len)) => {
                let closes = closes_fence(text, ch, len);
                if closes {
                    open = None;
                }
                Line {
                    text,
                    code: true,
                    fence: closes,
                    heading: None,
                }
            }
            None => {
                if let Some(fence) = opens_fence(text) {
                    open = Some(fence);
                    return Line {
                        text,
                        code: true,
                        fence: true,
                        heading: None,
                    };
                }
                Line {
                    text,
                    code: false,
                    fence: false,
                    heading: heading_of(text),
                }
            }
        })
        .collect()
}

/// The line without up to three spaces of indentation; `None` if indented
/// further (an indented code block, not a heading or fence).
fn unindent(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches(' ');
    (line.len() - rest.len() <= 3).then_some(rest)
}

pub(crate) fn run_of(s: &str, ch: char) -> usize {
    s.len() - s.trim_start_matches(ch).len()
}

fn opens_fence(line: &str) -> Option<(char, usize)> {
    let rest = unindent(line)?;
    let ch = rest.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = run_of(rest, ch);
    let info = rest.get(len..)?;
    (len >= 3 && !(ch == '`' && info.contains('`'))).then_some((ch, len))
}

fn closes_fence(line: &str, ch: char, len: usize) -> bool {
    let Some(rest) = unindent(line) else {
        return false;
    };
    let run = run_of(rest, ch);
    run >= len && rest.get(run..).is_some_and(|tail| tail.trim().is_empty())
}

/// An ATX heading: 1–6 `#`, then a space, tab or end of line; closing `#`s
/// are not part of the text.
pub(crate) fn heading_of(line: &str) -> Option<(usize, &str)> {
    let rest = unindent(line)?;
    let level = run_of(rest, '#');
    if !(1..=6).contains(&level) {
        return None;
    }
    let after = rest.get(level..)?;
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let text = after.trim();
    let open = text.trim_end_matches('#');
    let text = if open.is_empty() {
        open
    } else if open.ends_with([' ', '\t']) {
        open.trim_end()
    } else {
        text
    };
    Some((level, text))
}

/// Splits `---` front matter off the top (as `unit` does): without a closing
/// `---`/`...` the first line is a thematic break, not metadata.
pub(crate) fn split_front_matter<'a, 'b>(lines: &'b [&'a str]) -> Option<(String, &'b [&'a str])> {
    if lines.first()?.trim_end() != "---" {
        return None;
    }
    let close = lines
        .iter()
        .skip(1)
        .position(|l| matches!(l.trim_end(), "---" | "..."))?
        + 1;
    let yaml = lines.get(1..close)?.join("\n");
    Some((yaml, lines.get(close + 1..).unwrap_or(&[])))
}

/// `notes/redis-migration_status.md` → `redis migration status`.
pub(crate) fn title_of_file(label: &str) -> String {
    let name = label.rsplit(['/', '\\']).next().unwrap_or(label);
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    stem.replace(['-', '_'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
