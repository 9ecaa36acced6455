//! Near-duplicate text: MinHash signatures over word shingles, with banded
//! LSH to find candidates without comparing every pair.
//!
//! Exact-duplicate checks miss the plan's real failure: six templates with a
//! name swapped in are "unique" strings but one answer. Two texts whose word
//! 3-shingle sets have a Jaccard similarity at or above the threshold count as
//! near-duplicates. The similarity is estimated from the fraction of equal
//! signature slots (standard error about 0.07 at 0.8 with 32 slots), and LSH
//! with 8 bands of 4 rows puts a pair at 0.8 into the same bucket with
//! probability 0.985, one at 0.5 with 0.40 and one at 0.3 with 0.06, so
//! lookups stay cheap.

use serde::Deserialize;

use std::collections::HashMap;

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// Signature slots.
pub const SLOTS: usize = 32;
/// LSH bands; `SLOTS / BANDS` rows each.
pub const BANDS: usize = 8;
const ROWS: usize = SLOTS / BANDS;

/// A MinHash signature of one text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Signature(pub [u32; SLOTS]);

/// Odd multipliers of the multiply-shift hash family, one per slot, fixed so
/// signatures are the same in every run and every build.
const MULTIPLIERS: [u64; SLOTS] = {
    let mut out = [0u64; SLOTS];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut i = 0;
    while i < SLOTS {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out[i] = z | 1;
        i += 1;
    }
    out
};

/// How texts are compared.
#[derive(Debug, Clone, Copy)]
pub struct Similarity {
    /// Words per shingle; texts shorter than this are one shingle.
    pub shingle: usize,
    /// Estimated Jaccard similarity at or above which two texts are near-duplicates.
    pub threshold: f64,
}

impl Default for Similarity {
    fn default() -> Self {
        Similarity {
            shingle: 3,
            threshold: 0.8,
        }
    }
}

/// Reusable buffers, so signing a million texts allocates nothing per text.
#[derive(Default)]
pub struct Signer {
    words: Vec<u64>,
    word: String,
}

impl Signer {
    /// Signs `text` after folding case and dropping punctuation; `None` when
    /// the text has no words, since empty texts say nothing about each other.
    pub fn sign(&mut self, text: &str, shingle: usize) -> Option<Signature> {
        self.words.clear();
        for token in text.split(|c: char| !c.is_alphanumeric()) {
            if token.is_empty() {
                continue;
            }
            self.word.clear();
            self.word.extend(token.chars().flat_map(char::to_lowercase));
            self.words.push(xxh3_64(self.word.as_bytes()));
        }
        if self.words.is_empty() {
            return None;
        }
        let mut sig = [u32::MAX; SLOTS];
        let width = shingle.max(1).min(self.words.len());
        for window in self.words.windows(width) {
            let mut h = 0u64;
            for (i, w) in window.iter().enumerate() {
                h ^= w.rotate_left(i as u32 * 21);
            }
            let h = xxh3_64_with_seed(&h.to_le_bytes(), width as u64);
            for (slot, m) in sig.iter_mut().zip(MULTIPLIERS) {
                let v = (h.wrapping_mul(m) >> 32) as u32;
                if v < *slot {
                    *slot = v;
                }
            }
        }
        Some(Signature(sig))
    }
}

impl Signature {
    /// The estimated Jaccard similarity of the two texts.
    pub fn similarity(&self, other: &Signature) -> f64 {
        let equal = self
            .0
            .iter()
            .zip(other.0)
            .filter(|(a, b)| **a == *b)
            .count();
        equal as f64 / SLOTS as f64
    }

    /// One bucket key per band; two texts are candidates when any key is shared.
    pub fn bands(&self) -> [u64; BANDS] {
        let mut out = [0u64; BANDS];
        for (b, key) in out.iter_mut().enumerate() {
            let rows = &self.0[b * ROWS..(b + 1) * ROWS];
            let mut bytes = [0u8; ROWS * 4];
            for (i, r) in rows.iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&r.to_le_bytes());
            }
            *key = xxh3_64_with_seed(&bytes, b as u64);
        }
        out
    }
}

/// Signatures kept so far and their band buckets; `T` names each one (a
/// record index, a file and line) for the caller's report.
#[derive(Debug)]
pub struct Index<T> {
    threshold: f64,
    entries: Vec<(Signature, T)>,
    buckets: [HashMap<u64, Vec<u32>>; BANDS],
}

impl<T> Index<T> {
    pub fn new(threshold: f64) -> Self {
        Index {
            threshold,
            entries: Vec::new(),
            buckets: Default::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first kept signature near `sig`, if any: candidates from shared
    /// buckets, confirmed by the estimated similarity.
    pub fn find(&self, sig: &Signature) -> Option<(&T, f64)> {
        self.position(sig, &sig.bands())
            .map(|(i, s)| (&self.entries[i].1, s))
    }

    fn position(&self, sig: &Signature, bands: &[u64; BANDS]) -> Option<(usize, f64)> {
        let mut best: Option<(u32, f64)> = None;
        for (b, key) in bands.iter().enumerate() {
            let Some(ids) = self.buckets[b].get(key) else {
                continue;
            };
            for &i in ids {
                let s = self.entries[i as usize].0.similarity(sig);
                if s >= self.threshold && best.is_none_or(|(j, _)| i < j) {
                    best = Some((i, s));
                }
            }
        }
        best.map(|(i, s)| (i as usize, s))
    }

    /// Keeps `sig` unless a near-duplicate is kept already; returns that one.
    pub fn insert_unless_near(&mut self, sig: Signature, name: T) -> Option<(&T, f64)> {
        let bands = sig.bands();
        match self.position(&sig, &bands) {
            Some((i, s)) => Some((&self.entries[i].1, s)),
            None => {
                self.push(sig, &bands, name);
                None
            }
        }
    }

    /// Keeps `sig` whatever else is kept.
    pub fn insert(&mut self, sig: Signature, name: T) {
        let bands = sig.bands();
        self.push(sig, &bands, name);
    }

    fn push(&mut self, sig: Signature, bands: &[u64; BANDS], name: T) {
        let i = self.entries.len() as u32;
        for (b, key) in bands.iter().enumerate() {
            self.buckets[b].entry(*key).or_default().push(i);
        }
        self.entries.push((sig, name));
    }
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
    pub fn similarity(&self) -> Similarity {
        Similarity {
            shingle: self.shingle_words,
            threshold: self.threshold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(text: &str) -> Signature {
        Signer::default().sign(text, 3).unwrap()
    }

    const BASE: &str = "Start with the highest-impact deliverable slice, then send a revised ETA \
        update to the stakeholders and keep the scope minimal for this block of work today.";

    #[test]
    fn identical_and_reformatted_texts_are_the_same() {
        let a = sign(BASE);
        let b = sign(&BASE.to_uppercase().replace(',', " ;"));
        assert_eq!(a, b);
        assert_eq!(a.similarity(&b), 1.0);
    }

    #[test]
    fn a_swapped_name_is_near_and_another_answer_is_not() {
        let a = sign(BASE);
        let near = sign(&BASE.replace("today", "tomorrow"));
        let other = sign(
            "Write down the three blockers first, ask the platform team about the quota, \
             and move the launch review to Thursday so design can join.",
        );
        assert!(a.similarity(&near) >= 0.7, "{}", a.similarity(&near));
        assert!(a.similarity(&other) < 0.2, "{}", a.similarity(&other));
    }

    #[test]
    fn no_words_no_signature_and_short_texts_are_one_shingle() {
        assert!(Signer::default().sign("  -- !! ", 3).is_none());
        assert_eq!(sign("Sure."), sign("sure"));
        assert_ne!(sign("Sure."), sign("No."));
    }

    #[test]
    fn index_finds_the_first_near_duplicate_only() {
        let mut index = Index::new(0.8);
        assert!(index.insert_unless_near(sign(BASE), "first").is_none());
        let again = index.insert_unless_near(sign(&format!("{BASE} ")), "second");
        assert_eq!(again.map(|(t, _)| *t), Some("first"));
        let other = sign("A completely different answer about quarterly hiring plans and budgets.");
        assert!(index.insert_unless_near(other, "third").is_none());
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn similarity_tracks_true_jaccard() {
        // Words are distinct, so a has 43 shingles, b has 43, 38 shared:
        // Jaccard 38 / 48 = 0.79. One estimate is noisy; the mean of many is not.
        let mut sum = 0.0;
        for round in 0..40 {
            let words: Vec<String> = (0..50).map(|i| format!("w{round}x{i}")).collect();
            let a = words[..45].join(" ");
            let b = words[5..50].join(" ");
            sum += sign(&a).similarity(&sign(&b));
        }
        let mean = sum / 40.0;
        assert!((mean - 0.79).abs() < 0.04, "{mean}");
    }
}
