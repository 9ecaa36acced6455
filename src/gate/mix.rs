//! `mix`: a train set keeps every record type, so rebalancing toward real data
//! cannot quietly drop a skill.

use serde_json::Value;

use super::result::{GateResult, pct};
use crate::dataset::record::RecordType;
use crate::gate::scan::FileScan;
use crate::gate::settings::Mix;

pub(super) fn gate(train: &[&FileScan], config: &Mix) -> GateResult {
    let threshold = if config.min_share > 0.0 {
        format!(
            "all {} types, each >= {:.1}%",
            config.required_types.len(),
            config.min_share * 100.0
        )
    } else {
        format!("all {} types present", config.required_types.len())
    };
    if train.is_empty() {
        return GateResult::skipped(
            "mix",
            "train set",
            threshold,
            "no train file checked (files.train globs, or --train)",
        );
    }
    let mut counts = [0u64; 6];
    for scan in train {
        for ty in RecordType::ALL {
            counts[ty.index()] += scan.types[ty.index()].count;
        }
    }
    let total: u64 = counts.iter().sum();
    let failing: Vec<String> = config
        .required_types
        .iter()
        .filter(|ty| {
            let n = counts[ty.index()];
            n == 0 || pct(n, total) < config.min_share
        })
        .map(|ty| ty.to_string())
        .collect();
    let present = RecordType::ALL
        .iter()
        .filter(|t| counts[t.index()] > 0)
        .count();
    let shares: Vec<String> = RecordType::ALL
        .iter()
        .map(|t| {
            let n = counts[t.index()];
            format!("{t} {n} ({:.1}%)", pct(n, total) * 100.0)
        })
        .collect();
    let mut detail = shares.join(", ");
    if !failing.is_empty() {
        detail = format!("missing or under share: {}; {detail}", failing.join(", "));
    }
    GateResult {
        name: "mix",
        scope: "train set".into(),
        passed: failing.is_empty(),
        skipped: false,
        value: Value::from(present),
        threshold,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{rec, scan};
    use crate::config::Config;
    use crate::dataset::record::RecordType;
    use crate::dataset::role::Role;

    #[test]
    fn a_missing_type_fails_and_all_six_pass() {
        let config = Config::default().gates.mix;
        let all: Vec<String> = RecordType::ALL
            .iter()
            .map(|t| rec(t.as_str(), t.as_str(), "real", "x"))
            .collect();
        let s = scan("train.jsonl", Role::Train, &all);
        let r = super::gate(&[&s], &config);
        assert!(r.passed, "{r:?}");
        assert_eq!(r.value, serde_json::json!(6));
        let s = scan("train.jsonl", Role::Train, &all[..5]);
        let r = super::gate(&[&s], &config);
        assert!(!r.passed);
        assert!(
            r.detail.starts_with("missing or under share: trajectory"),
            "{}",
            r.detail
        );
        assert!(super::gate(&[], &config).skipped);
    }
}
