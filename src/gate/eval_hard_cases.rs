//! `eval_hard_cases`: the plan's eval set must test ambiguity, conflicting
//! priorities, stress and follow-up turns. Each tag's count over all eval
//! files (from `meta.tags` or the `[tags]` rules) must reach its minimum.

use super::result::GateResult;
use crate::dataset::role::Role;
use crate::dataset::tags::Tag;
use crate::gate::scan::FileScan;
use crate::gate::settings::Gates;

pub(super) fn gate(scans: &[FileScan], gates: &Gates) -> Vec<GateResult> {
    let evals: Vec<&FileScan> = scans.iter().filter(|s| s.role == Role::Eval).collect();
    let mins = &gates.eval_hard_cases.min;
    if evals.is_empty() || mins.is_empty() {
        let why = if mins.is_empty() {
            "no minimums configured (gates.eval_hard_cases.min)"
        } else {
            "no eval file"
        };
        return vec![GateResult::skipped(
            "eval_hard_cases",
            "eval set",
            "per-tag minimums".into(),
            why,
        )];
    }
    let records: u64 = evals.iter().map(|s| s.typed()).sum();
    Tag::ALL
        .iter()
        .enumerate()
        .filter_map(|(i, tag)| {
            let min = *mins.get(tag.as_str())?;
            let found: u64 = evals.iter().map(|s| s.tags[i]).sum();
            Some(GateResult {
                name: "eval_hard_cases",
                scope: format!("eval set: {tag}"),
                passed: found >= min,
                skipped: false,
                value: found.into(),
                threshold: format!(">= {min}"),
                detail: format!("{found} of {records} eval records tagged {tag}"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::scan;
    use crate::config::Config;
    use crate::dataset::role::Role;

    fn chat(id: &str, input: &str) -> String {
        serde_json::json!({"id": id, "record_type": "chat", "input": input, "output": "ok"})
            .to_string()
    }

    #[test]
    fn counts_rules_and_meta_tags_against_minimums() {
        let config = Config::default();
        let mut lines: Vec<String> = (0..5)
            .map(|i| chat(&format!("s{i}"), "User: Production is down, help!"))
            .collect();
        lines.extend((0..5).map(|i| {
            chat(
                &format!("f{i}"),
                "User: Plan my week.\nAssistant: Sure.\nUser: And next week?",
            )
        }));
        // Tagged by hand, though no rule fires on the text.
        lines.extend((0..5).map(|i| {
            serde_json::json!({"id": format!("a{i}"), "record_type": "chat",
                "input": "User: Summarise it.", "output": "ok",
                "meta": {"tags": ["ambiguity"]}})
            .to_string()
        }));
        let g = super::gate(&[scan("eval.jsonl", Role::Eval, &lines)], &config.gates);
        let by_tag = |t: &str| g.iter().find(|g| g.scope.ends_with(t)).unwrap();
        assert!(by_tag("stress").passed);
        assert!(by_tag("follow_up").passed);
        assert!(by_tag("ambiguity").passed, "{:?}", by_tag("ambiguity"));
        assert!(!by_tag("conflicting_priorities").passed);
        assert_eq!(by_tag("conflicting_priorities").value, serde_json::json!(0));
    }

    #[test]
    fn train_files_are_not_counted() {
        let lines = vec![chat("s", "User: Production is down, help!")];
        let g = super::gate(
            &[scan("train.jsonl", Role::Train, &lines)],
            &Config::default().gates,
        );
        assert!(g[0].skipped);
    }
}
