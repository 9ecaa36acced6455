//! Putting a dataset in place: the plan's "move only if thresholds pass".
//! The command judges the new file first; this module only moves bytes, and
//! only the bytes that were judged (their [`ContentHash`] is checked on the
//! way), so a file rewritten between the check and the move is never promoted.

use std::path::Path;

use crate::dataset::content_hash::ContentHash;
use crate::error::Error;
use crate::output::{copy_file, parent_dir, rename_into_place, sync_dir};

/// How the new file reaches its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// `from` stays; `to` becomes a copy (temp file beside `to`, fsync, rename).
    Copy,
    /// `from` is renamed to `to`; across file systems, copied then removed.
    Move,
}

/// Replaces `to` (its symlinks followed: the link stays, its target is
/// replaced) with `from`, whose judged content is `judged`. On any error `to`
/// is as it was (its old content or absent).
///
/// # Errors
/// [`Error::Changed`] when `from` is no longer the bytes judged,
/// [`Error::Output`] when `to` is not a regular file, read and write errors
/// naming the file.
pub fn place(from: &Path, to: &Path, judged: &ContentHash, how: How) -> Result<(), Error> {
    match how {
        How::Copy => copy_file(from, to, judged),
        How::Move => {
            let read_err = |source| Error::Read {
                path: from.to_path_buf(),
                source,
            };
            let mut file = std::fs::File::open(from).map_err(read_err)?;
            if ContentHash::of_reader(&mut file).map_err(read_err)? != *judged {
                return Err(Error::Changed {
                    path: from.to_path_buf(),
                });
            }
            // The renamed file must be on disk before its new name is.
            file.sync_all().map_err(read_err)?;
            if !rename_into_place(from, to)? {
                copy_file(from, to, judged)?;
                std::fs::remove_file(from).map_err(read_err)?;
            }
            sync_dir(parent_dir(from)).map_err(read_err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn move_renames_only_the_judged_content() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("new.jsonl"), dir.path().join("train.jsonl"));
        std::fs::write(&from, b"new\n").unwrap();
        std::fs::write(&to, b"old\n").unwrap();
        let e = place(&from, &to, &ContentHash::of_bytes(b"x"), How::Move).unwrap_err();
        assert!(matches!(e, Error::Changed { .. }), "{e}");
        assert_eq!(std::fs::read(&to).unwrap(), b"old\n");
        place(&from, &to, &ContentHash::of_bytes(b"new\n"), How::Move).unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), b"new\n");
        assert!(!from.exists());
    }
}
