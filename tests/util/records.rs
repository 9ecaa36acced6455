//! Dataset and source fixtures: valid records of every type, the plan's v8
//! profile, healthy train and eval sets, and the note and transcript the
//! `notes`, `ingest` and standard-input tests read.

/// One valid record of `ty` whose judged text is `text`.
pub fn rec(id: &str, ty: &str, source: &str, text: &str) -> String {
    let body = match ty {
        "preference" => format!(
            r#""prompt":"How should I say {id}?","chosen":"{text}","rejected":"draft of {text}""#
        ),
        "chat" => format!(r#""input":"User: what next for {id}?","output":"{text}""#),
        _ => format!(r#""input":"question {id}","output":"{text}""#),
    };
    format!(r#"{{"id":"{id}","record_type":"{ty}","source":"{source}",{body}}}"#)
}

pub const TYPES: [&str; 6] = {
    use revmine::dataset::record::RecordType as T;
    [
        T::Chat.as_str(),
        T::Qa.as_str(),
        T::Preference.as_str(),
        T::Knowledge.as_str(),
        T::Memory.as_str(),
        T::Trajectory.as_str(),
    ]
};

/// The plan's v8 profile: 18,000 synthetic records, 6 unique outputs per type.
pub fn v8_profile() -> String {
    let counts = [6000, 3000, 3000, 2000, 2000, 2000];
    let mut out = String::new();
    let mut n = 0;
    for (ty, count) in TYPES.iter().zip(counts) {
        for i in 0..count {
            n += 1;
            out.push_str(&rec(
                &format!("v8_{n:05}"),
                ty,
                "synthetic",
                &format!("Template answer {}.", i % 6),
            ));
            out.push('\n');
        }
    }
    out
}

/// A healthy train set: every type, `real` of each 10 records real, all texts distinct.
pub fn varied(prefix: &str, per_type: usize, real_per_10: usize) -> String {
    let mut out = String::new();
    for ty in TYPES {
        for i in 0..per_type {
            let source = if i % 10 < real_per_10 {
                "real"
            } else {
                "synthetic"
            };
            out.push_str(&rec(
                &format!("{prefix}_{ty}_{i}"),
                ty,
                source,
                &format!("Distinct answer {i} for {ty} in {prefix}."),
            ));
            out.push('\n');
        }
    }
    out
}

/// Eval hard cases: five chat records per tag, each distinct, so an eval
/// file meets the default `eval_hard_cases` minimums.
pub fn hard_cases(prefix: &str) -> String {
    let inputs = [
        "User: Can you fix it for case {i}? Not sure which one you need.",
        "User: Sales promised date {i} but legal wants a review; I can't do both. Which first?",
        "User: Production is down for customer {i} and I'm panicking.",
        "User: Plan sprint {i}.\\nAssistant: Sure, what scope?\\nUser: Only the billing work.",
    ];
    let mut out = String::new();
    for (t, input) in inputs.iter().enumerate() {
        for i in 0..5 {
            let input = input.replace("{i}", &i.to_string());
            out.push_str(&format!(
                r#"{{"id":"{prefix}_h{t}_{i}","record_type":"chat","source":"real","input":"{input}","output":"Hard case answer {t} {i} from {prefix}."}}"#
            ));
            out.push('\n');
        }
    }
    out
}

/// A plan note with a measured state, a next deliverable and a link-only section.
pub const PLAN: &str = "# Conversational Refinement Plan v1\n\n## Current State (Measured)\n\n\
Train dataset (`assistant_dataset_train.v8.jsonl`):\n- 18,000 records total\n- chat: 6,000\n\n\
## Next Deliverable\n\n- `assistant_dataset_train.v8.jsonl` with real-conversation infusion\n\n## Links\n\n[spec](https://example.org)\n";

/// A plain-text transcript of two exchanges, the last answer over two lines.
pub const LOG: &str = "User: I missed yesterday's deadline.\nAssistant: Let's reset with essentials.\n\
User: I only have 2 hours now, what first?\nAssistant: Start with the highest-impact slice,\nthen send a revised ETA.\n";
