//! `unique_ids`: no id twice across every file checked together, so train and
//! eval cannot share a record by id.

use serde_json::Value;

use super::result::GateResult;
use crate::gate::scan::{FileScan, ProblemKind};

pub(super) fn gate(scans: &[FileScan]) -> GateResult {
    let dups: u64 = scans.iter().map(|s| s.duplicate_ids).sum();
    let first = scans
        .iter()
        .flat_map(|s| &s.problems)
        .find(|p| p.kind == ProblemKind::DuplicateId);
    GateResult {
        name: "unique_ids",
        scope: "all files".into(),
        passed: dups == 0,
        skipped: false,
        value: Value::from(dups),
        threshold: "0 duplicates".into(),
        detail: match first {
            None => "every id is unique".into(),
            Some(p) => format!("{dups} duplicate ids; first: {p}"),
        },
    }
}
