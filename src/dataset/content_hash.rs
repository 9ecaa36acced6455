//! The one content hash revmine names a dataset by: xxh3-128 of the file's
//! bytes exactly as stored (BOM, line endings and all), written
//! `xxh3-128:<32 hex digits>`. The spot-check sheet, the sign-off ledger and
//! the `spot_check` gate all use it, so "this is the content that was
//! reviewed" is one comparison of two strings. It is not a security hash: it
//! guards against accidental change (an edit after review), not forgery.

use std::fmt;
use std::io::Read;
use std::str::FromStr;

use xxhash_rust::xxh3::Xxh3;

const PREFIX: &str = "xxh3-128:";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash(pub u128);

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{:032x}", self.0)
    }
}

impl FromStr for ContentHash {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let hex = s
            .strip_prefix(PREFIX)
            .filter(|h| h.len() == 32)
            .ok_or_else(|| format!("`{s}` is not an {PREFIX}<32 hex digits> hash"))?;
        u128::from_str_radix(hex, 16)
            .map(ContentHash)
            .map_err(|_| format!("`{s}` is not an {PREFIX}<32 hex digits> hash"))
    }
}

impl serde::Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Streams bytes into a [`ContentHash`]; feed it every byte in order.
pub struct ContentHasher(Box<Xxh3>);

impl Default for ContentHasher {
    fn default() -> Self {
        ContentHasher(Box::new(Xxh3::new()))
    }
}

impl ContentHasher {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(&self) -> ContentHash {
        ContentHash(self.0.digest128())
    }
}

impl ContentHash {
    pub fn of_bytes(bytes: &[u8]) -> Self {
        let mut h = ContentHasher::default();
        h.update(bytes);
        h.finish()
    }

    /// Hashes everything `reader` yields, in 256 KiB reads (memory stays flat).
    pub fn of_reader(reader: &mut dyn Read) -> std::io::Result<Self> {
        let mut h = ContentHasher::default();
        let mut buf = vec![0u8; 256 << 10];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(h.finish()),
                Ok(n) => h.update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_equals_whole_and_round_trips_as_text() {
        let data: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let whole = ContentHash::of_bytes(&data);
        let mut h = ContentHasher::default();
        for piece in data.chunks(777) {
            h.update(piece);
        }
        assert_eq!(h.finish(), whole);
        assert_eq!(
            ContentHash::of_reader(&mut std::io::Cursor::new(&data)).unwrap(),
            whole
        );
        let text = whole.to_string();
        assert!(
            text.starts_with("xxh3-128:") && text.len() == 9 + 32,
            "{text}"
        );
        assert_eq!(text.parse::<ContentHash>().unwrap(), whole);
        assert!("xxh3-128:zz".parse::<ContentHash>().is_err());
        assert_ne!(
            ContentHash::of_bytes(b"a\n"),
            ContentHash::of_bytes(b"a\r\n")
        );
    }
}
