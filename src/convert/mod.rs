//! Conversion. Takes planning and status notes (Markdown files, folders, a
//! repository at a revision) and chat exports (ChatGPT, ShareGPT, OpenAI,
//! plain and Markdown transcripts); gives chat records whose input holds up
//! to three prior exchanges, redacted, with provenance.

pub mod ingest;
pub mod notes;
