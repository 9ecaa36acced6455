//! The spot-check sample and its Markdown sheet.
//!
//! The plan asks for a "manual spot-check of 100 random records" before a
//! dataset is trained on. For the check to mean anything it must be
//! reproducible (anyone can draw the same records again) and tied to one
//! content (an edit after review voids it). So:
//!
//! - [`draw`] streams the file once, hashing every byte ([`ContentHash`]) and
//!   keeping the `n` records whose id has the smallest seeded xxh3 (bottom-k):
//!   the same file and seed give the same records, whatever the machine, and
//!   memory is bounded by `n` lines plus a few counters;
//! - [`render_sheet`] writes the sheet: a header naming file, hash, n, seed and
//!   date, then a `- [ ]` box per record with its id, type, source, provenance
//!   from `meta` and its text in fences longer than any backtick run in it,
//!   so Markdown in the data cannot break out of its block;
//! - [`parse_sheet`] reads a (ticked) sheet back for `review sign-off`.

use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::io::BufRead;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::dataset::content_hash::{ContentHash, ContentHasher};
use crate::dataset::fast::FastRecord;
use crate::dataset::record::RecordType;

/// Upper bounds (exclusive, in characters) of the response-length histogram
/// bins; the last bin is everything longer.
pub const LENGTH_BOUNDS: [u32; 7] = [50, 100, 200, 500, 1000, 2000, 5000];

/// One drawn record: its line, id and the whole parsed object.
#[derive(Debug, Clone)]
pub struct Picked {
    pub line: u64,
    pub id: String,
    pub record: Value,
}

impl Picked {
    /// A string field of the record, if it is one.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.record.get(field).and_then(Value::as_str)
    }

    pub fn record_type(&self) -> &str {
        self.text("record_type").unwrap_or("(no record_type)")
    }

    pub fn source(&self) -> &str {
        self.text("source").unwrap_or("(no source)")
    }

    /// The text fields a reviewer reads, in reading order, for this type.
    pub fn fields(&self) -> &'static [&'static str] {
        match self.record_type().parse::<RecordType>() {
            Ok(RecordType::Preference) => &["prompt", "chosen", "rejected"],
            _ => &["input", "output"],
        }
    }
}

/// What one pass over a dataset yields: the sample and the whole file's profile.
#[derive(Debug, Clone)]
pub struct Sample {
    pub content_hash: ContentHash,
    pub n: usize,
    pub seed: u64,
    /// Non-blank lines.
    pub lines: u64,
    /// Lines that could not be drawn: not a JSON object, or no non-empty string `id`.
    pub skipped: u64,
    /// The drawn records, in file order.
    pub picked: Vec<Picked>,
    /// Records per type, in [`RecordType::ALL`] order, over the whole file.
    pub types: [u64; 6],
    /// Records with a missing or unknown `record_type`.
    pub other_types: u64,
    /// Response (`output`, or `chosen` for preference) lengths, binned by [`LENGTH_BOUNDS`].
    pub lengths: [u64; 8],
}

/// Reads `reader` to its end, hashing it and drawing the `n` records with the
/// smallest `xxh3_64(id, seed)`. A read error is returned, never a partial sample.
pub fn draw(reader: &mut dyn BufRead, n: usize, seed: u64) -> std::io::Result<Sample> {
    let mut hasher = ContentHasher::default();
    // (priority, line, raw line): a max-heap holding the n smallest priorities.
    let mut heap: BinaryHeap<(u64, u64, Vec<u8>)> = BinaryHeap::new();
    let mut s = Sample {
        content_hash: ContentHash(0),
        n,
        seed,
        lines: 0,
        skipped: 0,
        picked: Vec::new(),
        types: [0; 6],
        other_types: 0,
        lengths: [0; 8],
    };
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        hasher.update(&buf);
        line_no += 1;
        let mut line = buf.as_slice();
        if line_no == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        s.lines += 1;
        let Some((id, ty, response_chars)) = summarise(line) else {
            s.skipped += 1;
            continue;
        };
        match ty {
            Some(ty) => s.types[ty.index()] += 1,
            None => s.other_types += 1,
        }
        let bin = LENGTH_BOUNDS
            .iter()
            .position(|&b| response_chars < b)
            .unwrap_or(LENGTH_BOUNDS.len());
        s.lengths[bin] += 1;
        let Some(priority) = id.map(|id| xxh3_64_with_seed(id.as_bytes(), seed)) else {
            s.skipped += 1;
            continue;
        };
        if n == 0 {
            continue;
        }
        if heap.len() < n {
            heap.push((priority, line_no, line.to_vec()));
        } else if heap
            .peek()
            .is_some_and(|top| (priority, line_no) < (top.0, top.1))
        {
            heap.pop();
            heap.push((priority, line_no, line.to_vec()));
        }
    }
    s.content_hash = hasher.finish();
    s.picked = heap
        .into_iter()
        .filter_map(|(_, line, raw)| {
            let record: Value = serde_json::from_slice(&raw).ok()?;
            let id = record.get("id")?.as_str()?.to_string();
            Some(Picked { line, id, record })
        })
        .collect();
    s.picked.sort_by_key(|p| p.line);
    Ok(s)
}

/// (id, type, response length in chars) of a line, or `None` if it is not a
/// JSON object. The fast reader answers for well-typed lines; anything else
/// takes the general parser.
fn summarise(line: &[u8]) -> Option<(Option<String>, Option<RecordType>, u32)> {
    let chars = |s: Option<&str>| s.map_or(0, |t| t.chars().count() as u32);
    let response = |ty: Option<RecordType>| ty.map_or("output", RecordType::response_field);
    if let Some(r) = FastRecord::parse(line) {
        let ty = r.record_type().and_then(|t| t.parse().ok());
        let id = r.id().filter(|id| !id.is_empty()).map(str::to_string);
        return Some((id, ty, chars(r.get(response(ty)))));
    }
    let v: Value = serde_json::from_slice(line).ok()?;
    let obj = v.as_object()?;
    let get = |k: &str| obj.get(k).and_then(Value::as_str);
    let ty = get("record_type").and_then(|t| t.parse().ok());
    let id = get("id").filter(|id| !id.is_empty()).map(str::to_string);
    Some((id, ty, chars(get(response(ty)))))
}

/// What a sheet says about itself, also written as a machine-readable comment
/// at its top so `review sign-off` needs no guessing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetHeader {
    pub format: u32,
    /// The dataset as the user named it to `revmine sample`.
    pub dataset: String,
    pub content_hash: ContentHash,
    pub n: usize,
    pub seed: u64,
    pub records: u64,
    pub sampled: usize,
    pub date: String,
}

const MARKER: &str = "<!-- revmine-sample ";

impl SheetHeader {
    pub fn new(dataset: &str, sample: &Sample, date: &str) -> Self {
        SheetHeader {
            format: 1,
            dataset: dataset.to_string(),
            content_hash: sample.content_hash,
            n: sample.n,
            seed: sample.seed,
            records: sample.lines,
            sampled: sample.picked.len(),
            date: date.to_string(),
        }
    }
}

/// The label after a record's box: `**i/k** id `…` · `type` · `source` · line L`.
/// `review sign-off` rebuilds these from the dataset and compares, so an edited
/// sheet (a record dropped, another swapped in) is caught.
pub fn box_label(i: usize, total: usize, p: &Picked) -> String {
    format!(
        "**{i}/{total}** id {} · {} · {} · line {}",
        code(&p.id),
        code(p.record_type()),
        code(p.source()),
        p.line
    )
}

/// The spot-check sheet in Markdown.
pub fn render_sheet(header: &SheetHeader, sample: &Sample) -> String {
    let mut s = String::new();
    // `>` escaped so no text in the JSON can end the comment early.
    let meta = serde_json::to_string(header)
        .unwrap_or_default()
        .replace('>', "\\u003e");
    let _ = writeln!(s, "{MARKER}{meta} -->");
    let _ = writeln!(s, "# Spot-check sheet: {}\n", code(&header.dataset));
    let _ = writeln!(s, "- dataset: {}", code(&header.dataset));
    let _ = writeln!(s, "- content hash: `{}`", header.content_hash);
    let _ = writeln!(
        s,
        "- records: {} ({} sampled; n {}, seed {})",
        header.records, header.sampled, header.n, header.seed
    );
    if sample.skipped > 0 {
        let _ = writeln!(
            s,
            "- lines not drawable (not a JSON object, or no `id`): {}",
            sample.skipped
        );
    }
    let _ = writeln!(s, "- date: {}", header.date);
    let _ = writeln!(
        s,
        "\nRead each record and tick its box (`- [x]`) once it is fit to train on. \
         If one is not, fix the dataset and draw a new sheet: the sign-off is tied to \
         this content hash. Then run\n`revmine review sign-off <this file> --by <your name>`.\n"
    );
    let total = sample.picked.len();
    for (i, p) in sample.picked.iter().enumerate() {
        let _ = writeln!(s, "---\n\n- [ ] {}", box_label(i + 1, total, p));
        if let Some(meta) = p.record.get("meta").and_then(Value::as_object) {
            for (k, v) in meta {
                let shown = match v {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                let _ = writeln!(s, "  - {}: {}", code(k), code(&clip(&shown, 200)));
            }
        }
        s.push('\n');
        for field in p.fields() {
            if let Some(text) = p.text(field) {
                let _ = writeln!(s, "**{field}**\n\n{}", fenced(text));
            }
        }
    }
    s
}

/// Shortens `s` to `max` chars, saying so.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}… ({} chars)", &s[..at], s.chars().count()),
        None => s.to_string(),
    }
}

/// Inline code that holds any text on one line: control characters are
/// escaped, and the backtick fence is longer than any run inside.
pub fn code(s: &str) -> String {
    let text: String = s
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_debug().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    let ticks = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// A fenced block no line of `text` can close: its fence is longer than any
/// backtick run in the text.
pub fn fenced(text: &str) -> String {
    let ticks = "`".repeat((longest_run(text, '`') + 1).max(3));
    let nl = if text.ends_with('\n') { "" } else { "\n" };
    format!("{ticks}text\n{text}{nl}{ticks}\n")
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for ch in s.chars() {
        cur = if ch == c { cur + 1 } else { 0 };
        best = best.max(cur);
    }
    best
}

/// A sheet read back: its header and, in order, each record box (ticked, label).
#[derive(Debug, Clone)]
pub struct ParsedSheet {
    pub header: SheetHeader,
    pub boxes: Vec<(bool, String)>,
}

/// Reads a sheet. Only boxes whose label starts `**i/k**` count, and only
/// outside fenced blocks, so neither the data's own checklists nor a
/// reviewer's notes are taken for record boxes.
pub fn parse_sheet(text: &str) -> Result<ParsedSheet, String> {
    let mut header = None;
    let mut boxes = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        if let Some((c, len)) = fence {
            let run = body.chars().take_while(|&ch| ch == c).count();
            if indent < 4 && run >= len && body[run..].trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if indent < 4 {
            for c in ['`', '~'] {
                let run = body.chars().take_while(|&ch| ch == c).count();
                if run >= 3 {
                    fence = Some((c, run));
                }
            }
            if fence.is_some() {
                continue;
            }
        }
        if let Some(json) = line
            .strip_prefix(MARKER)
            .and_then(|r| r.strip_suffix(" -->"))
        {
            if header.is_none() {
                header = Some(
                    serde_json::from_str::<SheetHeader>(json)
                        .map_err(|e| format!("line {}: unreadable sheet header: {e}", i + 1))?,
                );
            }
            continue;
        }
        let Some(rest) = body
            .strip_prefix("- [")
            .or_else(|| body.strip_prefix("* ["))
            .filter(|_| indent < 4)
        else {
            continue;
        };
        let mut chars = rest.chars();
        let (mark, after) = (chars.next(), chars.as_str());
        let Some(label) = after.strip_prefix("] ").filter(|l| is_record_label(l)) else {
            continue;
        };
        let ticked = match mark {
            Some('x' | 'X') => true,
            Some(' ') => false,
            other => {
                return Err(format!(
                    "line {}: box `[{}]` is neither ticked `[x]` nor open `[ ]`",
                    i + 1,
                    other.map(String::from).unwrap_or_default()
                ));
            }
        };
        boxes.push((ticked, label.trim_end().to_string()));
    }
    let header = header.ok_or_else(|| {
        "not a revmine spot-check sheet (no `<!-- revmine-sample … -->` header; make one with `revmine sample`)"
            .to_string()
    })?;
    Ok(ParsedSheet { header, boxes })
}

/// True for a label as [`box_label`] writes it: `**i/k** …`.
fn is_record_label(label: &str) -> bool {
    label
        .strip_prefix("**")
        .and_then(|r| r.split_once("**"))
        .and_then(|(nums, _)| nums.split_once('/'))
        .is_some_and(|(a, b)| a.parse::<usize>().is_ok() && b.parse::<usize>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> String {
        (0..n)
            .map(|i| {
                format!(
                    "{{\"id\":\"r{i}\",\"record_type\":\"qa\",\"input\":\"q{i}\",\"output\":\"{}\"}}\n",
                    "a".repeat(i % 300)
                )
            })
            .collect()
    }

    fn draw_str(text: &str, n: usize, seed: u64) -> Sample {
        draw(&mut std::io::Cursor::new(text.as_bytes()), n, seed).unwrap()
    }

    fn ids(s: &Sample) -> Vec<&str> {
        s.picked.iter().map(|p| p.id.as_str()).collect()
    }

    #[test]
    fn the_sample_is_bounded_seeded_and_in_file_order() {
        let text = lines(1000);
        let a = draw_str(&text, 50, 7);
        assert_eq!(a.picked.len(), 50);
        assert_eq!(ids(&a), ids(&draw_str(&text, 50, 7)));
        assert_ne!(ids(&a), ids(&draw_str(&text, 50, 8)));
        assert!(a.picked.windows(2).all(|w| w[0].line < w[1].line));
        assert_eq!(a.content_hash, ContentHash::of_bytes(text.as_bytes()));
        assert_eq!(
            (a.lines, a.types[1], a.lengths.iter().sum::<u64>()),
            (1000, 1000, 1000)
        );
        // bottom-k by id: appending records never swaps in one that would have been drawn before
        let more = draw_str(&format!("{text}{}", lines(1)), 50, 7);
        assert!(
            ids(&more)
                .iter()
                .all(|id| ids(&a).contains(id) || *id == "r0")
        );
    }

    #[test]
    fn undrawable_lines_are_counted_not_drawn() {
        let text = "{\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"o\"}\n[1]\n\n{bad\n";
        let s = draw_str(text, 10, 1);
        assert_eq!((s.lines, s.skipped, s.picked.len()), (3, 3, 0));
    }

    #[test]
    fn markdown_in_data_stays_inside_its_fence_and_sheets_parse_back() {
        let nasty = "```\n- [ ] **1/1** id `x` fake box\n````\n# heading";
        let rec = serde_json::json!({"id":"a`b\nc","record_type":"chat","input":"User: hi","output":nasty,
            "meta":{"repo":"notes","commits":["abc","def"]}});
        let text = format!("{rec}\n");
        let s = draw_str(&text, 5, 1);
        let header = SheetHeader::new("d --> x.jsonl", &s, "2026-01-01T00:00:00Z");
        let sheet = render_sheet(&header, &s);
        assert!(sheet.contains("`````text\n```\n- [ ] **1/1**"), "{sheet}");
        assert!(sheet.contains("id ``a`b\\nc`` · `chat`"), "{sheet}");
        assert!(
            sheet.contains("  - `commits`: `[\"abc\",\"def\"]`"),
            "{sheet}"
        );
        let parsed = parse_sheet(&sheet).unwrap();
        assert_eq!(parsed.header, header);
        assert_eq!(parsed.boxes, vec![(false, box_label(1, 1, &s.picked[0]))]);
        let ticked = parse_sheet(&sheet.replacen("- [ ] **1/1**", "- [x] **1/1**", 1)).unwrap();
        assert!(ticked.boxes[0].0);
        assert!(parse_sheet(&sheet.replacen("- [ ] **1/1**", "- [?] **1/1**", 1)).is_err());
        assert!(parse_sheet("# notes\n- [x] **1/1** x").is_err());
    }
}
