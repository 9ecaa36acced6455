//! `outline`: the block structure of one Markdown body, read by a CommonMark
//! parser (pulldown-cmark) rather than by scanning lines, so that setext
//! headings, fences inside block quotes and lists, and HTML blocks are read
//! as a Markdown renderer reads them.
//!
//! The result is line-based, because units are carved out of the source by
//! lines: which lines are (part of) a top-level heading, and which lines are
//! code or raw HTML (never a prompt marker).

use std::borrow::Cow;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// One heading outside any container (block quote, list, footnote): only
/// these structure a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heading {
    /// 1 for `#` (or a `===` setext underline) to 6.
    pub(crate) level: usize,
    /// The heading as plain text: emphasis, code ticks and HTML dropped,
    /// links as their text, whitespace folded.
    pub(crate) text: String,
    /// First source line of the heading.
    pub(crate) line: usize,
    /// One past its last source line (a setext heading spans two or more).
    pub(crate) end: usize,
}

/// The outline of one body.
#[derive(Debug)]
pub(crate) struct Outline<'a> {
    /// The body's lines, without their `\n`.
    pub(crate) lines: Vec<&'a str>,
    /// Top-level headings in document order.
    pub(crate) headings: Vec<Heading>,
    /// Per line: inside a fenced or indented code block or an HTML block.
    pub(crate) code: Vec<bool>,
}

/// The CommonMark options units are read with: GitHub's tables,
/// strikethrough and task lists (so their syntax is not misread as text), and
/// `{#id}` heading attributes (kept out of heading text).
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

impl<'a> Outline<'a> {
    /// Parses `body`, whose line breaks must be `\n` alone (callers
    /// normalise `\r\n` and lone `\r` first, so the parser's lines and ours agree).
    ///
    /// Only the block structure is read from the whole body: link brackets
    /// are masked first (`[`/`]` → `x`, the same length), because scanning
    /// link labels and destinations in every paragraph was most of the
    /// parse (measured: 2.5× the miner's time on a TIL index of 1,900
    /// links). Brackets never start or end a block; the one thing lost is a
    /// link reference definition, whose line now reads as paragraph text.
    /// Heading texts are then read from the unmasked source, inline markup and all.
    pub(crate) fn parse(body: &'a str) -> Outline<'a> {
        let lines: Vec<&str> = body.split('\n').collect();
        let mut starts = Vec::with_capacity(lines.len());
        let mut at = 0;
        for l in &lines {
            starts.push(at);
            at += l.len() + 1;
        }
        let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).saturating_sub(1);
        // The last line a range covers: its end is exclusive and often the
        // `\n` after the block, which belongs to the block's own last line.
        let span = |r: &std::ops::Range<usize>| {
            let first = line_of(r.start);
            let last = line_of(r.end.saturating_sub(1).max(r.start));
            (first, last.max(first) + 1)
        };
        let mut headings = Vec::new();
        let mut code = vec![false; lines.len()];
        let mut depth = 0usize;
        // The heading being read: level, its range, the span of its content.
        type Open = (usize, std::ops::Range<usize>, Option<(usize, usize)>);
        let mut open: Option<Open> = None;
        let masked = mask_brackets(body);
        for (event, range) in Parser::new_ext(&masked, options()).into_offset_iter() {
            match event {
                Event::Start(
                    Tag::BlockQuote(_) | Tag::List(_) | Tag::Item | Tag::FootnoteDefinition(_),
                ) => depth += 1,
                Event::End(
                    TagEnd::BlockQuote(_)
                    | TagEnd::List(_)
                    | TagEnd::Item
                    | TagEnd::FootnoteDefinition,
                ) => depth = depth.saturating_sub(1),
                Event::Start(Tag::Heading { level, .. }) if depth == 0 => {
                    open = Some((level as usize, range, None));
                    continue;
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, range, content)) = open.take() {
                        let (line, end) = span(&range);
                        let text = content
                            .and_then(|(from, to)| body.get(from..to))
                            .map(plain_inline)
                            .unwrap_or_default();
                        headings.push(Heading {
                            level,
                            text,
                            line,
                            end,
                        });
                    }
                    continue;
                }
                Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock) => {
                    let (first, end) = span(&range);
                    for c in code.iter_mut().take(end).skip(first) {
                        *c = true;
                    }
                }
                _ => {}
            }
            // Everything inside a heading is its content.
            if let Some((_, _, content)) = open.as_mut() {
                let (from, to) = content.get_or_insert((range.start, range.end));
                *from = (*from).min(range.start);
                *to = (*to).max(range.end);
            }
        }
        Outline {
            lines,
            headings,
            code,
        }
    }
}

/// `body` with `[` and `]` as `x`: same length, same line breaks.
fn mask_brackets(body: &str) -> Cow<'_, str> {
    if !body.bytes().any(|b| b == b'[' || b == b']') {
        return Cow::Borrowed(body);
    }
    let bytes: Vec<u8> = body
        .bytes()
        .map(|b| if b == b'[' || b == b']' { b'x' } else { b })
        .collect();
    // ASCII for ASCII keeps UTF-8 valid; the fallback is never taken.
    String::from_utf8(bytes).map_or(Cow::Borrowed(body), Cow::Owned)
}

/// Whitespace folded to single spaces, ends trimmed.
fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Inline Markdown as plain text: `**bold**` → `bold`, `[Tool](https://…)` →
/// `Tool`, `` `code` `` → `code`, `<br>` and other HTML → a space, images →
/// their alt text. For prompts that come from a line rather than a heading
/// (front matter `title:`, prompt markers); a stray unmatched `**` or `__` at
/// either end (`**Q: Why?**` cut by the marker) is dropped too. The text is
/// read as inline content only: `1. Intro` stays `1. Intro`, not a list item.
pub(crate) fn plain_inline(text: &str) -> String {
    let mut out = String::new();
    // A no-break space first: no block starts with it (CommonMark indents
    // with spaces and tabs only), and as Unicode whitespace it leaves the
    // flanking of a leading `*` or `_` as it was. `fold` drops it again.
    let inline = format!("\u{a0}{text}");
    for event in Parser::new_ext(&inline, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::InlineHtml(_)
            | Event::Html(_)
            | Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => out.push(' '),
            _ => {}
        }
    }
    let folded = fold(&out);
    let trimmed = folded
        .trim_start_matches(['*', '_'])
        .trim_end_matches(['*', '_'])
        .trim();
    if trimmed.is_empty() {
        // Nothing but markup (or a lone `#`): keep what the author wrote.
        return fold(text);
    }
    trimmed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(body: &str) -> Vec<(usize, String, usize, usize)> {
        Outline::parse(body)
            .headings
            .into_iter()
            .map(|h| (h.level, h.text, h.line, h.end))
            .collect()
    }

    #[test]
    fn atx_and_setext_headings() {
        let body = "Title\n=====\n\nintro\n\nPart two\nspans lines\n---\ntext\n## ATX ##\n";
        assert_eq!(
            heads(body),
            vec![
                (1, "Title".into(), 0, 2),
                (2, "Part two spans lines".into(), 5, 8),
                (2, "ATX".into(), 9, 10),
            ]
        );
    }

    #[test]
    fn headings_in_containers_and_code_do_not_count() {
        let body =
            "> ## quoted\n\n- ## listed\n\n```\n## fenced\n```\n\n    ## indented\n\n## Real\n";
        assert_eq!(heads(body), vec![(2, "Real".into(), 10, 11)]);
        let o = Outline::parse(body);
        assert_eq!(
            o.code,
            vec![
                false, false, false, false, true, true, true, false, true, false, false, false
            ]
        );
    }

    #[test]
    fn unclosed_fence_in_a_quote_ends_with_the_quote() {
        let body = "## A\n> ```\n> code\n\n## B\ntext\n";
        assert_eq!(
            heads(body).into_iter().map(|h| h.1).collect::<Vec<_>>(),
            ["A", "B"]
        );
    }

    #[test]
    fn html_blocks_hide_headings_and_inline_html_leaves_text() {
        let body = "<details>\n## not a heading\n</details>\n\n## <a name=\"x\"></a>Real<br>one\n\
                    ## [Link](https://x.y) `code` **bold** {#id}\n## 1. Numbered\n";
        assert_eq!(
            heads(body),
            vec![
                (2, "Real one".into(), 4, 5),
                (2, "Link code bold".into(), 5, 6),
                (2, "1. Numbered".into(), 6, 7),
            ]
        );
        assert!(Outline::parse(body).code[1]);
    }

    #[test]
    fn plain_inline_strips_markup() {
        assert_eq!(plain_inline("**Which** `editor`?"), "Which editor?");
        assert_eq!(plain_inline("[Tool](https://x.y/z): Notes"), "Tool: Notes");
        assert_eq!(plain_inline("Line<br>break"), "Line break");
        assert_eq!(plain_inline("Why?**"), "Why?");
        assert_eq!(plain_inline("C#"), "C#");
        assert_eq!(plain_inline("**"), "**");
        assert_eq!(plain_inline("1. Intro"), "1. Intro");
        assert_eq!(plain_inline("> not a quote"), "> not a quote");
        assert_eq!(plain_inline("_Emphasis_ first"), "Emphasis first");
    }
}
