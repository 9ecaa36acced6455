//! A fast path for the built-in schema. Most lines of a real dataset are
//! valid, and building a `serde_json::Value` tree for each just to hear
//! "valid" from the JSON Schema validator was most of `check`'s time. This
//! reads the fields the built-in schema constrains straight into borrowed
//! strings; when it proves a line valid, the tree is never built. Any doubt
//! (wrong types, null, duplicate keys, an invalid record) falls back to the
//! full path, which then reports the problems. A test keeps the two in step.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::dataset::record::RecordType;

/// The fields of DESIGN.md's record format, borrowed from the line when unescaped.
#[derive(Deserialize)]
pub struct FastRecord<'a> {
    #[serde(borrow, default)]
    id: Field<Str<'a>>,
    #[serde(borrow, default)]
    record_type: Field<Str<'a>>,
    #[serde(borrow, default)]
    source: Field<Str<'a>>,
    #[serde(borrow, default)]
    input: Field<Str<'a>>,
    #[serde(borrow, default)]
    output: Field<Str<'a>>,
    #[serde(borrow, default)]
    prompt: Field<Str<'a>>,
    #[serde(borrow, default)]
    chosen: Field<Str<'a>>,
    #[serde(borrow, default)]
    rejected: Field<Str<'a>>,
    /// Read only to prove it is an object, as the schema requires.
    #[serde(rename = "meta", default)]
    _meta: Field<Object>,
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

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Field::Present)
    }
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

/// Any JSON object, skipped; anything else is a type error.
struct Object;

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Object;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Object)
            }
        }
        d.deserialize_map(V)
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
            let mut problems = Vec::new();
            schema.check(&value, &mut problems);
            let slow = problems.is_empty();
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
