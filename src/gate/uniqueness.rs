//! `uniqueness`: the plan's measure of template collapse. Per file and type,
//! unique/sampled normalised texts on a seeded sample (the v8 profile had 6
//! unique outputs in 6,000).

use super::result::{GateResult, round4};
use crate::dataset::record::RecordType;
use crate::gate::scan::FileScan;
use crate::gate::settings::Uniqueness;

pub(super) fn gate(scans: &[FileScan], config: &Uniqueness) -> Vec<GateResult> {
    let threshold = format!("> {}", config.threshold);
    let mut out = Vec::new();
    for scan in scans {
        for (&ty, field) in &config.fields {
            let tally = &scan.types[ty.index()];
            if tally.count == 0 {
                continue;
            }
            let scope = format!("{}: {ty}", scan.label);
            let (unique, sampled) = tally.sampled_uniqueness();
            if sampled == 0 {
                out.push(GateResult::skipped(
                    "uniqueness",
                    &scope,
                    threshold.clone(),
                    &format!("no {ty} record has a text `{field}`"),
                ));
                continue;
            }
            let ratio = unique as f64 / sampled as f64;
            out.push(GateResult {
                name: "uniqueness",
                scope,
                passed: ratio > config.threshold,
                skipped: false,
                value: round4(ratio),
                threshold: threshold.clone(),
                detail: format!(
                    "{unique} unique / {sampled} sampled `{field}` of {} {ty} records (seed {})",
                    tally.count, config.seed
                ),
            });
        }
    }
    if out.is_empty() {
        let types: Vec<&str> = config
            .fields
            .keys()
            .map(|t| RecordType::as_str(*t))
            .collect();
        out.push(GateResult::skipped(
            "uniqueness",
            "all files",
            threshold,
            &format!("no {} records", types.join("/")),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{rec, scan};
    use crate::config::Config;
    use crate::dataset::role::Role;

    #[test]
    fn six_templates_fail_and_varied_outputs_pass() {
        let config = Config::default();
        let lines: Vec<String> = (0..600)
            .map(|i| {
                rec(
                    &format!("c{i}"),
                    "chat",
                    "synthetic",
                    &format!("Template {}", i % 6),
                )
            })
            .chain((0..50).map(|i| {
                rec(
                    &format!("q{i}"),
                    "qa",
                    "real",
                    &format!("Answer number {i}"),
                )
            }))
            .collect();
        let s = scan("d.jsonl", Role::Other, &lines);
        let r = super::gate(&[s], &config.gates.uniqueness);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!((r[0].scope.as_str(), r[0].passed), ("d.jsonl: chat", false));
        assert_eq!(r[0].value, serde_json::json!(0.01));
        assert!(
            r[0].detail.starts_with("6 unique / 600 sampled"),
            "{}",
            r[0].detail
        );
        assert_eq!((r[1].scope.as_str(), r[1].passed), ("d.jsonl: qa", true));
    }

    #[test]
    fn the_threshold_is_strict() {
        let mut config = Config::default().gates.uniqueness;
        // 1 unique in 4 is exactly 0.25: not above it
        let lines: Vec<String> = (0..4)
            .map(|i| rec(&format!("q{i}"), "qa", "real", "same"))
            .collect();
        let r = super::gate(&[scan("d", Role::Other, &lines)], &config);
        assert!(!r[0].passed);
        config.threshold = 0.2;
        let r = super::gate(&[scan("d", Role::Other, &lines)], &config);
        assert!(r[0].passed);
    }
}
