//! Edit classification: what a candidate pair's edit is, judged on a
//! normalised prose view of both sides rather than on raw Markdown.
//!
//! The prose view ([`prose`]) is what a reader sees: link text without its
//! URL, no images, reference definitions, HTML, list markers, emphasis,
//! heading marks or code fences, and wrapping ignored. Words are counted
//! with Unicode word segmentation (UAX #29, the unicode-segmentation crate),
//! so each CJK ideograph is a word and a URL, a `*` bullet or a `|` is none.
//!
//! [`judge`] gives each candidate either a kept class ([`Edit`]) or the
//! reason it is dropped (a `&'static str` skip reason of the summary).

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use regex::Regex;
use similar::{Algorithm, DiffOp};
use unicode_segmentation::UnicodeSegmentation;

use super::{EditFilters, narrow};

/// The prose a reader sees in a Markdown text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prose {
    /// Words in order (Unicode word segmentation): each CJK ideograph is a
    /// word; punctuation, bullets and URLs are not.
    pub words: Vec<String>,
    /// Link, image and bare URL destinations, in order.
    pub urls: Vec<String>,
    /// Where sentences end (a `.`, `!`, `?` or `…` and a space between two
    /// words, a CJK full stop, and the end of every block: paragraph, list
    /// item, heading, code block, table row): word counts, ascending.
    pub sentence_ends: Vec<usize>,
    /// For each word, the inline code span or link text it is in (a number
    /// unique within the text), or 0 for plain prose.
    pub spans: Vec<u32>,
}

fn re(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

static BARE_URL: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)\b(?:https?|ftp)://[^\s<>]+|\bwww\.[^\s<>]+\.[^\s<>]+"));

/// The prose view of a Markdown text (CommonMark with tables, strikethrough
/// and task lists, parsed by pulldown-cmark).
pub fn prose(markdown: &str) -> Prose {
    let mut out = Prose::default();
    let mut text = String::new();
    // Inline code spans and link texts of the open block: byte ranges of
    // `text` and their ids.
    let mut spans: Vec<(usize, usize, u32)> = Vec::new();
    let mut next_span = 0u32;
    let mut link_start: Option<usize> = None;
    let mut image_depth = 0usize;
    // Inside an HTML comment that spans events (lines of an HTML block).
    let mut in_comment = false;
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                image_depth += 1;
                out.urls.push(dest_url.to_string());
            }
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            _ if image_depth > 0 => {}
            Event::Start(Tag::Link { dest_url, .. }) => {
                out.urls.push(dest_url.to_string());
                link_start = Some(text.len());
            }
            Event::End(TagEnd::Link) => {
                if let Some(start) = link_start.take() {
                    next_span += 1;
                    spans.push((start, text.len(), next_span));
                }
                text.push(' ');
            }
            Event::Code(t) => {
                text.push(' ');
                let start = text.len();
                push_text(&t, &mut text, &mut out.urls);
                next_span += 1;
                spans.push((start, text.len(), next_span));
                text.push(' ');
            }
            Event::Text(t) => push_text(&t, &mut text, &mut out.urls),
            Event::Html(t) | Event::InlineHtml(t) => html_text(&t, &mut in_comment, &mut text),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableCell
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::List(_)
                | TagEnd::HtmlBlock,
            ) => out.end_block(&mut text, &mut spans),
            _ => {}
        }
    }
    out.end_block(&mut text, &mut spans);
    out
}

/// Appends `t` to `text` with its bare URLs taken out (each becomes a space
/// and goes to `urls`).
fn push_text(t: &str, text: &mut String, urls: &mut Vec<String>) {
    let Some(url) = BARE_URL.as_ref() else {
        text.push_str(t);
        return;
    };
    let mut at = 0;
    for m in url.find_iter(t) {
        text.push_str(&t[at..m.start()]);
        text.push(' ');
        urls.push(m.as_str().to_string());
        at = m.end();
    }
    text.push_str(&t[at..]);
}

/// The text of an HTML fragment as a reader sees it: tags become spaces,
/// comments vanish (`in_comment` carries one across fragments).
fn html_text(html: &str, in_comment: &mut bool, text: &mut String) {
    let mut rest = html;
    loop {
        if *in_comment {
            let Some(end) = rest.find("-->") else { return };
            rest = &rest[end + 3..];
            *in_comment = false;
        }
        let Some(open) = rest.find('<') else {
            text.push_str(rest);
            return;
        };
        text.push_str(&rest[..open]);
        text.push(' ');
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after;
            *in_comment = true;
            continue;
        }
        let Some(close) = rest.find('>') else { return };
        rest = &rest[close + 1..];
    }
}

/// Does this text between two words end a sentence: a line break (a code
/// block's lines; a paragraph's soft breaks are spaces by now), a CJK full
/// stop, exclamation or question mark, or a `.`, `!`, `?` or `…` followed by
/// whitespace or a closing bracket or quote?
fn ends_sentence(gap: &str) -> bool {
    let closes =
        |c: &char| c.is_whitespace() || matches!(c, ')' | ']' | '"' | '\'' | '”' | '’' | '»');
    let mut chars = gap.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\n' | '\r' | '。' | '！' | '？' => return true,
            '.' | '!' | '?' | '…' if chars.peek().is_some_and(closes) => return true,
            _ => {}
        }
    }
    false
}

impl Prose {
    fn end_block(&mut self, text: &mut String, spans: &mut Vec<(usize, usize, u32)>) {
        let before = self.words.len();
        let mut gap_from = 0;
        // Spans are in text order, as words are: one pass over both.
        let mut open = spans.iter().peekable();
        for (at, word) in text.unicode_word_indices() {
            // A sentence ended before this word when the gap since the last
            // one holds a terminal mark (a cheap stand-in for UAX #29
            // sentence breaks, which cost a tenth of `mine`'s time).
            if self.words.len() > before && ends_sentence(&text[gap_from..at]) {
                self.sentence_ends.push(self.words.len());
            }
            while open.next_if(|(_, end, _)| *end <= at).is_some() {}
            let span = open
                .peek()
                .filter(|(start, _, _)| *start <= at)
                .map_or(0, |s| s.2);
            self.words.push(word.to_string());
            self.spans.push(span);
            gap_from = at + word.len();
        }
        if self.words.len() > before {
            self.sentence_ends.push(self.words.len());
        }
        text.clear();
        spans.clear();
    }
}

/// The class of a kept edit, written as `meta.edit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// A local fix that is no expansion: at most [`CORRECTION_HUNKS`]
    /// changed places, together at most [`CORRECTION_WORDS`] words or
    /// [`CORRECTION_SHARE`] of the rejected side's words, whichever is more
    /// (a wrong word, an omitted flag, a clarified phrase, a repeated item
    /// removed).
    Correction,
    /// Material added (not only whole blocks at the end, see `Append`):
    /// more than [`CORRECTION_INSERT`] words added, and at least
    /// [`EXPANSION_RATIO`] times the words removed.
    Expansion,
    /// Any other kept edit: words removed and added in many places or in
    /// bulk, the same answer said differently.
    Rewrite,
    /// Chosen is rejected with whole blocks added (new paragraphs, list
    /// items or subsections, at the end or in between, not a sentence
    /// continued) and at most [`GROWTH_TWEAK_WORDS`] other words changed;
    /// kept only with `keep_append_only`. Read on the quality harness's
    /// labelled sheet, such growth was the largest BAD kind (38 of 101).
    Append,
}

impl Edit {
    pub fn as_str(self) -> &'static str {
        match self {
            Edit::Correction => "correction",
            Edit::Expansion => "expansion",
            Edit::Rewrite => "rewrite",
            Edit::Append => "append",
        }
    }
}

/// Words outside the added blocks an `Append` may change (a word tweaked
/// while new items were added).
pub const GROWTH_TWEAK_WORDS: usize = 3;
/// Changed places (diff hunks) a correction may touch.
pub const CORRECTION_HUNKS: usize = 3;
/// Words (added + removed) a correction may change at least...
pub const CORRECTION_WORDS: usize = 8;
/// ...or this share of the rejected side's words, when that is more.
pub const CORRECTION_SHARE: f64 = 0.15;
/// Words an edit may add, however few it removes, and not be an
/// expansion (an omitted word or flag is a correction).
pub const CORRECTION_INSERT: usize = 3;
/// Added words per removed word that make an edit an expansion.
pub const EXPANSION_RATIO: usize = 3;
/// A rejected side this short (in prose words) is a stub when the chosen
/// side is at least [`STUB_GROWTH`] times longer and [`STUB_MIN_CHOSEN`] words.
pub const STUB_MAX_WORDS: usize = 3;
pub const STUB_GROWTH: usize = 10;
pub const STUB_MIN_CHOSEN: usize = 40;
/// A rejected side of at most this many words that says it is unwritten
/// ([`STUB`]) is a placeholder.
pub const STUB_PHRASE_MAX_WORDS: usize = 12;
static STUB: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:todo|tbd|tba|tbc|fixme|xxx|wip|placeholder|stub|lorem ipsum|coming soon|work in progress|more (?:to come|later|soon)|to (?:be|do) (?:added|written|done|filled|completed|determined|expanded|continued|defined|decided|described|documented)|fill (?:this |me )?in|write (?:this|me)|under construction)\b",
    )
});

static LIST_MARKER: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^\s*(?:>\s*)*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?(.*)$"));
static LINK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"!?\[[^\]]*\]\([^)]*\)|!?\[[^\]]*\]\[[^\]]*\]|<(?:https?|ftp)://[^>]*>|(?i)\b(?:https?|ftp)://\S+|\bwww\.\S+",
    )
});
static REF_DEF: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"^\s{0,3}\[[^\]]+\]:\s*\S+"));

/// Is this Markdown line a link entry: a list item that opens with its link
/// (`- [Title](url) - what it is`, however long the description: on the
/// personal wiki of the quality harness, link entries with 13 to 40 words of
/// description were a third of its pairs after narrowing, and a reader
/// judged their edits link curation), a line of links only, or a reference
/// definition?
fn link_line(line: &str) -> bool {
    let (Some(item), Some(link), Some(def)) = (&*LIST_MARKER, &*LINK, &*REF_DEF) else {
        return false;
    };
    if def.is_match(line) {
        return true;
    }
    // a list item may describe its link; any other line must be links only
    // (a wrapped paragraph line with a link in it is prose)
    let (rest, max_words) = match item.captures(line).and_then(|c| c.get(1)) {
        Some(m) => (m.as_str(), usize::MAX),
        None => (line, 0),
    };
    // A link entry opens with its link (`- [Title](url) - what it is`); an
    // item that only mentions a link in a sentence is a tip in prose.
    let opens = rest.trim_start_matches(['*', '_', ' ']);
    if link.find(opens).is_none_or(|m| m.start() != 0) {
        return false;
    }
    link.replace_all(rest, " ").unicode_words().count() <= max_words
}

/// Word similarity at or above which a changed list item is the same item
/// revised rather than one item swapped for another.
pub const ITEM_REVISED_SIMILARITY: f32 = 0.5;

/// Is the edit list curation: list items removed, or swapped for other
/// items (with or without some added), and no item revised in place? Every
/// changed block ([`narrow::blocks`]) must be a list item, at least one
/// must leave (growth alone is `append_only`'s), and no item that left may
/// have a counterpart among the items that came with word similarity of
/// [`ITEM_REVISED_SIMILARITY`] or more.
fn list_churn(rejected: &str, chosen: &str) -> bool {
    let Some(item) = &*LIST_MARKER else {
        return false;
    };
    let blocks = |t: &str| -> Vec<String> {
        narrow::blocks(t)
            .into_iter()
            .map(|r| t[r].trim_end().to_string())
            .collect()
    };
    let (old, new) = (blocks(rejected), blocks(chosen));
    let ops = similar::capture_diff_slices(Algorithm::Myers, &old, &new);
    let mut left = 0;
    for op in &ops {
        if let DiffOp::Equal { .. } = op {
            continue;
        }
        let (gone, came) = (&old[op.old_range()], &new[op.new_range()]);
        if !gone
            .iter()
            .chain(came)
            .all(|b| item.is_match(b.lines().next().unwrap_or("")))
        {
            return false;
        }
        left += gone.len();
        let words = |b: &str| prose(b).words;
        let came_words: Vec<Vec<String>> = came.iter().map(|c| words(c)).collect();
        for g in gone {
            let gw = words(g);
            // Revised: similar as a whole, or most of the shorter item's
            // words kept in the other (`- Walk` → `- Walk for an hour after
            // lunch` grows the item; it swaps nothing).
            let revised = came_words.iter().any(|cw| {
                let ops = similar::capture_diff_slices(Algorithm::Myers, &gw, cw);
                let kept: usize = ops
                    .iter()
                    .filter_map(|op| match op {
                        DiffOp::Equal { len, .. } => Some(*len),
                        _ => None,
                    })
                    .sum();
                let shorter = gw.len().min(cw.len()).max(1);
                similar::diff_ratio(&ops, gw.len(), cw.len()) >= ITEM_REVISED_SIMILARITY
                    || kept as f32 >= ITEM_REVISED_SIMILARITY * shorter as f32
            });
            if revised {
                return false;
            }
        }
    }
    left > 0
}

/// What [`judge`] found: the word counts and similarity of the prose views,
/// and the class (or the reason to drop).
#[derive(Debug, Clone)]
pub struct Judgement {
    pub words_added: usize,
    pub words_removed: usize,
    /// Word-level similarity of the prose views, 0 to 1 (2 × matching words
    /// / total words, as `similar` computes it).
    pub similarity: f64,
    pub outcome: Result<Edit, &'static str>,
    /// [`words_hash`] of each side's prose view: equal hashes, the same
    /// text as a reader sees it.
    pub rejected_hash: u128,
    pub chosen_hash: u128,
}

/// The word diff of two prose views (Myers, given 200 ms before it settles
/// for a coarser diff).
fn word_ops(old: &[String], new: &[String]) -> Vec<DiffOp> {
    let deadline = Instant::now() + Duration::from_millis(200);
    similar::capture_diff_slices_deadline(Algorithm::Myers, old, new, Some(deadline))
}

/// A word for telling one substitution repeated: case folded, a plural `s` dropped.
fn stem(w: &str) -> String {
    let w = w.to_lowercase();
    match w.strip_suffix('s') {
        Some(s) if s.chars().count() >= 3 => s.to_string(),
        _ => w,
    }
}

/// A short replacement by its stemmed words: (removed, added).
type Substitution = (Vec<String>, Vec<String>);

/// Judges one candidate: `rejected` and `chosen` are the two Markdown texts.
/// The drops, checked in this order, each a skip reason:
/// `url_only` and `markup_only` (prose views equal; URLs changed or not),
/// `link_list_churn` (every changed line is a link entry), `list_churn`
/// (list items removed or swapped, none revised: [`list_churn`]), `placeholder`
/// (a stub rejected side), `rename_only` (one or two substitutions of at
/// most 3 words, each repeated at 2 or more places, and at most
/// [`GROWTH_TWEAK_WORDS`] other words changed), `append_only` (whole
/// sentences or blocks added; unless `keep_append_only`), `link_list_churn`
/// again for whole code spans or links added to a sentence
/// ([`enumeration_growth`]), then the size filters `edit_below_min_words`,
/// `edit_above_max_similarity`, `edit_below_min_similarity`. The drops
/// that need more than the two texts are the caller's: `moved` ([`moved`]),
/// `reverted` and `duplicate` (the unit's history and the run).
pub fn judge(rejected: &str, chosen: &str, filters: &EditFilters) -> Judgement {
    let (r, c) = (prose(rejected), prose(chosen));
    let ops = word_ops(&r.words, &c.words);
    let (mut added, mut removed, mut hunks) = (0usize, 0usize, 0usize);
    // Short replacements (at most 3 words each side), by what they replace
    // (stemmed): (substitution, times seen, words changed).
    let mut substitutions: Vec<(Substitution, usize, usize)> = Vec::new();
    for op in &ops {
        let (old, new) = (op.old_range(), op.new_range());
        if let DiffOp::Equal { .. } = op {
            continue;
        }
        hunks += 1;
        removed += old.len();
        added += new.len();
        if let DiffOp::Replace { .. } = op
            && old.len() <= 3
            && new.len() <= 3
        {
            let words = old.len() + new.len();
            let sub = (
                r.words[old].iter().map(|w| stem(w)).collect::<Vec<_>>(),
                c.words[new].iter().map(|w| stem(w)).collect::<Vec<_>>(),
            );
            match substitutions.iter_mut().find(|(s, _, _)| *s == sub) {
                Some(seen) => {
                    seen.1 += 1;
                    seen.2 += words;
                }
                None => substitutions.push((sub, 1, words)),
            }
        }
    }
    // Words changed by substitutions made at 2 or more places.
    let renamed: usize = substitutions
        .iter()
        .filter(|(_, times, _)| *times >= 2)
        .map(|(_, _, words)| words)
        .sum();
    let similarity = f64::from(similar::diff_ratio(&ops, r.words.len(), c.words.len()));
    let (rejected_hash, chosen_hash) = (words_hash(&r.words), words_hash(&c.words));
    let judgement = |outcome| Judgement {
        words_added: added,
        words_removed: removed,
        similarity,
        outcome,
        rejected_hash,
        chosen_hash,
    };
    if r.words == c.words {
        return judgement(Err(if r.urls == c.urls {
            "markup_only"
        } else {
            "url_only"
        }));
    }
    let lines = similar::TextDiff::from_lines(rejected, chosen);
    let changed: Vec<(similar::ChangeTag, String)> = lines
        .iter_all_changes()
        .filter(|ch| ch.tag() != similar::ChangeTag::Equal)
        .map(|ch| (ch.tag(), ch.value().trim().to_string()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if !changed.is_empty() && changed.iter().all(|(_, l)| link_line(l)) {
        return judgement(Err("link_list_churn"));
    }
    // Lines only added, every line of the rejected side kept as it was: new
    // items or paragraphs, however the word diff aligned them (a newcomer
    // trial found new tips between others kept as `expansion`).
    let lines_only_added = !changed.is_empty()
        && changed
            .iter()
            .all(|(tag, _)| *tag == similar::ChangeTag::Insert);
    if list_churn(rejected, chosen) {
        return judgement(Err("list_churn"));
    }
    let (rn, cn) = (r.words.len(), c.words.len());
    // The stub phrase must open or close the text ("TODO: …", "To be added
    // in a follow-up PR", "… coming soon"), not merely occur in a sentence
    // ("Use a stub server for the tests").
    let joined = r.words.join(" ");
    let stub_phrase = STUB.as_ref().is_some_and(|s| {
        s.find(&joined)
            .is_some_and(|m| m.start() == 0 || m.end() == joined.len())
    });
    if rn == 0
        || (rn <= STUB_PHRASE_MAX_WORDS && stub_phrase)
        || (rn <= STUB_MAX_WORDS && cn >= STUB_MIN_CHOSEN && cn >= STUB_GROWTH * rn)
    {
        return judgement(Err("placeholder"));
    }
    // One or two terms replaced throughout (epoch → edition, PR → pull
    // request), and at most GROWTH_TWEAK_WORDS other words changed (a typo
    // fixed on the way: rfcs-36 and rfcs-49 of the 43277ca sheet).
    let repeated = substitutions.iter().filter(|(_, t, _)| *t >= 2).count();
    if (1..=2).contains(&repeated) && added + removed - renamed <= GROWTH_TWEAK_WORDS {
        return judgement(Err("rename_only"));
    }
    // Growth: whole new sentences or blocks (paragraphs, list items,
    // subsections) added anywhere, and at most GROWTH_TWEAK_WORDS other
    // words changed. Read on the labelled sheet of 43277ca, a sentence
    // tacked on to a paragraph or an item was append_only to the reader as
    // surely as a new item (rfcs-23, knowledge-30, knowledge-47).
    let edge = |at: usize| at == 0 || c.sentence_ends.binary_search(&at).is_ok();
    let grown_words: usize = ops
        .iter()
        .filter_map(|op| match *op {
            DiffOp::Insert {
                new_index, new_len, ..
            } if edge(new_index) && edge(new_index + new_len) => Some(new_len),
            _ => None,
        })
        .sum();
    let append = rn > 0
        && ((grown_words > 0 && added + removed - grown_words <= GROWTH_TWEAK_WORDS)
            || lines_only_added);
    // Naming more tools: whole inline code spans or links added to a
    // sentence (`ss`, `tcpdump` → `ss`, `tcpdump`, `ngrep`), at most one
    // plain word besides ("and") and at most one removed.
    if !append && removed <= 1 && added > 0 && enumeration_growth(&ops, &c) {
        return judgement(Err("link_list_churn"));
    }
    if append && !filters.keep_append_only {
        return judgement(Err("append_only"));
    }
    if added + removed < filters.min_words_changed {
        return judgement(Err("edit_below_min_words"));
    }
    if similarity > filters.max_similarity {
        return judgement(Err("edit_above_max_similarity"));
    }
    if similarity < filters.min_similarity {
        return judgement(Err("edit_below_min_similarity"));
    }
    let small = CORRECTION_WORDS.max((CORRECTION_SHARE * rn as f64).ceil() as usize);
    let edit = if append {
        Edit::Append
    } else if added > CORRECTION_INSERT && added >= EXPANSION_RATIO * removed.max(1) {
        Edit::Expansion
    } else if hunks <= CORRECTION_HUNKS && added + removed <= small {
        Edit::Correction
    } else {
        Edit::Rewrite
    };
    judgement(Ok(edit))
}

/// Are the words inserted whole inline code spans or link texts (each span
/// begins and ends inside an insertion), with at most one plain word among
/// them? `ops` is the word diff into `chosen`.
fn enumeration_growth(ops: &[DiffOp], chosen: &Prose) -> bool {
    let span = |i: usize| chosen.spans.get(i).copied().unwrap_or(0);
    let mut plain = 0;
    let mut named = 0;
    for op in ops {
        let range = match op {
            DiffOp::Equal { .. } | DiffOp::Delete { .. } => continue,
            _ => op.new_range(),
        };
        let (start, end) = (range.start, range.end);
        for i in range {
            match span(i) {
                0 => plain += 1,
                _ => named += 1,
            }
        }
        // a span cut by the insertion's edge was edited, not added
        let cut_start = start > 0 && span(start) != 0 && span(start - 1) == span(start);
        let cut_end = end < chosen.words.len() && span(end - 1) != 0 && span(end) == span(end - 1);
        if cut_start || cut_end {
            return false;
        }
        // a list of names grows next to a name already there; one command
        // added to a sentence of prose is an edit
        // (one plain word between: "`ss`, `tcpdump` and `ngrep`")
        let named_at = |i: Option<usize>| i.is_some_and(|i| i < chosen.words.len() && span(i) != 0);
        let beside = named_at(start.checked_sub(1))
            || named_at(start.checked_sub(2))
            || named_at(Some(end))
            || named_at(Some(end + 1));
        if !beside {
            return false;
        }
    }
    named > 0 && plain <= 1
}

/// Hash of words, case folded (a prose view's, or a prompt's).
pub fn words_hash<S: AsRef<str>>(words: &[S]) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for w in words {
        let w = w.as_ref();
        h.update(w.to_lowercase().as_bytes());
        h.update(b" ");
    }
    h.digest128()
}

/// The text lines of each unit of one file version (trimmed, those with a
/// letter or digit), for telling text moved between units.
#[derive(Default)]
pub struct Siblings<'a> {
    lines: std::collections::HashMap<&'a str, Vec<&'a str>>,
}

fn text_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.chars().any(char::is_alphanumeric))
}

impl<'a> Siblings<'a> {
    /// From each unit's (key, response).
    pub fn new(units: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut lines: std::collections::HashMap<&str, Vec<&str>> = Default::default();
        for (key, response) in units {
            for l in text_lines(response) {
                lines.entry(l).or_default().push(key);
            }
        }
        Siblings { lines }
    }

    fn elsewhere(&self, line: &str, key: &str) -> bool {
        self.lines
            .get(line)
            .is_some_and(|keys| keys.iter().any(|k| *k != key))
    }
}

/// Is the edit of unit `key` text moved between units of one file in one
/// revision: every line that left it is in another unit of the new
/// version (`after`), every line that came is in another unit of the old
/// one (`before`)? A section split in two, a paragraph moved to the
/// section where it belongs.
pub fn moved(rejected: &str, chosen: &str, key: &str, before: &Siblings, after: &Siblings) -> bool {
    let old: std::collections::HashSet<&str> = text_lines(rejected).collect();
    let new: std::collections::HashSet<&str> = text_lines(chosen).collect();
    let mut any = false;
    for l in old.difference(&new) {
        if !after.elsewhere(l, key) {
            return false;
        }
        any = true;
    }
    for l in new.difference(&old) {
        if !before.elsewhere(l, key) {
            return false;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The class `judge` gives `a` → `b` with the test filters, or the
    /// reason it drops the edit.
    fn class(a: &str, b: &str) -> &'static str {
        match judge(a, b, &filters()).outcome {
            Ok(e) => e.as_str(),
            Err(r) => r,
        }
    }

    fn filters() -> EditFilters {
        EditFilters {
            min_words_changed: 3,
            min_similarity: 0.0,
            max_similarity: 0.98,
            max_response_chars: 8000,
            narrow_from_chars: 1500,
            keep_append_only: false,
        }
    }

    fn words(md: &str) -> Vec<String> {
        prose(md).words
    }

    #[test]
    fn cjk_text_counts_one_word_per_ideograph() {
        assert_eq!(words("使用命令行").len(), 5);
        // space-separated counting would see one word here
        assert_eq!(words("中文文本没有空格").len(), 8);
        assert_eq!(words("Hello, 世界!"), ["Hello", "世", "界"]);
    }

    #[test]
    fn links_become_their_text_and_urls_are_no_words() {
        let p = prose("See [the guide](https://example.org/a/b?c=1) or https://x.org/y.");
        assert_eq!(p.words, ["See", "the", "guide", "or"]);
        assert_eq!(p.urls, ["https://example.org/a/b?c=1", "https://x.org/y."]);
        // images and reference definitions are dropped
        let p = prose("![logo](a.png) Text [ref][1].\n\n[1]: https://example.org\n");
        assert_eq!(p.words, ["Text", "ref"]);
    }

    #[test]
    fn list_markers_emphasis_fences_and_wrapping_are_ignored() {
        let a = prose("* one **two**\n* three\n\n```sh\nls -l\n```\n");
        let b = prose("- one _two_\n- three\n\n~~~\nls -l\n~~~\n");
        assert_eq!(a, b);
        assert_eq!(a.words, ["one", "two", "three", "ls", "l"]);
        assert_eq!(
            prose("A long line\nwrapped here.").words,
            prose("A long line wrapped here.").words
        );
        assert_eq!(words("## Heading\n1. item"), ["Heading", "item"]);
    }

    #[test]
    fn text_inside_html_is_prose_and_comments_are_not() {
        assert_eq!(
            class(
                "<p>The config file lives in the etc directory of the home folder.</p>\n",
                "<p>The config file lives in the .config directory under your own home folder.</p>\n"
            ),
            "correction"
        );
        assert_eq!(
            class(
                "Start small.\n\n<!-- TODO: say\nmore here -->\n",
                "Start small.\n\n<!-- reviewed -->\n"
            ),
            "markup_only"
        );
        assert_eq!(
            prose("a <b>bold</b> <br> word").words,
            ["a", "bold", "word"]
        );
    }

    #[test]
    fn prose_that_mentions_a_link_or_a_stub_word_is_judged_as_prose() {
        // a tip that mentions a tool's link is prose, not a link entry
        assert_eq!(
            class(
                "- Use [grep](http://g) to search files by content in a tree.\n",
                "- Use [ripgrep](http://r) to search files recursively and fast by content.\n"
            ),
            "correction"
        );
        // a link entry still is one
        assert_eq!(
            class(
                "- [grep](http://g) - search\n",
                "- [grep](http://g) - search\n- [ripgrep](http://r) - search faster\n"
            ),
            "link_list_churn"
        );
        // "stub" inside a sentence is no placeholder; a leading TODO is
        assert_ne!(
            class(
                "Use a stub server for the tests.",
                "Run the tests against a local stub server that replays recorded responses."
            ),
            "placeholder"
        );
        assert_eq!(
            class(
                "To be added in a follow-up PR.",
                "The cache keys on the request path and the user, and expires after an hour of no use."
            ),
            "placeholder"
        );
    }

    #[test]
    fn new_blocks_added_anywhere_with_a_word_tweaked_are_growth() {
        let before = "- Use tmux to keep sessions alive.\n- Learn basic job control.\n";
        // a new tip in the middle of the list, and one word tweaked
        assert_eq!(
            class(
                before,
                "- Use tmux to keep sessions alive.\n- Use ssh-agent so keys are typed once per session.\n- Learn basic Bash job control.\n"
            ),
            "append_only"
        );
        // a sentence continued inside its paragraph is no new block
        assert_eq!(
            class(
                "Use tmux to keep sessions alive.\n",
                "Use tmux to keep sessions alive, even when the connection drops for an hour.\n"
            ),
            "expansion"
        );
        // new blocks plus a real rewording elsewhere are more than growth
        assert_ne!(
            class(
                before,
                "- Run tmux so a session survives a dropped connection.\n- Use ssh-agent so keys are typed once per session.\n- Learn basic job control.\n"
            ),
            "append_only"
        );
    }

    #[test]
    fn items_swapped_or_removed_are_list_churn_and_an_item_revised_is_not() {
        let old = "- Drink water every morning\n- Walk for an hour\n- Read before sleep\n";
        // one item swapped for another, one removed
        assert_eq!(
            class(
                old,
                "- Drink water every morning\n- Swim twice a week in summer\n"
            ),
            "list_churn"
        );
        assert_eq!(
            class(old, "- Drink water every morning\n- Read before sleep\n"),
            "list_churn"
        );
        // an item revised in place is an edit, whatever else changed
        assert_ne!(
            class(
                old,
                "- Drink water every morning\n- Walk for an hour after lunch, not after dinner\n- Swim\n"
            ),
            "list_churn"
        );
        // a paragraph among the changes: judged as prose
        assert_ne!(
            class(
                old,
                "Drink water every morning and walk.\n\n- Read before sleep\n"
            ),
            "list_churn"
        );
        // an item grown in place is revised, not swapped
        assert_ne!(
            class(
                old,
                "- Drink water every morning\n- Walk for an hour after lunch, briskly, on flat ground\n- Read before sleep\n"
            ),
            "list_churn"
        );
        // a new item between others, its first words like its neighbour's
        assert_eq!(
            class(
                "- Use `wc` to count lines.\n- Use `sort` to sort lines.\n",
                "- Use `wc` to count lines.\n- Use `tee` to copy input to a file and to standard output.\n- Use `sort` to sort lines.\n"
            ),
            "append_only"
        );
        // only items added: growth, not churn
        assert_eq!(
            class(
                old,
                &format!("{old}- Stretch\n- Sleep eight hours a night\n")
            ),
            "append_only"
        );
    }

    #[test]
    fn a_sentence_tacked_on_is_growth_and_a_clause_inside_one_is_not() {
        let base = "Stabilise the flag first. Then document it for users.";
        assert_eq!(
            class(
                base,
                &format!("{base} This can be resolved during stabilization.")
            ),
            "append_only"
        );
        assert_eq!(
            class(
                base,
                "Stabilise the flag first. This can wait a release. Then document it for users."
            ),
            "append_only"
        );
        assert_ne!(
            class(
                base,
                "Stabilise the flag first, once the lint has shipped for a release. Then document it for users."
            ),
            "append_only"
        );
    }

    #[test]
    fn more_tools_named_in_a_sentence_are_link_list_churn_and_a_code_fix_is_not() {
        let base = "For network debugging use `ss` and `tcpdump` on the host.";
        assert_eq!(
            class(
                base,
                "For network debugging use `ss`, `tcpdump` and `ngrep` on the host."
            ),
            "link_list_churn"
        );
        assert_eq!(
            class(
                base,
                "For network debugging use `ss`, [mtr](https://example.org/mtr) and `tcpdump` on the host."
            ),
            "link_list_churn"
        );
        // one command added to a sentence of prose is an edit
        assert_ne!(
            class(
                "To install it, run the download command and wait for it.",
                "To install it, run the download command `cargo install revmine --locked` and wait for it."
            ),
            "link_list_churn"
        );
        // a URL changed inside inline code is a URL change
        assert_eq!(
            class(
                "Fetch it with `curl -L https://old.example.org/tarball` first.",
                "Fetch it with `curl -L https://downloads.example.com/tarball` first."
            ),
            "url_only"
        );
        // a fix inside an existing code span is an edit of it
        let code = "Call `make_iter()` to get the fallback iterator for the slice.";
        assert_ne!(
            class(
                code,
                "Call `make_iter(slice: &[T]) -> Iter` to get the fallback iterator for the slice."
            ),
            "link_list_churn"
        );
    }

    #[test]
    fn a_term_replaced_throughout_with_a_typo_fixed_is_rename_only() {
        let old = "Open a PR for the change. Each PR needs a review, and a PR that \
                   touches the parser needs two. Teh bot merges it.";
        let new = "Open a pull request for the change. Each pull request needs a review, \
                   and a pull request that touches the parser needs two. The bot merges it.";
        assert_eq!(class(old, new), "rename_only");
        // one replacement alone is a correction, not a rename
        assert_ne!(
            class(
                "Each PR needs one review before merging into the main branch of the project.",
                "Each PR needs two reviews before merging into the main branch of the project."
            ),
            "rename_only"
        );
    }

    #[test]
    fn classes() {
        assert_eq!(
            class("Read [it](http://a.org).", "Read [it](https://b.org)."),
            "url_only"
        );
        assert_eq!(
            class("* a b c\n* d e f\n", "- a b c\n- d e f\n"),
            "markup_only"
        );
        assert_eq!(
            class(
                "Tools:\n\n- [A](http://a)\n",
                "Tools:\n\n- [A](http://a)\n- [B](http://b) - a b\n"
            ),
            "link_list_churn"
        );
        // a paragraph line holding a link is prose
        assert_eq!(
            class(
                "See [the guide](http://a) on unintialized memory and more.\n",
                "See [the guide](http://a) on uninitialized memory and more now.\n"
            ),
            "correction"
        );
        assert_eq!(
            class(
                "TODO",
                "A real answer with many words in it that explains the thing."
            ),
            "placeholder"
        );
        assert_eq!(
            class(
                "The epoch changes the syntax. Each epoch is opt in.",
                "The edition changes the syntax. Each edition is opt in."
            ),
            "rename_only"
        );
        assert_eq!(
            class(
                "Start small.",
                "Start small.\n\n## Then\n\nBlock an hour for it."
            ),
            "append_only"
        );
        // a sentence continued is no new block
        assert_eq!(
            class(
                "The importer.",
                "The importer, with resumable runs and a progress bar."
            ),
            "expansion"
        );
        let base = "Pick the smallest piece you can finish today and start there.";
        assert_eq!(
            class(
                base,
                "Pick the largest piece you can finish today and start there now."
            ),
            "correction"
        );
        assert_eq!(
            class(
                base,
                "Pick the smallest piece you can finish today. Write down what done means for it and who will see it. Then start there."
            ),
            "expansion"
        );
        assert_eq!(
            class(
                base,
                "Choose one small task, do it before lunch, then tell someone it is done."
            ),
            "rewrite"
        );
        let keep = EditFilters {
            keep_append_only: true,
            ..filters()
        };
        assert_eq!(
            judge(
                "Start small.",
                "Start small.\n\n- Then block an hour.",
                &keep
            )
            .outcome,
            Ok(Edit::Append)
        );
    }

    #[test]
    fn text_that_left_for_a_sibling_unit_is_moved() {
        let before = Siblings::new([("a", "One two three.\nFour five six."), ("b", "Seven.")]);
        let after = Siblings::new([("a", "One two three."), ("b", "Seven.\nFour five six.")]);
        assert!(moved(
            "One two three.\nFour five six.",
            "One two three.",
            "a",
            &before,
            &after
        ));
        assert!(moved(
            "Seven.",
            "Seven.\nFour five six.",
            "b",
            &before,
            &after
        ));
        // a line that went nowhere is an edit
        assert!(!moved(
            "One two three.\nGone.",
            "One two three.",
            "a",
            &before,
            &after
        ));
    }

    #[test]
    fn a_two_character_cjk_fix_counts_its_words() {
        let j = judge("这个命令很有用。", "这个命令非常有用。", &filters());
        assert!(j.words_added + j.words_removed >= 3, "{j:?}");
    }
}
