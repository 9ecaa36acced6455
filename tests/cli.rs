//! The command line itself: what `--help` says, and `-` for standard input
//! wherever a command reads one input.

use crate::util::{Dir, PLAN, jsonl, run};

/// The subcommands a `--help` lists under "Commands:" (without `help`).
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // a wrapped description continues further in
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn help_says_what_is_true_and_every_command_has_examples() {
    let d = Dir::new();
    let help = |args: &[&str]| {
        let (code, out, err) = run(d.revmine().args(args).arg("--help"));
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    };
    let top = help(&[]);
    assert!(top.contains("75"), "exit code 75 in top-level help: {top}");
    let mut checked = 0;
    for cmd in commands(&top) {
        let out = help(&[&cmd]);
        assert!(
            out.contains("\nExamples:\n"),
            "`{cmd} --help` has no examples:\n{out}"
        );
        checked += 1;
        for sub in commands(&out) {
            let out = help(&[&cmd, &sub]);
            assert!(
                out.contains("\nExamples:\n"),
                "`{cmd} {sub} --help` has no examples:\n{out}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 19, "{checked} helps read: {top}");
    // validate and stats list no option of check's that does nothing there
    for cmd in ["validate", "stats"] {
        let out = help(&[cmd]);
        for dead in ["--train", "--eval", "--staged"] {
            assert!(!out.contains(dead), "`{cmd} --help` lists {dead}:\n{out}");
        }
        assert!(out.contains("--schema") && out.contains("--json"), "{out}");
    }
    // check's description names every gate there is
    let check = help(&["check"]);
    let gates = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/gate"))
        .expect("src/gate")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".rs").map(str::to_string))
        // the stage's other files: the scan gates read, the stats block, a gate's result row, thresholds
        .filter(|f| !["mod", "scan", "stats", "result", "settings"].contains(&f.as_str()))
        .collect::<Vec<_>>();
    assert_eq!(gates.len(), 10, "{gates:?}");
    let about = check
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .replace('\n', " ");
    for gate in gates {
        assert!(
            about.contains(&gate),
            "check's description omits {gate}: {about}"
        );
    }
}

#[test]
fn dash_reads_standard_input_wherever_a_command_reads_one_input() {
    let d = Dir::new();
    let log = "User: I missed the deadline, what first?\nAssistant: Send a revised ETA, then ship the smallest slice.\n";
    // ingest - (failed before: "-: cannot open")
    let (code, out, err) = run(d.revmine().args(["ingest", "-"]).write_stdin(log));
    assert_eq!(code, 0, "{err}");
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 1, "{out}");
    assert_eq!(
        recs[0]["output"],
        "Send a revised ETA, then ship the smallest slice."
    );
    assert!(err.contains("<stdin> (text): 1 conversation"), "{err}");
    let (code, _, err) = run(d
        .revmine()
        .args(["ingest", "-", "-o", "chat.jsonl"])
        .write_stdin(log));
    assert_eq!(code, 0, "{err}");
    assert_eq!(jsonl(&d.read("chat.jsonl")).len(), 1);
    let (code, _, err) = run(d.revmine().args(["ingest", "-", "-"]).write_stdin(log));
    assert_eq!(code, 2);
    assert!(err.contains("named more than once"), "{err}");
    // notes - : one note
    let (code, out, err) = run(d.revmine().args(["notes", "-"]).write_stdin(PLAN));
    assert_eq!(code, 0, "{err}");
    assert_eq!(jsonl(&out).len(), 2, "{out}");
    // the dataset commands and export
    d.write("chat.jsonl", out.clone());
    for args in [
        &["validate", "-"][..],
        &["check", "-"],
        &["stats", "-"],
        &["export", "-", "--to", "openai"],
    ] {
        let (code, out, err) = run(d.revmine().args(args).write_stdin(d.read("chat.jsonl")));
        assert_ne!(code, 2, "{args:?}: {out}{err}");
        assert!(
            !err.contains("cannot read") && !err.contains("cannot open"),
            "{err}"
        );
    }
    // where a file on disk is the point, a usage error that says why
    for args in [
        &["mine", "-"][..],
        &["build", "-"],
        &["sample", "-"],
        &["review", "sign-off", "-"],
        &["promote", "-", "--as", "x_train.jsonl"],
    ] {
        let (code, _, err) = run(d.revmine().args(args).write_stdin(log));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("standard input"), "{args:?}: {err}");
        assert!(!err.contains("No such file"), "{args:?}: {err}");
    }
}
