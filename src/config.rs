//! Configuration: the embedded `assets/revmine.toml` is the single source of
//! defaults, and a user's file is merged over it key by key. Keeping the
//! defaults in a real TOML file means the documented values (and what
//! `revmine init` writes) are the ones the code runs with.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::error::Error;
use crate::record::RecordType;

/// The commented default config, as `revmine init` writes it.
pub const DEFAULT_TOML: &str = include_str!("../assets/revmine.toml");

/// The file name looked for when walking up from the working directory.
pub const FILE_NAME: &str = "revmine.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub files: Files,
    pub schema: SchemaConfig,
    pub gates: Gates,
    pub report: Report,
    pub mine: Mine,
    pub notes: Notes,
    pub near_duplicates: NearDuplicates,
    pub tags: TagRules,
    pub build: Build,
    pub run: RunConfig,
    /// `[[source]]` tables: what `revmine run` mines, converts and ingests.
    #[serde(default)]
    pub source: Vec<RunSource>,
    pub limits: Limits,
    pub secrets: Secrets,
    /// Where the user's file was found; relative paths in it resolve from its directory.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Files {
    pub dataset: Vec<String>,
    pub train: Vec<String>,
    pub eval: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaConfig {
    pub path: Option<PathBuf>,
    pub chat_turns: bool,
    pub max_turns: usize,
}

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

/// `[secrets]`: what counts as a secret, and whether mined, converted and
/// ingested text is redacted before it is written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    pub redact: bool,
    /// Regexes on a finding's text; a match is not a finding.
    pub allow: Vec<String>,
    /// Kinds not looked for at all.
    pub skip_kinds: Vec<crate::secrets::Kind>,
}

impl Secrets {
    fn settings(&self) -> crate::secrets::Settings {
        crate::secrets::Settings {
            allow: self.allow.clone(),
            skip_kinds: self.skip_kinds.clone(),
        }
    }
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

/// What "near-duplicate" means everywhere: `build`, and the
/// `near_duplicates` and `leakage` gates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearDuplicates {
    pub shingle_words: usize,
    pub threshold: f64,
}

impl NearDuplicates {
    pub fn similarity(&self) -> crate::neardup::Similarity {
        crate::neardup::Similarity {
            shingle: self.shingle_words,
            threshold: self.threshold,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRules {
    pub ambiguity: Vec<String>,
    pub conflicting_priorities: Vec<String>,
    pub stress: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    pub seed: u64,
    pub train: PathBuf,
    pub eval: PathBuf,
    pub sources: Vec<BuildSource>,
    pub exact_dedup: bool,
    pub near_dedup: bool,
    pub real_share: BuildRealShare,
    pub quotas: BTreeMap<RecordType, u64>,
    pub eval_per_type: u64,
    pub eval_max_share: f64,
}

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
    pub history: Option<HistoryMode>,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildRealShare {
    pub target: f64,
}

/// One input of `build`: a JSONL file (or glob) and what its records are
/// when they do not say (`source`), and where they may go (`split`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSource {
    pub path: String,
    #[serde(default)]
    pub source: Option<SourceKind>,
    #[serde(default)]
    pub split: Split,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Real,
    Synthetic,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Either set, as the build decides.
    #[default]
    Any,
    Train,
    Eval,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mine {
    pub paths: Vec<String>,
    pub history: HistoryMode,
    pub pairs: PairsMode,
    pub heading_level: usize,
    pub prompt_marker: String,
    pub generic_headings: Vec<String>,
    pub wip_pattern: String,
    pub include_authors: Vec<String>,
    pub exclude_authors: Vec<String>,
    pub max_file_bytes: u64,
    pub filters: MineFilters,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HistoryMode {
    FirstParent,
    Branches,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairsMode {
    Consecutive,
    Final,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MineFilters {
    pub min_words_changed: usize,
    pub min_similarity: f64,
    pub max_similarity: f64,
    pub max_response_chars: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notes {
    pub paths: Vec<String>,
    pub turns: usize,
    pub rules: Vec<NoteRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRule {
    pub heading: String,
    pub question: String,
}

/// Caps on what one input line may cost: a hostile or broken file (a
/// multi-gigabyte line with no newline) must yield an error, not an
/// out-of-memory kill.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Longest line, in bytes, that `validate`, `check`, `stats` and `ingest`
    /// read; a longer one is reported with its length and skipped.
    pub max_line_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub max_problems: usize,
}

impl Default for Config {
    fn default() -> Self {
        // The embedded file is checked by a unit test, so this cannot fail at run time.
        #[allow(clippy::expect_used)]
        Self::from_str_merged(None, None).expect("the embedded default config is valid")
    }
}

impl Config {
    /// Loads `explicit` if given, else the nearest `revmine.toml` above `cwd`, else the defaults.
    pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Self, Error> {
        // An explicit path is read from `cwd` but named as the user wrote it.
        let (shown, read_at) = match explicit {
            Some(p) => (p.to_path_buf(), cwd.join(p)),
            None => match find_upwards(cwd) {
                Some(found) => (found.clone(), found),
                None => return Ok(Self::default()),
            },
        };
        let text = std::fs::read_to_string(&read_at).map_err(|source| Error::Read {
            path: shown.clone(),
            source,
        })?;
        let mut config = Self::from_str_merged(Some(&text), Some(&shown))?;
        config.origin = Some(read_at);
        Ok(config)
    }

    /// Parses `user` (if any) over the embedded defaults.
    pub fn from_str_merged(user: Option<&str>, path: Option<&Path>) -> Result<Self, Error> {
        let config_err = |message: String| Error::Config {
            path: path.map_or_else(|| PathBuf::from("<built-in defaults>"), Path::to_path_buf),
            message,
        };
        let mut base: toml::Table = DEFAULT_TOML
            .parse()
            .map_err(|e: toml::de::Error| config_err(e.to_string()))?;
        let mut own_tags = false;
        if let Some(user) = user {
            let over: toml::Table = user
                .parse()
                .map_err(|e: toml::de::Error| config_err(e.to_string()))?;
            own_tags = over.contains_key("tags");
            merge(&mut base, over);
        }
        let mut config: Config = toml::Value::Table(base)
            .try_into()
            .map_err(|e: toml::de::Error| config_err(e.to_string().trim().replace('\n', " ")))?;
        config.origin = path.map(Path::to_path_buf);
        config.check().map_err(config_err)?;
        // Compiling the lexicons costs ~10 ms, which the pre-commit hook
        // would pay on every commit: the built-in ones are tested, so only
        // the user's own are compiled here, to fail before any work starts.
        if own_tags {
            crate::tags::Tagger::new(&config.tags).map_err(config_err)?;
        }
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        let u = &self.gates.uniqueness;
        if !(0.0..=1.0).contains(&u.threshold) {
            return Err(format!(
                "gates.uniqueness.threshold must be within 0..1, got {}",
                u.threshold
            ));
        }
        if u.sample_size == 0 {
            return Err("gates.uniqueness.sample_size must be at least 1".into());
        }
        let r = &self.gates.real_share;
        if !(0.0..=1.0).contains(&r.min) || !(0.0..=1.0).contains(&r.max) || r.min > r.max {
            return Err(format!(
                "gates.real_share needs 0 <= min <= max <= 1, got min {} max {}",
                r.min, r.max
            ));
        }
        if self.gates.spot_check.sample_size == 0 {
            return Err("gates.spot_check.sample_size must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.gates.mix.min_share) {
            return Err("gates.mix.min_share must be within 0..1".into());
        }
        let m = &self.mine;
        if !(1..=6).contains(&m.heading_level) {
            return Err(format!(
                "mine.heading_level must be 1 to 6, got {}",
                m.heading_level
            ));
        }
        let f = &m.filters;
        if !(0.0..=1.0).contains(&f.min_similarity)
            || !(0.0..=1.0).contains(&f.max_similarity)
            || f.min_similarity > f.max_similarity
        {
            return Err("mine.filters needs 0 <= min_similarity <= max_similarity <= 1".into());
        }
        for (key, pattern) in [
            ("mine.prompt_marker", &m.prompt_marker),
            ("mine.wip_pattern", &m.wip_pattern),
        ]
        .into_iter()
        .chain(
            m.include_authors
                .iter()
                .map(|p| ("mine.include_authors", p)),
        )
        .chain(
            m.exclude_authors
                .iter()
                .map(|p| ("mine.exclude_authors", p)),
        ) {
            regex::Regex::new(pattern).map_err(|e| format!("{key}: {e}"))?;
        }
        build_globs(&m.paths).map_err(|e| format!("mine.paths: {e}"))?;
        build_globs(&self.notes.paths).map_err(|e| format!("notes.paths: {e}"))?;
        if !(1..=3).contains(&self.notes.turns) {
            return Err(format!(
                "notes.turns must be 1 to 3, got {}",
                self.notes.turns
            ));
        }
        for rule in &self.notes.rules {
            regex::Regex::new(&rule.heading).map_err(|e| format!("notes.rules: {e}"))?;
        }
        let nd = &self.near_duplicates;
        if !(0.0..=1.0).contains(&nd.threshold) || nd.shingle_words == 0 {
            return Err(format!(
                "near_duplicates needs 0 <= threshold <= 1 and shingle_words >= 1, got {} and {}",
                nd.threshold, nd.shingle_words
            ));
        }
        if !(0.0..=1.0).contains(&self.gates.near_duplicates.max_share) {
            return Err("gates.near_duplicates.max_share must be within 0..1".into());
        }
        for tag in self.gates.eval_hard_cases.min.keys() {
            if crate::tags::Tag::parse(tag).is_none() {
                return Err(format!(
                    "gates.eval_hard_cases.min: unknown tag `{tag}`; expected ambiguity, \
                     conflicting_priorities, stress or follow_up"
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.build.eval_max_share) {
            return Err("build.eval_max_share must be within 0..1".into());
        }
        let t = self.build.real_share.target;
        let r = &self.gates.real_share;
        if !(r.min..=r.max).contains(&t) {
            return Err(format!(
                "build.real_share.target {t} lies outside gates.real_share [{}, {}]",
                r.min, r.max
            ));
        }
        if self.limits.max_line_bytes == 0 {
            return Err("limits.max_line_bytes must be at least 1".into());
        }
        // Only the user's allow regexes can fail; the scanner itself is
        // compiled by the commands that use it, once.
        for a in &self.secrets.allow {
            regex::Regex::new(a).map_err(|e| format!("secrets.allow `{a}`: {e}"))?;
        }
        if self.schema.max_turns == 0 {
            return Err("schema.max_turns must be at least 1".into());
        }
        for (key, globs) in [
            ("files.dataset", &self.files.dataset),
            ("files.train", &self.files.train),
            ("files.eval", &self.files.eval),
        ] {
            build_globs(globs).map_err(|e| format!("{key}: {e}"))?;
        }
        Ok(())
    }

    /// The secret scanner `[secrets]` describes. [`Config::check`] compiled
    /// the allow regexes, the only part that can fail, so for a loaded
    /// config this is the configured scanner.
    pub fn secret_scanner(&self) -> crate::secrets::Scanner {
        crate::secrets::Scanner::with(&self.secrets.settings())
            .unwrap_or_else(|_| crate::secrets::Scanner::builtin())
    }

    /// The scanner for redacting outputs, unless `[secrets] redact = false`.
    pub fn redactor(&self) -> Option<std::sync::Arc<crate::secrets::Scanner>> {
        self.secrets
            .redact
            .then(|| std::sync::Arc::new(self.secret_scanner()))
    }

    /// The schema file the user asked for, resolved against the config's directory.
    pub fn schema_path(&self) -> Option<PathBuf> {
        let p = self.schema.path.as_ref()?;
        Some(match (&self.origin, p.is_relative()) {
            (Some(origin), true) => origin.parent().unwrap_or(Path::new(".")).join(p),
            _ => p.clone(),
        })
    }

    /// Matchers for the three file roles, built once per run.
    pub fn matchers(&self) -> Result<FileRoles, Error> {
        let build = |key: &str, globs: &[String]| {
            build_globs(globs).map_err(|message| Error::Config {
                path: self.origin.clone().unwrap_or_default(),
                message: format!("{key}: {message}"),
            })
        };
        Ok(FileRoles {
            dataset: build("files.dataset", &self.files.dataset)?,
            train: build("files.train", &self.files.train)?,
            eval: build("files.eval", &self.files.eval)?,
        })
    }
}

/// Which role a dataset file plays, decided by the configured globs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Train,
    Eval,
    Other,
}

#[derive(Debug, Clone)]
pub struct FileRoles {
    pub dataset: GlobSet,
    pub train: GlobSet,
    pub eval: GlobSet,
}

impl FileRoles {
    /// Train wins over eval when a name matches both, since the train gates are the stricter set.
    pub fn role(&self, path: &Path) -> Role {
        if matches(&self.train, path) {
            Role::Train
        } else if matches(&self.eval, path) {
            Role::Eval
        } else {
            Role::Other
        }
    }

    pub fn is_dataset(&self, path: &Path) -> bool {
        matches(&self.dataset, path)
    }
}

fn matches(set: &GlobSet, path: &Path) -> bool {
    set.is_match(path) || path.file_name().is_some_and(|name| set.is_match(name))
}

fn build_globs(globs: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        builder.add(Glob::new(g).map_err(|e| e.to_string())?);
    }
    builder.build().map_err(|e| e.to_string())
}

fn find_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// Overlays `over` on `base`: tables merge recursively, anything else replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_match_the_plan() {
        let c = Config::default();
        assert_eq!(c.gates.uniqueness.threshold, 0.25);
        assert_eq!(c.gates.uniqueness.sample_size, 2000);
        assert_eq!(c.gates.real_share.min, 0.35);
        assert_eq!(c.gates.real_share.max, 0.50);
        assert_eq!(c.gates.mix.required_types.len(), 6);
        assert_eq!(c.gates.uniqueness.fields.len(), 3);
    }

    #[test]
    fn user_file_overrides_only_what_it_sets() {
        let c = Config::from_str_merged(Some("[gates.real_share]\nmin = 0.2\n"), None).unwrap();
        assert_eq!(c.gates.real_share.min, 0.2);
        assert_eq!(c.gates.real_share.max, 0.50);
        assert_eq!(c.gates.uniqueness.seed, 7);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_naming_the_file() {
        let path = Path::new("/x/revmine.toml");
        let e =
            Config::from_str_merged(Some("[gates.uniq]\nthreshold = 1\n"), Some(path)).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("/x/revmine.toml") && msg.contains("uniq"),
            "{msg}"
        );
        let e = Config::from_str_merged(Some("[gates.real_share]\nmin = 0.9\n"), Some(path))
            .unwrap_err();
        assert!(e.to_string().contains("min 0.9 max 0.5"), "{e}");
        let e =
            Config::from_str_merged(Some("[files]\ntrain = [\"[\"]\n"), Some(path)).unwrap_err();
        assert!(e.to_string().contains("files.train"), "{e}");
    }

    #[test]
    fn secrets_settings_are_checked() {
        let c = Config::default();
        assert!(c.secrets.redact && c.gates.secrets.enabled);
        let e = Config::from_str_merged(Some("[secrets]\nallow = ['(']\n"), None).unwrap_err();
        assert!(e.to_string().contains("secrets.allow"), "{e}");
        let e =
            Config::from_str_merged(Some("[secrets]\nskip_kinds = ['mail']\n"), None).unwrap_err();
        assert!(e.to_string().contains("mail"), "{e}");
        let c = Config::from_str_merged(Some("[secrets]\nskip_kinds = ['email']\n"), None).unwrap();
        assert!(c.secret_scanner().find("jo@acme.io").is_empty());
    }

    #[test]
    fn roles_follow_the_globs() {
        let roles = Config::default().matchers().unwrap();
        assert_eq!(
            roles.role(Path::new("data/assistant_dataset_train.v8.jsonl")),
            Role::Train
        );
        assert_eq!(
            roles.role(Path::new("assistant_dataset_eval.jsonl")),
            Role::Eval
        );
        assert_eq!(roles.role(Path::new("pairs.jsonl")), Role::Other);
        assert!(roles.is_dataset(Path::new("a/b/pairs.jsonl")));
    }
}
