//! `leakage`: an eval record whose question or answer is also in train
//! measures memory, not skill. Every train record is probed against every
//! eval record's fingerprint during the scan (see `scan::leak_index`); this
//! gate reads the counts and names the first leaks.

use super::result::GateResult;
use crate::dataset::neardup::NearDuplicates;
use crate::dataset::role::Role;
use crate::gate::scan::{FileScan, leak_names};
use crate::gate::settings::Gates;

pub(super) fn gate(scans: &[FileScan], gates: &Gates, near: &NearDuplicates) -> GateResult {
    let cfg = &gates.leakage;
    let threshold = format!("<= {} train records", cfg.max_records);
    let evals: Vec<&FileScan> = scans.iter().filter(|s| s.role == Role::Eval).collect();
    let trains: Vec<&FileScan> = scans.iter().filter(|s| s.role == Role::Train).collect();
    let why = if !cfg.enabled {
        Some("off in config (gates.leakage.enabled)")
    } else if evals.is_empty() || trains.is_empty() {
        Some("needs train and eval files in the same check")
    } else {
        None
    };
    if let Some(why) = why {
        return GateResult::skipped("leakage", "train vs eval", threshold, why);
    }
    let names = &leak_names(&evals);
    let leaked: u64 = trains.iter().map(|s| s.leaks).sum();
    let eval_records: usize = evals.iter().map(|s| s.prints.len()).sum();
    let mut detail = format!(
        "{leaked} train records repeat one of {eval_records} eval records (input/prompt or response; \
         exact, or Jaccard >= {})",
        near.threshold
    );
    let examples: Vec<String> = trains
        .iter()
        .flat_map(|s| {
            s.leak_examples.iter().map(move |l| {
                let field = l.leak.side.field(l.ty);
                let how = if l.leak.exact {
                    "same".to_string()
                } else {
                    format!("{:.2} like", l.leak.similarity)
                };
                let id =
                    l.id.as_deref()
                        .map(|i| format!(" ({i})"))
                        .unwrap_or_default();
                let eval = names.get(l.leak.eval).map_or("?", String::as_str);
                format!("{}:{}{id} {field} {how} {eval}", s.label, l.line)
            })
        })
        .take(3)
        .collect();
    if !examples.is_empty() {
        detail.push_str("; e.g. ");
        detail.push_str(&examples.join("; "));
    }
    GateResult {
        name: "leakage",
        scope: "train vs eval".into(),
        passed: leaked <= cfg.max_records,
        skipped: false,
        value: leaked.into(),
        threshold,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::dataset::role::Role;
    use crate::dataset::schema::Schema;
    use crate::gate::scan::{Input, Scanner, leak_index};
    use crate::gate::tests::{rec, scan};

    /// Scans eval then train as `check` does, with the index in between.
    fn check(eval: &[String], train: &[String]) -> crate::gate::GateResult {
        let config = Config::default();
        let schema = Schema::builtin().unwrap();
        let mut s = Scanner::new(&schema, config.scan_options(false));
        let bar = indicatif::ProgressBar::hidden();
        let e = s.scan(
            Input::from_bytes("eval.jsonl", Role::Eval, eval.join("\n").into_bytes()),
            &bar,
        );
        s.set_leak_index(std::sync::Arc::new(leak_index(&[&e], 0.8)));
        let t = s.scan(
            Input::from_bytes("train.jsonl", Role::Train, train.join("\n").into_bytes()),
            &bar,
        );
        super::gate(&[t, e], &config.gates, &config.near_duplicates)
    }

    const LONG: &str = "Write down the three blockers first then ask the platform team about \
        the quota and move the launch review to Thursday so design can join";

    #[test]
    fn exact_and_near_copies_of_eval_fail_and_name_both_records() {
        let qa = |id: &str, input: &str, output: &str| {
            serde_json::json!({"id": id, "record_type": "qa", "input": input, "output": output})
                .to_string()
        };
        let eval = vec![qa("e1", "What now?", LONG)];
        let clean = vec![qa(
            "t1",
            "Where?",
            "Book the venue before the budget review.",
        )];
        let g = check(&eval, &clean);
        assert!(g.passed, "{g:?}");
        let exact = vec![qa("t2", "Why?", &LONG.to_uppercase())];
        let g = check(&eval, &exact);
        assert!(!g.passed);
        assert!(
            g.detail
                .contains("train.jsonl:1 (t2) output same eval.jsonl:1 (e1)"),
            "{}",
            g.detail
        );
        let near = vec![qa("t3", "How?", &LONG.replace("can join", "can attend"))];
        let g = check(&eval, &near);
        assert!(!g.passed, "{g:?}");
        assert!(g.detail.contains("like eval.jsonl:1"), "{}", g.detail);
    }

    #[test]
    fn a_shared_question_leaks_too() {
        // rec() gives every qa record the input "q": the same question in both sets.
        let eval = vec![rec("e1", "qa", "real", "one answer")];
        let train = vec![rec("t1", "qa", "real", "a different answer entirely")];
        let g = check(&eval, &train);
        assert!(!g.passed);
        assert!(g.detail.contains("input same"), "{}", g.detail);
    }

    #[test]
    fn skipped_without_both_sides() {
        let g = super::gate(
            &[scan(
                "train.jsonl",
                Role::Train,
                &[rec("t", "qa", "real", "x")],
            )],
            &Config::default().gates,
            &Config::default().near_duplicates,
        );
        assert!(g.skipped);
    }
}
