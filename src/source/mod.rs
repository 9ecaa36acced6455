//! Where records come from. `git` reads repositories; `materialise` writes the
//! sample and test repositories. Nothing outside `source` names git2.

pub mod git;
pub mod materialise;
