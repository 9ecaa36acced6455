//! `near_duplicates`: the templated answers exact uniqueness misses ("Hi
//! Sam, start with X" / "Hi Ana, start with X"). Per file and type, on the
//! same seeded sample as `uniqueness`: the share of the distinct sampled
//! texts that are a near-duplicate of an earlier one. Identical repeats are
//! `uniqueness`'s to judge, so a file is not failed twice for one fault.

use std::collections::HashSet;

use super::result::{GateResult, round4};
use crate::dataset::neardup::Index;
use crate::dataset::neardup::NearDuplicates;
use crate::gate::scan::FileScan;
use crate::gate::settings::Gates;

pub(super) fn gate(scans: &[FileScan], gates: &Gates, near: &NearDuplicates) -> Vec<GateResult> {
    let max = gates.near_duplicates.max_share;
    let sim = near.similarity();
    let threshold = format!("<= {max}");
    let mut out = Vec::new();
    for scan in scans {
        for (&ty, field) in &gates.uniqueness.fields {
            let tally = &scan.types[ty.index()];
            if tally.count == 0 {
                continue;
            }
            let scope = format!("{}: {ty}", scan.label);
            let sample = tally.sample();
            let mut exact = HashSet::new();
            let mut index = Index::new(sim.threshold);
            let (mut judged, mut near) = (0u64, 0u64);
            let mut example = None;
            for (line, hash, sig) in sample {
                let Some(sig) = sig else { continue };
                if !exact.insert(hash) {
                    continue;
                }
                judged += 1;
                if let Some((&first, s)) = index.insert_unless_near(sig, line) {
                    near += 1;
                    example.get_or_insert((line, first, s));
                }
            }
            if judged == 0 {
                out.push(GateResult::skipped(
                    "near_duplicates",
                    &scope,
                    threshold.clone(),
                    &format!("no {ty} record has a text `{field}`"),
                ));
                continue;
            }
            let share = near as f64 / judged as f64;
            let mut detail = format!(
                "{near} of {judged} distinct sampled `{field}` near another (Jaccard >= {} on {}-word shingles)",
                sim.threshold, sim.shingle
            );
            if let Some((line, first, s)) = example {
                detail.push_str(&format!(", e.g. line {line} ~ line {first} ({s:.2})"));
            }
            out.push(GateResult {
                name: "near_duplicates",
                scope,
                passed: share <= max,
                skipped: false,
                value: round4(share),
                threshold: threshold.clone(),
                detail,
            });
        }
    }
    if out.is_empty() {
        out.push(GateResult::skipped(
            "near_duplicates",
            "all files",
            threshold,
            "no records with judged texts",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{rec, scan};
    use crate::config::Config;
    use crate::dataset::role::Role;

    fn answer(i: usize, name: &str) -> String {
        format!(
            "Hi {name}, start with the highest impact slice of item {i}, then send the revised \
             ETA update to the whole team and keep the scope small for this block of work"
        )
    }

    #[test]
    fn templated_answers_fail_and_distinct_ones_pass() {
        let config = Config::default();
        // The same template with a name swapped in: near, not identical.
        let templated: Vec<String> = (0..40)
            .map(|i| {
                rec(
                    &format!("c{i}"),
                    "chat",
                    "real",
                    &answer(1, &format!("Person{i}")),
                )
            })
            .collect();
        let g = super::gate(
            &[scan("t.jsonl", Role::Other, &templated)],
            &config.gates,
            &config.near_duplicates,
        );
        let chat = g.iter().find(|g| g.scope.ends_with("chat")).unwrap();
        assert!(!chat.passed, "{chat:?}");
        assert!(chat.detail.contains("e.g. line"), "{}", chat.detail);

        let distinct: Vec<String> = (0..40)
            .map(|i| {
                let words: Vec<String> = (0..20).map(|w| format!("w{i}x{w}")).collect();
                rec(&format!("c{i}"), "chat", "real", &words.join(" "))
            })
            .collect();
        let g = super::gate(
            &[scan("d.jsonl", Role::Other, &distinct)],
            &config.gates,
            &config.near_duplicates,
        );
        assert!(g.iter().all(|g| g.passed), "{g:?}");
    }

    #[test]
    fn identical_repeats_are_left_to_uniqueness() {
        let config = Config::default();
        let same: Vec<String> = (0..40)
            .map(|i| rec(&format!("c{i}"), "chat", "real", &answer(1, "Sam")))
            .collect();
        let g = super::gate(
            &[scan("s.jsonl", Role::Other, &same)],
            &config.gates,
            &config.near_duplicates,
        );
        assert!(g.iter().all(|g| g.passed), "{g:?}");
        assert_eq!(g[0].value, serde_json::json!(0.0));
    }
}
