//! `schema`: every line is a valid record.

use serde_json::Value;

use super::result::GateResult;
use crate::gate::scan::FileScan;

pub(super) fn gate(scans: &[FileScan]) -> GateResult {
    let problems: usize = scans.iter().map(FileScan::record_problems).sum();
    let records: u64 = scans.iter().map(|s| s.records).sum();
    let first = scans
        .iter()
        .flat_map(|s| &s.problems)
        .find(|p| p.kind != crate::gate::scan::ProblemKind::DuplicateId);
    GateResult {
        name: "schema",
        scope: "all files".into(),
        passed: problems == 0,
        skipped: false,
        value: Value::from(problems),
        threshold: "0 problems".into(),
        detail: match first {
            None => format!("{records} records valid"),
            Some(p) => format!("{problems} problems in {records} records; first: {p}"),
        },
    }
}
