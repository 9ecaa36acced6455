//! The gates. Takes JSONL dataset files; gives one verdict row per gate and
//! scope. [`scan`] reads each file once, in a streaming, parallel pass that
//! gathers everything a gate needs; then each gate (one file each) reads the
//! finished scans and the config and returns results, never reading files
//! itself. [`stats`] recomputes the plan's measured-state block from the
//! same scans.
//!
//! Gate names (`schema`, `unique_ids`, `uniqueness`, `near_duplicates`, `mix`,
//! `real_share`, `leakage`, `eval_hard_cases`, `spot_check`, `secrets`) are part of the
//! interface: scripts match on them in `check --json`.

pub mod scan;
pub mod settings;
pub mod stats;

mod eval_hard_cases;
mod leakage;
mod mix;
mod near_duplicates;
mod real_share;
mod result;
mod schema;
mod secrets;
mod spot_check;
mod unique_ids;
mod uniqueness;

pub use result::GateResult;
pub use spot_check::shortfall as spot_check_shortfall;

use crate::dataset::neardup::NearDuplicates;
use crate::dataset::role::Role;
use crate::gate::scan::FileScan;
use crate::gate::settings::Gates;

/// Runs every gate, in the order the report lists them.
pub fn run_all(scans: &[FileScan], gates: &Gates, near: &NearDuplicates) -> Vec<GateResult> {
    let train: Vec<&FileScan> = scans.iter().filter(|s| s.role == Role::Train).collect();
    let mut out = vec![schema::gate(scans), unique_ids::gate(scans)];
    out.extend(uniqueness::gate(scans, &gates.uniqueness));
    out.extend(near_duplicates::gate(scans, gates, near));
    out.extend(secrets::gate(scans, gates));
    out.push(mix::gate(&train, &gates.mix));
    out.push(real_share::gate(&train, &gates.real_share));
    out.push(leakage::gate(scans, gates, near));
    out.extend(eval_hard_cases::gate(scans, gates));
    out.extend(spot_check::gate(scans, &gates.spot_check));
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::config::Config;
    use crate::dataset::role::Role;
    use crate::dataset::schema::Schema;
    use crate::gate::scan::{FileScan, Input, Scanner};

    /// Scans `lines` as one file with the default config.
    pub(crate) fn scan(label: &str, role: Role, lines: &[String]) -> FileScan {
        let schema = Schema::builtin().unwrap();
        let config = Config::default();
        let mut options = config.scan_options(false);
        options.tagger = Some(std::sync::Arc::new(
            crate::dataset::tags::Tagger::new(&config.tags).unwrap(),
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
