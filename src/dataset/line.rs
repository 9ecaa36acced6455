//! How a JSONL line and its parts are named in messages: ids escaped for a
//! terminal, why a line is not JSON, a line over the size cap.

/// Ids come from untrusted files and are printed to terminals: escape control characters.
pub fn sanitise(s: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = s.chars().take(MAX).flat_map(char::escape_debug).collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// The problem message for a line over the cap, shared by `check` and `ingest`.
pub fn long_line_message(len: u64, max: u64) -> String {
    format!("line is {len} bytes, over the limit of {max} ([limits] max_line_bytes)")
}

/// Says why a line is not JSON, naming the column, and tells bad UTF-8 apart.
pub fn json_error(line: &[u8], e: &serde_json::Error) -> String {
    if let Err(utf8) = std::str::from_utf8(line) {
        return format!(
            "invalid UTF-8 at byte {} of the line",
            utf8.valid_up_to() + 1
        );
    }
    let text = e.to_string();
    let reason = text.split(" at line ").next().unwrap_or(&text);
    let what = match e.classify() {
        serde_json::error::Category::Eof => "truncated JSON",
        _ => "invalid JSON",
    };
    if reason == "recursion limit exceeded" {
        // serde_json stops at 128 levels rather than overflow the stack.
        return format!(
            "{what}: nested more than 128 levels deep (the parser's limit) at column {}",
            e.column()
        );
    }
    format!("{what}: {reason} at column {}", e.column())
}
