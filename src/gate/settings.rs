//! The gates' thresholds: `[gates]` of `revmine.toml` deserialises into
//! [`Gates`] (defaults in `assets/revmine.toml`, the plan's numbers).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::dataset::record::RecordType;
use crate::dataset::role::Role;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gates {
    pub uniqueness: Uniqueness,
    pub mix: Mix,
    pub real_share: RealShare,
    pub near_duplicates: NearDuplicatesGate,
    pub leakage: Leakage,
    pub eval_hard_cases: EvalHardCases,
    pub spot_check: SpotCheck,
    pub secrets: SecretsGate,
}

/// `[gates.secrets]`: records holding a secret or personal data, per file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsGate {
    pub enabled: bool,
    pub max_records: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearDuplicatesGate {
    pub max_share: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leakage {
    pub enabled: bool,
    pub max_records: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalHardCases {
    pub min: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uniqueness {
    pub threshold: f64,
    pub sample_size: usize,
    pub seed: u64,
    pub fields: BTreeMap<RecordType, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mix {
    pub required_types: Vec<RecordType>,
    pub min_share: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealShare {
    pub min: f64,
    pub max: f64,
}

/// `spot_check`: a recorded human sign-off of a seeded sample (`revmine sample`,
/// `revmine review sign-off`) for the dataset's current content.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotCheck {
    pub required: bool,
    /// Files of these roles need a sign-off when `required`.
    pub roles: Vec<Role>,
    /// Default `revmine sample -n`, and the fewest records (or the whole
    /// file, if smaller) a sign-off must cover to count.
    pub sample_size: usize,
    /// Default `revmine sample --seed`.
    pub seed: u64,
}
