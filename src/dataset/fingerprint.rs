//! What a record's two sides look like for comparison across files: the
//! exact (normalised) text hash and the MinHash signature of its user side
//! (`input`, or a preference's `prompt`) and of its response. `build` keeps
//! eval out of train with these, and the `leakage` gate checks that it stayed
//! out.

use std::collections::HashMap;

use xxhash_rust::xxh3::xxh3_64;

use crate::dataset::neardup::{Index, Signature, Signer, Similarity};
use crate::dataset::record::{RecordType, normalise_into};

/// The two sides a leak can happen on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Input,
    Response,
}

impl Side {
    /// The field name for a record of `ty`, as reports name it.
    pub fn field(self, ty: RecordType) -> &'static str {
        match (self, ty) {
            (Side::Input, RecordType::Preference) => "prompt",
            (Side::Input, _) => "input",
            (Side::Response, ty) => ty.response_field(),
        }
    }
}

/// One side of a record: its exact-text hash and signature.
#[derive(Debug, Clone, Copy)]
pub struct Print {
    pub exact: u64,
    pub sig: Option<Signature>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Fingerprint {
    pub input: Option<Print>,
    pub response: Option<Print>,
}

/// Reusable buffers for fingerprinting many records.
pub struct Fingerprinter {
    signer: Signer,
    norm: String,
    shingle: usize,
}

impl Fingerprinter {
    pub fn new(similarity: Similarity) -> Self {
        Fingerprinter {
            signer: Signer::default(),
            norm: String::new(),
            shingle: similarity.shingle,
        }
    }

    pub fn print(&mut self, text: &str) -> Option<Print> {
        normalise_into(text, &mut self.norm);
        if self.norm.is_empty() {
            return None;
        }
        Some(Print {
            exact: xxh3_64(self.norm.as_bytes()),
            sig: self.signer.sign(text, self.shingle),
        })
    }

    pub fn of(&mut self, input: Option<&str>, response: Option<&str>) -> Fingerprint {
        Fingerprint {
            input: input.and_then(|t| self.print(t)),
            response: response.and_then(|t| self.print(t)),
        }
    }
}

/// A train record found in eval: which side, how (exact or the estimated
/// similarity), and which eval record (an index the caller's names follow).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leak {
    pub side: Side,
    /// 1.0 for an exact match of the normalised text.
    pub similarity: f64,
    pub exact: bool,
    pub eval: usize,
}

/// Every eval record's fingerprint, ready to be probed by train records.
#[derive(Debug)]
pub struct LeakIndex {
    exact: [HashMap<u64, usize>; 2],
    near: [Index<usize>; 2],
    len: usize,
}

impl LeakIndex {
    pub fn new(threshold: f64) -> Self {
        LeakIndex {
            exact: Default::default(),
            near: [Index::new(threshold), Index::new(threshold)],
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds eval record number `eval`.
    pub fn add(&mut self, fp: &Fingerprint, eval: usize) {
        for (i, side) in [fp.input, fp.response].into_iter().enumerate() {
            let Some(p) = side else { continue };
            self.exact[i].entry(p.exact).or_insert(eval);
            if let Some(sig) = p.sig {
                self.near[i].insert(sig, eval);
            }
        }
        self.len += 1;
    }

    /// The first way a train record leaks an eval one, exact matches first.
    pub fn probe(&self, fp: &Fingerprint) -> Option<Leak> {
        let sides = [(Side::Input, fp.input), (Side::Response, fp.response)];
        for (i, (side, p)) in sides.iter().enumerate() {
            if let Some(&eval) = p.and_then(|p| self.exact[i].get(&p.exact)) {
                return Some(Leak {
                    side: *side,
                    similarity: 1.0,
                    exact: true,
                    eval,
                });
            }
        }
        for (i, (side, p)) in sides.iter().enumerate() {
            if let Some((&eval, similarity)) =
                p.and_then(|p| p.sig).and_then(|s| self.near[i].find(&s))
            {
                return Some(Leak {
                    side: *side,
                    similarity,
                    exact: false,
                    eval,
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = "Start with the highest-impact deliverable slice, then send a revised \
        ETA update and keep scope minimal for the rest of this block.";

    #[test]
    fn exact_near_and_unrelated_records() {
        let mut f = Fingerprinter::new(Similarity::default());
        let mut index = LeakIndex::new(0.8);
        index.add(&f.of(Some("User: I missed the deadline."), Some(ANSWER)), 7);
        // The same question, answered differently: an input leak.
        let leak = index
            .probe(&f.of(
                Some("user:  I missed the   DEADLINE."),
                Some("Other words entirely here."),
            ))
            .unwrap();
        assert_eq!((leak.side, leak.exact, leak.eval), (Side::Input, true, 7));
        // A near copy of the answer to another question: a response leak.
        let near = ANSWER.replace("block.", "block today.");
        let leak = index
            .probe(&f.of(Some("User: What now?"), Some(&near)))
            .unwrap();
        assert_eq!((leak.side, leak.exact), (Side::Response, false));
        assert!(leak.similarity >= 0.8);
        assert!(
            index
                .probe(&f.of(
                    Some("User: Plan the offsite."),
                    Some("Book the venue first.")
                ))
                .is_none()
        );
    }

    #[test]
    fn empty_sides_have_no_print() {
        let mut f = Fingerprinter::new(Similarity::default());
        let fp = f.of(Some("   "), None);
        assert!(fp.input.is_none() && fp.response.is_none());
    }
}
