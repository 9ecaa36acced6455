//! Where records come from. `git` is the only module that names git2.

pub mod git;
