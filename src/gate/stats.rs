//! `stats`: the plan's "Current State (Measured)" block, recomputed from the
//! files themselves: counts per type and source, full (not sampled)
//! uniqueness per type, and length percentiles.

use std::fmt::Write as _;

use serde::Serialize;

use crate::dataset::record::RecordType;
use crate::gate::scan::FileScan;

#[derive(Debug, Serialize)]
pub struct FileStats {
    pub path: String,
    pub records: u64,
    pub problems: usize,
    pub real: u64,
    pub synthetic: u64,
    pub unlabelled: u64,
    pub types: Vec<TypeStats>,
}

#[derive(Debug, Serialize)]
pub struct TypeStats {
    pub record_type: RecordType,
    pub count: u64,
    pub real: u64,
    pub synthetic: u64,
    pub field: &'static str,
    pub unique: usize,
    pub with_text: u64,
    /// Response length in characters: p50, p90, p99, max.
    pub response_chars: Percentiles,
    pub input_chars: Percentiles,
}

#[derive(Debug, Default, Serialize)]
pub struct Percentiles {
    pub p50: u32,
    pub p90: u32,
    pub p99: u32,
    pub max: u32,
}

impl Percentiles {
    fn of(values: &[u32]) -> Self {
        let mut v = values.to_vec();
        v.sort_unstable();
        // nearest-rank percentile
        let at = |p: f64| {
            if v.is_empty() {
                0
            } else {
                let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
                v[rank - 1]
            }
        };
        Percentiles {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: v.last().copied().unwrap_or(0),
        }
    }
}

pub fn compute(scan: &FileScan) -> FileStats {
    let types: Vec<TypeStats> = RecordType::ALL
        .iter()
        .filter(|t| scan.types[t.index()].count > 0)
        .map(|&ty| {
            let t = &scan.types[ty.index()];
            TypeStats {
                record_type: ty,
                count: t.count,
                real: t.real,
                synthetic: t.synthetic,
                field: ty.response_field(),
                unique: t.unique_texts.len(),
                with_text: t.texts,
                response_chars: Percentiles::of(&t.response_chars),
                input_chars: Percentiles::of(&t.input_chars),
            }
        })
        .collect();
    let real = scan.real();
    let synthetic: u64 = types.iter().map(|t| t.synthetic).sum();
    FileStats {
        path: scan.label.clone(),
        records: scan.records,
        problems: scan.problems.len(),
        real,
        synthetic,
        unlabelled: scan.typed() - real - synthetic,
        types,
    }
}

/// Renders the block in the plan's own shape, so the two can be read side by side.
pub fn render(s: &FileStats) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Dataset (`{}`):", s.path);
    let _ = writeln!(out, "- {} records total", s.records);
    for t in &s.types {
        let _ = writeln!(out, "- {}: {}", t.record_type, t.count);
    }
    let _ = writeln!(
        out,
        "- source: real {}, synthetic {}, unlabelled {}",
        s.real, s.synthetic, s.unlabelled
    );
    if s.problems > 0 {
        let _ = writeln!(
            out,
            "- {} problems (run `revmine validate` to list them)",
            s.problems
        );
    }
    let _ = writeln!(out, "\nMeasured uniqueness (normalised, every record):");
    for t in &s.types {
        let ratio = if t.with_text == 0 {
            0.0
        } else {
            t.unique as f64 / t.with_text as f64
        };
        let _ = writeln!(
            out,
            "- {} {}: {} unique / {} total ({:.4})",
            t.record_type, t.field, t.unique, t.with_text, ratio
        );
    }
    let _ = writeln!(out, "\nLengths in characters (p50 / p90 / p99 / max):");
    for t in &s.types {
        let (r, i) = (&t.response_chars, &t.input_chars);
        let input = if t.record_type == RecordType::Preference {
            "prompt"
        } else {
            "input"
        };
        let _ = writeln!(
            out,
            "- {}: {} {} / {} / {} / {}; {input} {} / {} / {} / {}",
            t.record_type, t.field, r.p50, r.p90, r.p99, r.max, i.p50, i.p90, i.p99, i.max
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u32> = (1..=100).collect();
        let p = Percentiles::of(&v);
        assert_eq!((p.p50, p.p90, p.p99, p.max), (50, 90, 99, 100));
        let p = Percentiles::of(&[7]);
        assert_eq!((p.p50, p.max), (7, 7));
        assert_eq!(Percentiles::of(&[]).max, 0);
    }
}
