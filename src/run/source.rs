//! The sources `revmine run` serves: `[run]` and each `[[source]]` of
//! `revmine.toml` deserialise into these.

use std::path::PathBuf;

use serde::Deserialize;

use crate::source::git::History;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    pub state_dir: PathBuf,
}

/// One source of `revmine run`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSource {
    /// Names the source in reports and its state file; default: `path`.
    #[serde(default)]
    pub name: Option<String>,
    pub kind: RunKind,
    /// A repository (drafts, notes) or a folder of transcripts.
    pub path: PathBuf,
    /// Files to read (default: `[mine] paths`, `[notes] paths`, or every
    /// file for transcripts).
    #[serde(default)]
    pub globs: Vec<String>,
    /// The JSONL file new records are appended to.
    pub output: PathBuf,
    /// The revision to mine up to (default HEAD).
    #[serde(default)]
    pub rev: Option<String>,
    #[serde(default)]
    pub history: Option<History>,
    /// Transcript format (default auto).
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub turns: Option<usize>,
}

impl RunSource {
    pub fn name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.path.display().to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    Drafts,
    Notes,
    Transcripts,
}
