//! How a JSONL line and its parts are named in messages: ids escaped for a
//! terminal, why a line is not JSON, a line over the size cap.

// Also here, by the name the hook and `mine` were told to call it.
pub use crate::dataset::lfs::{LfsPointer, lfs_pointer};

/// Ids come from untrusted files and are printed to terminals: escape control characters.
pub fn sanitise(s: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = s.chars().take(MAX).flat_map(char::escape_debug).collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// The problem message for a line over the cap, shared by `check` and `ingest`.
pub fn long_line_message(len: u64, max: u64) -> String {
    format!("line is {len} bytes, over the limit of {max} ([limits] max_line_bytes)")
}

/// Says why a line is not JSON, naming the column, and tells bad UTF-8 apart.
pub fn json_error(line: &[u8], e: &serde_json::Error) -> String {
    if let Err(utf8) = std::str::from_utf8(line) {
        return format!(
            "invalid UTF-8 at byte {} of the line",
            utf8.valid_up_to() + 1
        );
    }
    let text = e.to_string();
    let reason = text.split(" at line ").next().unwrap_or(&text);
    let what = match e.classify() {
        serde_json::error::Category::Eof => "truncated JSON",
        _ => "invalid JSON",
    };
    match reason {
        "unexpected end of hex escape" | "lone leading surrogate in hex escape" => {
            if let Some((column, unit)) = lone_surrogate(line) {
                return format!(
                    "{what}: lone UTF-16 surrogate \\u{unit:04x} at column {column}: \\ud800-\\udbff must be followed by \\udc00-\\udfff (a pair encodes one character), and no reader of Arrow or Hugging Face datasets accepts one alone"
                );
            }
        }
        "number out of range" => {
            let (column, literal) = literal_at(line, e.column());
            return format!(
                "{what}: number {} at column {column} is beyond what a double holds: Hugging Face datasets (Arrow) refuses it",
                elide(&String::from_utf8_lossy(literal))
            );
        }
        _ => {}
    }
    if reason == "recursion limit exceeded" {
        // serde_json stops at 128 levels rather than overflow the stack.
        return format!(
            "{what}: nested more than 128 levels deep (the parser's limit) at column {}",
            e.column()
        );
    }
    format!("{what}: {reason} at column {}", e.column())
}

/// The first `\\uXXXX` escape in `line` that is half of a surrogate pair
/// without its other half: its 1-based byte column and code unit.
pub fn lone_surrogate(line: &[u8]) -> Option<(usize, u16)> {
    let unit = |at: usize| -> Option<u16> {
        let hex = line.get(at..at + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    };
    let mut i = 0;
    while i < line.len() {
        if line[i] != b'\\' {
            i += 1;
            continue;
        }
        match unit(i) {
            Some(hi @ 0xD800..=0xDBFF) => match unit(i + 6) {
                Some(0xDC00..=0xDFFF) => i += 12,
                _ => return Some((i + 1, hi)),
            },
            Some(lo @ 0xDC00..=0xDFFF) => return Some((i + 1, lo)),
            Some(_) => i += 6,
            // any other escape is two bytes, `\\\\` included
            None => i += 2,
        }
    }
    None
}

/// The number literal around serde_json's 1-based `column`, and the column it starts at.
fn literal_at(line: &[u8], column: usize) -> (usize, &[u8]) {
    let is_num = |b: &u8| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E');
    let at = column.saturating_sub(1).min(line.len());
    let start = at - line[..at].iter().rev().take_while(|b| is_num(b)).count();
    let end = at + line[at..].iter().take_while(|b| is_num(b)).count();
    (start + 1, &line[start..end])
}

/// A key or literal from the line for a message, escaped for a terminal: up
/// to 40 characters as it is, a longer one by its ends and its length.
pub fn elide(s: &str) -> String {
    const MAX: usize = 40;
    let count = s.chars().count();
    if count <= MAX {
        return sanitise(s);
    }
    let head: String = s.chars().take(16).collect();
    let tail: String = s.chars().skip(count - 16).collect();
    format!(
        "{}…{} ({count} characters)",
        sanitise(&head),
        sanitise(&tail)
    )
}

/// A file that is JSON written over many lines (a pretty-printed object, an
/// array of records, `jq .` output), not JSONL: told once for the file, not
/// once per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonDocument {
    /// 1-based line where it opens.
    pub line: u64,
    /// It opens with `[`.
    pub array: bool,
    /// Where it stops being JSON, if it does within the head read: (line, reason).
    pub error: Option<(u64, String)>,
}

impl JsonDocument {
    /// Says what the file is and how to convert it; `name` is the file as the user wrote it.
    pub fn message(&self, name: &str) -> String {
        let (what, jq) = if self.array {
            ("a JSON array written over many lines", "'.[]'")
        } else {
            ("JSON written over many lines (pretty-printed)", ".")
        };
        let out = match name.strip_suffix(".json") {
            Some(stem) => format!("{stem}.jsonl"),
            None => format!(
                "{}.lines.jsonl",
                name.strip_suffix(".jsonl").unwrap_or(name)
            ),
        };
        let mut s = format!(
            "this file is {what}, not JSONL (one record per line): convert it with `jq -c {jq} {name} > {out}`"
        );
        if let Some((line, reason)) = &self.error {
            s.push_str(&format!(
                " (it is not valid JSON either: {reason} at line {line})"
            ));
        }
        s
    }
}

/// Whether `head`, the first whole lines of a file, opens JSON written over
/// many lines. A JSONL file whose first line is merely broken is not one: the
/// JSON that opens on the first line must run on over at least three lines.
pub fn json_document(head: &[u8]) -> Option<JsonDocument> {
    use serde::de::IgnoredAny;
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    if !matches!(head[start], b'{' | b'[') {
        return None;
    }
    let rest = &head[start..];
    let first = rest.split(|&b| b == b'\n').next().unwrap_or(rest);
    match serde_json::from_slice::<IgnoredAny>(first) {
        Err(e) if e.is_eof() => {}
        // a whole value on its line, or a broken one: JSONL, judged line by line
        _ => return None,
    }
    let offset = memchr::memchr_iter(b'\n', &head[..start]).count() as u64;
    let document = |error| {
        Some(JsonDocument {
            line: offset + 1,
            array: head[start] == b'[',
            error,
        })
    };
    let mut values = serde_json::Deserializer::from_slice(rest).into_iter::<IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => document(None),
        Some(Err(e)) if e.is_eof() => {
            let lines = rest
                .split(|&b| b == b'\n')
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .take(3)
                .count();
            if lines >= 3 { document(None) } else { None }
        }
        Some(Err(e)) if e.line() >= 4 => {
            let text = e.to_string();
            let reason = text.split(" at line ").next().unwrap_or(&text).to_string();
            document(Some((offset + e.line() as u64, reason)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn told(line: &str) -> String {
        let e = serde_json::from_str::<serde_json::Value>(line).unwrap_err();
        json_error(line.as_bytes(), &e)
    }

    #[test]
    fn json_over_many_lines_is_told_from_jsonl() {
        let doc = |s: &str| json_document(s.as_bytes());
        let pretty = "{\n  \"id\": \"a\",\n  \"output\": \"x\"\n}\n";
        assert_eq!(
            doc(pretty),
            Some(JsonDocument {
                line: 1,
                array: false,
                error: None
            })
        );
        let array = "\n\n[\n{\"id\":\"a\"},\n{\"id\":\"b\"}\n]\n";
        assert_eq!(doc(array).map(|d| (d.line, d.array)), Some((3, true)));
        // `jq .` output: pretty-printed values one after another
        assert!(doc(&pretty.repeat(3)).is_some());
        // cut off by the head, or broken further down
        assert!(doc("[\n{\"id\":\"a\"},\n{\"id\":\"b\"},\n").is_some());
        let broken = doc("{\n \"a\": 1,\n \"b\": 2,\n \"c\": 3,,\n}\n").unwrap();
        assert_eq!(broken.error, Some((4, "key must be a string".to_string())));
        assert_eq!(
            broken.message("data.json"),
            "this file is JSON written over many lines (pretty-printed), not JSONL (one record per line): convert it with `jq -c . data.json > data.jsonl` (it is not valid JSON either: key must be a string at line 4)"
        );
        // JSONL, with or without a broken first line
        for jsonl in [
            "{\"id\":\"a\"}\n{\"id\":\"b\"}\n",
            "[1,2]\n{\"id\":\"b\"}\n",
            "{\"id\":\"a\",\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n",
            "{\"id\":\"a\",\"x\":\n{\"id\":\"b\"}\n",
            "{\"id\":\"a\",\n",
            "{\"id\":\"a\",\"x\":\"\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n",
            "not json\n{\n}\n",
            "",
        ] {
            assert_eq!(doc(jsonl), None, "{jsonl:?}");
        }
    }

    #[test]
    fn a_lone_surrogate_is_named_with_its_column() {
        assert_eq!(
            told(r#"{"a":"\ud800"}"#),
            r"invalid JSON: lone UTF-16 surrogate \ud800 at column 7: \ud800-\udbff must be followed by \udc00-\udfff (a pair encodes one character), and no reader of Arrow or Hugging Face datasets accepts one alone"
        );
        assert!(
            told(r#"{"a":"x\\\ud83d\ude00\ud800\u0041"}"#)
                .contains(r"surrogate \ud800 at column 22:")
        );
        assert!(told(r#"{"a":"\udc00"}"#).contains(r"surrogate \udc00 at column 7:"));
        // an escaped backslash before `u` is no escape
        assert_eq!(lone_surrogate(br#""\\ud800""#), None);
    }

    #[test]
    fn a_number_beyond_a_double_is_quoted() {
        assert_eq!(
            told(r#"{"id":"a","meta":{"x":-1e400}}"#),
            "invalid JSON: number -1e400 at column 23 is beyond what a double holds: Hugging Face datasets (Arrow) refuses it"
        );
        let big = format!("{{\"a\":1{}}}", "0".repeat(400));
        assert!(told(&big).starts_with("invalid JSON: number 1000000000000000…0000000000000000 (401 characters) at column 6 "), "{}", told(&big));
    }
}
