//! What a dataset file's bytes are, told by its first bytes (never by its
//! name): JSONL, gzip-compressed JSONL (read through, as Hugging Face
//! `datasets` does), or something that holds no records to read: a Git LFS
//! pointer, or another compression. Standard input and blobs from the git
//! index are told the same way as files.
//!
//! [`Source`] hashes the bytes as stored (compressed ones for gzip: the
//! [`ContentHash`] names the file, not its text) and counts them for the
//! progress bar, which is sized from the files' lengths on disk.

use std::io::{self, Cursor, Read};

use flate2::read::MultiGzDecoder;

use crate::dataset::content_hash::{ContentHash, ContentHasher};
use crate::dataset::lfs::{MAX_POINTER_BYTES, lfs_pointer};

/// Bytes read up front to tell what the input is: enough for a whole LFS
/// pointer, which must be smaller.
const HEAD: usize = MAX_POINTER_BYTES;

/// Compressions `datasets` reads that revmine does not, by their magic bytes.
const OTHER_COMPRESSIONS: [(&[u8], &str, &str); 4] = [
    (b"\x28\xb5\x2f\xfd", "zstd", "zstd -d"),
    (b"\xfd7zXZ\x00", "xz", "xz -d"),
    (b"BZh", "bzip2", "bzip2 -d"),
    (b"PK\x03\x04", "zip", "unzip"),
];

/// An input that is not records: the message says what it is instead.
#[derive(Debug)]
pub struct NotRecords(pub String);

/// The records' bytes of one input, decompressed if need be.
pub struct Source {
    decoded: Decoded,
}

enum Decoded {
    Plain(Raw),
    Gzip(Box<MultiGzDecoder<Raw>>),
}

/// The input as stored: the head read up front, then the rest; hashed and
/// counted as it is read.
struct Raw {
    head: Cursor<Vec<u8>>,
    rest: Box<dyn Read + Send>,
    /// A read error met while reading the head, returned after it.
    error: Option<io::Error>,
    hasher: ContentHasher,
    read: u64,
}

impl Read for Raw {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if (self.head.position() as usize) < self.head.get_ref().len() {
            return self.head.read(buf);
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let n = self.rest.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.decoded {
            Decoded::Plain(raw) => raw.read(buf),
            Decoded::Gzip(gz) => gz
                .read(buf)
                .map_err(|e| io::Error::new(e.kind(), format!("gzip: {e}"))),
        }
    }
}

impl Source {
    /// Tells what `reader` holds. `label` names it in messages; `lfs_note`
    /// says why an LFS pointer's content was not fetched, when that was tried.
    pub fn open(
        mut reader: Box<dyn Read + Send>,
        label: &str,
        lfs_note: Option<&str>,
    ) -> Result<Self, NotRecords> {
        let mut head = Vec::with_capacity(HEAD);
        let mut hasher = ContentHasher::default();
        // what was read before an error stays in `head`, and is read first
        let (eof, error) = match (&mut reader).take(HEAD as u64).read_to_end(&mut head) {
            Ok(n) => (n < HEAD, None),
            Err(e) => (false, Some(e)),
        };
        hasher.update(&head);
        // A pointer whose content `git lfs smudge` could not give (it prints
        // the pointer, then fails) is a pointer too, with the reason.
        if (eof || error.is_some())
            && let Some(pointer) = lfs_pointer(&head)
        {
            let why = error.as_ref().map(ToString::to_string);
            return Err(NotRecords(
                pointer.message(label, why.as_deref().or(lfs_note)),
            ));
        }
        if let Some((_, name, tool)) = OTHER_COMPRESSIONS
            .iter()
            .find(|(magic, _, _)| head.starts_with(magic))
        {
            return Err(NotRecords(format!(
                "this file is {name}-compressed: revmine reads JSONL, plain or gzip-compressed; decompress it first (`{tool}`)"
            )));
        }
        let gzip = head.starts_with(b"\x1f\x8b");
        let read = head.len() as u64;
        let raw = Raw {
            head: Cursor::new(head),
            rest: reader,
            error,
            hasher,
            read,
        };
        let decoded = if gzip {
            Decoded::Gzip(Box::new(MultiGzDecoder::new(raw)))
        } else {
            Decoded::Plain(raw)
        };
        Ok(Source { decoded })
    }

    fn raw(&self) -> &Raw {
        match &self.decoded {
            Decoded::Plain(raw) => raw,
            Decoded::Gzip(gz) => gz.get_ref(),
        }
    }

    /// Bytes read from the input as stored (compressed, for gzip).
    pub fn stored_bytes_read(&self) -> u64 {
        self.raw().read
    }

    /// The [`ContentHash`] of every stored byte read so far: the file's own
    /// once it was read to its end.
    pub fn content_hash(self) -> ContentHash {
        let raw = match self.decoded {
            Decoded::Plain(raw) => raw,
            Decoded::Gzip(gz) => gz.into_inner(),
        };
        raw.hasher.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Result<(Vec<u8>, ContentHash, u64), String> {
        let mut s =
            Source::open(Box::new(Cursor::new(bytes.to_vec())), "f", None).map_err(|e| e.0)?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).map_err(|e| e.to_string())?;
        let read = s.stored_bytes_read();
        Ok((out, s.content_hash(), read))
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        io::Write::write_all(&mut gz, bytes).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn plain_and_gzip_read_the_same_and_hash_what_is_stored() {
        let text: Vec<u8> = (0..5000)
            .flat_map(|i| format!("{{\"id\":\"r{i}\"}}\n").into_bytes())
            .collect();
        let (plain, hash, read) = read_all(&text).unwrap();
        assert_eq!(
            (plain.as_slice(), hash, read),
            (
                text.as_slice(),
                ContentHash::of_bytes(&text),
                text.len() as u64
            )
        );
        // two gzip members, as `cat a.gz b.gz` makes
        let mut gz = gzip(&text[..100]);
        gz.extend(gzip(&text[100..]));
        let (unzipped, hash, read) = read_all(&gz).unwrap();
        assert_eq!(unzipped, text);
        assert_eq!((hash, read), (ContentHash::of_bytes(&gz), gz.len() as u64));
        // a cut-off gzip is a read error, named as gzip's
        let err = read_all(&gz[..gz.len() - 10]).unwrap_err();
        assert!(err.starts_with("gzip: "), "{err}");
        assert!(read_all(b"").unwrap().0.is_empty());
    }

    #[test]
    fn pointers_and_other_compressions_are_not_records() {
        let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
        let e = read_all(pointer.as_bytes()).unwrap_err();
        assert!(
            e.starts_with("this is a Git LFS pointer (oid sha256:4d7a214614ab…, 12345 bytes)"),
            "{e}"
        );
        let e = read_all(b"\x28\xb5\x2f\xfd\x00\x01").unwrap_err();
        assert!(e.starts_with("this file is zstd-compressed"), "{e}");
        // a pointer's text inside a bigger file is only text
        let longer = format!("{pointer}{}", "x".repeat(2000));
        assert!(read_all(longer.as_bytes()).is_ok());
    }
}
