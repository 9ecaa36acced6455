//! Folders: the files under a root, as `ignore` walks them (`.gitignore`,
//! hidden files and `.git` skipped, as ripgrep does).

use std::io;
use std::path::{Path, PathBuf};

/// The regular files under `root` whose path relative to it `keep` accepts,
/// relative and sorted. A walk error (an unreadable folder, a loop) is an
/// `io::Error`; the caller names `root`.
pub fn walk(root: &Path, keep: impl Fn(&Path) -> bool) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in ignore::WalkBuilder::new(root).build() {
        let entry = entry.map_err(|e| io::Error::other(e.to_string()))?;
        if entry.file_type().is_some_and(|t| t.is_file()) {
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_path_buf();
            if keep(&rel) {
                found.push(rel);
            }
        }
    }
    found.sort();
    Ok(found)
}
