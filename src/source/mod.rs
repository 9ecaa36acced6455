//! Sources. Takes a path; gives repositories (history walk, blobs, file
//! locations) and the sample repositories, materialised from their scripts.
//! Nothing outside `source` names git2; it imports nothing of revmine.

pub mod git;
pub mod materialise;
