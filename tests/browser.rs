//! The `sample --html` page in a real browser (headless Chromium): what it
//! shows, measured from the rendered page rather than read from the source.
//!
//! A probe script is added to a copy of the page; it runs after layout and
//! writes what the browser computed (boxes, styles, hit tests, resource
//! loads) into the DOM, which `--dump-dom` prints. So the checks see the page
//! as laid out and painted: a bubble that is not on screen, a diff mark
//! without its style, a bar of zero size, or markup injected by a record
//! would all show in the facts.
//!
//! Needs Chromium: found on `PATH` (or named by `REVMINE_CHROMIUM`), else
//! installed by the test itself from Debian's packages when it may
//! (root, or password-less sudo), as the `pre-commit` and `datasets` tests
//! install theirs from PyPI, so a bare `cargo test` passes on a fresh
//! machine. `REVMINE_SKIP_BROWSER=1` skips it where none can be installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{Dir, run};

/// Measures the page; runs last in the body, after the page's own layout.
const PROBE: &str = r#"<script>
(function () {
  const facts = {};
  // In page coordinates, so scrolling (for the hit tests) does not move them.
  const rect = (e) => {
    const r = e.getBoundingClientRect(), x = window.scrollX, y = window.scrollY;
    return {l: r.left + x, r: r.right + x, t: r.top + y, b: r.bottom + y, w: r.width, h: r.height};
  };
  // The element painted at an element's centre is it (or inside it): it is on screen, not hidden or covered.
  const hit = (e) => {
    e.scrollIntoView({block: 'center'});
    const r = e.getBoundingClientRect();
    const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !!at && (at === e || e.contains(at));
  };
  const bg = (e) => getComputedStyle(e).backgroundColor;
  facts.resources = performance.getEntriesByType('resource').length;
  facts.scripts = document.scripts.length;
  facts.injectedBold = [...document.querySelectorAll('b')].filter(b => b.textContent === 'x').length;

  const chat = [...document.querySelectorAll('article.record')].find(a => a.querySelector('.rid').textContent === 'c_hostile');
  const conv = chat.querySelector('.conv');
  const box = rect(conv);
  facts.bubbles = [...conv.querySelectorAll('.bubble')].map(e => ({
    who: e.classList.contains('user') ? 'user' : 'assistant',
    output: e.classList.contains('output'),
    // `<\/` so this very script is not ended by the text it looks for.
    hostileShown: e.innerText.includes('<\/script><b>x'),
    atLeft: Math.abs(rect(e).l - box.l) < 2,
    atRight: Math.abs(rect(e).r - box.r) < 2,
    top: rect(e).t, w: rect(e).w, h: rect(e).h,
    bg: bg(e),
    painted: hit(e),
  }));

  const pref = [...document.querySelectorAll('article.record')].find(a => a.querySelector('.rid').textContent === 'p_diff');
  const rej = pref.querySelector('.side.rejected'), cho = pref.querySelector('.side.chosen');
  const dels = [...pref.querySelectorAll('del')], inss = [...pref.querySelectorAll('ins')];
  facts.diff = {
    sideBySide: Math.abs(rect(rej).t - rect(cho).t) < 2 && rect(rej).r <= rect(cho).l && rect(rej).w > 100 && rect(cho).w > 100,
    delsInRejected: dels.length > 0 && dels.every(d => rej.contains(d)),
    insInChosen: inss.length > 0 && inss.every(i => cho.contains(i)),
    deleted: dels.map(d => d.textContent),
    inserted: inss.map(i => i.textContent),
    delStruck: dels.every(d => getComputedStyle(d).textDecorationLine.includes('line-through')),
    insNotStruck: inss.every(i => !getComputedStyle(i).textDecorationLine.includes('line-through')),
    delBg: bg(dels[0]), insBg: bg(inss[0]), sideBg: bg(rej),
    painted: hit(dels[0]) && hit(inss[0]),
  };

  const bars = (id) => [...document.querySelectorAll('#' + id + ' rect.bar')].map(r => ({
    label: r.dataset.label, count: Number(r.dataset.count), w: rect(r).w, h: rect(r).h,
    painted: Number(r.dataset.count) === 0 || hit(r),
  }));
  facts.types = bars('chart-types');
  facts.lengths = bars('chart-lengths');
  facts.chartText = [...document.querySelectorAll('svg text')].every(t => t.getComputedTextLength() > 0);
  const out = document.createElement('pre');
  out.id = 'revmine-facts';
  out.textContent = JSON.stringify(facts);
  document.body.appendChild(out);
})();
</script>"#;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("REVMINE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| on_path.iter().map(move |dir| dir.join(name)))
        .chain([PathBuf::from("/usr/bin/chromium")])
        .find(|p| p.is_file())
}

/// Loads `page` headless and returns the DOM after its scripts ran.
fn dump_dom(browser: &Path, page: &Path, profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().expect("wait for chromium").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{} did not finish within 90 s", browser.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("chromium output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && !stdout.is_empty(),
        "chromium failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn facts_of(dom: &str) -> Value {
    let start = dom
        .find("<pre id=\"revmine-facts\">")
        .unwrap_or_else(|| panic!("the probe wrote no facts (did the page load?):\n{dom}"));
    let rest = &dom[start + "<pre id=\"revmine-facts\">".len()..];
    let text = &rest[..rest.find("</pre>").expect("end of facts")];
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("facts are not JSON ({e}): {text}"))
}

/// `apt-get install chromium`, as root or through password-less sudo; says
/// what it tried when it cannot.
fn install_chromium() -> Result<(), String> {
    eprintln!("browser test: chromium not found; installing it with apt-get");
    crate::util::apt_install("chromium")
}

#[test]
fn the_html_page_renders_conversations_diffs_and_charts_and_data_stays_text() {
    let skip = std::env::var("REVMINE_SKIP_BROWSER").as_deref() == Ok("1");
    let mut tried = String::new();
    if chromium().is_none()
        && !skip
        && let Err(e) = install_chromium()
    {
        tried = format!(" (installing it failed: {e})");
    }
    let Some(browser) = chromium() else {
        if std::env::var("REVMINE_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("browser test skipped: no chromium and REVMINE_SKIP_BROWSER=1");
            return;
        }
        panic!(
            "no chromium found (looked for REVMINE_CHROMIUM, chromium on PATH, /usr/bin/chromium){tried}: \
             install it (`apt-get install -y chromium`) or set REVMINE_SKIP_BROWSER=1 to skip this test"
        );
    };
    let d = Dir::new();
    let records = [
        json!({"id":"c_hostile","record_type":"chat","source":"real",
            "input":"User: I missed the deadline </script><b>x\nAssistant: Let's reset with essentials.\nUser: I only have 2 hours, what first?",
            "output":"Ship the smallest slice first </script><b>x then send a new ETA.",
            "meta":{"origin":"transcript","file":"chats/a.txt"}}),
        json!({"id":"c2","record_type":"chat","source":"real","input":"User: hi","output":"Hello! What are we working on?"}),
        json!({"id":"c3","record_type":"chat","source":"synthetic","input":"User: plan?","output":"First the outline, then the draft."}),
        json!({"id":"p_diff","record_type":"preference","source":"real","prompt":"How do I start?",
            "rejected":"You could start small today.","chosen":"You should start with one small task today.",
            "meta":{"repo":"notes","path":"a.md","commits":["abc123","def456"]}}),
        json!({"id":"p2","record_type":"preference","source":"real","prompt":"Status?","rejected":"Fine.","chosen":"On track: the draft is done, review is Friday."}),
        json!({"id":"q1","record_type":"qa","input":"What is a gate?","output":"A check a dataset must pass."}),
        json!({"id":"k1","record_type":"knowledge","input":"k","output":"x".repeat(700)}),
        json!({"id":"m1","record_type":"memory","input":"m","output":"y".repeat(2500)}),
        json!({"id":"t1","record_type":"trajectory","input":"t","output":"z".repeat(120)}),
    ];
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    d.write("data.jsonl", &text);
    let (code, _, err) = run(d.revmine().args([
        "sample",
        "data.jsonl",
        "-n",
        "100",
        "-o",
        "review.md",
        "--html",
        "review.html",
    ]));
    assert_eq!(code, 0, "{err}");
    let page = d.read("review.html");
    assert!(!page.contains("<script"), "the page itself runs no script");
    for url in ["http:", "https:", "src=", "@import", "url("] {
        let outside_svg_ns = page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!outside_svg_ns.contains(url), "the page references {url}");
    }
    let probe = page.replace("</body>", &format!("{PROBE}</body>"));
    assert_ne!(probe, page, "probe inserted");
    let probe_path = d.write("probe.html", probe);
    let profile = tempfile::tempdir().expect("profile dir");
    let facts = facts_of(&dump_dom(&browser, &probe_path, profile.path()));

    // self-contained, and no record added markup or script
    assert_eq!(facts["resources"], 0, "the page loaded nothing: {facts}");
    assert_eq!(facts["scripts"], 1, "only the probe runs: {facts}");
    assert_eq!(
        facts["injectedBold"], 0,
        "`<b>x` in data is text, not bold: {facts}"
    );

    // the chat record is a conversation: user turns at the left, assistant turns at the right, in order
    let bubbles = facts["bubbles"].as_array().expect("bubbles");
    let who: Vec<(&str, bool)> = bubbles
        .iter()
        .map(|b| (b["who"].as_str().unwrap_or(""), b["output"] == true))
        .collect();
    assert_eq!(
        who,
        [
            ("user", false),
            ("assistant", false),
            ("user", false),
            ("assistant", true)
        ],
        "{facts}"
    );
    for b in bubbles {
        assert_eq!(b["painted"], true, "bubble on screen: {b}");
        assert!(
            b["w"].as_f64() > Some(20.0) && b["h"].as_f64() > Some(10.0),
            "{b}"
        );
        let side = if b["who"] == "user" {
            "atLeft"
        } else {
            "atRight"
        };
        assert_eq!(b[side], true, "{side}: {b}");
    }
    assert!(
        bubbles
            .windows(2)
            .all(|w| w[0]["top"].as_f64() < w[1]["top"].as_f64()),
        "turns stack top to bottom: {facts}"
    );
    assert_ne!(
        bubbles[0]["bg"], bubbles[1]["bg"],
        "user and assistant look different"
    );
    assert_eq!(
        bubbles[0]["hostileShown"], true,
        "the user turn shows `</script><b>x` as text"
    );
    assert_eq!(bubbles[3]["hostileShown"], true, "so does the output");

    // the preference pair is a side-by-side word diff
    let diff = &facts["diff"];
    for key in [
        "sideBySide",
        "delsInRejected",
        "insInChosen",
        "delStruck",
        "insNotStruck",
        "painted",
    ] {
        assert_eq!(diff[key], true, "{key}: {diff}");
    }
    assert_eq!(diff["deleted"], json!(["could"]), "{diff}");
    let inserted: Vec<&str> = diff["inserted"]
        .as_array()
        .expect("inserted")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        inserted.contains(&"should") && inserted.iter().any(|i| i.contains("with one")),
        "{diff}"
    );
    assert_ne!(
        diff["delBg"], diff["sideBg"],
        "deletions are highlighted: {diff}"
    );
    assert_ne!(
        diff["insBg"], diff["sideBg"],
        "insertions are highlighted: {diff}"
    );
    assert_ne!(diff["delBg"], diff["insBg"], "{diff}");

    // the charts show the whole file: bars sized by their counts
    let types = facts["types"].as_array().expect("type bars");
    let counts: Vec<(String, u64)> = types
        .iter()
        .map(|b| {
            (
                b["label"].as_str().unwrap_or("").to_string(),
                b["count"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("chat", 3),
            ("qa", 1),
            ("preference", 2),
            ("knowledge", 1),
            ("memory", 1),
            ("trajectory", 1)
        ]
        .map(|(l, c)| (l.to_string(), c)),
        "{facts}"
    );
    let unit = types[0]["w"].as_f64().expect("width") / 3.0;
    for b in types {
        let want = b["count"].as_f64().unwrap_or(0.0) * unit;
        assert!(
            (b["w"].as_f64().unwrap_or(0.0) - want).abs() < 1.5,
            "bar width follows count: {b}"
        );
        assert_eq!(b["painted"], true, "{b}");
    }
    let lengths = facts["lengths"].as_array().expect("length bars");
    assert_eq!(lengths.len(), 8);
    let total: u64 = lengths.iter().filter_map(|b| b["count"].as_u64()).sum();
    assert_eq!(total, 9, "every record is in the histogram: {facts}");
    let tallest = lengths
        .iter()
        .filter_map(|b| b["count"].as_u64())
        .max()
        .unwrap_or(0) as f64;
    let max_h = lengths
        .iter()
        .filter_map(|b| b["h"].as_f64())
        .fold(0.0, f64::max);
    for b in lengths {
        let want = b["count"].as_f64().unwrap_or(0.0) / tallest * max_h;
        assert!(
            (b["h"].as_f64().unwrap_or(0.0) - want).abs() < 1.5,
            "bar height follows count: {b}"
        );
        assert_eq!(b["painted"], true, "{b}");
    }
    assert_eq!(facts["chartText"], true, "chart labels render");
}
