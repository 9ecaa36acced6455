//! Sources. Takes a path; gives repositories (history walk, blobs, file
//! locations), the files of a folder, and the sample repositories,
//! materialised from their scripts.
//! Nothing outside `source` names git2; it imports nothing of revmine.

pub mod files;
pub mod git;
pub mod lfs;
pub mod materialise;
