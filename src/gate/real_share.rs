//! `real_share`: the plan's 35-50% of train from real material, so the model
//! learns real conversation without losing synthetic coverage.

use super::result::{GateResult, pct, round4};
use crate::gate::scan::FileScan;
use crate::gate::settings::RealShare;

pub(super) fn gate(train: &[&FileScan], config: &RealShare) -> GateResult {
    let threshold = format!("[{}, {}]", config.min, config.max);
    if train.is_empty() {
        return GateResult::skipped(
            "real_share",
            "train set",
            threshold,
            "no train file checked (files.train globs, or --train)",
        );
    }
    let real: u64 = train.iter().map(|s| s.real()).sum();
    let total: u64 = train.iter().map(|s| s.typed()).sum();
    let share = pct(real, total);
    GateResult {
        name: "real_share",
        scope: "train set".into(),
        passed: total > 0 && (config.min..=config.max).contains(&share),
        skipped: false,
        value: round4(share),
        threshold,
        detail: format!("{real} of {total} records have source \"real\""),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{rec, scan};
    use crate::config::Config;
    use crate::dataset::role::Role;

    #[test]
    fn the_band_is_inclusive_and_enforced_both_ways() {
        let config = Config::default().gates.real_share;
        let make = |real: usize, total: usize| -> Vec<String> {
            (0..total)
                .map(|i| {
                    rec(
                        &format!("r{i}"),
                        "qa",
                        if i < real { "real" } else { "synthetic" },
                        "x",
                    )
                })
                .collect()
        };
        for (real, passed) in [(35, true), (50, true), (34, false), (51, false)] {
            let s = scan("t_train.jsonl", Role::Train, &make(real, 100));
            let r = super::gate(&[&s], &config);
            assert_eq!(r.passed, passed, "{real}%: {r:?}");
        }
    }
}
