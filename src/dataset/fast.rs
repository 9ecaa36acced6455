//! A fast path for the built-in schema. Most lines of a real dataset are
//! valid, and building a `serde_json::Value` tree for each just to hear
//! "valid" from the JSON Schema validator was most of `check`'s time. This
//! reads the fields the built-in schema constrains straight into borrowed
//! strings; when it proves a line valid, the tree is never built. Any doubt
//! (wrong types, null, a repeated key anywhere, an integer past 64 bits, an
//! invalid record) falls back to the full path ([`crate::dataset::strict`]),
//! which then reports the problems. A test keeps the two in step.
//!
//! `meta` and unknown fields are walked, not skipped: serde_json's skipping
//! checks neither repeated keys, nor the range of numbers, nor surrogate
//! escapes, all of which the full path refuses.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::dataset::record::RecordType;

/// The fields of DESIGN.md's record format, borrowed from the line when unescaped.
#[derive(Default)]
pub struct FastRecord<'a> {
    id: Field<Str<'a>>,
    record_type: Field<Str<'a>>,
    source: Field<Str<'a>>,
    input: Field<Str<'a>>,
    output: Field<Str<'a>>,
    prompt: Field<Str<'a>>,
    chosen: Field<Str<'a>>,
    rejected: Field<Str<'a>>,
}

/// The field names `FastRecord::get` can answer for.
pub const FIELDS: [&str; 8] = [
    "id",
    "record_type",
    "source",
    "input",
    "output",
    "prompt",
    "chosen",
    "rejected",
];

impl<'a> FastRecord<'a> {
    /// Parses `line` if every known field has the type the built-in schema wants.
    ///
    /// The whole line must be UTF-8 first: serde_json skips the strings of
    /// fields it ignores (`meta`, unknown keys) without checking them, so
    /// `"meta":{"x":"\xff"}` would otherwise pass here while the full path
    /// rejects it (found by the `jsonl_scan` fuzz target).
    pub fn parse(line: &'a [u8]) -> Option<Self> {
        let text = std::str::from_utf8(line).ok()?;
        serde_json::from_str(text).ok()
    }

    /// True exactly when the built-in record schema accepts this record.
    pub fn valid_under_builtin(&self) -> bool {
        let non_empty = |f: &Field<Str<'_>>| f.get().is_some_and(|s| !s.is_empty());
        let source_ok = match self.source.get() {
            None => true,
            Some(s) => s == "real" || s == "synthetic",
        };
        let type_ok = match self.record_type().map(str::parse::<RecordType>) {
            Some(Ok(RecordType::Preference)) => {
                non_empty(&self.prompt) && non_empty(&self.chosen) && non_empty(&self.rejected)
            }
            Some(Ok(_)) => non_empty(&self.input) && non_empty(&self.output),
            _ => false,
        };
        non_empty(&self.id) && source_ok && type_ok
    }

    pub fn id(&self) -> Option<&str> {
        self.id.get()
    }

    pub fn record_type(&self) -> Option<&str> {
        self.record_type.get()
    }

    /// A known string field by name; `None` for absent or unknown names.
    pub fn get(&self, field: &str) -> Option<&str> {
        match field {
            "id" => self.id.get(),
            "record_type" => self.record_type.get(),
            "source" => self.source.get(),
            "input" => self.input.get(),
            "output" => self.output.get(),
            "prompt" => self.prompt.get(),
            "chosen" => self.chosen.get(),
            "rejected" => self.rejected.get(),
            _ => None,
        }
    }
}

/// Absent unless the key is there; unlike `Option`, a JSON `null` is a type error.
#[derive(Default)]
enum Field<T> {
    #[default]
    Absent,
    Present(T),
}

impl Field<Str<'_>> {
    fn get(&self) -> Option<&str> {
        match self {
            Field::Absent => None,
            Field::Present(s) => Some(&s.0),
        }
    }
}

/// A JSON string, borrowed unless it had escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for FastRecord<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FastRecord<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a record")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut r = FastRecord::default();
                let mut others = Seen::default();
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    let slot = match &*key.0 {
                        "id" => &mut r.id,
                        "record_type" => &mut r.record_type,
                        "source" => &mut r.source,
                        "input" => &mut r.input,
                        "output" => &mut r.output,
                        "prompt" => &mut r.prompt,
                        "chosen" => &mut r.chosen,
                        "rejected" => &mut r.rejected,
                        name => {
                            others.insert(key_text(&key)?)?;
                            // the schema wants `meta` to be an object
                            let value = if name == "meta" {
                                Checked::Object
                            } else {
                                Checked::Any
                            };
                            map.next_value_seed(value)?;
                            continue;
                        }
                    };
                    if matches!(slot, Field::Present(_)) {
                        return Err(de::Error::custom("repeated key"));
                    }
                    *slot = Field::Present(map.next_value()?);
                }
                Ok(r)
            }
        }
        d.deserialize_map(V)
    }
}

/// A key as it lies in the line; an escaped one (rare) sends the line to the
/// full path rather than cost every line an owned copy.
fn key_text<'de, E: de::Error>(key: &Str<'de>) -> Result<&'de str, E> {
    match key.0 {
        Cow::Borrowed(k) => Ok(k),
        Cow::Owned(_) => Err(E::custom("escaped key")),
    }
}

/// The keys of one object so far: a few in place, a hash set past that, so
/// an object of a million keys costs no more than a million lookups.
#[derive(Default)]
struct Seen<'de> {
    few: [&'de str; 8],
    len: usize,
    many: HashSet<&'de str>,
}

impl<'de> Seen<'de> {
    /// Adds `key`; a repeat is an error.
    fn insert<E: de::Error>(&mut self, key: &'de str) -> Result<(), E> {
        let repeat = if self.len < self.few.len() {
            let repeat = self.few[..self.len].contains(&key);
            self.few[self.len] = key;
            self.len += 1;
            repeat
        } else {
            if self.many.is_empty() {
                self.many.extend(self.few);
            }
            !self.many.insert(key)
        };
        if repeat {
            return Err(E::custom("repeated key"));
        }
        Ok(())
    }
}

/// Any JSON value (or, for `meta`, any object) read for what Arrow refuses:
/// a repeated key, an integer past 64 bits, a bad escape. Nothing is kept.
#[derive(Clone, Copy)]
enum Checked {
    Any,
    Object,
}

impl<'de> de::DeserializeSeed<'de> for Checked {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self {
            Checked::Any => d.deserialize_any(self),
            Checked::Object => d.deserialize_map(self),
        }
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Checked::Any => "a JSON value",
            Checked::Object => "an object",
        })
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        if v > i64::MAX as u64 {
            return Err(E::custom("integer past i64"));
        }
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // an integer literal past 64 bits arrives as a double: let the full path look
        if v.abs() >= crate::dataset::strict::WIDE && v.fract() == 0.0 {
            return Err(E::custom("maybe an integer past 64 bits"));
        }
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Checked::Any)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::default();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            seen.insert(key_text(&key)?)?;
            map.next_value_seed(Checked::Any)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::schema::Schema;

    /// Records that differ from a valid one in one way each: the fast path
    /// may only call a line valid when the JSON Schema agrees, and should
    /// agree on every valid one.
    fn variants() -> Vec<String> {
        use serde_json::{Map, Value, json};
        let bases = [
            json!({"id":"a","record_type":"chat","input":"User: hi\nAssistant: yo\nUser: \"ok\"?","output":"Fine."}),
            json!({"id":"a","record_type":"qa","input":"q","output":"a"}),
            json!({"id":"a","record_type":"preference","prompt":"p","chosen":"c","rejected":"r"}),
            json!({"id":"a","record_type":"knowledge","input":"q","output":"a","meta":{"tags":["x"]}}),
            json!({"id":"a","record_type":"memory","input":"q","output":"a","source":"real"}),
            json!({"id":"a","record_type":"trajectory","input":"q","output":"a"}),
        ];
        let values = [
            json!("x"),
            json!(""),
            Value::Null,
            json!(5),
            json!(true),
            json!([]),
            json!({}),
            json!("\u{e9}\n"),
            json!("real"),
            json!("synthetic"),
            json!("chat"),
            json!("preference"),
        ];
        let fields = [
            "id",
            "record_type",
            "source",
            "input",
            "output",
            "prompt",
            "chosen",
            "rejected",
            "meta",
            "extra",
        ];
        let mut out = Vec::new();
        for base in &bases {
            let Value::Object(map) = base else {
                unreachable!()
            };
            out.push(base.to_string());
            for field in fields {
                for value in &values {
                    let mut m: Map<String, Value> = map.clone();
                    m.insert(field.to_string(), value.clone());
                    out.push(Value::Object(m).to_string());
                }
                let mut m = map.clone();
                m.remove(field);
                out.push(Value::Object(m).to_string());
            }
            // a duplicate key: serde_json's Value keeps the last, the fast path declines
            let text = base.to_string();
            out.push(format!("{},\"id\":\"b\"}}", &text[..text.len() - 1]));
            out.push(format!("{},\"id\":5}}", &text[..text.len() - 1]));
        }
        out.extend(["[1]", "\"s\"", "null", "{}"].map(String::from));
        out
    }

    #[test]
    fn fast_path_agrees_with_the_builtin_schema() {
        let schema = Schema::builtin().unwrap();
        let (mut valid, mut invalid) = (0, 0);
        for line in variants() {
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            let slow = full_path_valid(&schema, &line);
            let fast = FastRecord::parse(line.as_bytes()).is_some_and(|r| r.valid_under_builtin());
            // Never valid when the schema says otherwise. The fast path may decline
            // (then the full path runs) only for odd shapes the schema leaves open:
            // a duplicate key, or a non-string in a field this type does not use.
            assert!(
                !fast || slow,
                "fast path accepts what the schema rejects: {line}"
            );
            let duplicate = line.matches("\"id\":").count() > 1;
            let plain_shapes = value.as_object().is_some_and(|m| {
                m.iter().all(|(k, v)| match k.as_str() {
                    "meta" => v.is_object(),
                    k if FIELDS.contains(&k) => v.is_string(),
                    _ => true,
                })
            });
            if slow && plain_shapes && !duplicate {
                assert!(fast, "fast path declines a plain valid record: {line}");
            }
            if slow { valid += 1 } else { invalid += 1 }
        }
        assert!(
            valid > 50 && invalid > 200,
            "{valid} valid, {invalid} invalid variants"
        );
    }

    /// What the full path says: strict JSON (see `strict`), then the schema.
    fn full_path_valid(schema: &Schema, line: &str) -> bool {
        let Ok(parsed) = crate::dataset::strict::parse(line.as_bytes()) else {
            return false;
        };
        let mut problems = Vec::new();
        schema.check(&parsed.value, &mut problems);
        problems.is_empty() && parsed.wide.is_empty()
    }

    #[test]
    fn what_arrow_refuses_anywhere_in_a_record_is_left_to_the_full_path() {
        let schema = Schema::builtin().unwrap();
        let head = r#"{"id":"a","record_type":"qa","input":"q","output":"o""#;
        for (rest, refused) in [
            (r#","meta":{"k":1,"k":2}}"#, true),
            (r#","meta":{"l":[{"k":1},{"k":1,"k":2}]}}"#, true),
            (r#","x":1,"x":2}"#, true),
            (r#","meta":{},"meta":{}}"#, true),
            (r#","output":"o"}"#, true),
            (r#","meta":{"n":123456789012345678901234567890}}"#, true),
            (r#","x":[-9223372036854775809]}"#, true),
            (r#","x":9223372036854775808}"#, true),
            (r#","meta":{"x":1e400}}"#, true),
            (r#","meta":{"s":"\ud800"}}"#, true),
            (r#","x":"\udc00"}"#, true),
            // what the fast path cannot judge cheaply and the full path accepts
            (r#","meta":{"f":1e19,"g":-1.5e300}}"#, false),
            (r#","meta":{"\u006b":1,"k2":2}}"#, false),
            (
                r#","meta":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":{"a":1}}}"#,
                false,
            ),
        ] {
            let line = format!("{head}{rest}");
            let fast = FastRecord::parse(line.as_bytes()).is_some();
            assert!(!fast || !refused, "the fast path took {line}");
            assert_eq!(full_path_valid(&schema, &line), !refused, "{line}");
        }
        // a repeat among many keys, past the few kept in place
        let many: String = (1..40).map(|i| format!(",\"k{i}\":{i}")).collect();
        let line = format!("{head},\"meta\":{{\"k0\":0{many},\"k33\":1}}}}");
        assert!(FastRecord::parse(line.as_bytes()).is_none(), "{line}");
        let line = format!("{head},\"meta\":{{\"k0\":0{many}}}}}");
        assert!(FastRecord::parse(line.as_bytes()).is_some(), "{line}");
    }

    #[test]
    fn bad_utf8_in_an_ignored_field_is_left_to_the_full_path() {
        for line in [
            &b"{\"id\":\"a\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"o\",\"meta\":{\"t\":\"\x80\"}}"[..],
            &b"{\"id\":\"a\",\"record_type\":\"qa\",\"input\":\"q\",\"output\":\"o\",\"extra\":\"\xff\"}"[..],
        ] {
            assert!(FastRecord::parse(line).is_none());
        }
    }

    #[test]
    fn escaped_strings_are_decoded_and_plain_ones_borrowed() {
        let line = br#"{"id":"a\"b","record_type":"qa","input":"plain","output":"x"}"#;
        let r = FastRecord::parse(line).unwrap();
        assert_eq!(r.id(), Some("a\"b"));
        assert!(matches!(
            r.input,
            Field::Present(Str(Cow::Borrowed("plain")))
        ));
    }
}
