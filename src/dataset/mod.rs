//! Records. Takes one JSONL line or record; gives what it is (its type and
//! schema, checked in full or on the fast path) and what is computed from it:
//! the dataset's content hash, near-duplicate signatures, fingerprints for
//! leakage, hard-case tags, and how a bad line is named in messages.
//! Everything above reads records through here; this stage reads nothing
//! above it.

pub mod content_hash;
pub mod fast;
pub mod fingerprint;
pub mod lfs;
pub mod line;
pub mod neardup;
pub mod read;
pub mod record;
pub mod role;
pub mod schema;
pub mod strict;
pub mod tags;
