//! `spot_check`: the plan's "manual spot-check of 100 random records", as a
//! recorded sign-off whose content hash matches the file being checked.
//! [`crate::gate::scan::attach_ledgers`] loads each file's ledger into its
//! scan; the hash comes from
//! the scan itself, so with `--staged` it is the staged content's.

use super::result::GateResult;
use crate::gate::scan::FileScan;
use crate::gate::settings::SpotCheck;
use crate::review::signoff::{Ledger, SignOff};

const NAME: &str = "spot_check";

pub(super) fn gate(scans: &[FileScan], config: &SpotCheck) -> Vec<GateResult> {
    let roles: Vec<&str> = config.roles.iter().map(|r| r.as_str()).collect();
    let threshold = format!("sign-off of >= {} sampled (or all)", config.sample_size);
    let judged: Vec<&FileScan> = scans
        .iter()
        .filter(|s| config.roles.contains(&s.role))
        .collect();
    if !config.required {
        let verdicts: Vec<_> = judged.iter().map(|s| (s, verdict(s, config))).collect();
        let signed = verdicts.iter().filter(|(_, v)| v.is_ok()).count();
        let mut detail = format!(
            "not required (gates.spot_check.required); {signed} of {} {} file{} signed off for their current content",
            judged.len(),
            roles.join("/"),
            if judged.len() == 1 { "" } else { "s" }
        );
        // Why not, for files that have a sign-off that does not count: a
        // user who signed off wants to know (a file never signed needs no word).
        for (s, v) in &verdicts {
            if let Err(why) = v
                && !matches!(s.signoffs, Ledger::Absent | Ledger::NotLoaded)
            {
                detail.push_str(&format!("; {}: {why}", s.label));
            }
        }
        return vec![GateResult::skipped(NAME, "all files", threshold, &detail)];
    }
    if judged.is_empty() {
        return vec![GateResult::skipped(
            NAME,
            "all files",
            threshold,
            &format!("no {} file checked", roles.join("/")),
        )];
    }
    judged
        .iter()
        .map(|s| {
            let (passed, detail) = match verdict(s, config) {
                Ok(e) => (
                    true,
                    format!(
                        "signed off by {} at {} ({} of {} records, seed {})",
                        e.by, e.at, e.sampled, e.records, e.seed
                    ),
                ),
                Err(why) => (false, why),
            };
            GateResult {
                name: NAME,
                scope: s.label.clone(),
                passed,
                skipped: false,
                value: s
                    .content_hash
                    .map_or(serde_json::Value::Null, |h| h.to_string().into()),
                threshold: threshold.clone(),
                detail,
            }
        })
        .collect()
}

/// The newest sign-off that vouches for this content with a big enough sample, or why none does.
fn verdict<'s>(s: &'s FileScan, config: &SpotCheck) -> Result<&'s SignOff, String> {
    let Some(hash) = s.content_hash else {
        return Err("the file was not read to its end, so its content cannot be matched".into());
    };
    let how = format!(
        "`revmine sample {} -o review.md`, tick every record, then `revmine review sign-off review.md --by NAME`",
        s.label
    );
    let entries = match &s.signoffs {
        Ledger::NotLoaded => {
            return Err(
                "no sign-off can be found for this input (standard input has no ledger beside it)"
                    .into(),
            );
        }
        Ledger::Absent => return Err(format!("no sign-off: {how}")),
        Ledger::Unreadable(why) => return Err(why.clone()),
        Ledger::Found(v) => v,
    };
    let matching: Vec<&SignOff> = entries.iter().filter(|e| e.content_hash == hash).collect();
    let short = |e: &SignOff| shortfall(config, &s.label, e.sampled, e.records);
    if let Some(e) = matching.iter().rev().find(|e| short(e).is_none()) {
        return Ok(e);
    }
    if let Some(e) = matching.last()
        && let Some(why) = short(e)
    {
        return Err(format!("the sign-off by {} {why}", e.by));
    }
    match entries.last() {
        Some(e) => Err(format!(
            "changed since the sign-off by {} at {} (signed {}, now {hash}): {how}",
            e.by, e.at, e.content_hash
        )),
        None => Err(format!("no sign-off: {how}")),
    }
}

/// Why a sign-off of `sampled` records of a `records`-record file does not
/// count for this gate, in the user's terms with the command that fixes it;
/// `None` when it counts. `review sign-off` says the same when it records one.
pub fn shortfall(config: &SpotCheck, label: &str, sampled: usize, records: u64) -> Option<String> {
    let min = config.sample_size as u64;
    let need = min.min(records);
    if sampled as u64 >= need {
        return None;
    }
    let rule = if records < min {
        format!(
            "the file holds {records} records, fewer than gates.spot_check.sample_size ({min}), \
             so every one must be reviewed"
        )
    } else {
        format!("gates.spot_check.sample_size is {min}")
    };
    Some(format!(
        "covers {sampled} of {records} records, but spot_check needs {need} ({rule}): \
         `revmine sample {label} -n {need} -o review.md`, tick every record, then sign that sheet off"
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{rec, scan};
    use crate::config::Config;
    use crate::dataset::content_hash::ContentHash;
    use crate::dataset::role::Role;
    use crate::review::signoff::{Ledger, SignOff};

    fn signoff(hash: ContentHash, sampled: usize) -> SignOff {
        SignOff {
            content_hash: hash,
            by: "Ana".into(),
            at: "2026-01-01T00:00:00Z".into(),
            records: 200,
            sampled,
            n: sampled,
            seed: 7,
            sheet: "r.md".into(),
        }
    }

    #[test]
    fn passes_only_for_a_sign_off_of_this_content_when_required() {
        let mut config = Config::default().gates.spot_check;
        let lines: Vec<String> = (0..200)
            .map(|i| rec(&format!("q{i}"), "qa", "real", "x"))
            .collect();
        let mut s = scan("t_train.jsonl", Role::Train, &lines);
        let hash = s.content_hash.unwrap();
        assert_eq!(hash, ContentHash::of_bytes(lines.join("\n").as_bytes()));
        // not required: one informational row whatever the state
        let r = super::gate(std::slice::from_ref(&s), &config);
        assert!(r.len() == 1 && r[0].skipped && r[0].passed, "{r:?}");
        config.required = true;
        for (ledger, passed, says) in [
            (Ledger::Absent, false, "no sign-off"),
            (
                Ledger::Found(vec![signoff(ContentHash(1), 100)]),
                false,
                "changed since",
            ),
            (
                Ledger::Found(vec![signoff(hash, 10)]),
                false,
                "covers 10 of 200 records, but spot_check needs 100 (gates.spot_check.sample_size is 100)",
            ),
            (
                Ledger::Found(vec![signoff(ContentHash(1), 100), signoff(hash, 100)]),
                true,
                "signed off by Ana",
            ),
            (Ledger::Unreadable("bad ledger".into()), false, "bad ledger"),
            (Ledger::NotLoaded, false, "standard input"),
        ] {
            s.signoffs = ledger;
            let r = super::gate(std::slice::from_ref(&s), &config);
            assert_eq!((r.len(), r[0].passed), (1, passed), "{r:?}");
            assert!(r[0].detail.contains(says), "{}", r[0].detail);
        }
        // a file of a role not listed is not judged
        let other = scan("pairs.jsonl", Role::Other, &lines);
        let r = super::gate(&[other], &config);
        assert!(r[0].skipped, "{r:?}");
    }
}
