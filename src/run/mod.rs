//! The periodic job's library: what `revmine run` keeps between runs.
//! Takes the records a source gave this run and the output it appends to;
//! gives which records are new, which are out of date, and the source's
//! next state.
//!
//! Each source remembers, in its own state file, the last commit it mined,
//! so a run reads only newer history and appends only records whose ids its
//! output does not hold yet.
//!
//! Durability, in this order, per source: the output is rewritten as a temp
//! file beside it (old records, then new ones), fsynced and renamed into
//! place, and the directory fsynced; only then does the state advance, the
//! same way. A run killed at any point leaves the previous output and state,
//! or the new output with the old state: the next run then finds the same
//! records again and their ids are already there, so none is written twice.
//!
//! Concurrency: one lock file per source (an OS advisory lock, released by
//! the kernel when the process dies).

pub mod records;
pub mod shard;
pub mod source;
pub mod state;
