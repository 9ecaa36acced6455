//! `secrets`: a record whose text holds a private key, a token, a password,
//! an e-mail address or a phone number teaches a model to repeat it. The
//! scan looks at every record's texts (see `scan::SECRET_FIELDS`); this gate
//! reads the per-file counts and names the first records, masked.

use super::result::GateResult;
use crate::dataset::line::sanitise;
use crate::gate::scan::FileScan;
use crate::gate::settings::Gates;

pub(super) fn gate(scans: &[FileScan], gates: &Gates) -> Vec<GateResult> {
    let cfg = &gates.secrets;
    let threshold = format!("<= {} records", cfg.max_records);
    if !cfg.enabled {
        return vec![GateResult::skipped(
            "secrets",
            "all files",
            threshold,
            "off in config (gates.secrets.enabled)",
        )];
    }
    scans
        .iter()
        .map(|s| {
            let mut detail = format!(
                "{} of {} records hold a secret or personal data",
                s.secrets, s.records
            );
            let examples: Vec<String> = s
                .secret_examples
                .iter()
                .take(3)
                .map(|e| {
                    let id =
                        e.id.as_deref()
                            .map(|i| format!(" ({})", sanitise(i)))
                            .unwrap_or_default();
                    format!(
                        "{}:{}{id} {} {} {}",
                        s.label, e.line, e.field, e.kind, e.masked
                    )
                })
                .collect();
            if !examples.is_empty() {
                detail.push_str("; e.g. ");
                detail.push_str(&examples.join("; "));
                detail.push_str(" (a `revmine:allow` on the line or [secrets] allow exempts one)");
            }
            GateResult {
                name: "secrets",
                scope: s.label.clone(),
                passed: s.secrets <= cfg.max_records,
                skipped: false,
                value: s.secrets.into(),
                threshold: threshold.clone(),
                detail,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::dataset::role::Role;
    use crate::gate::tests::{rec, scan};

    #[test]
    fn a_record_with_a_token_fails_and_is_named_masked() {
        let token = "ghp_4kP9vQ2xR7mN1bT6wL3cZ8hJ5fY0gE2sA1bC";
        let lines = vec![
            rec("a", "qa", "real", "Ship it on 2024-05-01 at 10:30."),
            rec("b", "qa", "real", &format!("use {token} for the API")),
            rec(
                "c",
                "qa",
                "real",
                "Allowed: AKIAQ3EGRV7XBTPRXK2M revmine:allow",
            ),
        ];
        let s = scan("d.jsonl", Role::Other, &lines);
        let g = super::gate(&[s], &Config::default().gates);
        assert_eq!(g.len(), 1);
        assert!(!g[0].passed);
        assert_eq!(g[0].value, 1);
        assert!(
            g[0].detail
                .contains("d.jsonl:2 (b) output github_token ghp_… (40 chars)"),
            "{}",
            g[0].detail
        );
        assert!(!g[0].detail.contains(token), "{}", g[0].detail);
    }

    #[test]
    fn clean_files_pass_and_the_gate_can_be_off() {
        let lines = vec![rec("a", "chat", "real", "Call at 10:30, v1.2.3, PR #4821.")];
        let s = scan("d.jsonl", Role::Other, &lines);
        let g = super::gate(std::slice::from_ref(&s), &Config::default().gates);
        assert!(g[0].passed && g[0].value == 0, "{g:?}");
        let off =
            Config::from_str_merged(Some("[gates.secrets]\nenabled = false\n"), None).unwrap();
        assert!(super::gate(&[s], &off.gates)[0].skipped);
    }
}
