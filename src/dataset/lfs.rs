//! Git LFS pointer files. A repository that tracks `*.jsonl` with Git LFS
//! stores a three-line pointer in git and the content elsewhere; a clone
//! without `git lfs` (or with `GIT_LFS_SKIP_SMUDGE=1`), the git index and
//! every historical blob hold the pointer. Read as JSONL, each of its lines is
//! "invalid JSON"; [`lfs_pointer`] recognises it so a command can say what it
//! is and how to get the content.
//!
//! The format (git-lfs `docs/spec.md`): under 1024 bytes, `key value` lines
//! ending in `\n`, `version` first and the other keys sorted:
//!
//! ```text
//! version https://git-lfs.github.com/spec/v1
//! oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393
//! size 12345
//! ```

/// Pointer files are smaller than this (the spec's limit).
pub const MAX_POINTER_BYTES: usize = 1024;

/// What a pointer names: the content's hash and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LfsPointer {
    /// `sha256:` and 64 lowercase hex digits, as written.
    pub oid: String,
    /// The content's size in bytes.
    pub size: u64,
}

/// `Some` when `bytes` (a whole file or blob) is a Git LFS pointer.
///
/// Follows the spec's rules that tell a pointer from a file that merely
/// starts like one: size, `version` first, keys sorted and of the allowed
/// characters, an `oid` of 64 hex digits and a `size`. CRLF line ends (a
/// pointer checked out with `core.autocrlf`) are accepted.
pub fn lfs_pointer(bytes: &[u8]) -> Option<LfsPointer> {
    const VERSIONS: [&str; 2] = [
        "https://git-lfs.github.com/spec/v1",
        // the pre-release name, which git-lfs still reads
        "https://hawser.github.com/spec/v1",
    ];
    if bytes.len() >= MAX_POINTER_BYTES || !bytes.starts_with(b"version ") {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let body = text.strip_suffix('\n')?;
    let mut lines = body.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let version = lines.next()?.strip_prefix("version ")?;
    if !VERSIONS.contains(&version) {
        return None;
    }
    let (mut oid, mut size, mut last_key) = (None, None, "");
    for line in lines {
        let (key, value) = line.split_once(' ')?;
        let key_ok = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !key_ok || key <= last_key {
            return None;
        }
        last_key = key;
        match key {
            "oid" => {
                let hex = value.strip_prefix("sha256:")?;
                let hex_ok = hex.len() == 64
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if !hex_ok {
                    return None;
                }
                oid = Some(value.to_string());
            }
            "size" => {
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                size = Some(value.parse().ok()?);
            }
            _ => {}
        }
    }
    Some(LfsPointer {
        oid: oid?,
        size: size?,
    })
}

impl LfsPointer {
    /// The problem message for a dataset that is a pointer: what it is, why
    /// its content was not read (`why`, e.g. "git-lfs is not installed"),
    /// and how to get it. `name` is the file as the user wrote it.
    pub fn message(&self, name: &str, why: Option<&str>) -> String {
        let short = self.oid.get(..19).unwrap_or(&self.oid);
        let why = why.unwrap_or("its content is in LFS storage, not here");
        // `--include` matches from the repository's root, or a bare name anywhere
        let path = std::path::Path::new(name);
        let name = if path.is_absolute() || name.contains("..") {
            path.file_name()
                .map_or(name.into(), |n| n.to_string_lossy())
        } else {
            name.into()
        };
        format!(
            "this is a Git LFS pointer (oid {short}…, {} bytes), not the dataset: {why}; fetch the content with `git lfs pull --include=\"{name}\"` (git-lfs installed) and check again",
            self.size
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OID: &str = "sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

    fn pointer(body: &str) -> Option<LfsPointer> {
        lfs_pointer(body.as_bytes())
    }

    #[test]
    fn a_pointer_is_read_and_look_alikes_are_not() {
        let good = format!("version https://git-lfs.github.com/spec/v1\noid {OID}\nsize 12345\n");
        assert_eq!(
            pointer(&good),
            Some(LfsPointer {
                oid: OID.into(),
                size: 12345
            })
        );
        // CRLF, an extension key, the old version URL
        assert!(pointer(&good.replace('\n', "\r\n")).is_some());
        assert!(
            pointer(&format!(
                "version https://git-lfs.github.com/spec/v1\next-0-foo sha256:{}\noid {OID}\nsize 1\n",
                "0".repeat(64)
            ))
            .is_some()
        );
        assert!(pointer(&good.replace("git-lfs.github.com", "hawser.github.com")).is_some());
        for bad in [
            good.trim_end().to_string(),              // no final newline
            good.replace("size 12345", "size 12x45"), // size not a number
            good.replace("sha256:4d", "sha256:4D"),   // upper-case hex
            good.replace("sha256:4d", "sha256:4"),    // 63 digits
            good.replace("spec/v1", "spec/v2"),       // unknown version
            format!("oid {OID}\nversion https://git-lfs.github.com/spec/v1\nsize 1\n"), // version not first
            format!("version https://git-lfs.github.com/spec/v1\nsize 1\noid {OID}\n"), // keys not sorted
            format!("version https://git-lfs.github.com/spec/v1\noid {OID}\n"),         // no size
            format!("{good}{}", "x".repeat(1024)), // too long for a pointer
            "{\"id\":\"a\"}\n".to_string(),
        ] {
            assert_eq!(pointer(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_message_says_what_it_is_and_how_to_fetch_it() {
        let p = LfsPointer {
            oid: OID.into(),
            size: 55,
        };
        assert_eq!(
            p.message("data/train.jsonl", Some("git-lfs is not installed")),
            "this is a Git LFS pointer (oid sha256:4d7a214614ab…, 55 bytes), not the dataset: git-lfs is not installed; fetch the content with `git lfs pull --include=\"data/train.jsonl\"` (git-lfs installed) and check again"
        );
    }
}
