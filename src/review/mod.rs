//! The spot-check review. Takes a dataset file; gives a reproducible sample
//! (a Markdown sheet and an HTML page), the ledger of sign-offs beside the
//! dataset that the `spot_check` gate reads, and promotion of a dataset into
//! place only with the bytes that were judged.

pub mod html;
pub mod promote;
pub mod sample;
pub mod signoff;
