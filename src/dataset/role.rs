//! The role a dataset file plays, which decides the gates that judge it as
//! a whole (`mix`, `real_share` for train; `leakage`, `eval_hard_cases` for
//! eval). The config's `[files]` globs assign it.

use serde::{Deserialize, Serialize};

/// Which role a dataset file plays, decided by the configured globs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Train,
    Eval,
    Other,
}

impl Role {
    /// The role as reports and `--json` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Train => "train",
            Role::Eval => "eval",
            Role::Other => "other",
        }
    }
}
