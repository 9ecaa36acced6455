use crate::util::{Dir, rec, run};

/// One line per problem kind the issue names; the comment gives its line number.
fn every_problem_kind() -> Vec<u8> {
    let mut f: Vec<u8> = Vec::new();
    let mut line = |bytes: &[u8]| {
        f.extend_from_slice(bytes);
        f.extend_from_slice(b"\r\n");
    };
    line(format!("\u{feff}{}", rec("c1", "chat", "real", "Hello there.")).as_bytes()); // 1, BOM + CRLF
    line(b""); // 2, blank
    line(br#"{"id":"x1","record_type":"qa","#); // 3, truncated JSON
    line(br#"{"id":"x2" "record_type":"qa"}"#); // 4, invalid JSON
    line(b"[1, 2]"); // 5, not an object
    line(br#"{"record_type":"qa","input":"q","output":"o"}"#); // 6, missing id
    line(br#"{"id":"","record_type":"qa","input":"q","output":"o"}"#); // 7, empty id
    line(br#"{"id":"u1","record_type":"poem","input":"q","output":"o"}"#); // 8, unknown type
    line(br#"{"id":"m1","record_type":"qa","input":"q"}"#); // 9, missing type field
    line(br#"{"id":"w1","record_type":"knowledge","input":"q","output":5}"#); // 10, wrong type
    line(br#"{"id":"p1","record_type":"preference","prompt":"p","chosen":"Same  text.","rejected":"Same text."}"#); // 11
    line(rec("c1", "qa", "real", "Another.").as_bytes()); // 12, duplicate id
    line(b"{\"id\":\"b1\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"caf\xe9\"}"); // 13, bad UTF-8
    line(br#"{"id":"t1","record_type":"chat","input":"User: hi\nAssistant: hello","output":"o"}"#); // 14
    line(br#"{"id":"r1","record_type":"memory"}"#); // 15, two missing fields
    f
}

#[test]
fn every_problem_is_reported_with_its_line() {
    let d = Dir::new();
    d.write("data.jsonl", every_problem_kind());
    let (code, out, err) = run(d.revmine().args(["validate", "data.jsonl"]));
    assert_eq!(code, 1, "{err}");
    let expected = "\
data.jsonl:3: -: -: truncated JSON: EOF while parsing a value at column 30
data.jsonl:4: -: -: invalid JSON: expected `,` or `}` at column 12
data.jsonl:5: -: -: must be an object, found an array
data.jsonl:6: -: id: missing required field
data.jsonl:7: \"\": id: must not be empty
data.jsonl:8: u1: record_type: unknown value \"poem\" (expected one of: chat, qa, preference, knowledge, memory, trajectory)
data.jsonl:9: m1: output: missing required field
data.jsonl:10: w1: output: must be a string, found a number
data.jsonl:11: p1: chosen: is the same text as rejected (ignoring whitespace)
data.jsonl:12: c1: id: duplicate id, first at data.jsonl:1
data.jsonl:13: -: -: invalid UTF-8 at byte 56 of the line
data.jsonl:14: t1: input: must end with the `User:` turn being answered, not an `Assistant:` turn
data.jsonl:15: r1: input: missing required field
data.jsonl:15: r1: output: missing required field
";
    assert_eq!(out, expected, "stderr: {err}");
    assert!(err.contains("14 problems in 14 records of 1 file"), "{err}");
}

#[test]
fn a_clean_file_passes_quietly() {
    let d = Dir::new();
    d.write(
        "ok.jsonl",
        format!(
            "{}\n\n{}\n",
            rec("a", "qa", "real", "x"),
            rec("b", "preference", "real", "y")
        ),
    );
    let (code, out, err) = run(d.revmine().args(["validate", "ok.jsonl"]));
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("0 problems in 2 records"), "{err}");
}

#[test]
fn duplicate_ids_across_files_name_the_first_file() {
    let d = Dir::new();
    d.write(
        "train.jsonl",
        format!("{}\n", rec("same", "qa", "real", "x")),
    );
    d.write(
        "eval.jsonl",
        format!(
            "{}\n{}\n",
            rec("other", "qa", "real", "y"),
            rec("same", "qa", "real", "z")
        ),
    );
    let (code, out, _) = run(d.revmine().args(["validate", "train.jsonl", "eval.jsonl"]));
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "eval.jsonl:2: same: id: duplicate id, first at train.jsonl:1\n"
    );
}

#[test]
fn an_unreadable_file_exits_2_and_the_others_are_still_checked() {
    let d = Dir::new();
    d.write("bad.jsonl", "{oops\n");
    let (code, out, err) = run(d.revmine().args(["validate", "missing.jsonl", "bad.jsonl"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("revmine: cannot read `missing.jsonl`: No such file"),
        "{err}"
    );
    assert!(out.starts_with("bad.jsonl:1: -: -: invalid JSON"), "{out}");
    let (code, _, err) = run(d.revmine().args(["validate"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = run(d.revmine().args(["validate", "--no-such-flag", "x"]));
    assert_eq!(code, 2);
}

#[test]
fn standard_input_is_read_with_dash() {
    let d = Dir::new();
    let (code, out, _) = run(d
        .revmine()
        .args(["validate", "-"])
        .write_stdin("{\"id\":1}\n"));
    assert_eq!(code, 1);
    assert!(
        out.contains("<stdin>:1: -: id: must be a string, found a number\n"),
        "{out}"
    );
}

#[test]
fn json_report_lists_files_and_problems() {
    let d = Dir::new();
    d.write(
        "d.jsonl",
        format!("{}\n{{\"id\":\"q\"}}\n", rec("a", "qa", "real", "x")),
    );
    let (code, out, _) = run(d.revmine().args(["validate", "--json", "d.jsonl"]));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["passed"], false);
    assert_eq!(v["files"][0]["path"], "d.jsonl");
    assert_eq!(v["files"][0]["records"], 2);
    let p = &v["problems"][0];
    assert_eq!(
        (p["line"].as_u64(), p["id"].as_str(), p["field"].as_str()),
        (Some(2), Some("q"), Some("record_type"))
    );
    assert_eq!(p["message"], "missing required field");
}

#[test]
fn a_user_schema_replaces_the_builtin_one() {
    let d = Dir::new();
    d.write(
        "lang.schema.json",
        r#"{"type":"object","required":["id","lang"],"properties":{"lang":{"enum":["en","de"]}}}"#,
    );
    // valid under the user's schema although it has no record_type
    d.write(
        "d.jsonl",
        "{\"id\":\"a\",\"lang\":\"en\"}\n{\"id\":\"b\",\"lang\":\"fr\"}\n",
    );
    let (code, out, _) =
        run(d
            .revmine()
            .args(["validate", "--schema", "lang.schema.json", "d.jsonl"]));
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "d.jsonl:2: b: lang: unknown value \"fr\" (expected one of: en, de)\n"
    );
    // and the same schema through the config, relative to the config's directory
    d.write(
        "conf/revmine.toml",
        "[schema]\npath = \"../lang.schema.json\"\n",
    );
    let (code2, out2, _) =
        run(d
            .revmine()
            .args(["validate", "--config", "conf/revmine.toml", "d.jsonl"]));
    assert_eq!((code2, out2), (code, out));
    d.write("broken.json", "{\"type\": 12}");
    let (code, _, err) = run(d
        .revmine()
        .args(["validate", "--schema", "broken.json", "d.jsonl"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("schema `broken.json`: not a valid JSON Schema"),
        "{err}"
    );
}

#[test]
fn a_file_named_twice_is_read_once_by_validate_and_stats() {
    let d = Dir::new();
    d.write(
        "eval.jsonl",
        format!(
            "{}\n{}\n",
            rec("a", "qa", "real", "x"),
            rec("b", "qa", "real", "y")
        ),
    );
    let (code, out, err) = run(d.revmine().args(["validate", "eval.jsonl", "eval.jsonl"]));
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("0 problems in 2 records of 1 file"), "{err}");
    assert!(
        err.contains("warning: `eval.jsonl` is named twice; it is read once"),
        "{err}"
    );
    let (code, out, err) = run(d.revmine().args(["validate", "eval.jsonl", "./eval.jsonl"]));
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(
        err.contains("`eval.jsonl` and `./eval.jsonl` name the same file"),
        "{err}"
    );
    let (code, out, err) = run(d
        .revmine()
        .args(["stats", "--json", "eval.jsonl", "./eval.jsonl"]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["files"].as_array().map(Vec::len), Some(1), "{v}");
    assert!(err.contains("name the same file"), "{err}");
}
