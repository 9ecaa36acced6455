//! Recall and false positives of the secret scanner on a generated test set.
//!
//! The planted set: realistic notes and chat snippets (env lines, JSON
//! configs, URLs, code blocks, prose), each hiding one or more secrets of
//! every kind the scanner knows, in the shapes people paste them: quoted,
//! after `Bearer `, inside URLs, PEM keys with line breaks or `\n` escapes,
//! phone numbers in a dozen national formats. The clean set: ordinary
//! planning and status notes, dense with what must not be flagged: dates,
//! times, versions, ids, prices, IP addresses, commit hashes, UUIDs, talk of
//! keys, tokens and passwords.
//!
//! A planted secret counts as found when findings cover every byte of it
//! (redaction would remove it whole); a clean note is a false positive when
//! anything at all is found in it.
//!
//! With `REVMINE_SECRETS_OUT=DIR` the test also writes the set there
//! (`planted/*.md`, `clean/*.md`, `manifest.jsonl`) and its own per-secret
//! results (`revmine.jsonl`), for `benches/secrets.sh` to compare with
//! detect-secrets on the very same files.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use revmine::secrets::Scanner;

/// A small seeded generator (xorshift64*), so the set is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
    fn chars(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n).map(|_| a[self.below(a.len())] as char).collect()
    }
    fn digits(&mut self, n: usize) -> String {
        self.chars(DIGITS, n)
    }
}

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const DIGITS: &str = "0123456789";
const B62: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URLSAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &str = "0123456789abcdef";

/// One planted secret: its kind and its exact text in the sample.
struct Planted {
    kind: &'static str,
    secret: String,
}

struct Sample {
    text: String,
    planted: Vec<Planted>,
}

const NAMES: &[&str] = &[
    "Maria", "Jonas", "Priya", "Tom", "Aisha", "Lukas", "Chen", "Sofia", "Daniel", "Emma",
];
const SURNAMES: &[&str] = &[
    "Gonzalez", "Becker", "Sharma", "OBrien", "Khan", "Novak", "Wei", "Rossi", "Meyer", "Larsen",
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "acme-corp.com",
    "fastmail.fm",
    "web.de",
    "startup.io",
    "northwind.co.uk",
    "outlook.com",
    "kontor-nord.de",
    "uni-hamburg.de",
    "bluefin.ai",
];
const INTROS: &[&str] = &[
    "Quick note before I forget:",
    "From the handover doc:",
    "Pasting what Jonas sent in chat:",
    "Setup for the staging box, as of this morning.",
    "Notes from the incident call.",
    "For the migration checklist:",
    "User: my deploy fails, here is my config",
    "Assistant: Thanks, I see the problem in the second line.",
];
const OUTROS: &[&str] = &[
    "Will rotate this after the demo on Friday.",
    "Ping me if it stops working.",
    "Let's move this into the vault next sprint.",
    "TODO: ask ops whether this is still used.",
    "User: does that look right to you?",
    "",
];

fn pem(rng: &mut Rng, label: &str, escaped: bool) -> String {
    let mut body = String::new();
    let lines = 4 + rng.below(10);
    for i in 0..lines {
        let len = if i + 1 == lines {
            8 + rng.below(50)
        } else {
            64
        };
        body.push_str(&rng.chars(B64, len));
        if i + 1 == lines {
            body.push_str(rng.pick(&["", "=", "=="]));
        }
        body.push('\n');
    }
    let text = format!("-----BEGIN {label}-----\n{body}-----END {label}-----");
    if escaped {
        text.replace('\n', "\\n")
    } else {
        text
    }
}

fn email(rng: &mut Rng) -> String {
    let first = rng.pick(NAMES).to_lowercase();
    let last = rng.pick(SURNAMES).to_lowercase();
    let local = match rng.below(5) {
        0 => format!("{first}.{last}"),
        1 => format!("{}{last}", &first[..1]),
        2 => format!("{first}_{last}{}", rng.digits(2)),
        3 => format!("{first}+alerts"),
        _ => first,
    };
    format!("{local}@{}", rng.pick(DOMAINS))
}

fn phone(rng: &mut Rng) -> String {
    let d = |rng: &mut Rng, n| rng.digits(n);
    let area = |rng: &mut Rng| format!("{}{}", 2 + rng.below(8), rng.digits(2));
    match rng.below(16) {
        0 => format!("+1 ({}) {}-{}", area(rng), d(rng, 3), d(rng, 4)),
        1 => format!("({}) {}-{}", area(rng), d(rng, 3), d(rng, 4)),
        2 => format!("{}-{}-{}", area(rng), d(rng, 3), d(rng, 4)),
        3 => format!("{}.{}.{}", area(rng), d(rng, 3), d(rng, 4)),
        4 => format!("+1-{}-{}-{}", area(rng), d(rng, 3), d(rng, 4)),
        5 => format!("+44 20 {} {}", d(rng, 4), d(rng, 4)),
        6 => format!("020 {} {}", d(rng, 4), d(rng, 4)),
        7 => format!("07{} {}", d(rng, 3), d(rng, 6)),
        8 => format!("+44 (0) 20 {} {}", d(rng, 4), d(rng, 4)),
        9 => format!("030 {}", d(rng, 7)),
        10 => format!("+49 30 {}", d(rng, 8)),
        11 => format!("0049 151 {}", d(rng, 8)),
        12 => format!(
            "+33 1 {} {} {} {}",
            d(rng, 2),
            d(rng, 2),
            d(rng, 2),
            d(rng, 2)
        ),
        13 => format!("06.{}.{}.{}.{}", d(rng, 2), d(rng, 2), d(rng, 2), d(rng, 2)),
        14 => format!("+91 9{} {}", d(rng, 4), d(rng, 5)),
        _ => format!("+1{}{}{}", area(rng), d(rng, 3), d(rng, 4)),
    }
}

fn password(rng: &mut Rng) -> String {
    let words = [
        "Sunflower",
        "marigold",
        "Tr0ub4dor",
        "harbor",
        "Kestrel",
        "violet",
    ];
    match rng.below(3) {
        0 => format!(
            "{}{}{}",
            words[rng.below(words.len())],
            rng.pick(&["!", "#", "$", "&", "%"]),
            rng.digits(4)
        ),
        1 => {
            let n = 12 + rng.below(10);
            rng.chars(B62, n)
        }
        _ => format!(
            "{}-{}-{}",
            rng.chars(LOWER, 5),
            rng.digits(3),
            rng.chars(UPPER, 4)
        ),
    }
}

/// One sample of `kind` in one of its realistic settings.
fn planted(rng: &mut Rng, kind: &'static str, i: usize) -> Sample {
    let mut planted = Vec::new();
    let mut plant = |kind: &'static str, secret: String| {
        planted.push(Planted {
            kind,
            secret: secret.clone(),
        });
        secret
    };
    let v = i % 4;
    let body = match kind {
        "private_key" => {
            let label = rng.pick(&[
                "RSA PRIVATE KEY",
                "PRIVATE KEY",
                "EC PRIVATE KEY",
                "OPENSSH PRIVATE KEY",
                "ENCRYPTED PRIVATE KEY",
                "PGP PRIVATE KEY BLOCK",
            ]);
            let key = pem(rng, label, v == 2);
            let key = plant(
                kind,
                if v == 3 {
                    key.replace('\n', "\n> ")
                } else {
                    key
                },
            );
            match v {
                0 => format!("Deploy key for the CI runner:\n\n```\n{key}\n```"),
                1 => {
                    format!("Here is the key I used:\n{key}\nand it still says permission denied.")
                }
                2 => format!("config.json has \"tls_key\": \"{key}\\n\" in it"),
                _ => format!("> {key}\n"),
            }
        }
        "aws_access_key" => {
            let prefix = rng.pick(&["AKIA", "ASIA"]);
            let key = plant(
                kind,
                format!(
                    "{prefix}{}",
                    rng.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
                ),
            );
            match v {
                0 => format!("AWS_ACCESS_KEY_ID={key}"),
                1 => format!("[default]\naws_access_key_id = {key}\nregion = eu-central-1"),
                2 => format!(
                    "{{\"AccessKeyId\": \"{key}\", \"Expiration\": \"2024-05-01T10:30:00Z\"}}"
                ),
                _ => format!("the access key is {key} (the old one, from the ops account)"),
            }
        }
        "aws_secret_key" => {
            let key = plant(kind, rng.chars(B64, 40));
            match v {
                0 => format!("AWS_SECRET_ACCESS_KEY=\"{key}\""),
                1 => format!("[default]\naws_secret_access_key = {key}"),
                2 => format!("{{\"SecretAccessKey\": \"{key}\", \"SessionToken\": null}}"),
                _ => format!("AWS creds for the bucket: secret {key}"),
            }
        }
        "gcp_service_account" => {
            let id = plant(kind, rng.chars(HEX, 40));
            let key = plant("private_key", pem(rng, "PRIVATE KEY", true));
            let project = format!(
                "{}-{}",
                rng.pick(&["billing", "etl", "search"]),
                rng.digits(6)
            );
            format!(
                "```json\n{{\n  \"type\": \"service_account\",\n  \"project_id\": \"{project}\",\n  \"private_key_id\": \"{id}\",\n  \"private_key\": \"{key}\\n\",\n  \"client_email\": \"etl@{project}.iam.gserviceaccount.com\"\n}}\n```"
            )
        }
        "gcp_api_key" => {
            let key = plant(kind, format!("AIza{}", rng.chars(URLSAFE, 35)));
            match v {
                0 => format!("MAPS_API_KEY={key}"),
                1 => format!(
                    "https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key={key}"
                ),
                2 => format!("{{\"apiKey\": \"{key}\", \"authDomain\": \"demo.firebaseapp.com\"}}"),
                _ => format!("use {key} for the geocoder until billing is sorted"),
            }
        }
        "github_token" => {
            let key = plant(
                kind,
                match rng.below(3) {
                    0 => format!("ghp_{}", rng.chars(B62, 36)),
                    1 => format!("gho_{}", rng.chars(B62, 36)),
                    _ => format!("github_pat_{}_{}", rng.chars(B62, 22), rng.chars(B62, 59)),
                },
            );
            match v {
                0 => format!("export GITHUB_TOKEN={key}"),
                1 => format!("git clone https://{key}@github.com/acme/infra.git"),
                2 => format!("curl -H \"Authorization: token {key}\" https://api.github.com/user"),
                _ => format!("my PAT is {key}, scoped to repo only"),
            }
        }
        "slack_token" => {
            let key = plant(
                kind,
                format!(
                    "{}-{}-{}-{}",
                    rng.pick(&["xoxb", "xoxp"]),
                    rng.digits(11),
                    rng.digits(12),
                    rng.chars(B62, 24)
                ),
            );
            match v {
                0 => format!("SLACK_BOT_TOKEN={key}"),
                1 => format!("{{\"token\": \"{key}\", \"channel\": \"#deploys\"}}"),
                2 => format!("the bot token ({key}) lives in the old wiki"),
                _ => format!("Authorization: Bearer {key}"),
            }
        }
        "slack_webhook" => {
            let key = plant(
                kind,
                format!(
                    "https://hooks.slack.com/services/T{}/B{}/{}",
                    rng.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8),
                    rng.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10),
                    rng.chars(B62, 24)
                ),
            );
            match v {
                0 => format!("SLACK_WEBHOOK_URL={key}"),
                1 => format!("alerts go to {key} (the #oncall channel)"),
                2 => format!("{{\"webhook\": \"{key}\"}}"),
                _ => format!("curl -X POST -d '{{\"text\":\"hi\"}}' {key}"),
            }
        }
        "stripe_key" => {
            let n = 24 + rng.below(76);
            let key = plant(
                kind,
                format!(
                    "{}_{}",
                    rng.pick(&["sk_live", "rk_live", "sk_test"]),
                    rng.chars(B62, n)
                ),
            );
            match v {
                0 => format!("STRIPE_SECRET_KEY={key}"),
                1 => format!("stripe.api_key = \"{key}\""),
                2 => format!("curl https://api.stripe.com/v1/charges -u {key}:"),
                _ => format!("live key for the shop: {key}"),
            }
        }
        "openai_key" => {
            let key = plant(
                kind,
                match rng.below(3) {
                    0 => format!("sk-{}T3BlbkFJ{}", rng.chars(B62, 20), rng.chars(B62, 20)),
                    1 => format!(
                        "sk-proj-{}T3BlbkFJ{}",
                        rng.chars(URLSAFE, 74),
                        rng.chars(URLSAFE, 74)
                    ),
                    _ => format!("sk-svcacct-{}", rng.chars(URLSAFE, 120)),
                },
            );
            match v {
                0 => format!("OPENAI_API_KEY={key}"),
                1 => format!("client = OpenAI(api_key=\"{key}\")"),
                2 => format!(
                    "curl https://api.openai.com/v1/models -H \"Authorization: Bearer {key}\""
                ),
                _ => format!("I put {key} in the notebook, sorry"),
            }
        }
        "anthropic_key" => {
            let key = plant(kind, format!("sk-ant-api03-{}AA", rng.chars(URLSAFE, 93)));
            match v {
                0 => format!("ANTHROPIC_API_KEY={key}"),
                1 => format!("x-api-key: {key}"),
                2 => format!("{{\"anthropic\": {{\"apiKey\": \"{key}\"}}}}"),
                _ => format!("the key {key} is the team one"),
            }
        }
        "huggingface_token" => {
            let key = plant(
                kind,
                format!(
                    "hf_{}",
                    rng.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 34)
                ),
            );
            match v {
                0 => format!("HF_TOKEN={key}"),
                1 => format!("huggingface-cli login --token {key}"),
                2 => format!("login(token=\"{key}\")"),
                _ => format!("read token for the gated model: {key}"),
            }
        }
        "generic_secret" => {
            let (line, secret) = match i % 10 {
                0 => {
                    let p = password(rng);
                    (format!("DB_PASSWORD={p}"), p)
                }
                1 => {
                    let p = password(rng);
                    (format!("the wifi password is {p}"), p)
                }
                2 => {
                    let t = rng.chars(B62, 32);
                    (format!("\"client_secret\": \"{t}\""), t)
                }
                3 => {
                    let t = rng.chars(URLSAFE, 40);
                    (format!("Authorization: Bearer {t}"), t)
                }
                4 => {
                    let t = format!(
                        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{}.{}",
                        rng.chars(URLSAFE, 40),
                        rng.chars(URLSAFE, 43)
                    );
                    (format!("session cookie: {t}"), t)
                }
                5 => {
                    let t = rng.chars(HEX, 64);
                    (format!("SECRET_KEY_BASE = \"{t}\""), t)
                }
                6 => {
                    let t = rng.chars(B62, 24);
                    (format!("sentry_auth_token: {t}"), t)
                }
                7 => {
                    let p = password(rng);
                    (format!("admin password for Grafana: {p}"), p)
                }
                8 => {
                    let t = rng.chars(B62, 20);
                    (format!("api_key = '{t}'"), t)
                }
                _ => {
                    let t = rng.chars(B62, 28);
                    (format!("{{\"auth_token\": \"{t}\", \"retries\": 3}}"), t)
                }
            };
            plant(kind, secret);
            line
        }
        "url_password" => {
            let pw = password(rng);
            let (user, host) = match v {
                0 => ("app", "db.internal:5432/orders"),
                1 => ("", "cache.internal:6379/0"),
                2 => ("etl_user", "cluster0.x7k2p.mongodb.net/prod"),
                _ => ("deploy", "git.acme-corp.com/infra.git"),
            };
            let scheme = ["postgres", "redis", "mongodb+srv", "https"][v];
            let url = format!("{scheme}://{user}:{pw}@{host}");
            plant(kind, pw);
            match rng.below(3) {
                0 => format!("DATABASE_URL={url}"),
                1 => format!("connect with `{url}`"),
                _ => format!("{{\"url\": \"{url}\"}}"),
            }
        }
        "email" => {
            let e = plant(kind, email(rng));
            let name = rng.pick(NAMES);
            match v {
                0 => format!("Send the contract to {e} by Friday."),
                1 => format!("Reviewer: {name} <{e}>"),
                2 => format!("[mail her](mailto:{e}) about the venue"),
                _ => format!("{{\"owner\": \"{e}\", \"team\": \"growth\"}}"),
            }
        }
        "phone" => {
            let p = plant(kind, phone(rng));
            let name = rng.pick(NAMES);
            match v {
                0 => format!("Call {name} on {p} if the build breaks."),
                1 => format!("Phone: {p}"),
                2 => format!("- {name}: {p} (mobile, after 6pm)"),
                _ => format!("User: my number is {p}, can you call me back?"),
            }
        }
        _ => unreachable!("unknown kind {kind}"),
    };
    let intro = rng.pick(INTROS);
    let outro = rng.pick(OUTROS);
    Sample {
        text: format!("{intro}\n\n{body}\n\n{outro}\n"),
        planted,
    }
}

const KINDS: &[&str] = &[
    "private_key",
    "aws_access_key",
    "aws_secret_key",
    "gcp_service_account",
    "gcp_api_key",
    "github_token",
    "slack_token",
    "slack_webhook",
    "stripe_key",
    "openai_key",
    "anthropic_key",
    "huggingface_token",
    "generic_secret",
    "url_password",
    "email",
    "phone",
];

/// Ordinary notes: plans, status, meeting notes, dense with numbers that
/// are not secrets and with talk about keys, tokens and passwords.
fn clean(rng: &mut Rng) -> String {
    let months = ["January", "March", "May", "July", "September", "November"];
    let mut s = String::new();
    let title = rng.pick(&[
        "Weekly status",
        "Launch plan",
        "Retro notes",
        "Migration to Postgres 16",
        "Offsite planning",
        "Q3 goals",
        "Incident review",
        "Reading list",
    ]);
    let _ = writeln!(s, "# {title}\n");
    let lines = 6 + rng.below(10);
    for _ in 0..lines {
        let y = 2019 + rng.below(7);
        let (mo, da) = (1 + rng.below(12), 1 + rng.below(28));
        let hh = rng.below(24);
        let mm = rng.below(60);
        let name = rng.pick(NAMES);
        let line = match rng.below(34) {
            0 => format!(
                "- Shipped v{}.{}.{} on {y}-{mo:02}-{da:02} at {hh:02}:{mm:02}.",
                rng.below(5),
                rng.below(30),
                rng.below(20)
            ),
            1 => format!("- Deadline moved to {da:02}.{mo:02}.{y}, review at {hh}:{mm:02}."),
            2 => format!(
                "- {name} merged PR #{} (commit {}).",
                1000 + rng.below(9000),
                rng.chars(HEX, 7)
            ),
            3 => format!("- Full hash {} is the release commit.", rng.chars(HEX, 40)),
            4 => format!(
                "- Budget: ${},{:03}.{:02} for Q{}.",
                1 + rng.below(90),
                rng.below(1000),
                rng.below(100),
                1 + rng.below(4)
            ),
            5 => format!(
                "- Ticket PLAT-{} and INV-{y}-{:05} are still open.",
                100 + rng.below(9000),
                rng.below(99999)
            ),
            6 => format!(
                "- The staging server 10.{}.{}.{} answers on port {}.",
                rng.below(255),
                rng.below(255),
                rng.below(255),
                1024 + rng.below(60000)
            ),
            7 => format!(
                "- {} rows migrated, {} failed ({}.{}%).",
                rng.below(9_000_000),
                rng.below(999),
                rng.below(10),
                rng.below(10)
            ),
            8 => "- Rotate the API key next week; the token expires after 30 days.".to_string(),
            9 => "- Password policy: at least 12 characters, no reuse of the last 5.".to_string(),
            10 => format!(
                "- Order {}-{}-{} arrived, invoice {}.",
                rng.digits(3),
                rng.digits(7),
                rng.digits(7),
                rng.digits(10)
            ),
            11 => format!(
                "- Meeting on {} {da}, {y} in room {}.{:02}.",
                months[rng.below(months.len())],
                rng.below(6),
                rng.below(40)
            ),
            12 => format!(
                "- Build {y}{mo:02}{da:02}.{} passed on Python 3.{}.{} and node {}.{}.{}.",
                rng.below(9),
                8 + rng.below(5),
                rng.below(12),
                16 + rng.below(6),
                rng.below(20),
                rng.below(10)
            ),
            13 => format!(
                "- Request id {}-{}-4{}-{}-{}",
                rng.chars(HEX, 8),
                rng.chars(HEX, 4),
                rng.chars(HEX, 3),
                rng.chars(HEX, 4),
                rng.chars(HEX, 12)
            ),
            14 => format!(
                "- Key results: NPS {} → {}, churn {}.{}%.",
                20 + rng.below(30),
                30 + rng.below(40),
                rng.below(5),
                rng.below(10)
            ),
            15 => format!(
                "- Timestamp {} in the logs matches the outage window.",
                1_600_000_000 + rng.below(200_000_000)
            ),
            16 => format!(
                "- Range {}-{} covers the old pricing; {}–{} the new one.",
                y - 4,
                y - 1,
                y,
                y + 2
            ),
            17 => format!(
                "- Flight LH {} leaves {hh:02}:{mm:02}, back on {mo}/{da}/{y}.",
                100 + rng.below(900)
            ),
            18 => format!(
                "- See https://github.com/acme/infra/pull/{} and https://docs.rs/regex/1.{}.{}.",
                rng.below(5000),
                rng.below(12),
                rng.below(9)
            ),
            19 => "- Secret Santa: names are drawn on Friday.".to_string(),
            20 => format!(
                "- ISBN 978-{}-{}-{}-{} for the book club.",
                rng.below(9),
                rng.digits(3),
                rng.digits(5),
                rng.below(9)
            ),
            21 => format!(
                "- {} attendees, {} {:03} {:03} impressions, €{},{:02}.",
                20 + rng.below(300),
                1 + rng.below(9),
                rng.below(1000),
                rng.below(1000),
                rng.below(500),
                rng.below(100)
            ),
            22 => "- auth: required; token budget: 4096; secret: none.".to_string(),
            23 => format!(
                "- Coordinates {}.{:04} {}.{:04} for the venue.",
                40 + rng.below(20),
                rng.below(10000),
                rng.below(20),
                rng.below(10000)
            ),
            24 => format!(
                "- Tracking 1Z{}{}",
                rng.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 6),
                rng.digits(10)
            ),
            25 => format!("- The key question for {name}: do we cut scope or move the date?"),
            26 => format!("- sha256 {}", rng.chars(HEX, 64)),
            27 => format!(
                "- Dependency bump: serde 1.0.{}, tokio 1.{}.{}, rustc 1.{}.0.",
                150 + rng.below(60),
                20 + rng.below(20),
                rng.below(5),
                70 + rng.below(20)
            ),
            28 => format!(
                "- {name} asked whether we should pass the token through the proxy or keep it server-side."
            ),
            29 => format!(
                "- Sprint {} ends {y}-{mo:02}-{da:02}; {} story points left.",
                rng.below(60),
                rng.below(80)
            ),
            30 => "- Docs: write to ops@example.com, icon@2x.png, git@github.com:acme/app.git"
                .to_string(),
            31 => format!(
                "- Version matrix: 10.{}.{} / 11.{}.{} / 12.{}.{}",
                rng.below(20),
                rng.below(9),
                rng.below(20),
                rng.below(9),
                rng.below(20),
                rng.below(9)
            ),
            32 => format!(
                "- Call at {hh:02}:{mm:02}–{:02}:{mm:02} with {name}, agenda in the doc.",
                (hh + 1) % 24
            ),
            _ => format!(
                "- {name} will take the password reset flow; estimate {} days.",
                1 + rng.below(9)
            ),
        };
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// Paragraphs of real prose (Markdown outside code blocks, 200 characters
/// or more) from the `.md` files under `dir`, at most 3000, in name order:
/// a check on text nobody wrote for this test.
fn prose_paragraphs(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("REVMINE_SECRETS_PROSE is a directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let mut in_code = false;
        let mut para = String::new();
        for line in text.lines().chain(std::iter::once("")) {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                para.clear();
                continue;
            }
            if in_code {
                continue;
            }
            if line.trim().is_empty() {
                if para.len() >= 200 && out.len() < 3000 {
                    out.push(std::mem::take(&mut para));
                }
                para.clear();
            } else {
                para.push_str(line);
                para.push('\n');
            }
        }
    }
    out
}

struct Tally {
    found: u64,
    total: u64,
}

#[test]
fn secret_scanner_recall_and_false_positives() {
    let scanner = Scanner::builtin();
    let mut rng = Rng(0x5EC2_E75E_ED00_0007);
    let out_dir = std::env::var_os("REVMINE_SECRETS_OUT").map(std::path::PathBuf::from);
    if let Some(dir) = &out_dir {
        for sub in ["planted", "clean"] {
            std::fs::create_dir_all(dir.join(sub)).expect("create output dir");
        }
    }
    let mut manifest = String::new();
    let mut results = String::new();
    let mut per_kind: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    // Samples per kind: more of the kinds with the most shapes.
    let per = |kind: &str| match kind {
        "phone" => 48,
        "email" | "generic_secret" => 30,
        "url_password" => 20,
        _ => 16,
    };
    let mut n = 0;
    for &kind in KINDS {
        for i in 0..per(kind) {
            let sample = planted(&mut rng, kind, i);
            let findings = scanner.find(&sample.text);
            let name = format!("planted/{n:04}-{kind}.md");
            n += 1;
            for p in &sample.planted {
                let at = sample
                    .text
                    .find(&p.secret)
                    .expect("planted text is in the sample");
                let span = at..at + p.secret.len();
                // Found means redacted whole: every byte lies in a finding.
                let hit = span
                    .clone()
                    .all(|b| findings.iter().any(|f| f.range.contains(&b)));
                let t = per_kind
                    .entry(p.kind)
                    .or_insert(Tally { found: 0, total: 0 });
                t.total += 1;
                t.found += u64::from(hit);
                if !hit {
                    misses.push(format!("{name}: {} `{}`", p.kind, p.secret));
                }
                let line = |byte: usize| sample.text[..byte].matches('\n').count() + 1;
                let _ = writeln!(
                    manifest,
                    "{}",
                    serde_json::json!({"file": name, "kind": p.kind, "secret": p.secret,
                        "first_line": line(span.start), "last_line": line(span.end)})
                );
                let _ = writeln!(
                    results,
                    "{}",
                    serde_json::json!({"file": name, "kind": p.kind, "found": hit})
                );
            }
            if let Some(dir) = &out_dir {
                std::fs::write(dir.join(&name), &sample.text).expect("write sample");
            }
        }
    }
    let clean_notes = 1000;
    let mut flagged = Vec::new();
    for i in 0..clean_notes {
        let text = clean(&mut rng);
        let findings = scanner.find(&text);
        if let Some(f) = findings.first() {
            flagged.push(format!(
                "clean {i}: {} `{}`",
                f.kind,
                &text[f.range.clone()]
            ));
        }
        if let Some(dir) = &out_dir {
            std::fs::write(dir.join(format!("clean/{i:04}.md")), &text).expect("write note");
        }
        let _ = writeln!(
            results,
            "{}",
            serde_json::json!({"file": format!("clean/{i:04}.md"), "clean": true, "found": !findings.is_empty()})
        );
    }
    let prose = std::env::var_os("REVMINE_SECRETS_PROSE")
        .filter(|d| !d.is_empty())
        .map(|d| prose_paragraphs(d.as_ref()));
    if let Some(paragraphs) = &prose {
        if let Some(dir) = &out_dir {
            std::fs::create_dir_all(dir.join("prose")).expect("create prose dir");
        }
        let mut hits = Vec::new();
        for (i, p) in paragraphs.iter().enumerate() {
            let findings = scanner.find(p);
            if let Some(f) = findings.first() {
                hits.push(format!("  prose {i}: {} `{}`", f.kind, &p[f.range.clone()]));
            }
            if let Some(dir) = &out_dir {
                std::fs::write(dir.join(format!("prose/{i:04}.md")), p).expect("write paragraph");
            }
            let _ = writeln!(
                results,
                "{}",
                serde_json::json!({"file": format!("prose/{i:04}.md"), "prose": true, "found": !findings.is_empty()})
            );
        }
        println!(
            "real prose: {} of {} paragraphs flagged ({:.4})",
            hits.len(),
            paragraphs.len(),
            hits.len() as f64 / paragraphs.len().max(1) as f64
        );
        for h in hits.iter().take(20) {
            println!("{h}");
        }
    }
    if let Some(dir) = &out_dir {
        std::fs::write(dir.join("manifest.jsonl"), &manifest).expect("write manifest");
        std::fs::write(dir.join("revmine.jsonl"), &results).expect("write results");
    }
    let found: u64 = per_kind.values().map(|t| t.found).sum();
    let total: u64 = per_kind.values().map(|t| t.total).sum();
    let recall = found as f64 / total as f64;
    let fp = flagged.len() as f64 / clean_notes as f64;
    println!(
        "secret scanner on {total} planted secrets in {n} samples, {clean_notes} clean notes:"
    );
    for (kind, t) in &per_kind {
        println!(
            "  {kind:<20} {:>3}/{:<3} {:.3}",
            t.found,
            t.total,
            t.found as f64 / t.total as f64
        );
    }
    println!(
        "  recall {recall:.4} ({found}/{total}), false positives {fp:.4} ({}/{clean_notes})",
        flagged.len()
    );
    assert_eq!(per_kind.len(), KINDS.len(), "every kind is planted");
    assert!(total >= 200);
    assert!(
        recall >= 0.99,
        "recall {recall:.4}; missed:\n{}",
        misses.join("\n")
    );
    assert!(
        fp <= 0.01,
        "false positives {fp:.4}:\n{}",
        flagged.join("\n")
    );
}

mod commands {
    use crate::util::{Dir, Repo, run};

    const TOKEN: &str = "ghp_4kP9vQ2xR7mN1bT6wL3cZ8hJ5fY0gE2sA1bC";

    #[test]
    fn mine_redacts_before_judging_and_counts() {
        let mut r = Repo::new();
        let doc = |body: &str, key: &str| {
            format!(
                "# Replies\n\n## Who do I send the plan to?\n{body}\n\n## Which token?\nUse {key} for the deploy bot until Friday.\n"
            )
        };
        r.commit(
            "draft",
            &[("a.md", &doc("Send it to jane.doe@acme-corp.io.", TOKEN))],
        );
        // The answer is rewritten; the token section only rotates its key,
        // which redacted is no edit at all.
        let rotated = TOKEN.replace("4kP9", "9Zq1");
        r.commit(
            "rewrite",
            &[(
                "a.md",
                &doc(
                    "Send it to jane.doe@acme-corp.io and copy the finance lead, today.",
                    &rotated,
                ),
            )],
        );
        let (pairs, err) = r.mine(&[]);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        let text = pairs[0].to_string();
        assert!(!text.contains("jane.doe"), "{text}");
        assert_eq!(
            pairs[0]["chosen"],
            "Send it to [REDACTED:email] and copy the finance lead, today."
        );
        assert!(err.contains("redacted: email 2"), "{err}");
        let (code, out, _) = run(r.revmine().args(["check", "pairs.jsonl"]));
        assert_eq!(code, 0, "{out}");
    }

    #[test]
    fn notes_and_ingest_redact_and_report_in_json() {
        let d = Dir::new();
        d.write(
            "notes/ops.md",
            "# Ops\n\n## Contacts\n\nOn call: +44 20 7946 0958, or page the bot.\n",
        );
        let (code, out, err) =
            run(d
                .revmine()
                .args(["notes", "notes", "-o", "chat.jsonl", "--json"]));
        assert_eq!(code, 0, "{err}");
        let report: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
        assert_eq!(report["summary"]["redacted"]["phone"], 1, "{report}");
        assert!(
            d.read("chat.jsonl")
                .contains("On call: [REDACTED:phone], or page")
        );

        d.write(
            "t.txt",
            format!("User: my token is {TOKEN}, why is it rejected?\nAssistant: Revoke it now and make a new one.\n"),
        );
        let (code, out, err) = run(d
            .revmine()
            .args(["ingest", "t.txt", "-o", "t.jsonl", "--json"]));
        assert_eq!(code, 0, "{err}");
        let report: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
        assert_eq!(
            report["files"][0]["redacted"]["github_token"], 1,
            "{report}"
        );
        assert!(!d.read("t.jsonl").contains(TOKEN));
        let (code, out, _) = run(d.revmine().args(["check", "t.jsonl", "chat.jsonl"]));
        assert_eq!(code, 0, "{out}");
    }

    #[test]
    fn check_fails_on_secrets_unless_allowed_and_never_prints_them() {
        let d = Dir::new();
        d.write("off.toml", "[secrets]\nredact = false\n");
        d.write(
            "t.txt",
            format!("User: my token is {TOKEN}, why is it rejected?\nAssistant: Revoke it now.\n"),
        );
        let (code, _, err) = run(d
            .revmine()
            .args(["--config", "off.toml", "ingest", "t.txt", "-o", "t.jsonl"]));
        assert_eq!(code, 0, "{err}");
        assert!(d.read("t.jsonl").contains(TOKEN), "redaction is off");
        let (code, out, _) = run(d.revmine().args(["check", "t.jsonl"]));
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("secrets"), "{out}");
        assert!(out.contains("t.jsonl:1 (tr_"), "{out}");
        assert!(out.contains("input github_token ghp_… (40 chars)"), "{out}");
        assert!(!out.contains(TOKEN), "{out}");
        d.write("allow.toml", "[secrets]\nallow = ['^ghp_4kP9']\n");
        let (code, out, _) = run(d
            .revmine()
            .args(["--config", "allow.toml", "check", "t.jsonl"]));
        assert_eq!(code, 0, "{out}");
    }
}
