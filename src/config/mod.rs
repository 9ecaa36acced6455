//! Configuration: the embedded `assets/revmine.toml` is the single source of
//! defaults, and a user's file is merged over it key by key. Keeping the
//! defaults in a real TOML file means the documented values (and what
//! `revmine init` writes) are the ones the code runs with.

use std::path::{Path, PathBuf};

mod mine;

pub use mine::{Mine, MineFilters, MineOverrides};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::assemble::build::{Build, Settings as BuildSettings};
use crate::dataset::neardup::NearDuplicates;
use crate::dataset::record::RecordType;
pub use crate::dataset::role::Role;
use crate::dataset::tags::TagRules;
use crate::error::Error;
use crate::gate::scan::Options as ScanOptions;
use crate::gate::settings::Gates;
use crate::run::source::{RunConfig, RunSource};
use std::sync::Arc;

/// The commented default config, as `revmine init` writes it.
pub const DEFAULT_TOML: &str = include_str!("../../assets/revmine.toml");

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
            crate::dataset::tags::Tagger::new(&config.tags).map_err(config_err)?;
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
        if let Some(level) = m.heading_level.forced()
            && !(1..=6).contains(&level)
        {
            return Err(format!(
                "mine.heading_level must be \"auto\" or 1 to 6, got {level}"
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
            if crate::dataset::tags::Tag::parse(tag).is_none() {
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

    /// The scan options `check` (`full_stats` false) or `stats` (true) runs
    /// with: what the gates need, from `[gates]`, `[schema]`, `[limits]`,
    /// `[near_duplicates]` and `[secrets]`.
    pub fn scan_options(&self, full_stats: bool) -> ScanOptions {
        let mut fields: [Option<String>; 6] = Default::default();
        for (ty, field) in &self.gates.uniqueness.fields {
            fields[ty.index()] = Some(field.clone());
        }
        if full_stats {
            // stats reports uniqueness for every type, on its response field unless configured.
            for ty in RecordType::ALL {
                fields[ty.index()].get_or_insert_with(|| ty.response_field().to_string());
            }
        }
        ScanOptions {
            chat_turns: self.schema.chat_turns.then_some(self.schema.max_turns),
            uniqueness_fields: fields,
            sample_size: self.gates.uniqueness.sample_size,
            seed: self.gates.uniqueness.seed,
            full_stats,
            near: self.near_duplicates.similarity(),
            leakage: self.gates.leakage.enabled,
            leak_index: None,
            tagger: None,
            max_line_bytes: self.limits.max_line_bytes,
            secrets: self
                .gates
                .secrets
                .enabled
                .then(|| Arc::new(self.secret_scanner())),
        }
    }

    /// What `build` reads of the config: `[build]`, and the definitions it
    /// must share with the gates (tags, near-duplicates, uniqueness fields,
    /// the real-share band, the hard-case minimums).
    pub fn build_settings(&self) -> BuildSettings<'_> {
        BuildSettings {
            build: &self.build,
            tags: &self.tags,
            near_duplicates: &self.near_duplicates,
            uniqueness_fields: &self.gates.uniqueness.fields,
            real_share: &self.gates.real_share,
            eval_hard_cases: &self.gates.eval_hard_cases,
            origin: self.origin.as_deref(),
        }
    }

    /// The miner's options: `[mine]` with `args` over it, redacting as
    /// `[secrets]` says. Fails with [`Error::Usage`] naming the flag or key
    /// whose glob, regex or date is bad.
    pub fn mine_options(&self, args: &MineOverrides) -> Result<crate::mine::MineOptions, Error> {
        self.mine.options(args, self.redactor())
    }

    /// The secret scanner `[secrets]` describes. `Config::check` compiled
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
        assert_eq!(
            c.limits.max_line_bytes,
            crate::convert::ingest::DEFAULT_MAX_LINE_BYTES
        );
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
