//! The record schema: the shipped JSON Schema (embedded) or the user's own,
//! with jsonschema's errors retold as `FIELD: what is wrong` in the user's terms.

use std::path::Path;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::error::Error;

/// The shipped schema, `schemas/record.schema.json`.
pub const DEFAULT_SCHEMA: &str = include_str!("../../schemas/record.schema.json");

pub struct Schema {
    validator: Validator,
    builtin: bool,
}

impl Schema {
    pub fn builtin() -> Result<Self, Error> {
        let mut schema = Self::from_text(DEFAULT_SCHEMA, Path::new("<built-in record schema>"))?;
        schema.builtin = true;
        Ok(schema)
    }

    /// The shipped schema, which `fast` may prove valid without building a tree.
    pub fn is_builtin(&self) -> bool {
        self.builtin
    }

    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_text(&text, path)
    }

    fn from_text(text: &str, path: &Path) -> Result<Self, Error> {
        let schema_err = |message: String| Error::Schema {
            path: path.to_path_buf(),
            message,
        };
        let value: Value =
            serde_json::from_str(text).map_err(|e| schema_err(format!("not JSON: {e}")))?;
        let validator = jsonschema::validator_for(&value)
            .map_err(|e| schema_err(format!("not a valid JSON Schema: {e}")))?;
        Ok(Schema {
            validator,
            builtin: false,
        })
    }

    /// Appends one `(field, message)` per violation; cheap when the record is valid.
    pub fn check(&self, record: &Value, out: &mut Vec<(String, String)>) {
        if self.validator.is_valid(record) {
            return;
        }
        for error in self.validator.iter_errors(record) {
            out.push(describe(&error));
        }
    }
}

/// Field name from the instance path (`/meta/tags/0` -> `meta.tags.0`), `-` for the record itself.
fn field_of(error: &ValidationError<'_>) -> String {
    let path = error.instance_path().as_str().trim_start_matches('/');
    if path.is_empty() {
        "-".to_string()
    } else {
        path.replace('/', ".")
    }
}

fn describe(error: &ValidationError<'_>) -> (String, String) {
    let mut field = field_of(error);
    let found = error.instance();
    let message = match error.kind() {
        ValidationErrorKind::Required { property } => {
            field = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_string);
            "missing required field".to_string()
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => format!("{set:?}"),
            };
            format!(
                "must be {} {expected}, found {}",
                article(&expected),
                json_type(found)
            )
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "unknown value {} (expected one of: {})",
                preview(found),
                options.join(", ")
            )
        }
        ValidationErrorKind::MinLength { limit: 1 } => "must not be empty".to_string(),
        ValidationErrorKind::MinLength { limit } => format!("is shorter than {limit} characters"),
        ValidationErrorKind::MaxLength { limit } => format!("is longer than {limit} characters"),
        ValidationErrorKind::Constant { expected_value } => format!("must be {expected_value}"),
        _ => error.masked_with(preview(found)).to_string(),
    };
    (field, message)
}

fn article(word: &str) -> &'static str {
    match word.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
        _ => "a",
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short rendering of an offending value: mined texts can be thousands of characters.
pub fn preview(v: &Value) -> String {
    let text = v.to_string();
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(v: Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        Schema::builtin().unwrap().check(&v, &mut out);
        out
    }

    #[test]
    fn plan_example_is_valid() {
        let v =
            json!({"id":"c_real_0001","record_type":"chat","input":"User: hi","output":"Hello."});
        assert!(problems(v).is_empty());
    }

    #[test]
    fn each_violation_names_its_field() {
        let p = problems(json!({"id":"","record_type":"preference","prompt":"p","chosen":5}));
        assert!(
            p.contains(&("id".into(), "must not be empty".into())),
            "{p:?}"
        );
        assert!(
            p.contains(&("rejected".into(), "missing required field".into())),
            "{p:?}"
        );
        assert!(
            p.contains(&("chosen".into(), "must be a string, found a number".into())),
            "{p:?}"
        );
        let p = problems(json!({"id":"x","record_type":"poem"}));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "record_type");
        assert!(p[0].1.starts_with("unknown value \"poem\""), "{p:?}");
        let p = problems(json!([1, 2]));
        assert_eq!(
            p[0],
            ("-".into(), "must be an object, found an array".into())
        );
    }

    #[test]
    fn a_broken_user_schema_is_an_error_naming_it() {
        let e = Schema::from_text("{\"type\": 5}", Path::new("mine.json"))
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .starts_with("schema `mine.json`: not a valid JSON Schema"),
            "{e}"
        );
    }
}
