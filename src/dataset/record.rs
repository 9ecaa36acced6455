//! The record format of DESIGN.md: record types, the text a gate judges, and
//! the `User:`/`Assistant:` turn layout of a chat `input`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordType {
    Chat,
    Qa,
    Preference,
    Knowledge,
    Memory,
    Trajectory,
}

impl RecordType {
    pub const ALL: [RecordType; 6] = [
        RecordType::Chat,
        RecordType::Qa,
        RecordType::Preference,
        RecordType::Knowledge,
        RecordType::Memory,
        RecordType::Trajectory,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            RecordType::Chat => "chat",
            RecordType::Qa => "qa",
            RecordType::Preference => "preference",
            RecordType::Knowledge => "knowledge",
            RecordType::Memory => "memory",
            RecordType::Trajectory => "trajectory",
        }
    }

    /// Position in [`RecordType::ALL`], for per-type arrays on hot paths.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The field holding the response a model learns to give.
    pub fn response_field(self) -> &'static str {
        match self {
            RecordType::Preference => "chosen",
            _ => "output",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordType {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        RecordType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(())
    }
}

/// Writes the text a uniqueness judgement compares into `buf`: case folded,
/// runs of whitespace folded to one space, trimmed. Reuses `buf` because this
/// runs once per record on the hot path.
pub fn normalise_into(text: &str, buf: &mut String) {
    buf.clear();
    let mut pending_space = false;
    for word in text.split_whitespace() {
        if pending_space {
            buf.push(' ');
        }
        if word.is_ascii() {
            buf.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            buf.extend(word.chars().flat_map(char::to_lowercase));
        }
        pending_space = true;
    }
}

/// Who speaks a turn of a chat `input`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    User,
    Assistant,
}

const USER: &str = "User:";
const ASSISTANT: &str = "Assistant:";

/// Splits a chat `input` into its turns. A line opening with `User:` or
/// `Assistant:` starts a turn; any other line continues the one before, so
/// multi-line turns survive. Text before the first speaker is an error.
pub fn turns(input: &str) -> Result<Vec<(Speaker, &str)>, String> {
    let mut out: Vec<(Speaker, &str)> = Vec::new();
    let mut start: Option<(Speaker, usize)> = None;
    let mut offset = 0;
    for line in input.split_inclusive('\n') {
        let speaker = if line.starts_with(USER) {
            Some((Speaker::User, USER.len()))
        } else if line.starts_with(ASSISTANT) {
            Some((Speaker::Assistant, ASSISTANT.len()))
        } else {
            None
        };
        match (speaker, start) {
            (Some((who, skip)), prev) => {
                if let Some((prev_who, from)) = prev {
                    out.push((prev_who, input[from..offset].trim()));
                }
                start = Some((who, offset + skip));
            }
            (None, None) if !line.trim().is_empty() => {
                return Err("must start with a `User:` or `Assistant:` turn".into());
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some((who, from)) = start {
        out.push((who, input[from..].trim()));
    }
    Ok(out)
}

/// Checks the chat `input` layout of the plan: 1-3 prior turns plus the user
/// turn being answered, as `User:`/`Assistant:` lines ending with `User:`.
pub fn check_chat_input(input: &str, max_turns: usize) -> Result<(), String> {
    let turns = turns(input)?;
    match turns.last() {
        None => Err("holds no `User:` turn".into()),
        Some((Speaker::Assistant, _)) => {
            Err("must end with the `User:` turn being answered, not an `Assistant:` turn".into())
        }
        Some(_) if turns.len() > max_turns => Err(format!(
            "holds {} turns; at most {} (prior turns plus the one answered)",
            turns.len(),
            max_turns
        )),
        Some((_, "")) => Err("the last `User:` turn is empty".into()),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_folds_case_and_whitespace() {
        let mut b = String::new();
        normalise_into("  Start\tSMALL.\r\n  Then   Grow ", &mut b);
        assert_eq!(b, "start small. then grow");
        normalise_into("ÉTÉ  Über", &mut b);
        assert_eq!(b, "été über");
    }

    #[test]
    fn plan_example_input_is_three_turns_ending_with_user() {
        let input = "User: I missed yesterday's deadline.\nAssistant: Let's reset with essentials.\nUser: I only have 2 hours now, what first?";
        let t = turns(input).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(
            t[2],
            (Speaker::User, "I only have 2 hours now, what first?")
        );
        assert!(check_chat_input(input, 4).is_ok());
    }

    #[test]
    fn multi_line_turns_continue() {
        let t = turns("User: line one\nline two\nAssistant: ok\nUser: next").unwrap();
        assert_eq!(t[0].1, "line one\nline two");
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn chat_input_is_turn_lines_ending_with_the_user() {
        let input = chat_input(
            &[
                (Speaker::User, "I missed it."),
                (Speaker::Assistant, "Reset."),
            ],
            " Two hours? ",
        );
        assert_eq!(
            input,
            "User: I missed it.\nAssistant: Reset.\nUser: Two hours?"
        );
        assert!(check_chat_input(&input, 4).is_ok());
    }

    #[test]
    fn speaker_words_inside_a_turn_stay_inside_it() {
        let input = chat_input(
            &[(Speaker::Assistant, "Quoting:\nUser: hi\nAssistant: yo")],
            "a\n\nUser:",
        );
        assert_eq!(
            input,
            "Assistant: Quoting:\n User: hi\n Assistant: yo\nUser: a\n\n User:"
        );
        assert_eq!(turns(&input).unwrap().len(), 2);
        assert!(check_chat_input(&input, 4).is_ok());
    }

    #[test]
    fn bad_layouts_are_named() {
        assert!(
            check_chat_input("hello there", 4)
                .unwrap_err()
                .contains("must start")
        );
        assert!(
            check_chat_input("User: hi\nAssistant: yo", 4)
                .unwrap_err()
                .contains("must end")
        );
        let five = "User: a\nAssistant: b\nUser: c\nAssistant: d\nUser: e";
        assert!(check_chat_input(five, 4).unwrap_err().contains("5 turns"));
        assert!(
            check_chat_input("User:   ", 4)
                .unwrap_err()
                .contains("empty")
        );
    }
}

/// A preference record as revmine writes it, fields in the order a reader
/// expects them; `meta` is the producer's provenance.
#[derive(Debug, Serialize)]
pub struct Preference<'a, M: Serialize> {
    pub id: &'a str,
    pub record_type: RecordType,
    pub source: &'static str,
    pub prompt: &'a str,
    pub chosen: &'a str,
    pub rejected: &'a str,
    pub meta: M,
}

/// A chat record as revmine writes it (transcripts, notes), fields in reading order.
#[derive(Debug, Serialize)]
pub struct Chat<'a, M: Serialize> {
    pub id: &'a str,
    pub record_type: RecordType,
    pub source: &'static str,
    pub input: &'a str,
    pub output: &'a str,
    pub meta: M,
}

/// The `input` of a chat record: prior turns as `User:`/`Assistant:` lines,
/// then the user turn being answered, as the plan's example writes it.
///
/// A line inside a turn that itself opens with `User:` or `Assistant:` (a
/// quoted transcript, a note about a chat) gets one leading space, or
/// [`turns`] would read it as a new turn and the record would fail its own
/// layout check (found by the ingest fuzz targets).
pub fn chat_input(prior: &[(Speaker, &str)], user: &str) -> String {
    let mut out = String::new();
    for (who, text) in prior
        .iter()
        .copied()
        .chain(std::iter::once((Speaker::User, user)))
    {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(match who {
            Speaker::User => "User: ",
            Speaker::Assistant => "Assistant: ",
        });
        for (i, line) in text.trim().split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
                if line.starts_with(USER) || line.starts_with(ASSISTANT) {
                    out.push(' ');
                }
            }
            out.push_str(line);
        }
    }
    out
}
