//! What a gate gives back: one row of the `check` report, and the number
//! formats every gate reports in.

use serde::Serialize;
use serde_json::Value;

/// One row of the `check` report.
#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    pub name: &'static str,
    /// What was judged: `all files`, `train set`, or `FILE: TYPE`.
    pub scope: String,
    pub passed: bool,
    /// A gate with nothing to judge (e.g. no train file) passes and says so.
    pub skipped: bool,
    pub value: Value,
    pub threshold: String,
    pub detail: String,
}

impl GateResult {
    pub(super) fn skipped(name: &'static str, scope: &str, threshold: String, why: &str) -> Self {
        GateResult {
            name,
            scope: scope.into(),
            passed: true,
            skipped: true,
            value: Value::Null,
            threshold,
            detail: why.into(),
        }
    }
}

pub(super) fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Rounds for display and JSON, so reports read `0.0030`, not `0.003000000000000001`.
pub(super) fn round4(x: f64) -> Value {
    serde_json::Number::from_f64((x * 10_000.0).round() / 10_000.0)
        .map_or(Value::Null, Value::Number)
}
