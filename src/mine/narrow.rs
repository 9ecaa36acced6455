//! Narrowing a candidate to the blocks its edit touched.
//!
//! A long section edited in one place is a poor preference pair: the
//! signal (a corrected flag, a clarified sentence) drowns in thousands of
//! characters both sides share, and over `max_response_chars` it is no pair
//! at all. [`narrow`] cuts both sides down to the run of blocks between the
//! first and the last changed block, so the pair holds what the author
//! revised, asked with the unit's own prompt.
//!
//! Blocks are CommonMark blocks (pulldown-cmark): each top-level paragraph,
//! heading, code block, block quote, table, HTML block or rule, and each item
//! of a top-level list (with everything nested in it).

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag};
use similar::{Algorithm, DiffOp};

/// A span is narrow enough to stand for the unit when it holds at most this
/// share of the longer side's characters; a wider edit keeps the whole unit.
pub const MAX_SPAN_SHARE: f64 = 0.5;

/// The source ranges of a Markdown text's blocks, in order (see the module
/// docs for what a block is).
pub fn blocks(markdown: &str) -> Vec<Range<usize>> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut out = Vec::new();
    let mut depth = 0usize;
    // Depth 1 is a top-level list's items when this is set.
    let mut in_list = false;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                match (&tag, depth) {
                    (Tag::List(_), 0) => in_list = true,
                    (_, 0) => out.push(range),
                    (Tag::Item, 1) if in_list => out.push(range),
                    _ => {}
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    in_list = false;
                }
            }
            // A rule or a stray leaf at the top level is a block of its own.
            _ if depth == 0 => out.push(range),
            _ => {}
        }
    }
    out
}

/// The two sides cut to the changed blocks: `(rejected, chosen)`, slices of
/// the inputs from the start of the first changed block to the end of the
/// last, on each side.
///
/// `None` when narrowing does not apply: either side has fewer than two
/// blocks, the edit only adds blocks or only removes them (growth and
/// trimming are judged on the whole unit, where they are recognised), or
/// the changed span holds more than [`MAX_SPAN_SHARE`] of the longer
/// side's characters and `force` is false (`force`: the unit is over the
/// size cap, so any narrower span is better than none).
pub fn narrow<'a>(rejected: &'a str, chosen: &'a str, force: bool) -> Option<(&'a str, &'a str)> {
    let (rb, cb) = (blocks(rejected), blocks(chosen));
    if rb.len() < 2 && cb.len() < 2 {
        return None;
    }
    let text = |src: &'a str, r: &Range<usize>| src[r.clone()].trim_end();
    let old: Vec<&str> = rb.iter().map(|r| text(rejected, r)).collect();
    let new: Vec<&str> = cb.iter().map(|r| text(chosen, r)).collect();
    let ops = similar::capture_diff_slices(Algorithm::Myers, &old, &new);
    let changed: Vec<&DiffOp> = ops
        .iter()
        .filter(|op| !matches!(op, DiffOp::Equal { .. }))
        .collect();
    // Only blocks added, or only removed (in one place or several): growth
    // and trimming are judged on the whole unit.
    if changed.iter().all(|op| matches!(op, DiffOp::Insert { .. }))
        || changed.iter().all(|op| matches!(op, DiffOp::Delete { .. }))
    {
        return None;
    }
    let (first, last) = (changed.first()?, changed.last()?);
    let (old_span, new_span) = (
        first.old_range().start..last.old_range().end,
        first.new_range().start..last.new_range().end,
    );
    if old_span.is_empty() || new_span.is_empty() {
        return None;
    }
    let slice = |src: &'a str, b: &[Range<usize>], span: &Range<usize>| {
        src[b[span.start].start..b[span.end - 1].end].trim_end()
    };
    let (r, c) = (
        slice(rejected, &rb, &old_span),
        slice(chosen, &cb, &new_span),
    );
    let longer = rejected.len().max(chosen.len()) as f64;
    let span = r.len().max(c.len()) as f64;
    let whole = r.len() == rejected.trim_end().len() && c.len() == chosen.trim_end().len();
    if whole || (!force && span > MAX_SPAN_SHARE * longer) {
        return None;
    }
    Some((r, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_top_level_blocks_and_list_items() {
        let md =
            "Intro line\nwrapped.\n\n- one\n- two\n  - nested\n\n```\ncode\n\n```\n\n> quote\n";
        let got: Vec<&str> = blocks(md).into_iter().map(|r| md[r].trim_end()).collect();
        assert_eq!(
            got,
            [
                "Intro line\nwrapped.",
                "- one",
                "- two\n  - nested",
                "```\ncode\n\n```",
                "> quote"
            ]
        );
    }

    #[test]
    fn a_local_fix_in_a_long_section_narrows_to_its_paragraph() {
        let filler = |i: usize| format!("Paragraph {i} says something long enough to matter here.");
        let mut old: Vec<String> = (0..10).map(filler).collect();
        let mut new = old.clone();
        old[4] = "Use ctrl-u to delete the whole line.".into();
        new[4] = "Use ctrl-u to delete back to the start of the line.".into();
        let (old, new) = (old.join("\n\n"), new.join("\n\n"));
        assert_eq!(
            narrow(&old, &new, false),
            Some((
                "Use ctrl-u to delete the whole line.",
                "Use ctrl-u to delete back to the start of the line."
            ))
        );
    }

    #[test]
    fn the_span_runs_from_the_first_to_the_last_changed_block() {
        let old =
            "- a is fine\n- b is wrong\n- c is fine\n- d is wrong\n- e\n- f\n- g\n- h\n- i\n- j\n";
        let new =
            "- a is fine\n- b is right\n- c is fine\n- d is right\n- e\n- f\n- g\n- h\n- i\n- j\n";
        assert_eq!(
            narrow(old, new, false),
            Some((
                "- b is wrong\n- c is fine\n- d is wrong",
                "- b is right\n- c is fine\n- d is right"
            ))
        );
    }

    #[test]
    fn growth_trimming_and_wide_edits_are_not_narrowed() {
        let old = "First.\n\nSecond.\n\nThird.\n";
        // only a block added, only one removed
        assert_eq!(
            narrow(old, "First.\n\nSecond.\n\nNew.\n\nThird.\n", false),
            None
        );
        assert_eq!(narrow(old, "First.\n\nThird.\n", false), None);
        // blocks added in two places
        assert_eq!(
            narrow(old, "First.\n\nNew.\n\nSecond.\n\nThird.\n\nLast.\n", true),
            None
        );
        // most of the text changed: the whole unit is the pair
        assert_eq!(narrow(old, "Uno.\n\nDos.\n\nThird.\n", false), None);
        // ...unless the unit is over the cap
        assert_eq!(
            narrow(old, "Uno.\n\nDos.\n\nThird.\n", true),
            Some(("First.\n\nSecond.", "Uno.\n\nDos."))
        );
        // one block each side: nothing to narrow to
        assert_eq!(narrow("One text.", "One better text.", true), None);
    }
}
