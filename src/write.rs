//! Atomic output: write beside the target, fsync, then rename over it, so a
//! failed or interrupted run leaves the previous file intact.

use std::io::Write;
use std::path::Path;

use crate::error::Error;

/// Replaces `path` with `bytes` atomically.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let write_err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".revmine-")
        .tempfile_in(dir)
        .map_err(write_err)?;
    tmp.write_all(bytes).map_err(write_err)?;
    keep_permissions(tmp.as_file(), path).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    tmp.persist(path).map_err(|e| write_err(e.error))?;
    Ok(())
}

/// A temp file is created private (0600); the output it becomes should have
/// the mode the file it replaces had, or an ordinary file's 0644.
fn keep_permissions(tmp: &std::fs::File, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(target).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    tmp.set_permissions(std::fs::Permissions::from_mode(mode))
}

/// A JSONL output written as it is produced, into a temp file beside the
/// target that replaces it only on [`AtomicLines::commit`]: memory stays flat
/// for big outputs, and a run that fails (or is dropped) leaves the previous
/// file untouched.
pub struct AtomicLines {
    path: std::path::PathBuf,
    file: std::io::BufWriter<tempfile::NamedTempFile>,
}

impl AtomicLines {
    pub fn create(path: &Path) -> Result<Self, Error> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".revmine-")
            .tempfile_in(dir)
            .map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(AtomicLines {
            path: path.to_path_buf(),
            file: std::io::BufWriter::with_capacity(1 << 20, tmp),
        })
    }

    pub fn line(&mut self, line: &str) -> Result<(), Error> {
        let err = |source| Error::Write {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(line.as_bytes()).map_err(err)?;
        self.file.write_all(b"\n").map_err(err)
    }

    pub fn commit(self) -> Result<(), Error> {
        let path = self.path;
        let err = |source| Error::Write {
            path: path.clone(),
            source,
        };
        let tmp = self.file.into_inner().map_err(|e| err(e.into_error()))?;
        keep_permissions(tmp.as_file(), &path).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(&path).map_err(|e| err(e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        atomic_write(&p, b"one\n").unwrap();
        atomic_write(&p, b"two\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two\n");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn streamed_lines_replace_the_file_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        atomic_write(&p, b"old\n").unwrap();
        let mut w = AtomicLines::create(&p).unwrap();
        w.line("new").unwrap();
        drop(w); // a failed run
        assert_eq!(std::fs::read(&p).unwrap(), b"old\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the temp file is gone"
        );
        let mut w = AtomicLines::create(&p).unwrap();
        w.line("a").unwrap();
        w.line("b").unwrap();
        w.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"a\nb\n");
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_target() {
        let e = atomic_write(Path::new("/nonexistent-dir/x.jsonl"), b"x").unwrap_err();
        assert!(e.to_string().contains("/nonexistent-dir/x.jsonl"), "{e}");
    }
}
