//! The spot-check sample as one self-contained HTML page (`revmine sample
//! --html`): a reviewer reads conversations as conversations and rewrites as
//! diffs, which a Markdown sheet cannot show.
//!
//! The page needs nothing but itself: inline CSS, inline SVG charts, system
//! fonts, no script and no URL, so it opens offline, from an email or an
//! artifact store, and shows the same everywhere. Every text from the data
//! goes through [`esc`]: a record holding `</script>` or `<b>` shows those
//! characters; it cannot add markup.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use crate::dataset::record::{RecordType, Speaker, turns};
use crate::review::sample::{LENGTH_BOUNDS, Picked, Sample, SheetHeader};

/// Pairs longer than this (bytes, both sides) are shown without a word diff,
/// which bounds the diff's cost by input size rather than by a timeout.
const MAX_DIFF_BYTES: usize = 64 << 10;

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1c2230;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1120px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 8px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eceef2;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
dl.head{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 16px}
dl.head dt{color:#5b6475}
dl.head dd{margin:0}
.charts{display:flex;flex-wrap:wrap;gap:16px;margin:0 0 16px}
figure.chart{margin:0;background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:12px}
figcaption{font-weight:600;margin-bottom:6px}
article.record{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:0 0 16px;padding:12px 16px}
.rhead{display:flex;flex-wrap:wrap;gap:8px;align-items:baseline;margin-bottom:8px}
.box{font-size:18px}
.tag{font-size:12px;padding:1px 8px;border-radius:10px;background:#e3e7ee}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:0 10px;font-size:13px;color:#4a5263;margin:0 0 10px}
dl.meta dd{margin:0;overflow-wrap:anywhere}
.conv{display:flex;flex-direction:column;gap:8px}
.bubble{max-width:78%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}
.bubble .who{display:block;font-size:11px;font-weight:600;color:#5b6475;text-transform:uppercase;letter-spacing:.04em}
.bubble.user{align-self:flex-start;background:#e6edfb;border-bottom-left-radius:4px}
.bubble.assistant{align-self:flex-end;background:#e5f3e8;border-bottom-right-radius:4px}
.bubble.output{outline:2px solid #2f7d3b}
pre.raw{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f7f9;padding:8px;border-radius:6px;margin:0}
.diff{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin-top:8px}
.side{border:1px solid #dde1e7;border-radius:8px;padding:8px 12px;white-space:pre-wrap;overflow-wrap:anywhere}
.side h3{margin:0 0 4px;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.side.rejected h3{color:#a3211a}
.side.chosen h3{color:#17632a}
del{background:#fbd9d6;color:#8c1d16;text-decoration:line-through}
ins{background:#cdeed3;color:#135422;text-decoration:none}
.note{font-size:12px;color:#5b6475}
"#;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole page.
pub fn render(header: &SheetHeader, sample: &Sample) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Spot-check: {}</title><style>{CSS}</style></head><body><main>\n",
        esc(&header.dataset)
    );
    let _ = write!(
        s,
        "<h1>Spot-check: <code>{}</code></h1>\n<dl class=\"head\">\
         <dt>content hash</dt><dd><code id=\"content-hash\">{}</code></dd>\
         <dt>records</dt><dd>{}</dd><dt>sample</dt><dd>{} (n {}, seed {})</dd>\
         <dt>date</dt><dd>{}</dd></dl>\n",
        esc(&header.dataset),
        header.content_hash,
        header.records,
        header.sampled,
        header.n,
        header.seed,
        esc(&header.date)
    );
    let _ = write!(
        s,
        "<p class=\"note\">Tick records on the Markdown sheet; this page shows the same sample.</p>\n\
         <section class=\"charts\">{}{}</section>\n",
        type_chart(sample),
        length_chart(sample)
    );
    let total = sample.picked.len();
    for (i, p) in sample.picked.iter().enumerate() {
        record(&mut s, i + 1, total, p);
    }
    s.push_str("</main></body></html>\n");
    s
}

fn record(s: &mut String, i: usize, total: usize, p: &Picked) {
    let ty = p.record_type();
    let _ = write!(
        s,
        "<article class=\"record\" data-type=\"{}\" id=\"r{i}\"><div class=\"rhead\">\
         <span class=\"box\" aria-hidden=\"true\">\u{2610}</span><b>{i}/{total}</b>\
         <code class=\"rid\">{}</code><span class=\"tag\">{}</span><span class=\"tag\">{}</span>\
         <span class=\"note\">line {}</span></div>",
        esc(ty),
        esc(&p.id),
        esc(ty),
        esc(p.source()),
        p.line
    );
    if let Some(meta) = p.record.get("meta").and_then(serde_json::Value::as_object) {
        s.push_str("<dl class=\"meta\">");
        for (k, v) in meta {
            let shown = match v {
                serde_json::Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            let _ = write!(s, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&clip(&shown, 300)));
        }
        s.push_str("</dl>\n");
    }
    match ty.parse::<RecordType>() {
        Ok(RecordType::Preference) => preference(s, p),
        Ok(RecordType::Chat) => {
            s.push_str("<div class=\"conv\">");
            let input = p.text("input").unwrap_or("");
            match turns(input) {
                Ok(ts) => {
                    for (who, text) in ts {
                        bubble(s, who, "", text);
                    }
                }
                Err(_) => {
                    let _ = write!(s, "<pre class=\"raw\">{}</pre>", esc(input));
                }
            }
            if let Some(out) = p.text("output") {
                bubble(s, Speaker::Assistant, " output", out);
            }
            s.push_str("</div>");
        }
        _ => {
            s.push_str("<div class=\"conv\">");
            if let Some(input) = p.text("input") {
                bubble(s, Speaker::User, "", input);
            }
            if let Some(out) = p.text("output") {
                bubble(s, Speaker::Assistant, " output", out);
            }
            s.push_str("</div>");
        }
    }
    s.push_str("</article>\n");
}

fn bubble(s: &mut String, who: Speaker, extra_class: &str, text: &str) {
    let (class, label) = match (who, extra_class.is_empty()) {
        (Speaker::User, _) => ("user", "User"),
        (Speaker::Assistant, true) => ("assistant", "Assistant"),
        (Speaker::Assistant, false) => ("assistant", "Assistant \u{b7} output"),
    };
    let _ = write!(
        s,
        "<div class=\"bubble {class}{extra_class}\"><span class=\"who\">{label}</span>{}</div>",
        esc(text)
    );
}

/// The prompt, then rejected and chosen side by side with a word diff:
/// words only in rejected are `<del>`, words only in chosen are `<ins>`.
fn preference(s: &mut String, p: &Picked) {
    let (prompt, chosen, rejected) = (
        p.text("prompt").unwrap_or(""),
        p.text("chosen").unwrap_or(""),
        p.text("rejected").unwrap_or(""),
    );
    s.push_str("<div class=\"conv\">");
    bubble(s, Speaker::User, "", prompt);
    s.push_str("</div>");
    let (left, right) = if chosen.len() + rejected.len() > MAX_DIFF_BYTES {
        s.push_str("<p class=\"note\">too long for a word diff; shown whole</p>");
        (esc(rejected), esc(chosen))
    } else {
        let diff = TextDiff::from_words(rejected, chosen);
        // Each side: its text as runs, unchanged or changed.
        let (mut old, mut new): (Vec<Run>, Vec<Run>) = Default::default();
        for change in diff.iter_all_changes() {
            let v = change.value();
            match change.tag() {
                ChangeTag::Equal => {
                    push_run(&mut old, false, v);
                    push_run(&mut new, false, v);
                }
                ChangeTag::Delete => push_run(&mut old, true, v),
                ChangeTag::Insert => push_run(&mut new, true, v),
            }
        }
        (
            marked(&join_gaps(old), "del"),
            marked(&join_gaps(new), "ins"),
        )
    };
    let _ = write!(
        s,
        "<div class=\"diff\"><div class=\"side rejected\"><h3>rejected</h3>{left}</div>\
         <div class=\"side chosen\"><h3>chosen</h3>{right}</div></div>"
    );
}

/// A stretch of one side's text: (changed, text).
type Run = (bool, String);

/// Appends `text` to the last run if it has the same state, else starts one.
fn push_run(runs: &mut Vec<Run>, changed: bool, text: &str) {
    match runs.last_mut() {
        Some((c, t)) if *c == changed => t.push_str(text),
        _ => runs.push((changed, text.to_string())),
    }
}

/// Folds a whitespace-only unchanged run between two changed runs into one
/// changed run, so a rewritten phrase reads as one mark, not a mark per word.
fn join_gaps(runs: Vec<Run>) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::with_capacity(runs.len());
    let mut it = runs.into_iter().peekable();
    while let Some((changed, text)) = it.next() {
        let gap = !changed && text.trim().is_empty();
        let between =
            gap && out.last().is_some_and(|(c, _)| *c) && it.peek().is_some_and(|(c, _)| *c);
        if between {
            if let (Some(last), Some((_, next))) = (out.last_mut(), it.next()) {
                last.1.push_str(&text);
                last.1.push_str(&next);
            }
        } else {
            push_run(&mut out, changed, &text);
        }
    }
    out
}

/// The runs as escaped HTML, changed runs wrapped in `<tag>`.
fn marked(runs: &[Run], tag: &str) -> String {
    let mut s = String::new();
    for (changed, text) in runs {
        if *changed {
            let _ = write!(s, "<{tag}>{}</{tag}>", esc(text));
        } else {
            s.push_str(&esc(text));
        }
    }
    s
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}\u{2026}", &s[..at]),
        None => s.to_string(),
    }
}

const COLOURS: [&str; 7] = [
    "#3b6fd8", "#2f9e6e", "#d9822b", "#8e5ad6", "#c2455a", "#3aa0b8", "#8a8f99",
];

/// Horizontal bars: records per type over the whole file.
fn type_chart(sample: &Sample) -> String {
    let mut rows: Vec<(&str, u64)> = RecordType::ALL
        .iter()
        .map(|t| (t.as_str(), sample.types[t.index()]))
        .collect();
    if sample.other_types > 0 {
        rows.push(("other", sample.other_types));
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (width, row_h) = (380, 24);
    let height = rows.len() * row_h + 8;
    let mut s = format!(
        "<figure class=\"chart\"><figcaption>Record types (all {} records)</figcaption>\
         <svg id=\"chart-types\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"records per type\" font-size=\"12\" font-family=\"sans-serif\">",
        sample.lines
    );
    for (i, (name, n)) in rows.iter().enumerate() {
        let y = 4 + i * row_h;
        let w = (*n as f64 / max as f64 * 220.0).round();
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\">{}</text><rect class=\"bar\" data-label=\"{}\" data-count=\"{n}\" \
             x=\"90\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{}\"><title>{}: {n}</title></rect>\
             <text x=\"{}\" y=\"{}\">{n}</text>",
            y + 15,
            esc(name),
            esc(name),
            row_h - 6,
            COLOURS[i % COLOURS.len()],
            esc(name),
            96.0 + w,
            y + 15
        );
    }
    s.push_str("</svg></figure>");
    s
}

/// Vertical bars: response length (`output`, or `chosen`) of every record, binned.
fn length_chart(sample: &Sample) -> String {
    let labels: Vec<String> = (0..=LENGTH_BOUNDS.len())
        .map(|i| match LENGTH_BOUNDS.get(i) {
            Some(b) if *b >= 1000 => format!("<{}k", b / 1000),
            Some(b) => format!("<{b}"),
            None => format!("{}k+", LENGTH_BOUNDS[LENGTH_BOUNDS.len() - 1] / 1000),
        })
        .collect();
    let max = sample.lengths.iter().copied().max().unwrap_or(0).max(1);
    let (width, height, plot, bar_w) = (400, 190, 130.0, 40);
    let mut s = format!(
        "<figure class=\"chart\"><figcaption>Response length, characters (output / chosen)</figcaption>\
         <svg id=\"chart-lengths\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"response length histogram\" font-size=\"11\" font-family=\"sans-serif\">"
    );
    for (i, (n, label)) in sample.lengths.iter().zip(&labels).enumerate() {
        let x = 4 + i * (bar_w + 9);
        let h = (*n as f64 / max as f64 * plot).round();
        let y = 20.0 + plot - h;
        let _ = write!(
            s,
            "<rect class=\"bar\" data-label=\"{}\" data-count=\"{n}\" x=\"{x}\" y=\"{y}\" width=\"{bar_w}\" \
             height=\"{h}\" fill=\"#3b6fd8\"><title>{}: {n}</title></rect>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{n}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            esc(label),
            esc(label),
            x + bar_w / 2,
            y - 4.0,
            x + bar_w / 2,
            20.0 + plot + 16.0,
            esc(label)
        );
    }
    s.push_str("</svg></figure>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::sample::draw;

    #[test]
    fn data_is_text_never_markup_and_diffs_mark_both_sides() {
        let lines = [
            serde_json::json!({"id":"c1","record_type":"chat","source":"real",
                "input":"User: hi </script><b>x\nAssistant: hello\nUser: next?","output":"Do <i>this</i> & that"}),
            serde_json::json!({"id":"p1","record_type":"preference","prompt":"Say it",
                "rejected":"You could start small today.","chosen":"You should start with one small task today."}),
        ];
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let sample = draw(&mut std::io::Cursor::new(text.as_bytes()), 10, 1).unwrap();
        let header = SheetHeader::new("d<x>.jsonl", &sample, "now");
        let page = render(&header, &sample);
        assert!(!page.contains("<script") && !page.contains("<b>x") && !page.contains("<i>this"));
        assert!(page.contains("hi &lt;/script&gt;&lt;b&gt;x"), "{page}");
        assert!(page.contains("d&lt;x&gt;.jsonl"));
        assert!(page.contains("<del>could</del>"), "{page}");
        assert!(page.contains("<ins>should</ins>"), "{page}");
        assert!(
            page.contains("<ins>with one"),
            "one mark for the phrase: {page}"
        );
        assert_eq!(
            page.matches("class=\"bubble user\"").count(),
            3,
            "two user turns and a prompt"
        );
        assert!(
            !page.contains("http://")
                || page.matches("http://").count()
                    == page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
        );
    }
}
