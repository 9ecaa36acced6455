//! The plan's gates, one file each. A gate reads finished scans and the config
//! and returns results; it never reads files itself.
//!
//! Gate names (`schema`, `unique_ids`, `uniqueness`, `near_duplicates`, `mix`,
//! `real_share`, `leakage`, `eval_hard_cases`, `spot_check`, `secrets`) are part of the
//! interface: scripts match on them in `check --json`.

mod eval_hard_cases;
mod leakage;
mod mix;
mod near_duplicates;
mod real_share;
mod schema;
mod secrets;
mod spot_check;
mod unique_ids;
mod uniqueness;

pub use spot_check::shortfall as spot_check_shortfall;

use serde::Serialize;
use serde_json::Value;

use crate::config::{Config, Role};
use crate::scan::FileScan;

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
    fn skipped(name: &'static str, scope: &str, threshold: String, why: &str) -> Self {
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

/// Runs every gate, in the order the report lists them.
pub fn run_all(scans: &[FileScan], config: &Config) -> Vec<GateResult> {
    let train: Vec<&FileScan> = scans.iter().filter(|s| s.role == Role::Train).collect();
    let mut out = vec![schema::gate(scans), unique_ids::gate(scans)];
    out.extend(uniqueness::gate(scans, &config.gates.uniqueness));
    out.extend(near_duplicates::gate(scans, config));
    out.extend(secrets::gate(scans, config));
    out.push(mix::gate(&train, &config.gates.mix));
    out.push(real_share::gate(&train, &config.gates.real_share));
    out.push(leakage::gate(scans, config));
    out.extend(eval_hard_cases::gate(scans, config));
    out.extend(spot_check::gate(scans, &config.gates.spot_check));
    out
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Rounds for display and JSON, so reports read `0.0030`, not `0.003000000000000001`.
fn round4(x: f64) -> Value {
    serde_json::Number::from_f64((x * 10_000.0).round() / 10_000.0)
        .map_or(Value::Null, Value::Number)
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::config::{Config, Role};
    use crate::scan::{FileScan, Input, Options, Scanner};
    use crate::schema::Schema;

    /// Scans `lines` as one file with the default config.
    pub(crate) fn scan(label: &str, role: Role, lines: &[String]) -> FileScan {
        let schema = Schema::builtin().unwrap();
        let config = Config::default();
        let mut options = Options::from_config(&config, false);
        options.tagger = Some(std::sync::Arc::new(
            crate::tags::Tagger::new(&config.tags).unwrap(),
        ));
        let mut s = Scanner::new(&schema, options);
        let text = lines.join("\n");
        s.scan(
            Input::from_bytes(label, role, text.into_bytes()),
            &indicatif::ProgressBar::hidden(),
        )
    }

    pub(crate) fn rec(id: &str, ty: &str, source: &str, text: &str) -> String {
        let body = if ty == "preference" {
            format!("\"prompt\":\"p\",\"chosen\":\"{text}\",\"rejected\":\"r\"")
        } else if ty == "chat" {
            format!("\"input\":\"User: q\",\"output\":\"{text}\"")
        } else {
            format!("\"input\":\"q\",\"output\":\"{text}\"")
        };
        format!("{{\"id\":\"{id}\",\"record_type\":\"{ty}\",\"source\":\"{source}\",{body}}}")
    }
}
