//! Sign-offs: who vouched for a dataset's spot-check sample, when, and for
//! which content.
//!
//! A sign-off lives in a ledger beside the dataset, `<dataset>.signoff.json`
//! (see [`ledger_path`]), so it travels with the file through git and review
//! and needs no central store. The ledger keeps every sign-off, newest last:
//! each names the [`ContentHash`] it vouches for, so an old entry can never
//! vouch for new content, and a revert to reviewed content is reviewed again
//! by its old entry. The file is replaced atomically on each sign-off.
//!
//! [`verify`] is the careful reviewer's rule: the sheet must be of the
//! dataset's current content, must hold exactly the records the dataset and
//! seed draw (an edited sheet cannot vouch for fewer), and every box must be
//! ticked. There is no flag to sign a partly ticked sheet: an open box is a
//! record nobody vouched for; if it is bad, fix the dataset and draw again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dataset::content_hash::ContentHash;
use crate::error::Error;
use crate::review::sample::{ParsedSheet, Sample, box_label};

/// One sign-off in a ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOff {
    pub content_hash: ContentHash,
    pub by: String,
    /// UTC, RFC 3339 (`2026-05-14T09:30:00Z`).
    pub at: String,
    /// Non-blank lines of the dataset.
    pub records: u64,
    /// Records on the sheet (all of them ticked).
    pub sampled: usize,
    pub n: usize,
    pub seed: u64,
    /// The sheet as the reviewer named it.
    pub sheet: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct LedgerFile {
    format: u32,
    signoffs: Vec<SignOff>,
}

/// The ledger of one dataset as [`load`] found it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Ledger {
    /// Not looked for (standard input, or a command that does not gate on it).
    #[default]
    NotLoaded,
    /// No ledger beside the dataset.
    Absent,
    Found(Vec<SignOff>),
    /// There, but unreadable or not a ledger; the message says why.
    Unreadable(String),
}

impl Ledger {
    pub fn entries(&self) -> &[SignOff] {
        match self {
            Ledger::Found(v) => v,
            _ => &[],
        }
    }
}

/// `<dataset>.signoff.json`: next to the dataset, named after it whole, so
/// `train.v8.jsonl` and `train.v9.jsonl` never share one.
pub fn ledger_path(dataset: &Path) -> PathBuf {
    let mut name = dataset.as_os_str().to_owned();
    name.push(".signoff.json");
    PathBuf::from(name)
}

/// Loads the ledger of `dataset` (the dataset's own path, not the ledger's).
pub fn load(dataset: &Path) -> Ledger {
    let path = ledger_path(dataset);
    match std::fs::read(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ledger::Absent,
        Err(e) => Ledger::Unreadable(format!("cannot read `{}`: {e}", path.display())),
        Ok(bytes) => match serde_json::from_slice::<LedgerFile>(&bytes) {
            Ok(f) => Ledger::Found(f.signoffs),
            Err(e) => Ledger::Unreadable(format!(
                "`{}` is not a sign-off ledger: {e}",
                path.display()
            )),
        },
    }
}

/// Adds `entries` to the ledger of `dataset` (skipping ones it holds), atomically.
/// An unreadable ledger is an error, never overwritten: it may hold sign-offs.
pub fn append(dataset: &Path, entries: &[SignOff]) -> Result<(), Error> {
    let path = ledger_path(dataset);
    let mut signoffs = match load(dataset) {
        Ledger::Found(v) => v,
        Ledger::Absent | Ledger::NotLoaded => Vec::new(),
        Ledger::Unreadable(message) => return Err(Error::Input { message }),
    };
    for e in entries {
        if !signoffs.contains(e) {
            signoffs.push(e.clone());
        }
    }
    let file = LedgerFile {
        format: 1,
        signoffs,
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| Error::Input {
        message: e.to_string(),
    })?;
    text.push('\n');
    crate::output::write_file(&path, text.as_bytes())
}

/// Why a sheet cannot be signed off; each is exit 1 (the review is not done), not an input error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The dataset is not the content the sheet was drawn from.
    Changed {
        sheet: ContentHash,
        now: ContentHash,
    },
    /// The sheet's boxes are not the records this dataset and seed draw.
    NotTheSample { detail: String },
    /// Boxes left open: (count, labels of the first few).
    Unticked { open: usize, first: Vec<String> },
    /// Nothing to vouch for.
    Empty,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Changed { sheet, now } => write!(
                f,
                "the dataset changed since the sheet was drawn (sheet {sheet}, now {now}); \
                 draw a new sheet with `revmine sample` and review that"
            ),
            Refusal::NotTheSample { detail } => write!(
                f,
                "the sheet's records are not the sample this dataset and seed draw ({detail}); \
                 was the sheet edited? Draw it again with `revmine sample`"
            ),
            Refusal::Unticked { open, first } => write!(
                f,
                "{open} record box{} still open: {}{}; tick each record you have checked \
                 (`- [x]`), or fix the dataset and draw a new sheet",
                if *open == 1 { " is" } else { "es are" },
                first.join("; "),
                if *open > first.len() { "; …" } else { "" }
            ),
            Refusal::Empty => write!(f, "the sheet holds no records to vouch for"),
        }
    }
}

/// Checks a ticked sheet against a fresh draw of the dataset with the
/// sheet's own n and seed (`now`), and returns the sign-off to record.
pub fn verify(
    sheet: &ParsedSheet,
    sheet_name: &str,
    now: &Sample,
    by: &str,
    at: &str,
) -> Result<SignOff, Refusal> {
    let h = &sheet.header;
    if h.content_hash != now.content_hash {
        return Err(Refusal::Changed {
            sheet: h.content_hash,
            now: now.content_hash,
        });
    }
    let total = now.picked.len();
    let expected: Vec<String> = now
        .picked
        .iter()
        .enumerate()
        .map(|(i, p)| box_label(i + 1, total, p))
        .collect();
    let got: Vec<&String> = sheet.boxes.iter().map(|(_, l)| l).collect();
    if got.len() != expected.len() {
        return Err(Refusal::NotTheSample {
            detail: format!(
                "{} record boxes on the sheet, {} drawn",
                got.len(),
                expected.len()
            ),
        });
    }
    if let Some((g, e)) = got.iter().zip(&expected).find(|(g, e)| **g != *e) {
        return Err(Refusal::NotTheSample {
            detail: format!("the sheet has `{g}` where the draw has `{e}`"),
        });
    }
    if total == 0 {
        return Err(Refusal::Empty);
    }
    let open: Vec<&String> = sheet
        .boxes
        .iter()
        .filter(|(ticked, _)| !ticked)
        .map(|(_, l)| l)
        .collect();
    if !open.is_empty() {
        return Err(Refusal::Unticked {
            open: open.len(),
            first: open.iter().take(3).map(|l| l.to_string()).collect(),
        });
    }
    Ok(SignOff {
        content_hash: now.content_hash,
        by: by.to_string(),
        at: at.to_string(),
        records: now.lines,
        sampled: total,
        n: h.n,
        seed: h.seed,
        sheet: sheet_name.to_string(),
    })
}

/// Now, as the UTC RFC 3339 time sheets and sign-offs carry.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::sample::{SheetHeader, draw, parse_sheet, render_sheet};

    fn sample(text: &str) -> Sample {
        draw(&mut std::io::Cursor::new(text.as_bytes()), 3, 7).unwrap()
    }

    fn data(extra: &str) -> String {
        (0..10)
            .map(|i| {
                format!("{{\"id\":\"q{i}\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"a{i}{extra}\"}}\n")
            })
            .collect()
    }

    #[test]
    fn a_fully_ticked_sheet_of_this_content_signs_off_and_nothing_else_does() {
        let s = sample(&data(""));
        let header = SheetHeader::new("d.jsonl", &s, "2026-01-01T00:00:00Z");
        let sheet = render_sheet(&header, &s);
        let open = parse_sheet(&sheet).unwrap();
        let r = verify(&open, "r.md", &s, "Ana", "t").unwrap_err();
        assert!(matches!(r, Refusal::Unticked { open: 3, .. }), "{r}");
        let ticked = parse_sheet(&sheet.replace("- [ ] **", "- [x] **")).unwrap();
        let ok = verify(&ticked, "r.md", &s, "Ana", "t").unwrap();
        assert_eq!((ok.sampled, ok.records, ok.by.as_str()), (3, 10, "Ana"));
        let changed = sample(&data("!"));
        let r = verify(&ticked, "r.md", &changed, "Ana", "t").unwrap_err();
        assert!(matches!(r, Refusal::Changed { .. }), "{r}");
        // a box dropped from the sheet
        let first_box = sheet.find("- [ ] **1/3**").unwrap();
        let cut =
            sheet[..first_box].to_string() + &sheet[first_box..].replacen("- [ ] **1/3**", "", 1);
        let r = verify(
            &parse_sheet(&cut.replace("- [ ] **", "- [x] **")).unwrap(),
            "r.md",
            &s,
            "Ana",
            "t",
        )
        .unwrap_err();
        assert!(matches!(r, Refusal::NotTheSample { .. }), "{r}");
    }

    #[test]
    fn the_ledger_keeps_every_sign_off_and_refuses_to_clobber_a_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("train.jsonl");
        assert_eq!(load(&d), Ledger::Absent);
        let e = SignOff {
            content_hash: ContentHash(1),
            by: "Ana".into(),
            at: "t".into(),
            records: 1,
            sampled: 1,
            n: 1,
            seed: 1,
            sheet: "r.md".into(),
        };
        append(&d, std::slice::from_ref(&e)).unwrap();
        append(&d, std::slice::from_ref(&e)).unwrap();
        let e2 = SignOff {
            content_hash: ContentHash(2),
            ..e.clone()
        };
        append(&d, std::slice::from_ref(&e2)).unwrap();
        assert_eq!(load(&d), Ledger::Found(vec![e.clone(), e2]));
        std::fs::write(ledger_path(&d), "{oops").unwrap();
        assert!(matches!(load(&d), Ledger::Unreadable(_)));
        assert!(append(&d, &[e]).is_err());
        assert_eq!(std::fs::read_to_string(ledger_path(&d)).unwrap(), "{oops");
    }
}
