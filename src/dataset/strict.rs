//! Reads a JSONL line as strictly as the strictest trainer does. serde_json
//! (like Python's `json`) keeps the last of two equal keys and rounds an
//! integer too wide for 64 bits to a double, silently; Arrow, which Hugging
//! Face `datasets` reads JSON with, refuses a repeated key ("Column(/output)
//! was specified twice") and a number out of a double's range. A dataset
//! that passes here must load there, so both are problems, named by field
//! and column.
//!
//! [`parse`] builds the same `serde_json::Value` as `serde_json::from_slice`
//! (in one pass, on the same parser) and refuses the first repeated key it
//! meets; integers wider than 64 bits are found by a second look at the raw
//! line, taken only when the parse saw a number that may be one.

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::dataset::line::elide;

/// `2^63`: integers at or beyond it (in magnitude) leave `i64`, and Arrow
/// reads them as rounded doubles.
pub(crate) const WIDE: f64 = 9_223_372_036_854_775_808.0;

/// A line that parsed, and the problems a lenient reader would not see.
#[derive(Debug)]
pub struct Parsed {
    pub value: Value,
    /// Integer literals outside `i64`, in line order.
    pub wide: Vec<WideInteger>,
}

/// An integer literal that does not fit in 64 bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WideInteger {
    /// Where the value sits (`meta.tags.0`), as the schema's messages name fields.
    pub field: String,
    /// 1-based byte column of its first character.
    pub column: usize,
    pub literal: String,
}

impl WideInteger {
    pub fn message(&self) -> String {
        let rounded = self
            .literal
            .parse::<f64>()
            .map_or(String::new(), |f| format!(" ({f:e})"));
        format!(
            "integer {} at column {} does not fit in 64 bits: readers round it to a double{rounded} and lose digits (write it as a string)",
            elide(&self.literal),
            self.column
        )
    }
}

/// Why a line was refused.
#[derive(Debug)]
pub enum Refused {
    /// Not JSON: serde_json's error, told by [`crate::dataset::line::json_error`].
    Json(serde_json::Error),
    /// One object has the same key twice.
    DuplicateKey {
        /// The repeated key's place, as [`WideInteger::field`] names it.
        field: String,
        key: String,
        column: usize,
    },
}

impl Refused {
    /// The problem's field: where the repeated key sits, `-` for bad JSON.
    pub fn field(&self) -> &str {
        match self {
            Refused::Json(_) => "-",
            Refused::DuplicateKey { field, .. } => field,
        }
    }

    /// What is wrong, in the words of `validate`'s report.
    pub fn message(&self, line: &[u8]) -> String {
        match self {
            Refused::Json(e) => crate::dataset::line::json_error(line, e),
            Refused::DuplicateKey { key, column, .. } => format!(
                "duplicate key \"{}\" at column {column}: Hugging Face datasets refuses the file, other readers keep one of the values",
                elide(key)
            ),
        }
    }
}

/// Parses one line (no trailing newline) strictly; see the module docs.
pub fn parse(line: &[u8]) -> Result<Parsed, Refused> {
    let found = Found::default();
    let mut de = serde_json::Deserializer::from_slice(line);
    let parsed = Strict {
        found: &found,
        at: Place::Root,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    let value = match parsed {
        Ok(v) => v,
        Err(e) => {
            return Err(match found.duplicate.into_inner() {
                Some((field, key)) => Refused::DuplicateKey {
                    field,
                    key,
                    column: key_start(line, e.column()),
                },
                None => Refused::Json(e),
            });
        }
    };
    let wide = if found.maybe_wide.get() {
        wide_integers(line)
    } else {
        Vec::new()
    };
    Ok(Parsed { value, wide })
}

/// The 1-based column where the key ends at `end` (serde_json's column of
/// its closing quote) opens.
fn key_start(line: &[u8], end: usize) -> usize {
    let Some(close) = end.checked_sub(1).filter(|&i| line.get(i) == Some(&b'"')) else {
        return end;
    };
    let mut i = close;
    while i > 0 {
        i -= 1;
        let escapes = line[..i].iter().rev().take_while(|&&b| b == b'\\').count();
        if line[i] == b'"' && escapes % 2 == 0 {
            return i + 1;
        }
    }
    end
}

/// What the visitors met on the way, beyond the value itself.
#[derive(Default)]
struct Found {
    /// The first repeated key: (field, key). Its column comes with the error.
    duplicate: RefCell<Option<(String, String)>>,
    /// A number that may have been an integer literal wider than 64 bits.
    maybe_wide: Cell<bool>,
}

/// Where a value sits, built on the stack as the parser descends; turned
/// into text only for a message.
#[derive(Clone, Copy)]
enum Place<'p> {
    Root,
    Key(&'p Place<'p>, &'p str),
    Index(&'p Place<'p>, usize),
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (parent, name): (&Place<'_>, &dyn fmt::Display) = match self {
            Place::Root => return f.write_str("-"),
            Place::Key(parent, key) => (parent, key),
            Place::Index(parent, i) => (parent, i),
        };
        if !matches!(parent, Place::Root) {
            write!(f, "{parent}.")?;
        }
        write!(f, "{name}")
    }
}

struct Strict<'f, 'p> {
    found: &'f Found,
    at: Place<'p>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_, '_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        if v > i64::MAX as u64 {
            self.found.maybe_wide.set(true);
        }
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // serde_json reads an integer literal past u64 (or below i64) as a
        // double; so is a float literal like 1e19. The raw line tells them apart.
        if v.abs() >= WIDE && v.fract() == 0.0 {
            self.found.maybe_wide.set(true);
        }
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(Strict {
            found: self.found,
            at: Place::Index(&self.at, items.len()),
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                let field = Place::Key(&self.at, &key).to_string();
                *self.found.duplicate.borrow_mut() = Some((field, key));
                return Err(de::Error::custom("duplicate key"));
            }
            let value = map.next_value_seed(Strict {
                found: self.found,
                at: Place::Key(&self.at, &key),
            })?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Integer literals outside `i64` in a line that is valid JSON, with their
/// fields. A second, plain walk over the bytes: taken only for the rare line
/// whose parse met a number that may be one.
pub fn wide_integers(line: &[u8]) -> Vec<WideInteger> {
    enum Frame {
        Object { key: String, expect_key: bool },
        Array { index: usize },
    }
    fn field(stack: &[Frame]) -> String {
        let parts: Vec<String> = stack
            .iter()
            .map(|f| match f {
                Frame::Object { key, .. } => key.clone(),
                Frame::Array { index } => index.to_string(),
            })
            .collect();
        if parts.is_empty() {
            "-".into()
        } else {
            parts.join(".")
        }
    }
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'{' => stack.push(Frame::Object {
                key: String::new(),
                expect_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            b'"' => {
                let start = i;
                i += 1;
                while i < line.len() && line[i] != b'"' {
                    i += if line[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, expect_key }) = stack.last_mut()
                    && *expect_key
                {
                    *expect_key = false;
                    let raw = &line[start..(i + 1).min(line.len())];
                    *key = serde_json::from_slice(raw)
                        .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned());
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i + 1 < line.len()
                    && matches!(line[i + 1], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                let literal = String::from_utf8_lossy(&line[start..=i]);
                let integer = !literal.contains(['.', 'e', 'E']);
                if integer && literal.parse::<i64>().is_err() {
                    out.push(WideInteger {
                        field: field(&stack),
                        column: start + 1,
                        literal: literal.into_owned(),
                    });
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(line: &str) -> (String, String) {
        let e = parse(line.as_bytes()).expect_err(line);
        (e.field().to_string(), e.message(line.as_bytes()))
    }

    #[test]
    fn the_value_is_the_one_serde_json_builds() {
        for line in [
            r#"{"id":"a","meta":{"n":[1,-2,3.5,1e19,18446744073709551615],"t":null,"b":true},"x":"\u00e9\n"}"#,
            r#"[1,{"a":{}},[]]"#,
            r#""s""#,
        ] {
            let lenient: Value = serde_json::from_str(line).unwrap();
            assert_eq!(parse(line.as_bytes()).unwrap().value, lenient, "{line}");
        }
    }

    #[test]
    fn a_repeated_key_is_refused_with_its_field_and_column() {
        assert_eq!(
            refused(r#"{"output":"","output":"x"}"#),
            (
                "output".into(),
                "duplicate key \"output\" at column 14: Hugging Face datasets refuses the file, other readers keep one of the values".into()
            )
        );
        assert_eq!(refused(r#"{"id":"g2","id":"g3"}"#).0, "id");
        assert_eq!(
            refused(r#"{"meta":{"a":1,"b":{"k":1,"k":2}}}"#).0,
            "meta.b.k"
        );
        assert_eq!(
            refused(r#"{"messages":[{"role":"u"},{"role":"a","role":"b"}]}"#).0,
            "messages.1.role"
        );
        // same text once escaped is still the same key
        let (field, message) = refused(r#"{"a":1,"\u0061\"":2,"a\"":3}"#);
        assert_eq!(field, "a\"");
        assert!(
            message.starts_with(r#"duplicate key "a\"" at column 21:"#),
            "{message}"
        );
        // equal keys in different objects are fine
        assert!(parse(br#"{"a":{"a":1},"b":[{"a":1},{"a":2}]}"#).is_ok());
    }

    #[test]
    fn integers_past_64_bits_are_found_with_their_fields() {
        let line = br#"{"meta":{"ok":[9223372036854775807,-9223372036854775808,1e19,1.5e300],"n":123456789012345678901234567890,"l":[9223372036854775808,-9223372036854775809]}}"#;
        let p = parse(line).unwrap();
        let got: Vec<(String, usize, String)> = p
            .wide
            .iter()
            .map(|w| (w.field.clone(), w.column, w.literal.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "meta.n".to_string(),
                    75,
                    "123456789012345678901234567890".to_string()
                ),
                (
                    "meta.l.0".to_string(),
                    111,
                    "9223372036854775808".to_string()
                ),
                (
                    "meta.l.1".to_string(),
                    131,
                    "-9223372036854775809".to_string()
                ),
            ]
        );
        assert_eq!(
            p.wide[0].message(),
            "integer 123456789012345678901234567890 at column 75 does not fit in 64 bits: readers round it to a double (1.2345678901234568e29) and lose digits (write it as a string)"
        );
        // floats of any size a double holds are fine, and cost no second look
        assert!(
            parse(br#"{"a":1e19,"b":-2.5e300,"c":"123456789012345678901234567890"}"#)
                .unwrap()
                .wide
                .is_empty()
        );
    }
}
