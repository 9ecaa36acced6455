//! Plain-text and Markdown transcripts: speaker labels (`User:`, `**AI:**`)
//! or speaker headings (`## Assistant`) start turns, other lines continue them.

use std::io::BufRead;

use super::conversation::{Body, Conv, IngestError, Role, Sink, long_line, read_line_capped};

/// A `Name: text` label, plain or bold (`**Name:** text`, `**Name**: text`).
/// Only names of the shared table count, so `Note: ...` or a URL inside a
/// turn does not start a new one.
pub(super) fn label_speaker(line: &str) -> Option<(Role, &str)> {
    let s = line.trim_start();
    let (bold, s) = match s.strip_prefix("**") {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let colon = s.find(':')?;
    let name_part = &s[..colon];
    let after = &s[colon + 1..];
    let (name, rest) = if bold {
        match name_part.strip_suffix("**") {
            Some(name) => (name, after),
            None => (name_part, after.strip_prefix("**")?),
        }
    } else {
        (name_part, after)
    };
    // Names are single words; a colon late in a sentence is not a label.
    if name.is_empty() || name.len() > 16 || name.trim() != name {
        return None;
    }
    match Role::from_name(name) {
        Role::Unknown | Role::Tool => None,
        role => Some((role, rest.trim_start())),
    }
}

/// A speaker heading (`## User`, `### **Assistant:**`), with its level.
pub(super) fn heading_speaker(line: &str) -> Option<(Role, usize)> {
    let (level, name) = heading(line)?;
    let name = name.trim_matches(|c: char| c == '*' || c == ':' || c.is_whitespace());
    match Role::from_name(name) {
        Role::Unknown | Role::Tool => None,
        role => Some((role, level)),
    }
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|b| *b == b'#').count();
    let rest = &line[level..];
    if !(1..=6).contains(&level) || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some((level, rest.trim()))
}

/// A bold label alone on its line (`**User**`), common in Markdown exports.
fn bold_alone(line: &str) -> Option<Role> {
    let name = line.trim().strip_prefix("**")?.strip_suffix("**")?;
    match Role::from_name(name.trim_end_matches(':')) {
        Role::Unknown | Role::Tool => None,
        role => Some(role),
    }
}

struct State {
    conv: Conv,
    turn: Option<(Role, String)>,
    blanks: usize,
}

impl State {
    fn close_turn(&mut self, sink: &mut Sink<'_>) {
        if let Some((role, text)) = self.turn.take() {
            self.conv
                .push(role, Body::Text(text), &mut sink.summary.skipped);
        }
    }

    fn close_conv(&mut self, sink: &mut Sink<'_>) {
        self.close_turn(sink);
        let conv = std::mem::take(&mut self.conv);
        if !conv.turns.is_empty() || conv.system.is_some() {
            sink.finish(None, conv);
        }
    }
}

/// Text: two blank lines or a `---` line end a conversation. Markdown uses
/// `---` as a rule between turns and blank lines freely, so there a
/// conversation ends only at a non-speaker heading above the speakers' level
/// (a title such as `# Conversation 2` over `## User` turns).
pub(super) fn run(
    mut reader: impl BufRead,
    sink: &mut Sink<'_>,
    markdown: bool,
    max_line: u64,
) -> Result<(), IngestError> {
    let mut st = State {
        conv: Conv::default(),
        turn: None,
        blanks: 0,
    };
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    let mut in_fence = false;
    let mut saw_speaker = false;
    let mut first_content: Option<u64> = None;
    let mut speaker_level: Option<usize> = None;
    loop {
        buf.clear();
        let (n, len) = read_line_capped(&mut reader, &mut buf, max_line).map_err(|source| {
            IngestError::Read {
                file: sink.label.to_string(),
                line: line_no + 1,
                source,
            }
        })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if len > max_line {
            return Err(long_line(sink.label, line_no, len, max_line));
        }
        let line = std::str::from_utf8(&buf).map_err(|e| IngestError::Line {
            file: sink.label.to_string(),
            line: line_no,
            what: format!("not UTF-8 (invalid byte at column {})", e.valid_up_to() + 1),
        })?;
        let line = line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        } else if !in_fence {
            if trimmed.is_empty() {
                st.blanks += 1;
                if !markdown && st.blanks == 2 {
                    st.close_conv(sink);
                }
                continue;
            }
            if trimmed == "---" {
                if !markdown {
                    st.close_conv(sink);
                }
                st.blanks = 0;
                continue;
            }
            let speaker = if markdown {
                heading_speaker(line)
                    .map(|(role, level)| {
                        speaker_level = Some(speaker_level.map_or(level, |l| l.min(level)));
                        (role, "")
                    })
                    .or_else(|| bold_alone(line).map(|role| (role, "")))
                    .or_else(|| label_speaker(line).filter(|_| line.trim_start().starts_with("**")))
            } else {
                label_speaker(line)
            };
            if let Some((role, rest)) = speaker {
                saw_speaker = true;
                st.close_turn(sink);
                st.turn = Some((role, rest.to_string()));
                st.blanks = 0;
                continue;
            }
            if markdown
                && let Some((level, _)) = heading(line)
                && level < speaker_level.unwrap_or(2)
            {
                st.close_conv(sink);
                st.blanks = 0;
                continue;
            }
        }
        first_content.get_or_insert(line_no);
        match st.turn.as_mut() {
            Some((_, text)) => {
                if !text.is_empty() {
                    text.push_str(if st.blanks > 0 { "\n\n" } else { "\n" });
                }
                text.push_str(line);
            }
            None => sink.skip("text_without_speaker"),
        }
        st.blanks = 0;
    }
    st.close_conv(sink);
    match first_content {
        Some(line) if !saw_speaker => Err(IngestError::Line {
            file: sink.label.to_string(),
            line,
            what: if markdown {
                "no speaker heading (`## User`, `## Assistant`) or bold label in the file".into()
            } else {
                "no speaker line (`User:`, `Assistant:`, `Human:`, `AI:`, `Q:`, `A:`) in the file"
                    .into()
            },
        }),
        _ => Ok(()),
    }
}
