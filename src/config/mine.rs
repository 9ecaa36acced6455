//! `[mine]` and the command line into the miner's options ([`MineOptions`]):
//! regexes compiled, globs built, dates parsed, once, before any work.

use chrono::{DateTime, NaiveDate};
use globset::{Glob, GlobSetBuilder};
use regex::Regex;

use serde::Deserialize;

use crate::error::Error;
use crate::mine::unit::UnitOptions;
use crate::mine::{EditFilters, FoldMode, MineOptions, PairMode};
use crate::secrets::Scanner;
use crate::source::git::History;
use std::sync::Arc;

/// `[mine]`: which files are mined and how.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mine {
    pub paths: Vec<String>,
    pub history: History,
    pub pairs: PairMode,
    pub heading_level: HeadingLevel,
    pub prompt_marker: String,
    pub generic_headings: Vec<String>,
    pub navigation_headings: Vec<String>,
    pub wip_pattern: String,
    /// Minutes; one author's commits to one file within it fold into one revision.
    pub fold_window_minutes: u32,
    pub fold: FoldMode,
    pub include_authors: Vec<String>,
    pub exclude_authors: Vec<String>,
    pub max_file_bytes: u64,
    pub filters: MineFilters,
}

/// `heading_level`: `"auto"` (each document's outline decides) or a level 1..=6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum HeadingLevel {
    Level(usize),
    Auto(Auto),
}

/// The word `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auto {
    Auto,
}

impl HeadingLevel {
    /// The forced level, `None` for `auto`.
    pub fn forced(self) -> Option<usize> {
        match self {
            HeadingLevel::Level(l) => Some(l),
            HeadingLevel::Auto(_) => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MineFilters {
    pub min_words_changed: usize,
    pub min_similarity: f64,
    pub max_similarity: f64,
    pub max_response_chars: usize,
    pub narrow_from_chars: usize,
    pub keep_append_only: bool,
}

/// What the command line asks of the miner beyond `[mine]` (`None` and
/// empty lists keep the config's value).
#[derive(Debug, Clone, Default)]
pub struct MineOverrides {
    pub rev: Option<String>,
    pub history: Option<History>,
    pub pairs: Option<PairMode>,
    /// `--fold`.
    pub fold: Option<FoldMode>,
    /// `--path` globs, replacing `[mine] paths` when not empty.
    pub paths: Vec<String>,
    /// `--since` and `--until`: a day (YYYY-MM-DD) or an RFC 3339 time.
    pub since: Option<String>,
    pub until: Option<String>,
    /// `--author` regexes, replacing `[mine] include_authors` when not empty.
    pub authors: Vec<String>,
    /// `--exclude-author` regexes, added to `[mine] exclude_authors`.
    pub exclude_authors: Vec<String>,
    pub diff: bool,
}

impl Mine {
    /// The miner's options: this `[mine]` with `args` over it; `secrets`
    /// redacts what is mined. Fails with [`Error::Usage`] naming the flag or
    /// key whose glob, regex or date is bad.
    pub fn options(
        &self,
        args: &MineOverrides,
        secrets: Option<Arc<Scanner>>,
    ) -> Result<MineOptions, Error> {
        let m = self;
        let usage = |flag: &'static str| move |message: String| Error::Usage { flag, message };
        let regex =
            |flag: &'static str, p: &str| Regex::new(p).map_err(|e| usage(flag)(e.to_string()));
        let globs = if args.paths.is_empty() {
            &m.paths
        } else {
            &args.paths
        };
        let mut builder = GlobSetBuilder::new();
        for g in globs {
            builder.add(Glob::new(g).map_err(|e| usage("--path")(e.to_string()))?);
        }
        let exclude: Vec<Regex> = m
            .exclude_authors
            .iter()
            .chain(&args.exclude_authors)
            .map(|p| regex("--exclude-author", p))
            .collect::<Result<_, _>>()?;
        let include: Vec<Regex> = if args.authors.is_empty() {
            &m.include_authors
        } else {
            &args.authors
        }
        .iter()
        .map(|p| regex("--author", p))
        .collect::<Result<_, _>>()?;
        Ok(MineOptions {
            rev: args.rev.clone(),
            after: None,
            history: args.history.unwrap_or(m.history),
            pairs: args.pairs.unwrap_or(m.pairs),
            paths: builder
                .build()
                .map_err(|e| usage("--path")(e.to_string()))?,
            since: args
                .since
                .as_deref()
                .map(|d| parse_date(d, false))
                .transpose()
                .map_err(usage("--since"))?,
            until: args
                .until
                .as_deref()
                .map(|d| parse_date(d, true))
                .transpose()
                .map_err(usage("--until"))?,
            include_authors: include,
            exclude_authors: exclude,
            wip: regex("mine.wip_pattern", &m.wip_pattern)?,
            fold_window: i64::from(m.fold_window_minutes) * 60,
            fold: args.fold.unwrap_or(m.fold),
            filters: EditFilters {
                min_words_changed: m.filters.min_words_changed,
                min_similarity: m.filters.min_similarity,
                max_similarity: m.filters.max_similarity,
                max_response_chars: m.filters.max_response_chars,
                narrow_from_chars: m.filters.narrow_from_chars,
                keep_append_only: m.filters.keep_append_only,
            },
            max_file_bytes: m.max_file_bytes,
            units: UnitOptions {
                heading_level: m.heading_level.forced(),
                generic_headings: m
                    .generic_headings
                    .iter()
                    .map(|h| crate::mine::unit::key_of(h))
                    .collect(),
                navigation_headings: m
                    .navigation_headings
                    .iter()
                    .map(|h| crate::mine::unit::key_of(h))
                    .collect(),
                prompt_marker: Some(regex("mine.prompt_marker", &m.prompt_marker)?),
            },
            diff: args.diff,
            secrets,
            keep_dropped: false,
        })
    }
}

/// `2026-11-20` (the whole day, for `--until`) or an RFC 3339 time.
fn parse_date(text: &str, end_of_day: bool) -> Result<i64, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp());
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD) or an RFC 3339 time"))?;
    let time = if end_of_day {
        day.and_hms_opt(23, 59, 59)
    } else {
        day.and_hms_opt(0, 0, 0)
    };
    time.map(|t| t.and_utc().timestamp())
        .ok_or_else(|| format!("`{text}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_as_days_or_times() {
        assert_eq!(parse_date("2026-11-20", false), Ok(1_795_132_800));
        assert_eq!(parse_date("2026-11-20", true), Ok(1_795_132_800 + 86_399));
        assert_eq!(
            parse_date("2026-11-20T10:00:00+01:00", false),
            Ok(1_795_132_800 + 9 * 3600)
        );
        assert!(
            parse_date("last week", false)
                .unwrap_err()
                .contains("not a date")
        );
    }
}
