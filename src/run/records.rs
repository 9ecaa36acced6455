//! The records already in a source's output: read back by id and
//! provenance, and which of them a run makes out of date.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use xxhash_rust::xxh3::xxh3_128;

use crate::error::Error;

/// What `run` needs of a record: its id (hashed) and the provenance that
/// says which document or commits it came from.
#[derive(Debug, Default)]
pub struct Head {
    pub id: u128,
    pub origin: Option<String>,
    pub repo: Option<String>,
    pub file: Option<String>,
    /// A mined pair's `rejected_commit` and `chosen_commit`.
    pub commits: Vec<String>,
}

/// Reads `line` (line `n` of `path`, for the error) as a record with an id.
pub fn record_head(line: &str, path: &Path, n: usize) -> Result<Head, Error> {
    #[derive(Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
        #[serde(default)]
        meta: serde_json::Value,
    }
    let raw: Raw<'_> = serde_json::from_str(line).map_err(|e| Error::Input {
        message: format!(
            "{}:{n}: not a record with an id ({e}); fix or move the file, nothing was written",
            path.display(),
        ),
    })?;
    let text = |key: &str| {
        raw.meta
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    Ok(Head {
        id: id_hash(&raw.id),
        origin: text("origin"),
        repo: text("repo"),
        file: text("file"),
        commits: ["rejected_commit", "chosen_commit"]
            .iter()
            .filter_map(|k| text(k))
            .collect(),
    })
}

/// Calls `each` with the head and text of every record line of `path` (a
/// missing file has none). A line that is not a record with an id means the
/// file is not ours to write to: an error naming it, nothing written.
pub fn each_record(path: &Path, mut each: impl FnMut(Head, String)) -> Result<(), Error> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let head = record_head(&line, path, n + 1)?;
        each(head, line);
    }
    Ok(())
}

/// The ids already in `output`.
pub fn count_existing(output: &Path) -> Result<HashSet<u128>, Error> {
    let mut ids = HashSet::new();
    each_record(output, |head, _| {
        ids.insert(head.id);
    })?;
    Ok(ids)
}

/// Which records already in a source's output a run replaces: the rule the
/// README's `run` section states.
#[derive(Debug)]
pub enum Supersede {
    /// Nothing: new records are only added.
    Nothing,
    /// Notes and transcripts are re-read whole, so for every document read
    /// (`origin`, and `(repo, file)` as records name it) the records of its
    /// current version are the truth: one of its records that was not found
    /// again (an edited section, a corrected turn, or a later record quoting
    /// either) is out of date and removed.
    Documents {
        origin: &'static str,
        read: HashSet<(String, String)>,
        /// The source's own place, `(repo, folder inside it)`: a record of a
        /// file under it that was not read this run (deleted, renamed, no
        /// longer matched by `globs`) is out of date too.
        scope: (String, String),
    },
    /// After a rewritten history (amend, rebase, force-push): a pair of this
    /// repository naming a commit the new history does not hold is removed;
    /// the re-mine writes the pairs of the new history.
    Unreachable {
        repo: String,
        reachable: HashSet<String>,
    },
    /// After a shallow clone became complete (`git fetch --unshallow`): the
    /// whole history was mined again, so a pair of this repository that
    /// was not found again came from the truncated history (an edit read
    /// from the clone's boundary, or an editing session cut in two) and is
    /// removed.
    Remined { repo: String },
}

impl Supersede {
    /// True when `head`, a record in the output, is out of date; `found`
    /// holds the ids of the records this run found.
    pub fn drops(&self, head: &Head, found: &HashSet<u128>) -> bool {
        match self {
            Supersede::Nothing => false,
            Supersede::Documents {
                origin,
                read,
                scope: (scope_repo, folder),
            } => {
                let under = |file: &str| {
                    folder.is_empty()
                        || file
                            .strip_prefix(folder.as_str())
                            .is_some_and(|rest| rest.starts_with('/'))
                };
                !found.contains(&head.id)
                    && head.origin.as_deref() == Some(*origin)
                    && match (&head.repo, &head.file) {
                        (Some(repo), Some(file)) => {
                            read.contains(&(repo.clone(), file.clone()))
                                || (repo == scope_repo && under(file))
                        }
                        _ => false,
                    }
            }
            Supersede::Remined { repo } => {
                !found.contains(&head.id)
                    && head.origin.as_deref() == Some("git")
                    && head.repo.as_deref() == Some(repo.as_str())
            }
            Supersede::Unreachable { repo, reachable } => {
                head.origin.as_deref() == Some("git")
                    && head.repo.as_deref() == Some(repo.as_str())
                    && head.commits.iter().any(|c| !reachable.contains(c))
            }
        }
    }
}

/// A record id as `run` compares it: xxh3-128 of its text, the same for a
/// record found this run and one read back from the output.
pub fn id_hash(id: &str) -> u128 {
    xxh3_128(id.as_bytes())
}

/// How the records found this run split against the output.
#[derive(Debug, Default)]
pub struct NewRecords {
    /// Lines to add, in the order found: ids neither in the output nor
    /// found earlier this run.
    pub lines: Vec<String>,
    pub found: u64,
    pub already_present: u64,
}

/// The found records (id hash, line) whose ids `existing` does not hold
/// yet, each once, in order.
pub fn new_records(found: Vec<(u128, String)>, existing: &HashSet<u128>) -> NewRecords {
    let mut seen = HashSet::new();
    let mut out = NewRecords::default();
    for (id, line) in found {
        out.found += 1;
        if existing.contains(&id) || !seen.insert(id) {
            out.already_present += 1;
        } else {
            out.lines.push(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(id: &str, origin: &str, repo: &str) -> Head {
        Head {
            id: id_hash(id),
            origin: Some(origin.into()),
            repo: Some(repo.into()),
            file: None,
            commits: vec!["c1".into(), "c2".into()],
        }
    }

    #[test]
    fn a_remine_drops_only_this_repositorys_pairs_not_found_again() {
        let rule = Supersede::Remined {
            repo: "drafts".into(),
        };
        let found: HashSet<u128> = [id_hash("kept")].into();
        assert!(!rule.drops(&head("kept", "git", "drafts"), &found));
        assert!(rule.drops(&head("gone", "git", "drafts"), &found));
        // another repository's pairs, and notes, are not this re-mine's to judge
        assert!(!rule.drops(&head("gone", "git", "other"), &found));
        assert!(!rule.drops(&head("gone", "notes", "drafts"), &found));
    }
}
