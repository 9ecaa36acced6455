//! Secrets and personal data. Takes text; gives the text with every finding
//! replaced by `[REDACTED:kind]`, or the findings themselves: private keys,
//! cloud and API tokens, generic `key = value` secrets, passwords in URLs,
//! e-mail addresses and phone numbers.
//!
//! Mined, converted and ingested text is redacted with it before a record is
//! written ([`Scanner::redact`]), and `check`'s `secrets` gate runs it over
//! every record ([`Scanner::find`]), so it is built for the clean case: one
//! [`RegexSet`] of cheap literal triggers says which rules can match at all,
//! and only those run their full regex; phone numbers, which have no literal,
//! are parsed by hand, and only in text holding at least nine digits. Clean
//! prose costs one pass of the trigger set and one digit count.
//!
//! A token needs the shape its vendor gives it (the rules follow gitleaks'
//! rule set); what has no fixed shape (a password after `password:`, an AWS
//! secret key) needs a keyword beside it and enough entropy, so prose that
//! merely talks about keys and tokens is not flagged. Phone numbers must look
//! like one: international (`+` or `00`), national with a trunk `0` or an
//! area code in parentheses, or North American 3-3-4; dates, versions, IP
//! addresses, thousands-grouped numbers and bare digit runs (ids, timestamps)
//! are not phone numbers.
//!
//! A finding on a line holding `revmine:allow` is dropped, as is one whose
//! text matches a configured allow regex.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

/// What a finding is. The names are part of the interface: they appear in
/// `[REDACTED:name]`, in summaries, in `check` reports and in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    PrivateKey,
    AwsAccessKey,
    AwsSecretKey,
    GcpServiceAccount,
    GcpApiKey,
    GithubToken,
    SlackToken,
    SlackWebhook,
    StripeKey,
    OpenaiKey,
    AnthropicKey,
    HuggingfaceToken,
    GenericSecret,
    UrlPassword,
    Email,
    Phone,
}

impl Kind {
    pub const ALL: [Kind; 16] = [
        Kind::PrivateKey,
        Kind::AwsAccessKey,
        Kind::AwsSecretKey,
        Kind::GcpServiceAccount,
        Kind::GcpApiKey,
        Kind::GithubToken,
        Kind::SlackToken,
        Kind::SlackWebhook,
        Kind::StripeKey,
        Kind::OpenaiKey,
        Kind::AnthropicKey,
        Kind::HuggingfaceToken,
        Kind::GenericSecret,
        Kind::UrlPassword,
        Kind::Email,
        Kind::Phone,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::PrivateKey => "private_key",
            Kind::AwsAccessKey => "aws_access_key",
            Kind::AwsSecretKey => "aws_secret_key",
            Kind::GcpServiceAccount => "gcp_service_account",
            Kind::GcpApiKey => "gcp_api_key",
            Kind::GithubToken => "github_token",
            Kind::SlackToken => "slack_token",
            Kind::SlackWebhook => "slack_webhook",
            Kind::StripeKey => "stripe_key",
            Kind::OpenaiKey => "openai_key",
            Kind::AnthropicKey => "anthropic_key",
            Kind::HuggingfaceToken => "huggingface_token",
            Kind::GenericSecret => "generic_secret",
            Kind::UrlPassword => "url_password",
            Kind::Email => "email",
            Kind::Phone => "phone",
        }
    }

    /// Personal data rather than a credential: reports show less of it.
    fn personal(self) -> bool {
        matches!(
            self,
            Kind::Email | Kind::Phone | Kind::UrlPassword | Kind::GenericSecret
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown secret kind `{s}`"))
    }
}

/// One secret found: what it is and where, as a byte range of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub range: Range<usize>,
}

impl Finding {
    /// A report-safe stand-in for the found text: a short prefix (a vendor
    /// prefix such as `ghp_`, never enough to use) and the length.
    pub fn masked(&self, text: &str) -> String {
        let found = text.get(self.range.clone()).unwrap_or("");
        let show = if self.kind.personal() { 2 } else { 4 };
        let prefix: String = found.chars().take(show).collect();
        let prefix = crate::dataset::line::sanitise(&prefix);
        format!("{prefix}… ({} chars)", found.chars().count())
    }
}

/// Counts per kind, as summaries and `--json` show them.
pub type Counts = BTreeMap<&'static str, u64>;

/// The marker that exempts a line from the scanner.
pub const ALLOW_MARKER: &str = "revmine:allow";

/// What the user configured: `[secrets]` in revmine.toml.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Regexes; a finding whose text matches one is not a finding.
    pub allow: Vec<String>,
    /// Kinds not looked for at all (e.g. `email` for a support-mail corpus).
    pub skip_kinds: Vec<Kind>,
}

/// How a rule's match is judged beyond its regex.
#[derive(Debug, Clone, Copy)]
enum Check {
    None,
    AwsSecret,
    Generic,
    Bearer,
    UrlPassword,
    Email,
}

struct Rule {
    kind: Kind,
    re: Regex,
    /// The capture group that is the secret (0: the whole match).
    group: usize,
    check: Check,
}

/// The compiled scanner; build it once and share it (it is `Sync`).
pub struct Scanner {
    /// Every trigger in one ASCII-only byte regex: the clean path's only
    /// search. Measured on 80 MB of dataset text it is ~30% faster than
    /// asking the set, which then runs only on text that holds a trigger.
    any_trigger: regex::bytes::Regex,
    /// One trigger per rule, in `rules` order: a cheap pattern every match of
    /// the rule contains.
    triggers: RegexSet,
    rules: Vec<Rule>,
    phone: bool,
    allow: Vec<Regex>,
}

impl fmt::Debug for Scanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scanner")
            .field("rules", &self.rules.len())
            .field("phone", &self.phone)
            .field("allow", &self.allow)
            .finish()
    }
}

/// `(kind, trigger, rule regex, secret group, check)`, most specific first:
/// where two findings overlap, the earlier rule's wins.
const RULES: &[(Kind, &str, &str, usize, Check)] = &[
    (
        Kind::PrivateKey,
        r"PRIVATE KEY",
        // The BEGIN line, the base64 body (real or `\n`-escaped line breaks,
        // as in a JSON config; quoted with `>` or commented with `#`) and
        // the END line when it is there.
        r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----(?:(?:\s|\\[nr]|[>#])+(?:[A-Za-z0-9+/=]{16,}|[A-Za-z-]+: [^\n\\]*))*(?:(?:\s|\\[nr]|[>#])+[A-Za-z0-9+/=]{1,15})?(?:(?:\s|\\[nr]|[>#])*-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----)?",
        0,
        Check::None,
    ),
    (
        Kind::GcpServiceAccount,
        r"private_key_id",
        r#""private_key_id"\s*:\s*"([a-f0-9]{40})""#,
        1,
        Check::None,
    ),
    (
        Kind::AwsAccessKey,
        r"A3T|AKIA|ASIA|ABIA|ACCA",
        r"(?-u:\b)((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?-u:\b)",
        1,
        Check::None,
    ),
    (
        Kind::AwsSecretKey,
        r"(?i)aws|amazon",
        // A 40-character base64 run on a line that names AWS.
        r"(?i)(?:aws|amazon)[^\n]{0,80}?(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])",
        1,
        Check::AwsSecret,
    ),
    (
        Kind::GcpApiKey,
        r"AIza",
        r"(?-u:\b)(AIza[0-9A-Za-z_-]{35})(?:$|[^0-9A-Za-z_-])",
        1,
        Check::None,
    ),
    (
        Kind::GithubToken,
        r"gh[pousr]_|github_pat_",
        r"(?-u:\b)(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{82})(?-u:\b)",
        1,
        Check::None,
    ),
    (
        Kind::SlackWebhook,
        r"hooks\.slack\.com",
        r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}",
        0,
        Check::None,
    ),
    (
        Kind::SlackToken,
        r"xox[abposer]-|xapp-",
        r"(?-u:\b)(xox[abposer]-[0-9A-Za-z-]{10,250}|xapp-[0-9]-[A-Z0-9]+-[0-9]+-[A-Za-z0-9]+)(?-u:\b)",
        1,
        Check::None,
    ),
    (
        Kind::StripeKey,
        r"[sr]k_(?:live|test|prod)_",
        r"(?-u:\b)((?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{16,247})(?-u:\b)",
        1,
        Check::None,
    ),
    (
        Kind::AnthropicKey,
        r"sk-ant-",
        r"(?-u:\b)(sk-ant-[a-z]{3,8}[0-9]{2}-[A-Za-z0-9_-]{32,})",
        1,
        Check::None,
    ),
    (
        Kind::OpenaiKey,
        r"sk-",
        r"(?-u:\b)(sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}|sk-[A-Za-z0-9]{48})(?:$|[^A-Za-z0-9_-])",
        1,
        Check::None,
    ),
    (
        Kind::HuggingfaceToken,
        r"hf_|api_org_",
        r"(?-u:\b)((?:hf|api_org)_[A-Za-z0-9]{34})(?-u:\b)",
        1,
        Check::None,
    ),
    (
        Kind::UrlPassword,
        r"://",
        r"(?i)[a-z][a-z0-9+.-]{1,20}://[^\s/:@]{0,64}:([^\s/@]{1,128})@[a-z0-9_.-]+",
        1,
        Check::UrlPassword,
    ),
    (
        Kind::GenericSecret,
        r"eyJ",
        // A JSON Web Token: header, payload, signature.
        r"(?-u:\b)(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
        1,
        Check::None,
    ),
    (
        Kind::GenericSecret,
        r"(?i)bearer",
        r"(?i)bearer\s+([A-Za-z0-9._~+/-]{16,}=*)",
        1,
        Check::Bearer,
    ),
    (
        Kind::GenericSecret,
        r"(?i)pass|pwd|secret|token|key|credential",
        // `NAME = value`, `"name": "value"`, `name: value`, `the password
        // (for the VPN) is value`, where NAME says it is a secret.
        r#"(?i)((?:[a-z0-9]+[_.-])*(?:passw(?:or)?d|passphrase|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|signing[_.-]?key|secret[_.-]?key|auth[_.-]?key|credentials?)(?:[_.-][a-z0-9]+)*)["']?(?:\s+(?:for|of|to)\s+(?:the\s+|our\s+|my\s+)?[\w.-]+(?:\s+[\w.-]+)?)?(?:\s*(?:=>|:=|[:=])\s*|\s+(?:is|was)\s+(?:now\s+)?:?\s*)["'`]?([^\s"'`,;<>()\[\]{}]+)"#,
        2,
        Check::Generic,
    ),
    (
        Kind::Email,
        r"@",
        r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}",
        0,
        Check::Email,
    ),
];

impl Scanner {
    /// Every rule, no allowlist.
    pub fn builtin() -> Self {
        // The built-in patterns are fixed and covered by tests; only a user's
        // allow regexes can fail to compile, and `with` reports those.
        #[allow(clippy::expect_used)]
        Self::with(&Settings::default()).expect("the built-in secret rules compile")
    }

    /// The built-in rules minus `skip_kinds`, with the user's allowlist.
    pub fn with(settings: &Settings) -> Result<Self, String> {
        let wanted = |k: Kind| !settings.skip_kinds.contains(&k);
        let chosen: Vec<_> = RULES.iter().filter(|r| wanted(r.0)).collect();
        let triggers = RegexSet::new(chosen.iter().map(|r| r.1)).map_err(|e| e.to_string())?;
        let any = chosen
            .iter()
            .map(|r| format!("(?:{})", r.1.replace("(?i)", "(?i-u)")))
            .collect::<Vec<_>>()
            .join("|");
        let any_trigger =
            regex::bytes::Regex::new(&format!("(?-u){any}")).map_err(|e| e.to_string())?;
        let rules = chosen
            .iter()
            .map(|&&(kind, _, re, group, check)| {
                Ok(Rule {
                    kind,
                    re: Regex::new(re).map_err(|e| e.to_string())?,
                    group,
                    check,
                })
            })
            .collect::<Result<_, String>>()?;
        let allow = settings
            .allow
            .iter()
            .map(|a| Regex::new(a).map_err(|e| format!("allow `{a}`: {e}")))
            .collect::<Result<_, _>>()?;
        Ok(Scanner {
            any_trigger,
            triggers,
            rules,
            phone: wanted(Kind::Phone),
            allow,
        })
    }

    /// Every finding in `text`, in order, none overlapping another.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        self.find_into(text, &mut out);
        out
    }

    /// The first finding in `text`, if any (what the gate asks per field).
    /// Searching a record's whole JSON line once instead was tried and
    /// measured no faster: the extra bytes cost what the saved calls did.
    pub fn first(&self, text: &str) -> Option<Finding> {
        let mut out = Vec::new();
        self.find_into(text, &mut out);
        out.into_iter().next()
    }

    fn find_into(&self, text: &str, out: &mut Vec<Finding>) {
        if self.any_trigger.is_match(text.as_bytes()) {
            for i in self.triggers.matches(text).iter() {
                let rule = &self.rules[i];
                for caps in rule.re.captures_iter(text) {
                    let Some(m) = caps.get(rule.group) else {
                        continue;
                    };
                    if let Some(range) = judge(rule.check, text, &caps, m.range()) {
                        out.push(Finding {
                            kind: rule.kind,
                            range,
                        });
                    }
                }
            }
        }
        if self.phone && digits(text) >= 9 {
            phones(text, out);
        }
        if out.is_empty() {
            return;
        }
        // Earliest first; at one start the earlier rule (more specific) wins.
        let rank = |k: Kind| RULES.iter().position(|r| r.0 == k).unwrap_or(RULES.len());
        out.sort_by_key(|f| (f.range.start, rank(f.kind), std::cmp::Reverse(f.range.end)));
        let mut end = 0;
        out.retain(|f| {
            if f.range.start < end {
                return false;
            }
            end = f.range.end;
            true
        });
        out.retain(|f| !self.allowed(text, f));
    }

    fn allowed(&self, text: &str, f: &Finding) -> bool {
        let line_start = text[..f.range.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[f.range.start..]
            .find('\n')
            .map_or(text.len(), |i| f.range.start + i);
        if text[line_start..line_end].contains(ALLOW_MARKER) {
            return true;
        }
        let found = &text[f.range.clone()];
        self.allow.iter().any(|a| a.is_match(found))
    }

    /// `text` with every finding replaced by `[REDACTED:kind]`, and how many
    /// of each kind were replaced; borrowed when there was nothing to replace.
    pub fn redact<'t>(&self, text: &'t str) -> (Cow<'t, str>, Counts) {
        let mut counts = Counts::new();
        let out = self.redact_counting(text, &mut counts);
        (out, counts)
    }

    /// [`Scanner::redact`], adding to `counts`.
    pub fn redact_counting<'t>(&self, text: &'t str, counts: &mut Counts) -> Cow<'t, str> {
        let findings = self.find(text);
        if findings.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for f in findings {
            out.push_str(&text[at..f.range.start]);
            out.push_str("[REDACTED:");
            out.push_str(f.kind.as_str());
            out.push(']');
            at = f.range.end;
            *counts.entry(f.kind.as_str()).or_default() += 1;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }
}

/// ASCII digits in `text`, counted without a branch so the loop vectorises.
fn digits(text: &str) -> usize {
    text.bytes()
        .map(|b| usize::from(b.wrapping_sub(b'0') < 10))
        .sum()
}

/// Adds `from` into `into`.
pub fn add_counts(into: &mut Counts, from: &Counts) {
    for (k, n) in from {
        *into.entry(k).or_default() += n;
    }
}

/// The checks a regex cannot say; returns the range to report, if any.
fn judge(
    check: Check,
    text: &str,
    caps: &regex::Captures<'_>,
    range: Range<usize>,
) -> Option<Range<usize>> {
    let value = &text[range.clone()];
    match check {
        Check::None => Some(range),
        Check::AwsSecret => {
            // A commit hash or a hex digest is not a secret key.
            let hex = value.bytes().all(|b| b.is_ascii_hexdigit());
            let classes = classes(value);
            (!hex && classes.upper && classes.lower && entropy(value) >= 3.5).then_some(range)
        }
        Check::Bearer => (!placeholder(value) && entropy(value) >= 3.0).then_some(range),
        Check::UrlPassword => (!placeholder(value)).then_some(range),
        Check::Email => email_ok(value).then_some(range),
        Check::Generic => {
            let name = caps.get(1).map_or("", |m| m.as_str()).to_ascii_lowercase();
            // Sentence punctuation after a value is not part of it.
            let trimmed = value.trim_end_matches(['.', '!', '?', ':']);
            let range = range.start..range.start + trimmed.len();
            generic_ok(&name, trimmed).then_some(range)
        }
    }
}

#[derive(Default)]
struct Classes {
    lower: bool,
    upper: bool,
    digit: bool,
    other: bool,
}

impl Classes {
    fn count(&self) -> usize {
        [self.lower, self.upper, self.digit, self.other]
            .iter()
            .filter(|&&b| b)
            .count()
    }
}

fn classes(s: &str) -> Classes {
    let mut c = Classes::default();
    for b in s.bytes() {
        match b {
            b'a'..=b'z' => c.lower = true,
            b'A'..=b'Z' => c.upper = true,
            b'0'..=b'9' => c.digit = true,
            _ => c.other = true,
        }
    }
    c
}

/// Shannon entropy in bits per byte.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Values that stand for a secret rather than being one: templates,
/// environment references, masks and the words docs use.
fn placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    v.starts_with(['$', '%', '<', '{', '[', '*'])
        || v.contains("{{")
        || v.contains("${")
        || v.bytes()
            .all(|b| matches!(b, b'*' | b'x' | b'X' | b'.' | b'-' | b'_'))
        || [
            "example",
            "placeholder",
            "changeme",
            "redacted",
            "your",
            "xxxx",
            "dummy",
            "process.env",
            "os.environ",
            "getenv",
            "secrets.",
            "env.",
            "vault:",
            "none",
            "null",
            "password",
            "passwd",
            "secret",
            "<",
        ]
        .iter()
        .any(|p| lower.contains(p))
}

fn generic_ok(name: &str, value: &str) -> bool {
    if placeholder(value) || value.contains("://") || value.starts_with(['/', '~', '.']) {
        return false;
    }
    let c = classes(value);
    let password = ["pass", "pwd"].iter().any(|p| name.contains(p));
    if password {
        // People's passwords: short and low in entropy, but never one plain word.
        value.len() >= 6 && c.count() >= 2 && (c.digit || c.upper || c.other) && c.lower | c.upper
    } else {
        // Tokens and keys: long, random, letters and digits mixed.
        value.len() >= 16
            && entropy(value) >= 3.0
            && c.count() >= 2
            && (c.digit || (c.upper && c.lower))
            && !value.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    }
}

/// Extensions that follow an `@` in file names (`icon@2x.png`), not domains.
const NOT_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "js", "ts", "css", "md", "rs", "py", "json",
    "toml", "yaml", "yml", "lock", "txt", "html", "tsx", "jsx",
];

fn email_ok(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    let tld = domain.rsplit('.').next().unwrap_or("");
    if NOT_TLDS.contains(&tld) {
        return false;
    }
    // Documentation domains (RFC 2606) name nobody.
    let reserved = ["example.com", "example.org", "example.net"]
        .iter()
        .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
        || [".example", ".test", ".invalid", ".localhost"]
            .iter()
            .any(|t| domain.ends_with(t));
    // `git@github.com:org/repo` is an SSH remote, not a person.
    let ssh = local == "git";
    !reserved && !ssh
}

/// One run of digits in a phone-shaped candidate.
#[derive(Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    digits: usize,
    paren: bool,
    /// The separator before it (`0` for none).
    sep: u8,
}

/// Bytes that, right before a digit, make it part of something else (a
/// word, an id, a version, a price, a path, a time).
fn joins_before(b: &[u8], i: usize) -> bool {
    let Some(&p) = i.checked_sub(1).and_then(|j| b.get(j)) else {
        return false;
    };
    p.is_ascii_alphanumeric()
        || matches!(
            p,
            b'_' | b'.' | b'-' | b'/' | b'#' | b'$' | b'@' | b'\\' | b'+' | b'*'
        )
        || (p == b':' && i >= 2 && b[i - 2].is_ascii_digit())
}

/// ... and right after one.
fn joins_after(b: &[u8], i: usize) -> bool {
    let Some(&n) = b.get(i) else { return false };
    let next_digit = b.get(i + 1).is_some_and(u8::is_ascii_digit);
    n.is_ascii_alphanumeric()
        || matches!(n, b'_' | b'@' | b'/' | b'%' | b'\\')
        || (matches!(n, b'.' | b'-' | b':' | b',') && next_digit)
}

/// Phone numbers, found by parsing digit groups and judging their shape.
fn phones(text: &str, out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    let mut i = 0;
    let mut groups: Vec<Group> = Vec::new();
    while i < b.len() {
        let c = b[i];
        if !(c.is_ascii_digit() || c == b'+' || c == b'(') || joins_before(b, i) {
            i += 1;
            continue;
        }
        let (plus, end) = parse_run(b, i, &mut groups);
        match best_phone(b, plus.then_some(i), &groups) {
            Some(range) => {
                i = range.end;
                out.push(Finding {
                    kind: Kind::Phone,
                    range,
                });
            }
            None => i = end.max(i + 1),
        }
    }
}

/// Reads digit groups from `i`: `+`, then groups of digits or `(digits)`
/// with at most one separator (space, `-`, `.`) between them.
fn parse_run(b: &[u8], i: usize, groups: &mut Vec<Group>) -> (bool, usize) {
    groups.clear();
    let mut pos = i;
    let plus = b[pos] == b'+';
    if plus {
        pos += 1;
        if b.get(pos) == Some(&b' ') {
            pos += 1;
        }
    }
    let mut sep = 0u8;
    loop {
        let start = pos;
        let paren = b.get(pos) == Some(&b'(');
        if paren {
            pos += 1;
        }
        let digits_from = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        let digits = pos - digits_from;
        if digits == 0 || (paren && b.get(pos) != Some(&b')')) {
            break;
        }
        if paren {
            pos += 1;
        }
        groups.push(Group {
            start,
            end: pos,
            digits,
            paren,
            sep,
        });
        // One separator, then another group must follow.
        let (s, skip) = match b.get(pos) {
            Some(&s @ (b' ' | b'-' | b'.')) => (s, 1),
            _ => (0, 0),
        };
        let next = b.get(pos + skip);
        let more = next.is_some_and(u8::is_ascii_digit) || next == Some(&b'(');
        if !more || (skip == 0 && !paren && next != Some(&b'(')) {
            break;
        }
        sep = s;
        pos += skip;
        if groups.len() > 12 {
            break;
        }
    }
    let end = groups.last().map_or(i + 1, |g| g.end);
    (plus, end)
}

/// The longest stretch of `groups` (cut only at spaces) that is a phone number.
/// `plus` is where the run's `+` is, if it has one.
fn best_phone(b: &[u8], plus: Option<usize>, groups: &[Group]) -> Option<Range<usize>> {
    let n = groups.len();
    if n == 0 {
        return None;
    }
    let cut_before = |k: usize| k == 0 || groups[k].sep == b' ';
    for len in (1..=n).rev() {
        for from in 0..=n - len {
            let to = from + len;
            if !cut_before(from) || !(to == n || cut_before(to)) {
                continue;
            }
            let g = &groups[from..to];
            let plus_at = plus.filter(|_| from == 0);
            let start = plus_at.unwrap_or(g[0].start);
            let plus = plus_at.is_some();
            let end = g[len - 1].end;
            if (from == 0 && joins_before(b, start)) || joins_after(b, end) {
                continue;
            }
            if phone_shape(b, plus, g) {
                return Some(start..end);
            }
        }
    }
    None
}

fn phone_shape(b: &[u8], plus: bool, g: &[Group]) -> bool {
    let digits: usize = g.iter().map(|x| x.digits).sum();
    let text = |x: &Group| {
        let (s, e) = if x.paren {
            (x.start + 1, x.end - 1)
        } else {
            (x.start, x.end)
        };
        &b[s..e]
    };
    let first = text(&g[0]);
    let intl = plus || (first.starts_with(b"00") && first.len() <= 4 && g.len() > 1);
    let trunk = first.starts_with(b"0") || g.iter().any(|x| x.paren);
    // Every group but the first has two digits or more, except a `(0)` and
    // a one-digit area code after a country code (`+33 1`, `+61 2`).
    if g[1..]
        .iter()
        .enumerate()
        .any(|(k, x)| x.digits < 2 && !(x.paren && text(x) == b"0") && !(intl && k == 0))
    {
        return false;
    }
    if g.len() > 1 && g.iter().any(|x| x.digits > 10) {
        return false;
    }
    if has_date(b, g) {
        return false;
    }
    if intl {
        if g.len() == 1 {
            return (10..=15).contains(&digits);
        }
        return (9..=15).contains(&digits);
    }
    if g.len() == 1 {
        return false; // a bare run of digits is an id, a timestamp, an amount
    }
    let sizes: Vec<usize> = g.iter().map(|x| x.digits).collect();
    let nanp = matches!(sizes.as_slice(), [3, 3, 4])
        || (matches!(sizes.as_slice(), [1, 3, 3, 4]) && first == b"1");
    if trunk {
        return ((9..=12).contains(&digits) && g[0].digits >= 2) || nanp;
    }
    // North American 3-3-4: an area code never starts with 0 or 1.
    let area = if first == b"1" { text(&g[1]) } else { first };
    nanp && area.first().is_some_and(|&d| d >= b'2')
}

/// A `YYYY-MM-DD`, `DD.MM.YYYY` (or with `/`) date among the groups, or an
/// 8-digit `YYYYMMDD`: part of a date or an id made of one.
fn has_date(b: &[u8], g: &[Group]) -> bool {
    // Only groups of up to 8 digits can be (part of) a date.
    let num = |x: &Group| -> u32 {
        if x.digits > 8 {
            return 0;
        }
        b[x.start..x.end]
            .iter()
            .filter(|c| c.is_ascii_digit())
            .fold(0, |n, c| n * 10 + u32::from(c - b'0'))
    };
    let year = |y: u32| (1900..=2099).contains(&y);
    let month = |m: u32| (1..=12).contains(&m);
    let day = |d: u32| (1..=31).contains(&d);
    for w in g.windows(3) {
        let joined = w[1].sep != b' ' && w[2].sep != b' ' && w[1].sep == w[2].sep;
        if !joined {
            continue;
        }
        let (a, m, c) = (num(&w[0]), num(&w[1]), num(&w[2]));
        if (w[0].digits == 4 && year(a) && month(m) && day(c))
            || (w[2].digits == 4 && year(c) && month(m) && day(a))
        {
            return true;
        }
    }
    g.iter().any(|x| {
        let n = num(x);
        x.digits == 8 && year(n / 10_000) && month(n / 100 % 100) && day(n % 100)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, String)> {
        let s = Scanner::builtin();
        s.find(text)
            .into_iter()
            .map(|f| (f.kind, text[f.range].to_string()))
            .collect()
    }

    #[test]
    fn tokens_are_found_by_their_vendor_shape() {
        let cases = [
            ("id AKIAQ3EGRV7XBTPRXK2M here", Kind::AwsAccessKey),
            (
                "aws_secret_access_key = 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",
                Kind::AwsSecretKey,
            ),
            (
                "key=AIzaSyD4kP9vQ2xR7mN1bT6wL3cZ8hJ5fY0gE2s",
                Kind::GcpApiKey,
            ),
            (
                "token ghp_4kP9vQ2xR7mN1bT6wL3cZ8hJ5fY0gE2sA1bC",
                Kind::GithubToken,
            ),
            (
                "xoxb-2841937466-4418273659012-Zq8Rt5Wm2Np7Lk4Jh9Gf3Ds6",
                Kind::SlackToken,
            ),
            (
                "https://hooks.slack.com/services/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",
                Kind::SlackWebhook,
            ),
            ("sk_live_51Hq8Rt5Wm2Np7Lk4Jh9Gf3Ds6", Kind::StripeKey),
            (
                "sk-proj-Zq8Rt5Wm2Np7Lk4Jh9Gf3Ds6Aq1Sw2De3Fr4Gt5Hy6Ju7Ki8Lo9",
                Kind::OpenaiKey,
            ),
            (
                "sk-ant-api03-Zq8Rt5Wm2Np7Lk4Jh9Gf3Ds6Aq1Sw2De3Fr4Gt5Hy6Ju7Ki8Lo9-AA",
                Kind::AnthropicKey,
            ),
            (
                "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",
                Kind::HuggingfaceToken,
            ),
        ];
        for (text, kind) in cases {
            let found = kinds(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(found[0].0, kind, "{text}: {found:?}");
        }
    }

    #[test]
    fn pem_keys_are_redacted_whole() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Zq8Rt5Wm2Np7Lk4Jh9Gf3Ds6Aq1Sw2De3\nFr4Gt5Hy6Ju7Ki8Lo9==\n-----END RSA PRIVATE KEY-----";
        let s = Scanner::builtin();
        let text = format!("key:\n{key}\ndone");
        let (out, counts) = s.redact(&text);
        assert_eq!(out, "key:\n[REDACTED:private_key]\ndone");
        assert_eq!(counts.get("private_key"), Some(&1));
        let escaped = key.replace('\n', "\\n");
        let text = format!("{{\"private_key\": \"{escaped}\\n\"}}");
        let (out, _) = s.redact(&text);
        assert_eq!(out, "{\"private_key\": \"[REDACTED:private_key]\\n\"}");
    }

    #[test]
    fn generic_secrets_need_a_secret_like_value() {
        assert_eq!(kinds("DB_PASSWORD=Tr0ub4dor&3x")[0].0, Kind::GenericSecret);
        assert_eq!(
            kinds("the wifi password is Sunflower!2024.")[0].1,
            "Sunflower!2024"
        );
        assert_eq!(
            kinds(r#""client_secret": "9f8Kq2LmZx7Vb4Nw1Rt6Yp3Hs""#)[0].1,
            "9f8Kq2LmZx7Vb4Nw1Rt6Yp3Hs"
        );
        for clean in [
            "The key point is that tokens expire.",
            "password: required",
            "Jira key: PLAT-1234",
            "token: ${GITHUB_TOKEN}",
            "password = os.environ['DB_PASSWORD']",
            "secret_path: /etc/app/secret.key",
            "Commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 of aws-sdk",
        ] {
            assert!(kinds(clean).is_empty(), "{clean}: {:?}", kinds(clean));
        }
    }

    #[test]
    fn urls_emails_and_phones() {
        assert_eq!(
            kinds("postgres://app:S3cr3t-pw@db.internal:5432/app"),
            [(Kind::UrlPassword, "S3cr3t-pw".to_string())]
        );
        assert_eq!(kinds("mail jane.doe@acme-corp.io now")[0].0, Kind::Email);
        for phone in [
            "+1 (555) 010-0199",
            "+44 20 7946 0958",
            "030 1234567",
            "(415) 555-0132",
            "415-555-0132",
            "+49 30 12345678",
            "+33 1 23 45 67 89",
            "07700 900123",
            "0049 30 1234567",
            "+44 (0) 20 7946 0958",
            "+14155550132",
        ] {
            let found = kinds(&format!("call me at {phone}, thanks"));
            assert_eq!(
                found,
                [(Kind::Phone, phone.to_string())],
                "{phone}: {found:?}"
            );
        }
        for clean in [
            "On 2024-05-01 at 10:30 we shipped v1.12.3 (build 20240501).",
            "The server 192.168.100.200 had 1 234 567 requests, 12,345,678 bytes.",
            "ISBN 978-3-16-148410-0, order #123456789012, ticket 4821-9930-1123.",
            "It cost $1,234.56; timestamp 1716200000; range 2019-2024 2025-2030.",
            "Coordinates 52.5200 13.4050, zip 10115, PR 48213 merged.",
            "image@2x.png and git@github.com:org/repo.git and ops@example.com",
        ] {
            assert!(kinds(clean).is_empty(), "{clean}: {:?}", kinds(clean));
        }
    }

    #[test]
    fn marker_allowlist_and_skipped_kinds() {
        let s = Scanner::with(&Settings {
            allow: vec!["^ops@acme\\.io$".into()],
            skip_kinds: vec![Kind::Phone],
        })
        .unwrap();
        assert!(s.find("write to ops@acme.io").is_empty());
        assert_eq!(s.find("write to jo@acme.io").len(), 1);
        assert!(s.find("call +44 20 7946 0958").is_empty());
        assert!(
            s.find("AKIAQ3EGRV7XBTPRXK2M # revmine:allow test fixture")
                .is_empty()
        );
        assert_eq!(s.find("x\nAKIAQ3EGRV7XBTPRXK2M\n# revmine:allow").len(), 1);
        let (out, _) = s.redact("clean text");
        assert!(matches!(out, Cow::Borrowed(_)));
    }
}
