//! Fuzz targets, one per parser, on the stable toolchain (proptest).
//!
//! Each target feeds a parser structured inputs (valid documents of its
//! format, then mutated byte by byte) as well as raw bytes, so the fuzzing
//! reaches past the first "invalid JSON" into the code that handles records.
//! Properties: nothing panics or overflows the stack; every error names the
//! file (and a line within the input); what is produced is valid under the
//! built-in schema and the same on a second run.
//!
//! `cargo test` runs a few cases per target (fast, for CI). Long runs:
//!
//! ```sh
//! PROPTEST_CASES=100000 cargo test --release --test fuzz -- --nocapture
//! REVMINE_FUZZ_SECONDS=600 cargo test --release --test fuzz jsonl -- --nocapture
//! ```
//!
//! `REVMINE_FUZZ_SECONDS` runs each selected target for that long (rounds of
//! cases with fresh seeds) and prints how many cases ran; a failure prints
//! the `REVMINE_FUZZ_SEED` and `PROPTEST_CASES` that replay it.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use revmine::config::Config as RevConfig;
use revmine::convert::ingest::{Format, IngestError, IngestOptions, ingest_bytes};
use revmine::convert::notes::{NotesOptions, NotesSummary, convert};
use revmine::dataset::role::Role;
use revmine::dataset::schema::Schema;
use revmine::gate::scan::{FileScan, Input, ProblemKind, Scanner};
use revmine::mine::unit::{self, UnitOptions};
use serde_json::{Value, json};

// ---------------------------------------------------------------- runner

/// Cases per target in a plain `cargo test` (overridden by PROPTEST_CASES).
const DEFAULT_CASES: u32 = 64;

/// Runs `test` on values of `strategy`: once with PROPTEST_CASES (default
/// [`DEFAULT_CASES`]) cases, or, with REVMINE_FUZZ_SECONDS, in rounds with
/// fresh seeds until the time is up. A failure panics with the shrunk input
/// and the seed of its round.
fn fuzz<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let budget = std::env::var("REVMINE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs);
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(if budget.is_some() { 256 } else { DEFAULT_CASES });
    let base_seed = std::env::var("REVMINE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            if budget.is_some() {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            } else {
                // plain `cargo test` is reproducible
                0x5eed
            }
        });
    let start = Instant::now();
    let mut ran: u64 = 0;
    let mut round: u64 = 0;
    loop {
        let seed = base_seed.wrapping_add(round);
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
        let config = Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 2000,
            ..Config::default()
        };
        let mut runner = TestRunner::new_with_rng(config, rng);
        match runner.run(&strategy, &test) {
            Ok(()) => {}
            Err(TestError::Fail(why, input)) => panic!(
                "fuzz target {name} failed (replay: REVMINE_FUZZ_SEED={seed} PROPTEST_CASES={cases}): {why}\nminimal input: {input:#?}"
            ),
            Err(TestError::Abort(why)) => panic!("fuzz target {name} aborted: {why}"),
        }
        ran += u64::from(cases);
        round += 1;
        match budget {
            Some(b) if start.elapsed() < b => {}
            _ => break,
        }
    }
    eprintln!(
        "fuzz target {name}: {ran} cases in {:.1}s, no failure (seed {base_seed})",
        start.elapsed().as_secs_f64()
    );
}

// ------------------------------------------------------------ generators

/// Text that stresses parsers: speaker words, JSON and Markdown punctuation,
/// control characters, escapes, non-ASCII and the odd long run.
fn text() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        4 => "[a-zA-Z ?.,:!]{0,40}",
        2 => any::<String>(),
        1 => "[\\[\\]{}\":,\\\\#*`~\\-|>_\r\n\t ]{0,30}",
        1 => prop::sample::select(vec![
            "User:", "Assistant:", "**AI:**", "Human:", "Q:", "A:", "system", "user",
            "assistant", "gpt", "tool", "---", "```", "## User", "\u{feff}", "\u{0}",
            "\u{200b}", "é", "𝕏", "\r", "\\u0000", "\\ud800", "null", "true", "1e400",
        ])
        .prop_map(str::to_string),
        1 => (1usize..3000, "[ax\\[{]").prop_map(|(n, c)| c.repeat(n)),
    ]
}

/// Byte-level damage, as a fuzzer's mutator would do it.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
    Nest(usize, u8, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> + Clone {
    let special = prop::sample::select(vec![
        b"\n".to_vec(),
        b"\r\n".to_vec(),
        b"\"".to_vec(),
        b"\\".to_vec(),
        b"{".to_vec(),
        b"}".to_vec(),
        b"[".to_vec(),
        b"]".to_vec(),
        b",".to_vec(),
        b":".to_vec(),
        b"null".to_vec(),
        b"\xff".to_vec(),
        b"\xc3".to_vec(),
        b"\xEF\xBB\xBF".to_vec(),
        b"\x00".to_vec(),
        b"\n\n".to_vec(),
        b"---\n".to_vec(),
        b"```\n".to_vec(),
        b"\\u".to_vec(),
    ]);
    prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        3 => (any::<usize>(), special).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => (any::<usize>(), 1usize..256).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), prop::sample::select(vec![b'[', b'{']), 100usize..400)
            .prop_map(|(i, c, n)| Mutation::Nest(i, c, n)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        let at = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
        match m {
            Mutation::Flip(i, b) if len > 0 => bytes[i % len] = *b,
            Mutation::Flip(..) => {}
            Mutation::Insert(i, b) => {
                let i = at(*i);
                bytes.splice(i..i, b.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let i = at(*i);
                let end = (i + n).min(len);
                bytes.drain(i..end);
            }
            Mutation::Duplicate(i, n) => {
                let i = at(*i);
                let end = (i + n).min(len);
                let copy = bytes[i..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Mutation::Truncate(i) => bytes.truncate(at(*i)),
            Mutation::Nest(i, c, n) => {
                let i = at(*i);
                bytes.splice(i..i, std::iter::repeat_n(*c, *n));
            }
        }
    }
    bytes
}

/// Valid `serialised` bytes, sometimes damaged, sometimes replaced by raw bytes.
fn damaged(
    valid: impl Strategy<Value = Vec<u8>> + Clone,
) -> impl Strategy<Value = Vec<u8>> + Clone {
    prop_oneof![
        3 => valid.clone(),
        5 => (valid, prop::collection::vec(mutation(), 1..6))
            .prop_map(|(bytes, ms)| mutate(bytes, &ms)),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
}

fn record_value() -> impl Strategy<Value = Value> + Clone {
    let ty = prop::sample::select(vec![
        "chat",
        "qa",
        "preference",
        "knowledge",
        "memory",
        "trajectory",
        "other",
    ]);
    let chat_input = prop::collection::vec((any::<bool>(), text()), 0..5).prop_map(|turns| {
        turns
            .iter()
            .map(|(user, t)| format!("{}: {t}", if *user { "User" } else { "Assistant" }))
            .collect::<Vec<_>>()
            .join("\n")
    });
    let meta = prop_oneof![
        Just(Value::Null),
        prop::collection::vec(
            prop::sample::select(vec!["ambiguity", "stress", "follow_up", "x"]),
            0..3
        )
        .prop_map(|tags| json!({ "tags": tags })),
        text().prop_map(|t| json!({ "note": t, "nested": [[{ "a": t }]] })),
        text().prop_map(Value::String),
    ];
    (
        prop_oneof![8 => "[a-z0-9_]{1,6}".prop_map(Value::String), 1 => Just(json!("")), 1 => Just(json!(7))],
        ty,
        prop::sample::select(vec!["real", "synthetic", "", "none"]),
        prop_oneof![chat_input, text()],
        text(),
        text(),
        meta,
        any::<u8>(),
    )
        .prop_map(|(id, ty, source, input, out, other, meta, flags)| {
            let mut r = serde_json::Map::new();
            r.insert("id".into(), id);
            r.insert("record_type".into(), json!(ty));
            if source != "none" {
                r.insert("source".into(), json!(source));
            }
            if ty == "preference" {
                r.insert("prompt".into(), json!(input));
                r.insert("chosen".into(), json!(out));
                let rejected = if flags & 1 == 0 { other } else { out.clone() };
                r.insert("rejected".into(), json!(rejected));
            } else {
                r.insert("input".into(), json!(input));
                r.insert("output".into(), json!(out));
            }
            if !meta.is_null() {
                r.insert("meta".into(), meta);
            }
            if flags & 2 != 0 {
                r.insert("output".into(), Value::Null);
            }
            if flags & 4 != 0 {
                r.insert("extra".into(), json!([1, 2.5, null, {"k": "v"}]));
            }
            Value::Object(r)
        })
}

/// A record with what Arrow-based trainers refuse somewhere inside (a key
/// twice, an integer past 64 bits, a number past a double, a lone
/// surrogate), or what they take although a lenient look might doubt it.
fn strict_line() -> impl Strategy<Value = Vec<u8>> + Clone {
    let extra = prop::sample::select(vec![
        r#""meta":{"k":1,"k":2}"#,
        r#""meta":{"l":[{"a":1},{"a":1,"a":1}]}"#,
        r#""x":1,"x":2"#,
        r#""output":"again""#,
        r#""meta":{"\u0061":1,"a":2}"#,
        r#""meta":{"n":123456789012345678901234567890}"#,
        r#""x":[-9223372036854775809]"#,
        r#""meta":{"x":1e400}"#,
        r#""meta":{"s":"\ud800"}"#,
        r#""x":"\udc00""#,
        r#""meta":{"f":1e19,"i":-9223372036854775808,"p":"\ud83d\ude00"}"#,
    ]);
    (record_value(), extra).prop_map(|(v, extra)| {
        let s = v.to_string();
        format!("{},{extra}}}", &s[..s.len() - 1]).into_bytes()
    })
}

/// A JSONL dataset: records, blank lines, CRLF, a BOM, damaged lines, deep
/// nesting, what trainers refuse.
fn jsonl() -> impl Strategy<Value = Vec<u8>> + Clone {
    let line = prop_oneof![
        6 => record_value().prop_map(|v| v.to_string().into_bytes()),
        2 => damaged(record_value().prop_map(|v| v.to_string().into_bytes())),
        1 => strict_line(),
        1 => Just(Vec::new()),
        1 => (1usize..2000, prop::sample::select(vec!["[", "{\"a\":", "[{\"x\":"]))
            .prop_map(|(n, open)| open.repeat(n).into_bytes()),
    ];
    (
        prop::collection::vec(line, 0..12),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, crlf, bom, trailing)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            for (i, l) in lines.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
                }
                out.extend_from_slice(l);
            }
            if trailing {
                out.push(b'\n');
            }
            out
        })
}

// ------------------------------------------------------------ helpers

fn schema() -> Schema {
    Schema::builtin().expect("built-in schema")
}

/// The shipped schema loaded as a user's file: the scanner then never takes the fast path.
fn schema_slow() -> Schema {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/record.schema.json");
    Schema::from_file(&path).expect("schema file")
}

fn scan_with(schema: &Schema, bytes: &[u8], role: Role, max_line: u64) -> FileScan {
    let mut opts = RevConfig::default().scan_options(true);
    opts.max_line_bytes = max_line;
    let mut scanner = Scanner::new(schema, opts);
    scanner.scan(
        Input::from_bytes("fuzz.jsonl", role, bytes.to_vec()),
        &indicatif::ProgressBar::hidden(),
    )
}

/// Lines the way a reader counts them: `\n`-separated, a final unterminated one included.
fn line_count(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    newlines + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

/// Emitted records must pass the whole scan: JSON, schema, record rules, unique ids.
fn assert_valid_records(lines: &[String], what: &str) -> Result<(), TestCaseError> {
    let mut text = lines.join("\n");
    text.push('\n');
    let s = scan_with(&schema(), text.as_bytes(), Role::Other, u64::MAX);
    prop_assert!(
        s.problems.is_empty(),
        "{what}: emitted records fail the scan: {:?}\n{text}",
        s.problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    prop_assert_eq!(s.records, lines.len() as u64);
    Ok(())
}

// --------------------------------------------------------------- targets

/// JSONL records through the scanner: the fast path and the full path must
/// report the same problems, line numbers must lie in the file, a small line
/// cap must flag exactly the long lines.
#[test]
fn fuzz_jsonl_scan() {
    let fast = schema();
    let slow = schema_slow();
    let strategy = (
        prop_oneof![4 => jsonl(), 1 => prop::collection::vec(any::<u8>(), 0..1024)],
        prop::sample::select(vec![Role::Other, Role::Train, Role::Eval]),
        prop_oneof![3 => Just(u64::MAX), 1 => 1u64..4096],
    );
    fuzz("jsonl_scan", strategy, |(bytes, role, cap)| {
        let a = scan_with(&fast, &bytes, role, cap);
        let b = scan_with(&slow, &bytes, role, cap);
        let lines = line_count(&bytes);
        let show = |s: &FileScan| {
            s.problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        prop_assert_eq!(show(&a), show(&b), "fast and full paths disagree");
        prop_assert_eq!(a.records, b.records);
        prop_assert_eq!(a.typed(), b.typed());
        for p in &a.problems {
            prop_assert_eq!(&p.path, "fuzz.jsonl");
            prop_assert!(
                p.line >= 1 && p.line <= lines.max(1),
                "line {} of {}",
                p.line,
                lines
            );
            // only bytes that open like a compressed file are not read as JSONL
            let compressed = [
                &b"\x1f\x8b"[..],
                b"\x28\xb5\x2f\xfd",
                b"\xfd7zXZ\x00",
                b"BZh",
                b"PK\x03\x04",
            ]
            .iter()
            .any(|m| bytes.starts_with(m));
            prop_assert!(p.kind != ProblemKind::Io || compressed, "{}", p);
        }
        // the cap flags every line over it, at its own line number (in JSONL:
        // JSON written over many lines is one problem for the file)
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let document = a
            .problems
            .iter()
            .any(|p| p.message.contains("written over many lines"));
        for (i, raw) in body
            .split(|b| *b == b'\n')
            .enumerate()
            .filter(|_| !document)
        {
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.len() as u64 > cap && !line.iter().all(u8::is_ascii_whitespace) {
                let n = i as u64 + 1;
                prop_assert!(
                    a.problems
                        .iter()
                        .any(|p| p.line == n && p.message.contains("max_line_bytes")),
                    "line {} ({} bytes) over cap {} not reported",
                    n,
                    line.len(),
                    cap
                );
            }
        }
        let again = scan_with(&fast, &bytes, role, cap);
        prop_assert_eq!(show(&a), show(&again), "not deterministic");
        // every line the fast path proves valid is valid under the schema
        for raw in body.split(|b| *b == b'\n') {
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if let Some(r) = revmine::dataset::fast::FastRecord::parse(line)
                && r.valid_under_builtin()
            {
                let parsed = revmine::dataset::strict::parse(line).map_err(|e| {
                    TestCaseError::fail(format!("fast accepted what the full path refuses: {e:?}"))
                })?;
                prop_assert!(parsed.wide.is_empty(), "fast accepted {:?}", parsed.wide);
                let mut out = Vec::new();
                fast.check(&parsed.value, &mut out);
                prop_assert!(
                    out.is_empty(),
                    "fast path accepted an invalid record: {:?}",
                    out
                );
            }
        }
        Ok(())
    });
}

fn ingest_opts(format: Format, turns: usize, keep_going: bool, max_line: u64) -> IngestOptions {
    IngestOptions {
        format,
        turns,
        keep_going,
        max_line_bytes: max_line,
        ..IngestOptions::default()
    }
}

/// One ingest run's properties: errors name the file and a line in it,
/// records are valid and unique, and a second run gives the same.
fn check_ingest(bytes: &[u8], opts: &IngestOptions) -> Result<(), TestCaseError> {
    let run = || {
        let mut lines = Vec::new();
        let r = ingest_bytes(bytes, "fuzz.txt", opts, &mut |l| lines.push(l));
        (r, lines)
    };
    let (result, lines) = run();
    let (again, lines_again) = run();
    prop_assert_eq!(&lines, &lines_again, "not deterministic");
    prop_assert_eq!(
        result
            .as_ref()
            .map_err(ToString::to_string)
            .map(|s| s.records),
        again
            .as_ref()
            .map_err(ToString::to_string)
            .map(|s| s.records)
    );
    // an error at the end of input may name the empty line after the last newline
    let max_line = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    match &result {
        Ok(summary) => {
            prop_assert_eq!(summary.records, lines.len() as u64);
            if let Some(fault) = &summary.fault {
                prop_assert!(fault.starts_with("fuzz.txt: "), "{}", fault);
            }
        }
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(msg.starts_with("fuzz.txt: "), "{}", msg);
            match e {
                IngestError::Line { line, .. } | IngestError::Json { line, .. } => {
                    prop_assert!(
                        *line >= 1 && *line <= max_line,
                        "line {} of {}: {}",
                        line,
                        max_line,
                        msg
                    );
                }
                IngestError::Undetected { .. } => {}
                IngestError::Open { .. } | IngestError::Read { .. } => {
                    prop_assert!(false, "I/O error from memory: {}", msg);
                }
            }
        }
    }
    assert_valid_records(&lines, "ingest")
}

fn turn_line() -> impl Strategy<Value = String> + Clone {
    let speaker = prop::sample::select(vec![
        "User: ",
        "Assistant: ",
        "Human: ",
        "AI: ",
        "Q: ",
        "A: ",
        "System: ",
        "Tool: ",
        "**User:** ",
        "**Assistant**: ",
        "## User",
        "### Assistant",
        "## **AI:**",
        "**User**",
        "# Conversation 2",
        "",
        "---",
        "```",
        "~~~",
        "Note: ",
        "#",
        "####### User",
    ]);
    prop_oneof![
        3 => (speaker, text()).prop_map(|(s, t)| format!("{s}{t}")),
        2 => text(),
        1 => Just(String::new()),
    ]
}

fn transcript_text() -> impl Strategy<Value = Vec<u8>> + Clone {
    (prop::collection::vec(turn_line(), 0..30), any::<bool>())
        .prop_map(|(lines, crlf)| lines.join(if crlf { "\r\n" } else { "\n" }).into_bytes())
}

/// Plain-text and Markdown transcripts, as each format and auto-detected.
#[test]
fn fuzz_ingest_text_markdown() {
    let strategy = (
        damaged(transcript_text()),
        prop::sample::select(vec![Format::Text, Format::Markdown, Format::Auto]),
        1usize..5,
        any::<bool>(),
        prop_oneof![3 => Just(u64::MAX), 1 => 1u64..200],
    );
    fuzz(
        "ingest_text_markdown",
        strategy,
        |(bytes, format, turns, keep, cap)| {
            check_ingest(&bytes, &ingest_opts(format, turns, keep, cap))
        },
    );
}

fn role_name() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        6 => prop::sample::select(vec![
            "user", "assistant", "human", "gpt", "system", "tool", "function", "USER", " ai ", "bing", "",
        ])
        .prop_map(|s| json!(s)),
        1 => text().prop_map(Value::String),
        1 => Just(Value::Null),
        1 => Just(json!(3)),
    ]
}

fn content() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        6 => text().prop_map(Value::String),
        1 => Just(Value::Null),
        1 => prop::collection::vec(
            prop_oneof![
                text().prop_map(|t| json!({"type": "text", "text": t})),
                text().prop_map(|t| json!({"type": "image_url", "image_url": {"url": t}})),
                text().prop_map(Value::String),
                Just(json!({"type": "text", "text": 5})),
            ],
            0..4
        )
        .prop_map(Value::Array),
        1 => Just(json!({"nested": [1, {"a": []}]})),
    ]
}

fn sharegpt_conv() -> impl Strategy<Value = Value> + Clone {
    (
        prop_oneof![
            Just(Value::Null),
            "[a-c]{0,2}".prop_map(Value::String),
            (0u32..5).prop_map(|n| json!(n))
        ],
        prop::collection::vec((role_name(), content()), 0..8),
        any::<u8>(),
    )
        .prop_map(|(id, msgs, flags)| {
            let conv: Vec<Value> = msgs
                .into_iter()
                .map(|(from, value)| json!({ "from": from, "value": value }))
                .collect();
            let mut o = serde_json::Map::new();
            if !id.is_null() {
                o.insert("id".into(), id);
            }
            if flags & 1 == 0 {
                o.insert("conversations".into(), Value::Array(conv));
            } else if flags & 2 == 0 {
                o.insert("conversations".into(), json!("not a list"));
            }
            Value::Object(o)
        })
}

fn as_array(items: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec_pretty(&Value::Array(items)).unwrap_or_default()
}

fn as_jsonl(items: Vec<Value>) -> Vec<u8> {
    let mut out = Vec::new();
    for v in items {
        out.extend_from_slice(v.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

/// ShareGPT, as a JSON array and as JSONL.
#[test]
fn fuzz_ingest_sharegpt() {
    let doc = prop::collection::vec(sharegpt_conv(), 0..6);
    let strategy = (
        prop_oneof![
            damaged(doc.clone().prop_map(as_array)),
            damaged(doc.prop_map(as_jsonl)),
        ],
        prop::sample::select(vec![Format::ShareGpt, Format::Auto]),
        1usize..4,
        any::<bool>(),
        prop_oneof![3 => Just(u64::MAX), 1 => 1u64..300],
    );
    fuzz(
        "ingest_sharegpt",
        strategy,
        |(bytes, format, turns, keep, cap)| {
            check_ingest(&bytes, &ingest_opts(format, turns, keep, cap))
        },
    );
}

/// OpenAI fine-tuning JSONL.
#[test]
fn fuzz_ingest_openai() {
    let line = prop_oneof![
        8 => prop::collection::vec((role_name(), content()), 0..8).prop_map(|msgs| {
            let msgs: Vec<Value> = msgs
                .into_iter()
                .map(|(role, content)| json!({ "role": role, "content": content }))
                .collect();
            json!({ "messages": msgs })
        }),
        1 => Just(json!({ "messages": "x" })),
        1 => Just(json!({ "other": [] })),
    ];
    let strategy = (
        damaged(prop::collection::vec(line, 0..8).prop_map(as_jsonl)),
        prop::sample::select(vec![Format::OpenAi, Format::Auto]),
        1usize..4,
        any::<bool>(),
        prop_oneof![3 => Just(u64::MAX), 1 => 1u64..300],
    );
    fuzz(
        "ingest_openai",
        strategy,
        |(bytes, format, turns, keep, cap)| {
            check_ingest(&bytes, &ingest_opts(format, turns, keep, cap))
        },
    );
}

/// A ChatGPT export conversation: a node graph, with cycles, dangling
/// parents and children, and a `current_node` that may be anywhere.
fn chatgpt_conv() -> impl Strategy<Value = Value> + Clone {
    let node = (
        role_name(),
        prop::sample::select(vec!["text", "code", "multimodal_text", ""]),
        prop::collection::vec(
            prop_oneof![text().prop_map(Value::String), Just(json!({"asset": 1}))],
            0..3,
        ),
        prop::option::of(0usize..10),
        prop::collection::vec(0usize..10, 0..3),
        any::<bool>(),
    );
    (
        prop::collection::vec(node, 0..10),
        prop::option::of(0usize..12),
        prop_oneof![Just(Value::Null), "[a-z]{1,3}".prop_map(Value::String)],
    )
        .prop_map(|(nodes, current, id)| {
            let mut mapping = serde_json::Map::new();
            for (i, (role, ct, parts, parent, children, has_msg)) in nodes.into_iter().enumerate() {
                let message = if has_msg {
                    json!({"author": {"role": role}, "content": {"content_type": ct, "parts": parts}})
                } else {
                    Value::Null
                };
                mapping.insert(
                    format!("n{i}"),
                    json!({
                        "message": message,
                        "parent": parent.map(|p| format!("n{p}")),
                        "children": children.iter().map(|c| format!("n{c}")).collect::<Vec<_>>(),
                    }),
                );
            }
            json!({
                "title": "t",
                "id": id,
                "mapping": mapping,
                "current_node": current.map(|c| format!("n{c}")),
            })
        })
}

/// The ChatGPT data export (`conversations.json`).
#[test]
fn fuzz_ingest_chatgpt() {
    let strategy = (
        damaged(prop::collection::vec(chatgpt_conv(), 0..5).prop_map(as_array)),
        prop::sample::select(vec![Format::ChatGpt, Format::Auto]),
        1usize..4,
        any::<bool>(),
    );
    fuzz(
        "ingest_chatgpt",
        strategy,
        |(bytes, format, turns, keep)| {
            check_ingest(&bytes, &ingest_opts(format, turns, keep, u64::MAX))
        },
    );
}

/// Format detection: any format's bytes (or none) read as `auto`.
#[test]
fn fuzz_ingest_auto_detect() {
    let any_doc = prop_oneof![
        transcript_text(),
        prop::collection::vec(sharegpt_conv(), 0..3).prop_map(as_array),
        prop::collection::vec(sharegpt_conv(), 0..3).prop_map(as_jsonl),
        prop::collection::vec(chatgpt_conv(), 0..3).prop_map(as_array),
        (1usize..5000).prop_map(|n| "[".repeat(n).into_bytes()),
        (1usize..5000).prop_map(|n| "{\"messages\":".repeat(n).into_bytes()),
    ];
    fuzz(
        "ingest_auto_detect",
        (damaged(any_doc), any::<bool>()),
        |(bytes, keep)| check_ingest(&bytes, &ingest_opts(Format::Auto, 3, keep, 1 << 20)),
    );
}

fn yaml_value() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        4 => text().prop_map(|t| format!("{t:?}")),
        2 => text(),
        1 => Just("|\n  block line one\n  block line two".to_string()),
        1 => Just("&a [*a, *a]".to_string()),
        1 => Just("[1, {a: b}, ~, 2.5, true]".to_string()),
        1 => (1usize..3000).prop_map(|n| "[".repeat(n)),
        1 => (1usize..3000).prop_map(|n| format!("{}x{}", "[".repeat(n), "]".repeat(n))),
        1 => (1usize..200).prop_map(|n| (0..n).map(|i| format!("\n{}- x", "  ".repeat(i))).collect()),
    ]
}

/// A Markdown file as authors write them: optional YAML front matter
/// (prompt, title, turns), headings of every level, prompt markers, fences.
fn markdown_doc() -> impl Strategy<Value = Vec<u8>> + Clone {
    let key = prop::sample::select(vec!["prompt", "title", "turns", "history", "tags", "x", ""]);
    let front = prop::option::of(prop::collection::vec((key, yaml_value()), 0..5));
    let line = prop_oneof![
        3 => text(),
        2 => (1usize..8, text()).prop_map(|(n, t)| format!("{} {t}", "#".repeat(n))),
        1 => text().prop_map(|t| format!("Q: {t}")),
        1 => text().prop_map(|t| format!("**Prompt:** {t}")),
        1 => prop::sample::select(vec!["```", "~~~", "````rust", "---", "", "<!--", "-->", "| a | b |", "|---|---|", "- [ ] item", "> quote"]).prop_map(str::to_string),
        1 => text().prop_map(|t| format!("- {t}")),
        1 => text().prop_map(|t| format!("[{t}](http://x/{t})")),
    ];
    (
        front,
        prop::collection::vec(line, 0..30),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(front, lines, crlf, bom)| {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut s = String::new();
            if bom {
                s.push('\u{feff}');
            }
            if let Some(front) = front {
                s.push_str("---");
                s.push_str(nl);
                for (k, v) in front {
                    s.push_str(&format!("{k}: {v}{nl}"));
                }
                s.push_str("---");
                s.push_str(nl);
            }
            s.push_str(&lines.join(nl));
            s.into_bytes()
        })
}

/// Markdown bytes, damaged, as the UTF-8 text the callers hand over.
fn markdown_text() -> impl Strategy<Value = String> + Clone {
    damaged(markdown_doc()).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// YAML front matter and Markdown response units (`unit::extract`): keys
/// unique within a version, no empty response, the same on a second run, and
/// a CRLF copy yields the same units.
#[test]
fn fuzz_front_matter_units() {
    let strategy = (markdown_text(), 1usize..8, any::<bool>());
    fuzz("front_matter_units", strategy, |(text, level, marker)| {
        let mut opts = UnitOptions {
            heading_level: Some(level),
            ..UnitOptions::default()
        };
        if !marker {
            opts.prompt_marker = None;
        }
        let a = unit::extract(&text, "draft-note.md", &opts);
        let b = unit::extract(&text, "draft-note.md", &opts);
        prop_assert_eq!(&a, &b, "not deterministic");
        let crlf = text.replace('\n', "\r\n");
        prop_assert_eq!(
            &a,
            &unit::extract(&crlf, "draft-note.md", &opts),
            "CRLF changed the units"
        );
        if let Ok(units) = a {
            prop_assert!(!units.is_empty());
            let mut keys = std::collections::HashSet::new();
            for u in &units {
                prop_assert!(keys.insert(u.key.clone()), "duplicate key {:?}", u.key);
                prop_assert!(!u.response.trim().is_empty(), "empty response in {:?}", u);
            }
        }
        Ok(())
    });
}

/// Notes conversion: every record valid under the schema, unique ids, the
/// same on a second run.
#[test]
fn fuzz_notes() {
    let opts = NotesOptions::default();
    let strategy = (markdown_text(), 1usize..5);
    fuzz("notes", strategy, |(text, turns)| {
        let opts = NotesOptions {
            turns,
            ..opts.clone()
        };
        let mut summary = NotesSummary::default();
        let a = convert(&text, "notes", "plan.md", &opts, &mut summary);
        let b = convert(
            &text,
            "notes",
            "plan.md",
            &opts,
            &mut NotesSummary::default(),
        );
        prop_assert_eq!(&a, &b, "not deterministic");
        prop_assert_eq!(summary.records, a.len() as u64);
        assert_valid_records(&a, "notes")
    });
}

// ---------------------------------------------- hostile inputs, explicitly

/// 100k `[` must be an error naming the line, never a stack overflow.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(100_000);
    let bytes = format!(
        "{{\"id\":\"a\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"o\"}}\n{deep}\n{{\"id\":\"b\",\"meta\":{deep}\n"
    );
    for schema in [schema(), schema_slow()] {
        let s = scan_with(&schema, bytes.as_bytes(), Role::Eval, u64::MAX);
        let shown: Vec<String> = s.problems.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(
            shown[0]
                .starts_with("fuzz.jsonl:2: -: -: invalid JSON: nested more than 128 levels deep"),
            "{shown:?}"
        );
        assert!(shown[1].starts_with("fuzz.jsonl:3: "), "{shown:?}");
    }
    let closed = format!("{deep}{}", "]".repeat(100_000));
    for (format, doc) in [
        (
            Format::OpenAi,
            format!("{{\"messages\":[]}}\n{{\"messages\":[{{\"content\":{deep}\n"),
        ),
        (
            Format::ShareGpt,
            format!("[{{\"conversations\":[]}},\n{{\"conversations\":[{{\"value\":{closed}}}]}}]"),
        ),
        (
            Format::ChatGpt,
            format!(
                "[{{\"mapping\":{{}}}},\n{{\"mapping\":{{\"a\":{{\"message\":{{\"content\":{{\"parts\":{closed}}}}}}}}}}}]"
            ),
        ),
        (Format::Auto, deep.clone()),
    ] {
        let err = ingest_bytes(
            doc.as_bytes(),
            "deep.json",
            &ingest_opts(format, 3, false, u64::MAX),
            &mut |_| {},
        )
        .expect_err("deep nesting is an error")
        .to_string();
        assert!(err.starts_with("deep.json: "), "{err}");
        if format != Format::Auto {
            assert!(
                err.contains("line 2") && err.contains("nested more than 128 levels deep"),
                "{format}: {err}"
            );
        }
    }
    let yaml = format!("---\nprompt: {deep}\n---\nbody\n");
    let _ = unit::extract(&yaml, "x.md", &UnitOptions::default());
    let _ = convert(
        &yaml,
        "notes",
        "x.md",
        &NotesOptions::default(),
        &mut NotesSummary::default(),
    );
}
