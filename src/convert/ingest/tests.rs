use std::io::Write;

use serde_json::Value;
use xxhash_rust::xxh3::xxh3_128;

use super::*;

struct Run {
    summary: IngestSummary,
    records: Vec<Value>,
}

fn write_temp(name: &str, content: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(content.as_bytes()).unwrap();
    (dir, path)
}

fn try_run(
    name: &str,
    content: &str,
    format: Format,
    turns: usize,
    keep_going: bool,
) -> (Result<IngestSummary, IngestError>, Vec<Value>) {
    let (_dir, path) = write_temp(name, content);
    let opts = IngestOptions {
        format,
        turns,
        keep_going,
        ..IngestOptions::default()
    };
    let mut lines = Vec::new();
    let res = ingest_file(&path, name, &opts, &mut |l| lines.push(l));
    let records = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect();
    (res, records)
}

fn run(name: &str, content: &str, format: Format, turns: usize) -> Run {
    let (res, records) = try_run(name, content, format, turns, false);
    Run {
        summary: res.unwrap(),
        records,
    }
}

fn inputs(r: &Run) -> Vec<&str> {
    r.records
        .iter()
        .map(|v| v["input"].as_str().unwrap())
        .collect()
}

fn outputs(r: &Run) -> Vec<&str> {
    r.records
        .iter()
        .map(|v| v["output"].as_str().unwrap())
        .collect()
}

const TEXT: &str = "\
System: Be brief.
User: I missed yesterday's deadline.
Assistant: Let's reset with essentials.
User: I only have 2 hours.
What first?
Assistant: Write the summary.

Then send it.
User: Thanks
AI: You're welcome.


Q: What is Rust?
A: A language.
---
**Human:** hello
**Assistant:** hi there
";

#[test]
fn text_turns_window_and_conversations() {
    let r = run("chat.txt", TEXT, Format::Text, 3);
    assert_eq!(r.summary.format, "text");
    assert_eq!(r.summary.conversations, 3);
    assert_eq!(r.summary.records, 5);
    assert_eq!(
        inputs(&r),
        vec![
            "User: I missed yesterday's deadline.",
            "User: I missed yesterday's deadline.\nAssistant: Let's reset with essentials.\nUser: I only have 2 hours.\nWhat first?",
            "Assistant: Let's reset with essentials.\nUser: I only have 2 hours.\nWhat first?\nAssistant: Write the summary.\n\nThen send it.\nUser: Thanks",
            "User: What is Rust?",
            "User: hello",
        ]
    );
    assert_eq!(outputs(&r)[1], "Write the summary.\n\nThen send it.");
    assert_eq!(r.records[0]["meta"]["system"], "Be brief.");
    assert_eq!(r.records[0]["meta"]["conversation"], "1");
    assert_eq!(r.records[0]["meta"]["turn"], 1);
    assert_eq!(r.records[2]["meta"]["turn"], 5);
    assert_eq!(r.records[3]["meta"]["conversation"], "2");
    assert!(r.records[3]["meta"].get("system").is_none());
    assert_eq!(r.records[4]["meta"]["conversation"], "3");
    assert_eq!(r.records[0]["source"], "real");
    assert_eq!(r.records[0]["record_type"], "chat");
    assert_eq!(r.records[0]["meta"]["origin"], "transcript");
    assert_eq!(r.records[0]["meta"]["file"], "chat.txt");
}

#[test]
fn text_window_of_one_prior_turn() {
    let r = run("chat.txt", TEXT, Format::Text, 1);
    assert_eq!(
        inputs(&r)[2],
        "Assistant: Write the summary.\n\nThen send it.\nUser: Thanks"
    );
    assert_eq!(
        inputs(&r)[1],
        "Assistant: Let's reset with essentials.\nUser: I only have 2 hours.\nWhat first?"
    );
}

#[test]
fn text_every_record_input_passes_the_layout_check() {
    for turns in 1..=3 {
        let r = run("chat.txt", TEXT, Format::Text, turns);
        for i in inputs(&r) {
            crate::dataset::record::check_chat_input(i, turns + 1).unwrap();
        }
    }
}

#[test]
fn text_merges_same_speaker_and_skips_leading_assistant() {
    let t =
        "Assistant: Welcome!\nUser: a\nUser: b\nAssistant: c\nAssistant: d\nUser:\nAssistant: e\n";
    let r = run("m.txt", t, Format::Text, 3);
    assert_eq!(r.summary.skipped.get("assistant_without_user"), Some(&1));
    assert_eq!(r.summary.skipped.get("empty_turn"), Some(&1));
    // The empty user turn vanishes, so the two answers merge into one turn;
    // the unanswerable greeting still serves as context.
    assert_eq!(inputs(&r), vec!["Assistant: Welcome!\nUser: a\n\nb"]);
    assert_eq!(outputs(&r), vec!["c\n\nd\n\ne"]);
}

#[test]
fn text_without_speakers_is_an_error_naming_the_line() {
    let (res, _) = try_run("notes.txt", "\njust some notes\n", Format::Text, 3, false);
    let msg = res.unwrap_err().to_string();
    assert!(msg.contains("notes.txt") && msg.contains("line 2"), "{msg}");
}

#[test]
fn text_invalid_utf8_names_the_line() {
    let (dir, path) = write_temp("bad.txt", "");
    std::fs::write(&path, b"User: hi\nAssistant: \xff\n").unwrap();
    let mut sink = |_l: String| {};
    let err = ingest_file(
        &path,
        "bad.txt",
        &IngestOptions {
            format: Format::Text,
            ..IngestOptions::default()
        },
        &mut sink,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("bad.txt: line 2"), "{err}");
    drop(dir);
}

const MARKDOWN: &str = "\
# Planning chat

## User

How do I start?

---

## Assistant

Start small.

## Heading inside the answer

- step one

# Second chat

### **User**
Hi

### Assistant:
Hello
";

#[test]
fn markdown_heading_speakers() {
    let r = run("chat.md", MARKDOWN, Format::Markdown, 3);
    assert_eq!(r.summary.conversations, 2);
    assert_eq!(inputs(&r), vec!["User: How do I start?", "User: Hi"]);
    assert_eq!(
        outputs(&r)[0],
        "Start small.\n\n## Heading inside the answer\n\n- step one"
    );
    assert_eq!(outputs(&r)[1], "Hello");
    assert_eq!(r.summary.skipped.get("text_without_speaker"), None);
}

#[test]
fn markdown_bold_labels() {
    let md = "**User**\n\nWhat now?\n\n**Assistant:** Rest.\n";
    let r = run("b.md", md, Format::Markdown, 3);
    assert_eq!(inputs(&r), vec!["User: What now?"]);
    assert_eq!(outputs(&r), vec!["Rest."]);
}

const OPENAI: &str = r#"{"messages":[{"role":"system","content":"You are kind."},{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":[{"type":"text","text":"look at"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"this"}]},{"role":"assistant","content":null,"tool_calls":[]},{"role":"tool","content":"42"},{"role":"assistant","content":"It is 42."}]}

{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]},{"role":"user","content":"plain"},{"role":"assistant","content":[{"type":"text","text":"answer"}]}]}
"#;

#[test]
fn openai_lines_parts_tools_and_system() {
    let r = run("ft.jsonl", OPENAI, Format::OpenAi, 3);
    assert_eq!(r.summary.conversations, 2);
    assert_eq!(r.summary.records, 3);
    assert_eq!(r.summary.skipped.get("tool_turn"), Some(&1));
    assert_eq!(r.summary.skipped.get("non_text_turn"), Some(&2));
    assert_eq!(
        inputs(&r),
        vec![
            "User: hi",
            "User: hi\nAssistant: hello\nUser: look at\nthis",
            "User: plain"
        ]
    );
    assert_eq!(outputs(&r), vec!["hello", "It is 42.", "answer"]);
    assert_eq!(r.records[0]["meta"]["system"], "You are kind.");
    assert_eq!(r.records[2]["meta"]["conversation"], "2");
    assert_eq!(r.records[1]["meta"]["turn"], 3);
}

#[test]
fn openai_bad_line_names_the_line_and_keep_going_skips_it() {
    let data = "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}]}\n{\"messages\": [\n{\"messages\":[{\"role\":\"user\",\"content\":\"c\"},{\"role\":\"assistant\",\"content\":\"d\"}]}\n";
    let (res, _) = try_run("x.jsonl", data, Format::OpenAi, 3, false);
    let msg = res.unwrap_err().to_string();
    assert!(msg.starts_with("x.jsonl: line 2 column"), "{msg}");
    let (res, recs) = try_run("x.jsonl", data, Format::OpenAi, 3, true);
    let s = res.unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(s.lost, 1);
    assert!(s.fault.unwrap().contains("line 2"));
}

const SHAREGPT: &str = r#"[
  {"id": "abc", "conversations": [
    {"from": "system", "value": "Sys"},
    {"from": "human", "value": "q1"},
    {"from": "gpt", "value": "a1"},
    {"from": "human", "value": "q2"},
    {"from": "gpt", "value": "a2"},
    {"from": "human", "value": "q3"},
    {"from": "gpt", "value": "a3"}]},
  {"conversations": [
    {"from": "gpt", "value": "orphan"},
    {"from": "user", "value": "hey"},
    {"from": "chatgpt", "value": ""},
    {"from": "bard", "value": "yo"}]}
]"#;

#[test]
fn sharegpt_array_window_ids_and_counts() {
    let r = run("s.json", SHAREGPT, Format::ShareGpt, 3);
    assert_eq!(r.summary.conversations, 2);
    assert_eq!(
        inputs(&r),
        vec![
            "User: q1",
            "User: q1\nAssistant: a1\nUser: q2",
            "Assistant: a1\nUser: q2\nAssistant: a2\nUser: q3",
            "Assistant: orphan\nUser: hey",
        ]
    );
    assert_eq!(outputs(&r)[3], "yo");
    assert_eq!(r.records[0]["meta"]["conversation"], "abc");
    assert_eq!(r.records[0]["meta"]["system"], "Sys");
    assert_eq!(r.records[3]["meta"]["conversation"], "2");
    assert_eq!(r.summary.skipped.get("assistant_without_user"), Some(&1));
    assert_eq!(r.summary.skipped.get("empty_turn"), Some(&1));

    let one = run("s.json", SHAREGPT, Format::ShareGpt, 1);
    assert_eq!(inputs(&one)[2], "Assistant: a2\nUser: q3");
}

#[test]
fn sharegpt_jsonl() {
    let data = "{\"id\": 7, \"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}, {\"from\": \"gpt\", \"value\": \"ho\"}]}\n";
    let r = run("s.jsonl", data, Format::ShareGpt, 3);
    assert_eq!(inputs(&r), vec!["User: hi"]);
    assert_eq!(r.records[0]["meta"]["conversation"], "7");
}

#[test]
fn sharegpt_truncated_array() {
    let cut = &SHAREGPT[..SHAREGPT.find("\"orphan\"").unwrap()];
    let (res, recs) = try_run("cut.json", cut, Format::ShareGpt, 3, false);
    let msg = res.unwrap_err().to_string();
    assert!(
        msg.contains("cut.json") && msg.contains("line 11 column"),
        "{msg}"
    );
    // Records came before the fault; the caller discards them on Err.
    assert_eq!(recs.len(), 3);

    let (res, recs) = try_run("cut.json", cut, Format::ShareGpt, 3, true);
    let s = res.unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(s.records, 3);
    assert_eq!(s.conversations, 1);
    assert_eq!(s.lost, 1);
    assert!(s.fault.unwrap().contains("cut.json: line 11"));
}

#[test]
fn sharegpt_trailing_garbage_is_a_fault() {
    let data = format!("{SHAREGPT} junk");
    let (res, _) = try_run("g.json", &data, Format::ShareGpt, 3, false);
    assert!(res.unwrap_err().to_string().contains("g.json: line"));
}

#[test]
fn sharegpt_streams_a_large_array() {
    let mut data = String::from("[");
    for i in 0..5000 {
        if i > 0 {
            data.push(',');
        }
        data.push_str(&format!(
            r#"{{"id":"c{i}","conversations":[{{"from":"human","value":"q{i}"}},{{"from":"gpt","value":"a{i}"}}]}}"#
        ));
    }
    data.push(']');
    let r = run("big.json", &data, Format::Auto, 3);
    assert_eq!(r.summary.format, "sharegpt");
    assert_eq!(r.summary.records, 5000);
    assert_eq!(r.records[4999]["meta"]["conversation"], "c4999");
}

/// A conversation whose last answer was regenerated: node `a1` is the old
/// answer, `a2` the one the user kept (current_node goes through it).
const CHATGPT: &str = r#"[{
  "title": "Plan",
  "id": "conv-1",
  "current_node": "u2",
  "mapping": {
    "root": {"id": "root", "message": null, "parent": null, "children": ["sys"]},
    "sys": {"id": "sys", "message": {"author": {"role": "system"}, "content": {"content_type": "text", "parts": [""]}}, "parent": "root", "children": ["u1"]},
    "u1": {"id": "u1", "message": {"author": {"role": "user"}, "content": {"content_type": "text", "parts": ["Plan my day"]}}, "parent": "sys", "children": ["a1", "a2"]},
    "a1": {"id": "a1", "message": {"author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["OLD ANSWER"]}}, "parent": "u1", "children": []},
    "a2": {"id": "a2", "message": {"author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["New answer"]}}, "parent": "u1", "children": ["img"]},
    "img": {"id": "img", "message": {"author": {"role": "user"}, "content": {"content_type": "multimodal_text", "parts": [{"asset": "x"}]}}, "parent": "a2", "children": ["u2"]},
    "u2": {"id": "u2", "message": {"author": {"role": "user"}, "content": {"content_type": "text", "parts": ["And tomorrow?"]}}, "parent": "img", "children": ["a3"]},
    "a3": {"id": "a3", "message": {"author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["NOT SEEN"]}}, "parent": "u2", "children": []}
  }
}, {
  "title": "No current node",
  "conversation_id": "conv-2",
  "mapping": {
    "r": {"message": null, "parent": null, "children": ["q"]},
    "q": {"message": {"author": {"role": "user"}, "content": {"content_type": "text", "parts": ["hi"]}}, "parent": "r", "children": ["x", "y"]},
    "x": {"message": {"author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["first try"]}}, "parent": "q", "children": []},
    "y": {"message": {"author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["latest"]}}, "parent": "q", "children": []}
  }
}]"#;

#[test]
fn chatgpt_follows_current_node() {
    let r = run("conversations.json", CHATGPT, Format::ChatGpt, 3);
    assert_eq!(r.summary.conversations, 2);
    assert_eq!(inputs(&r), vec!["User: Plan my day", "User: hi"]);
    assert_eq!(outputs(&r), vec!["New answer", "latest"]);
    for v in &r.records {
        let s = v.to_string();
        assert!(!s.contains("OLD ANSWER") && !s.contains("NOT SEEN"));
    }
    assert_eq!(r.records[0]["meta"]["conversation"], "conv-1");
    assert_eq!(r.records[1]["meta"]["conversation"], "conv-2");
    assert_eq!(r.summary.skipped.get("non_text_turn"), Some(&1));
    assert_eq!(r.summary.skipped.get("empty_turn"), Some(&1));
}

#[test]
fn detection_by_content() {
    let cases: [(&str, &str, &str); 6] = [
        ("a.txt", SHAREGPT, "sharegpt"),
        ("b.txt", CHATGPT, "chatgpt"),
        ("c.json", OPENAI, "openai"),
        (
            "d.json",
            "{\"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}, {\"from\": \"gpt\", \"value\": \"ho\"}]}\n",
            "sharegpt",
        ),
        ("e.json", TEXT, "text"),
        ("f.txt", MARKDOWN, "markdown"),
    ];
    for (name, content, want) in cases {
        let r = run(name, content, Format::Auto, 3);
        assert_eq!(r.summary.format, want, "{name}");
        assert!(r.summary.records > 0, "{name}");
    }
    let (res, _) = try_run("x.bin", "hello world\n", Format::Auto, 3, false);
    let msg = res.unwrap_err().to_string();
    assert!(
        msg.contains("x.bin") && msg.contains("cannot tell"),
        "{msg}"
    );
    let (res, _) = try_run("e.json", "  \n", Format::Auto, 3, false);
    assert!(res.unwrap_err().to_string().contains("empty"));
}

#[test]
fn ids_are_deterministic_and_distinct() {
    let a = run("s.json", SHAREGPT, Format::ShareGpt, 3);
    let again = run("s.json", SHAREGPT, Format::ShareGpt, 3);
    let one = run("s.json", SHAREGPT, Format::ShareGpt, 1);
    let ids = |r: &Run| -> Vec<String> {
        r.records
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&a), ids(&again));
    // the first answer has no prior turns to cut; later inputs differ, so do their ids
    assert_eq!(ids(&a)[0], ids(&one)[0]);
    assert_ne!(ids(&a)[1], ids(&one)[1]);
    let mut uniq = ids(&a);
    uniq.dedup();
    assert_eq!(uniq.len(), a.records.len());
    assert!(ids(&a)[0].starts_with("tr_") && ids(&a)[0].len() == 35);
    let key = "\0s.json\0abc\x001\0User: q1\0a1";
    assert_eq!(ids(&a)[0], format!("tr_{:032x}", xxh3_128(key.as_bytes())));
}

#[test]
fn a_corrected_turn_is_a_new_record() {
    let fixed = SHAREGPT.replace("\"a2\"", "\"a2, corrected\"");
    let a = run("s.json", SHAREGPT, Format::ShareGpt, 3);
    let b = run("s.json", &fixed, Format::ShareGpt, 3);
    assert_eq!(a.records[0]["id"], b.records[0]["id"]);
    assert_ne!(a.records[1]["id"], b.records[1]["id"], "the corrected turn");
    assert_ne!(
        a.records[2]["id"], b.records[2]["id"],
        "quotes it as a prior turn"
    );
}

#[test]
fn format_parses_from_str() {
    assert_eq!("ShareGPT".parse::<Format>(), Ok(Format::ShareGpt));
    assert_eq!("auto".parse::<Format>(), Ok(Format::Auto));
    assert!("yaml".parse::<Format>().unwrap_err().contains("yaml"));
}

#[test]
fn bom_is_skipped() {
    let data = format!("\u{feff}{OPENAI}");
    let r = run("bom.jsonl", &data, Format::Auto, 3);
    assert_eq!(r.summary.format, "openai");
    assert_eq!(r.summary.records, 3);
}

/// Memory check by hand: `REVMINE_INGEST_BIG=path cargo test --lib
/// ingest::tests::big_file -- --ignored` under `/usr/bin/time -v`.
#[test]
#[ignore]
fn big_file() {
    let Ok(path) = std::env::var("REVMINE_INGEST_BIG") else {
        return;
    };
    let mut n = 0u64;
    let s = ingest_file(
        std::path::Path::new(&path),
        "big",
        &IngestOptions::default(),
        &mut |_l| n += 1,
    )
    .unwrap();
    assert_eq!(s.records, n);
    eprintln!("{s:?}");
}
