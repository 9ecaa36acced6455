//! Library errors: one variant per failure, each holding what its message needs
//! (the file, the line, the key), so the binary never has to add the where.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("output `{}` {message}", path.display())]
    Output { path: PathBuf, message: String },
    #[error("output `{}` is the same file as {role} `{}`; name another output (nothing was written)", output.display(), other.display())]
    SameFile {
        output: PathBuf,
        other: PathBuf,
        role: &'static str,
    },
    #[error("`{}` already exists (use --force to replace it)", path.display())]
    Exists { path: PathBuf },
    #[error("config `{}`: {message}", path.display())]
    Config { path: PathBuf, message: String },
    #[error("schema `{}`: {message}", path.display())]
    Schema { path: PathBuf, message: String },
    #[error("{message}")]
    Input { message: String },
    #[error("hook for `{}`: {message}", repo.display())]
    Hook { repo: PathBuf, message: String },
    #[error("sample history: {message}")]
    Sample { message: String },
    #[error(transparent)]
    Git(#[from] crate::source::git::GitError),
    #[error("`{}` changed while it was being checked; nothing was promoted (run again)", path.display())]
    Changed { path: PathBuf },
    #[error("sheet `{}`: {message}", path.display())]
    Sheet { path: PathBuf, message: String },
    #[error("{flag}: {message}")]
    Usage { flag: &'static str, message: String },
}

impl Error {
    /// A failed write to standard output (a closed pipe is told apart by the binary).
    pub fn stdout(source: std::io::Error) -> Self {
        Error::Write {
            path: "<stdout>".into(),
            source,
        }
    }
}
