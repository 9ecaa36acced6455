//! `revmine ingest`: chat transcripts and exports become records.

use crate::util::{Dir, LOG, jsonl, run};

#[test]
fn ingest_writes_records_with_prior_turns_and_stable_ids() {
    let d = Dir::new();
    d.write("chats/log.txt", LOG);
    d.write(
        "chats/openai.jsonl",
        "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Plan my day\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Three blocks: deep work, meetings, admin.\"}]}]}\n",
    );
    let (code, _, err) = run(d.revmine().args([
        "ingest",
        "chats/log.txt",
        "chats/openai.jsonl",
        "-o",
        "chat.jsonl",
        "--turns",
        "1",
    ]));
    assert_eq!(code, 0, "{err}");
    let first = d.read("chat.jsonl");
    let recs = jsonl(&first);
    assert_eq!(recs.len(), 3);
    assert_eq!(
        recs[1]["input"],
        "Assistant: Let's reset with essentials.\nUser: I only have 2 hours now, what first?"
    );
    assert_eq!(
        recs[1]["output"],
        "Start with the highest-impact slice,\nthen send a revised ETA."
    );
    assert_eq!(recs[2]["meta"]["system"], "Be brief.");
    assert_eq!(recs[2]["meta"]["format"], "openai");
    run(d.revmine().args([
        "ingest",
        "chats/log.txt",
        "chats/openai.jsonl",
        "-o",
        "chat.jsonl",
        "--turns",
        "1",
    ]));
    assert_eq!(
        d.read("chat.jsonl"),
        first,
        "a second run gives the same records and ids"
    );
    let (code, out, _) = run(d.revmine().args(["check", "chat.jsonl"]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_broken_transcript_writes_nothing_unless_told_to_keep_going() {
    let d = Dir::new();
    d.write("log.txt", LOG);
    d.write(
        "share.json",
        "[{\"id\":\"a\",\"conversations\":[{\"from\":\"human\",\"value\":\"hi\"},{\"from\":\"gpt\",\"value\":\"Hello there.\"}]},\n {\"id\":\"b\",\"conversations\":[{\"from\":\"human\",\"val",
    );
    d.write("chat.jsonl", "previous output\n");
    let (code, _, err) =
        run(d
            .revmine()
            .args(["ingest", "log.txt", "share.json", "-o", "chat.jsonl"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("share.json: line 2"),
        "the error names the file and where it broke: {err}"
    );
    assert_eq!(
        d.read("chat.jsonl"),
        "previous output\n",
        "a failed run keeps the earlier output"
    );
    let (code, _, err) = run(d.revmine().args([
        "ingest",
        "log.txt",
        "share.json",
        "-o",
        "chat.jsonl",
        "--keep-going",
    ]));
    assert_eq!(code, 2, "the input was broken, and the exit says so");
    assert!(err.contains("1 conversation lost"), "{err}");
    assert_eq!(
        jsonl(&d.read("chat.jsonl")).len(),
        3,
        "both log records and the complete ShareGPT one"
    );
}
