#!/usr/bin/env python3
"""Quality harness for `revmine mine` (issue 13): reading sheet, labels, automatic checks, recall.

Driven by benches/quality.sh, which clones and mines the pinned repositories first; this
script only reads what the mine left behind (python3 standard library only):

    quality.py report --out DIR --repos NAME[,NAME...] [--seed 13] [--sample 50]
                      [--labels FILE] [--recall-dir benches/quality]

For each NAME it reads DIR/NAME/pairs.jsonl, DIR/NAME/summary.json (`mine --json`) and
DIR/NAME/time.txt (`/usr/bin/time -v`), and writes

    DIR/sheet.md          the reading sheet: SAMPLE random pairs per repo (fixed seed)
    DIR/labels.csv        the labels template for that sheet (id, repo, record_id, label, kind, note)
    DIR/flags.jsonl       every pair that an automatic check flagged, with its checks (for reading)
    DIR/report.json       every figure printed below, machine-readable
    DIR/report.txt        the printed report

Labels: GOOD (same question; chosen clearer, more correct, more complete or better
written), NEUTRAL (a deliberate revision but not clearly better), BAD with a kind from
BAD_KINDS. A filled labels file (same columns as the template) is read back when given.

Targets (issue 13): >= 60 % GOOD and >= 90 % usable (GOOD + NEUTRAL) overall, no repo
under 75 % usable; every automatic check with a target <= 2 % of all mined pairs.
"""

import argparse
import csv
import difflib
import functools
import json
import os
import random
import re
import sys
from collections import Counter, defaultdict

BAD_KINDS = [
    "link_list_churn", "bare_prompt", "markup_prompt", "not_same_answer", "append_only",
    "url_or_markup_only", "rename_only", "revert", "placeholder", "broken_state",
    "duplicate", "tiny_edit_in_huge_text", "other",
]
TARGET_GOOD = 60.0          # % GOOD overall (issue 13)
TARGET_USABLE = 90.0        # % GOOD + NEUTRAL overall (issue 13)
TARGET_USABLE_REPO = 75.0   # % usable, every repo (issue 13)
TARGET_CHECK = 2.0          # % of all mined pairs, each targeted automatic check (issue 13)
SHORT_SIDE = 1500           # chars: both sides printed in full on the sheet up to this size
DIFF_FULL = 2500            # chars: a longer word diff is cut to its changes with context
DIFF_CONTEXT = 40           # tokens (words, spaces and punctuation runs) of context either side of a change in a cut word diff

# ---------------------------------------------------------------------------------------
# Text helpers

HEX40 = re.compile(r"^[0-9a-f]{40}$")
URL = re.compile(r"(?:https?|ftp)://[^\s<>\])\"']+|www\.[^\s<>\])\"']+")
MD_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")      # [text](target) -> [text]
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)           # [ref]: url
AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^>]*>")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
HAS_LINK = re.compile(r"\]\(|\]\[|(?:https?|ftp)://|<[a-z]+://|\[\[")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
PROMPT_MARKUP = re.compile(r"\*\*|__|`|\]\(|<\s*/?\s*[a-zA-Z][^>]*>|<!--")
PLACEHOLDER = re.compile(
    r"\b(?:todo|tbd|tba|fixme|xxx|wip|placeholder|lorem ipsum|coming soon|work in progress"
    r"|to be (?:added|written|done|filled(?: in)?|completed|determined|decided|expanded)"
    r"|(?:will|to) (?:be )?(?:fill|write|add)(?:ed)? (?:this |it )?(?:in |later|soon)"
    r"|in a (?:follow-?up|future) (?:pr|commit|change|revision)|fill (?:this |me )?in)\b",
    re.I)
PLACEHOLDER_MAX_WORDS = 30   # a rejected side matching PLACEHOLDER is a stub up to this size
STUB_MAX_WORDS = 3           # a rejected side of at most this many prose words is a stub
HUGE_SIDE = 3000             # chars (issue 13, failure kind 10)
HUGE_SIMILARITY = 0.95       # similarity at or above which a huge side's edit is "tiny"

# Headings that say nothing on their own (navigation, meta, template and catch-all
# headings seen in the issue-13 repos). A prompt whose every part is one of these, or
# that is one word, is a bare prompt.
GENERIC = {
    "about", "acknowledgements", "acknowledgments", "alternatives", "appendix", "article",
    "articles", "background", "basic", "basics", "books", "changelog", "code", "contact",
    "contents", "contributing", "contributors", "courses", "credits", "description",
    "design", "detailed design", "details", "disclaimer", "drawbacks", "example",
    "examples", "faq", "further reading", "future possibilities", "future work",
    "general", "guide", "guide-level explanation", "help", "history", "how to teach this",
    "ideas", "implementation", "index", "install", "installation", "interesting", "intro",
    "introduction", "libraries", "license", "link", "links", "meta", "misc",
    "miscellaneous", "more", "more resources", "motivation", "note", "notes", "other",
    "others", "overview", "podcasts", "prior art", "questions", "rationale",
    "rationale and alternatives", "readme", "reference", "reference-level explanation",
    "references", "related", "resources", "see also", "setup", "summary",
    "table of contents", "talks", "thoughts", "tips", "todo", "toc", "tools",
    "translations", "unresolved questions", "usage", "videos",
}
PROMPT_SPLIT = re.compile(r"\s*(?:›|»|:|\s>\s|\s/\s|\s-\s|\n)\s*")


def norm_ws(s):
    return " ".join(s.split())


def strip_urls(s):
    s = REF_DEF.sub("", s)
    s = AUTOLINK.sub("", s)
    s = MD_LINK_TARGET.sub("]", s)
    return URL.sub("", s)


@functools.lru_cache(maxsize=8)
def strip_markup(s):
    """A rough prose view: URLs gone, link/emphasis/list/heading/code/HTML marks gone."""
    s = strip_urls(s)
    s = re.sub(r"<[^>]+>", " ", s)
    s = re.sub(r"^\s*(?:[-*+]|\d+[.)]|>|#{1,6})\s+", "", s, flags=re.M)
    s = re.sub(r"^\s*(?:```|~~~).*$", "", s, flags=re.M)
    s = re.sub(r"[*_`~\[\]|]+", " ", s)
    return norm_ws(s)


def prose_words(s):
    """Words of the prose view; a CJK run counts one word per 2 characters (rough)."""
    n = 0
    for tok in strip_markup(s).split():
        cjk = len(CJK.findall(tok))
        n += max(1, (cjk + 1) // 2 + (1 if len(tok) > cjk else 0)) if cjk else 1
    return n


def tokens(s):
    return re.findall(r"\w+|[^\w\s]+|\s+", s)


def opcodes(a, b):
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def changed_lines(rejected, chosen):
    """(removed, added) non-blank lines of a line diff rejected -> chosen."""
    a, b = rejected.splitlines(), chosen.splitlines()
    removed, added = [], []
    for tag, i1, i2, j1, j2 in opcodes(a, b):
        if tag in ("replace", "delete"):
            removed += [x for x in a[i1:i2] if x.strip()]
        if tag in ("replace", "insert"):
            added += [x for x in b[j1:j2] if x.strip()]
    return removed, added


def is_link_item(line):
    s = line.strip()
    return bool(HAS_LINK.search(s)) and (bool(LIST_ITEM.match(line)) or
                                         bool(re.fullmatch(r"\[[^\]]*\]\([^)]*\)", s)))


def prompt_parts(prompt):
    text = re.sub(r"[*_`#]+", "", re.sub(r"<[^>]+>", "", prompt))
    return [p.strip().strip(".?!").lower() for p in PROMPT_SPLIT.split(text) if p.strip()]


def bare_prompt(prompt):
    parts = prompt_parts(prompt)
    if not parts:
        return True
    if all(p in GENERIC for p in parts):
        return True
    return prose_words(prompt) <= 1


# ---------------------------------------------------------------------------------------
# Automatic checks over all pairs

TARGETED = [
    ("link_list_append", "changed lines are only list items (or bare links) with a link"),
    ("bare_prompt", "prompt is one word, or only generic headings (Links, Meta, Summary: Alternatives)"),
    ("markup_prompt", "prompt holds **, __, backticks, ]( or an HTML tag"),
    ("duplicate", "same prompt + rejected + chosen (whitespace collapsed) as an earlier pair"),
    ("reverse_pair", "the opposite pair (chosen -> rejected) is also in the file"),
    ("null_commit", "rejected_commit or chosen_commit missing or null"),
    ("url_only", "sides equal once URLs and link targets are removed"),
    ("placeholder", "rejected is a stub: <= 3 prose words, or TODO/TBD/'to be added' and <= 30 words"),
]
INFO = [
    ("markup_only", "sides equal in the prose view (links, emphasis, list marks, fences, wrapping removed)"),
    ("append_only", "nothing removed: every rejected line is kept, lines only added"),
    ("rename_only", "one word substitution repeated (>= 2 times), nothing else"),
    ("tiny_edit_in_huge_text", f"a side over {HUGE_SIDE} chars and similarity >= {HUGE_SIMILARITY}"),
    ("one_word_prompt", "prompt is a single word (part of bare_prompt)"),
]


def rename_only(rejected, chosen):
    a, b = tokens(rejected), tokens(chosen)
    ca, cb = Counter(t for t in a if not t.isspace()), Counter(t for t in b if not t.isspace())
    gone, new = ca - cb, cb - ca
    if not gone or not new or len(gone) > 3 or len(new) > 3:
        return False   # one repeated substitution of at most 3 tokens changes few distinct tokens
    subs = set()
    n = 0
    for tag, i1, i2, j1, j2 in opcodes(a, b):
        if tag == "equal":
            continue
        if tag != "replace":
            return False
        old, new = "".join(a[i1:i2]).strip(), "".join(b[j1:j2]).strip()
        if not old or not new or len(old.split()) > 3 or len(new.split()) > 3:
            return False
        subs.add((old, new))
        n += 1
        if len(subs) > 1:
            return False
    return n >= 2


def similarity(r):
    s = (r.get("meta") or {}).get("similarity")
    if isinstance(s, (int, float)):
        return float(s)
    return difflib.SequenceMatcher(None, r["rejected"].split(), r["chosen"].split()).ratio()


def check_pairs(records):
    """Per-pair flags: {index: set(check names)}; and counts per check."""
    flags = defaultdict(set)
    seen = {}
    by_text = set()
    for i, r in enumerate(records):
        prompt, rej, cho = r.get("prompt", ""), r.get("rejected", ""), r.get("chosen", "")
        key = (norm_ws(prompt), norm_ws(rej), norm_ws(cho))
        if key in seen:
            flags[i].add("duplicate")
        else:
            seen[key] = i
        by_text.add((key[1], key[2]))
    for i, r in enumerate(records):
        prompt, rej, cho = r.get("prompt", ""), r.get("rejected", ""), r.get("chosen", "")
        meta = r.get("meta") or {}
        f = flags[i]
        if norm_ws(rej) != norm_ws(cho) and (norm_ws(cho), norm_ws(rej)) in by_text:
            f.add("reverse_pair")
        if not meta.get("rejected_commit") or not meta.get("chosen_commit"):
            f.add("null_commit")
        removed, added = changed_lines(rej, cho)
        if added and all(is_link_item(x) for x in removed + added):
            f.add("link_list_append")
        if bare_prompt(prompt):
            f.add("bare_prompt")
        if prose_words(prompt) <= 1:
            f.add("one_word_prompt")
        if PROMPT_MARKUP.search(prompt):
            f.add("markup_prompt")
        if norm_ws(strip_urls(rej)) == norm_ws(strip_urls(cho)):
            f.add("url_only")
        if strip_markup(rej) == strip_markup(cho):
            f.add("markup_only")
        w = prose_words(rej)
        if w <= STUB_MAX_WORDS or (w <= PLACEHOLDER_MAX_WORDS and PLACEHOLDER.search(strip_markup(rej))):
            f.add("placeholder")
        if added and not removed:
            f.add("append_only")
        if max(len(rej), len(cho)) > HUGE_SIDE and similarity(r) >= HUGE_SIMILARITY:
            f.add("tiny_edit_in_huge_text")
        if removed and added and len(removed) == len(added) and rename_only(rej, cho):
            f.add("rename_only")
    counts = Counter(c for f in flags.values() for c in f)
    return flags, counts


# ---------------------------------------------------------------------------------------
# Reading sheet

def fence_for(text, ch="`"):
    longest = max((len(m) for m in re.findall(re.escape(ch) + "+", text)), default=0)
    return ch * max(3, longest + 1)


def block(text, info="text"):
    f = fence_for(text)
    return f"{f}{info}\n{text}\n{f}\n"


def word_diff(rejected, chosen):
    """git --word-diff=plain style: [-removed-]{+added+}; cut to the changes when long."""
    a, b = tokens(rejected), tokens(chosen)
    ops = opcodes(a, b)
    pieces = []   # (is_change, text)
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            pieces.append((False, a[i1:i2]))
        else:
            s = ""
            if i2 > i1:
                s += "[-" + "".join(a[i1:i2]) + "-]"
            if j2 > j1:
                s += "{+" + "".join(b[j1:j2]) + "+}"
            pieces.append((True, [s]))
    full = "".join("".join(p) for _, p in pieces)
    if len(full) <= DIFF_FULL:
        return full
    out = []
    for k, (chg, toks) in enumerate(pieces):
        if chg:
            out.append("".join(toks))
            continue
        first, last = k == 0, k == len(pieces) - 1
        if len(toks) <= 2 * DIFF_CONTEXT + 1 and not first and not last:
            out.append("".join(toks))
            continue
        head = "" if first else "".join(toks[:DIFF_CONTEXT])
        tail = "" if last else "".join(toks[-DIFF_CONTEXT:])
        out.append(head + "\n  …\n" + tail)
    return "".join(out).strip("\n")


def commits_of(meta):
    """Every 40-hex commit id named anywhere in meta (chosen/rejected and folded lists)."""
    found = []

    def walk(v):
        if isinstance(v, str):
            if HEX40.match(v):
                found.append(v)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
    walk(meta)
    return found


def folded_commits(meta):
    skip = {"rejected_commit", "chosen_commit"}
    return [c for k, v in meta.items() if k not in skip for c in commits_of({k: v})]


def sheet_section(sid, name, pin, r):
    meta = r.get("meta") or {}
    rej, cho = r.get("rejected", ""), r.get("chosen", "")
    short = lambda c: (c or "null")[:10]
    lines = [f"## {sid}", ""]
    lines.append(f"- repo: **{name}** (pinned {pin[:10]}) · record `{r.get('id', '?')}`")
    lines.append(f"- path: `{meta.get('path', '?')}` · unit: `{meta.get('unit', '?')}`")
    lines.append(f"- commits: rejected {short(meta.get('rejected_commit'))} ({meta.get('rejected_time', '?')})"
                 f" → chosen {short(meta.get('chosen_commit'))} ({meta.get('chosen_time', '?')})")
    subj = meta.get("subject")
    if subj:
        lines.append(f"- chosen commit subject: {norm_ws(subj)[:200]}")
    folded = folded_commits(meta)
    if folded:
        lines.append(f"- folded commits: {', '.join(c[:10] for c in folded)}")
    extra = {k: v for k, v in meta.items() if k in ("edit", "similarity", "words_added", "words_removed")}
    lines.append(f"- sizes: rejected {len(rej)} chars, chosen {len(cho)} chars"
                 + "".join(f" · {k} {v}" for k, v in extra.items()))
    lines.append("")
    lines.append("**Prompt**")
    lines.append("")
    lines.append(block(r.get("prompt", "")))
    lines.append("**Word diff** (rejected → chosen; `[-removed-]{+added+}`)")
    lines.append("")
    lines.append(block(word_diff(rej, cho)))
    if len(rej) <= SHORT_SIDE and len(cho) <= SHORT_SIDE:
        lines.append("**Rejected**")
        lines.append("")
        lines.append(block(rej))
        lines.append("**Chosen**")
        lines.append("")
        lines.append(block(cho))
    else:
        lines.append(f"(sides over {SHORT_SIDE} chars: word diff only; full text in the pairs file, record `{r.get('id')}`)")
        lines.append("")
    lines.append("Label: GOOD / NEUTRAL / BAD:kind  →  in labels.csv, row `" + sid + "`")
    lines.append("")
    return "\n".join(lines)


def draw(records, n, seed, name):
    order = sorted(range(len(records)), key=lambda i: (records[i].get("id", ""), i))
    rng = random.Random(f"{seed}:{name}")
    pick = rng.sample(order, min(n, len(order)))
    return sorted(pick, key=lambda i: records[i].get("id", ""))


# ---------------------------------------------------------------------------------------
# Labels

def read_labels(path):
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append({k.strip(): (v or "").strip() for k, v in row.items() if k})
    return rows


def label_report(rows, repos, drawn_ids, out, volumes=None):
    per = defaultdict(Counter)
    kinds = defaultdict(Counter)
    problems = []
    for row in rows:
        repo = row.get("repo", "?")
        lab = row.get("label", "").upper()
        kind = row.get("kind", "").lower()
        if ":" in lab:
            lab, kind = lab.split(":", 1)[0], (kind or lab.split(":", 1)[1].lower())
        if lab not in ("GOOD", "NEUTRAL", "BAD"):
            per[repo]["unlabeled"] += 1
            if lab:
                problems.append(f"{row.get('id')}: label {lab!r} is not GOOD/NEUTRAL/BAD")
            continue
        per[repo][lab] += 1
        if lab == "BAD":
            if kind not in BAD_KINDS:
                problems.append(f"{row.get('id')}: BAD kind {kind!r} not in {','.join(BAD_KINDS)}")
                kind = kind or "unspecified"
            kinds[repo][kind] += 1
    res = {"repos": {}, "problems": problems}
    matched = sum(1 for row in rows if row.get("record_id") in drawn_ids)
    res["rows"], res["rows_matching_this_draw"] = len(rows), matched
    out("")
    out(f"== labels: {len(rows)} rows, {matched} name a record drawn in this run")
    if matched < len(rows):
        out("   (the others were drawn from another mine: the figures below describe the labelled pairs,")
        out("    not this run's output)")
    for p in problems:
        out(f"   ! {p}")
    out(f"{'repo':<26} {'labelled':>8} {'GOOD':>5} {'NEUT':>5} {'BAD':>5} {'% GOOD':>7} {'% usable':>9}  BAD kinds")
    tot, tot_kinds = Counter(), Counter()
    names = [n for n in repos if n in per] + sorted(n for n in per if n not in repos)
    for name in names:
        c = per[name]
        lab = c["GOOD"] + c["NEUTRAL"] + c["BAD"]
        tot.update(c)
        tot_kinds.update(kinds[name])
        g = 100.0 * c["GOOD"] / lab if lab else float("nan")
        u = 100.0 * (c["GOOD"] + c["NEUTRAL"]) / lab if lab else float("nan")
        flag = "" if lab == 0 or u >= TARGET_USABLE_REPO else f"  < {TARGET_USABLE_REPO:.0f} % usable"
        kk = ", ".join(f"{k} {v}" for k, v in kinds[name].most_common())
        out(f"{name:<26} {lab:>8} {c['GOOD']:>5} {c['NEUTRAL']:>5} {c['BAD']:>5} {g:>7.1f} {u:>9.1f}  {kk}{flag}")
        res["repos"][name] = {"labelled": lab, "good": c["GOOD"], "neutral": c["NEUTRAL"], "bad": c["BAD"],
                              "unlabeled": c["unlabeled"], "pct_good": g, "pct_usable": u,
                              "bad_kinds": dict(kinds[name])}
    lab = tot["GOOD"] + tot["NEUTRAL"] + tot["BAD"]
    if lab:
        g = 100.0 * tot["GOOD"] / lab
        u = 100.0 * (tot["GOOD"] + tot["NEUTRAL"]) / lab
        kk = ", ".join(f"{k} {v}" for k, v in tot_kinds.most_common())
        out(f"{'overall':<26} {lab:>8} {tot['GOOD']:>5} {tot['NEUTRAL']:>5} {tot['BAD']:>5} {g:>7.1f} {u:>9.1f}  {kk}")
        worst = min((r["pct_usable"] for r in res["repos"].values() if r["labelled"]), default=float("nan"))
        verdict = [
            (f"GOOD overall >= {TARGET_GOOD:.0f} %", g >= TARGET_GOOD, f"{g:.1f} %"),
            (f"usable overall >= {TARGET_USABLE:.0f} %", u >= TARGET_USABLE, f"{u:.1f} %"),
            (f"every repo usable >= {TARGET_USABLE_REPO:.0f} %", worst >= TARGET_USABLE_REPO, f"lowest {worst:.1f} %"),
        ]
        vol = {n: (volumes or {}).get(n, 0) for n, r in res["repos"].items() if r["labelled"]}
        if sum(vol.values()):
            wg = sum(res["repos"][n]["pct_good"] * v for n, v in vol.items()) / sum(vol.values())
            wu = sum(res["repos"][n]["pct_usable"] * v for n, v in vol.items()) / sum(vol.values())
            out(f"{'weighted by pairs mined':<26} {sum(vol.values()):>8} {'':>5} {'':>5} {'':>5} {wg:>7.1f} {wu:>9.1f}"
                "  (each repo's rates times its share of this run's pairs; no target)")
            res["weighted"] = {"pct_good": wg, "pct_usable": wu, "pairs": vol}
        for what, ok, val in verdict:
            out(f"   {'PASS' if ok else 'FAIL'}  {what}: {val}")
        res["overall"] = {"labelled": lab, "pct_good": g, "pct_usable": u, "lowest_repo_usable": worst,
                          "bad_kinds": dict(tot_kinds), "pass": all(ok for _, ok, _ in verdict)}
    if tot["unlabeled"]:
        out(f"   ({tot['unlabeled']} rows without a label are left out of the percentages)")
    return res


# ---------------------------------------------------------------------------------------
# Recall

def read_recall(path):
    items = []
    if not os.path.exists(path):
        return items
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 2:
            continue
        commit, rpath = parts[0].lower(), parts[1]
        reason = parts[2].lstrip("#- ").strip() if len(parts) > 2 else ""
        items.append((commit, rpath, reason))
    return items


def recall_report(name, records, path, out):
    items = read_recall(path)
    if not items:
        out(f"   {name}: no recall list at {path}")
        return {"listed": 0, "found": 0, "items": []}
    by_commit = defaultdict(list)
    for r in records:
        meta = r.get("meta") or {}
        for c in set(commits_of(meta)) - {meta.get("rejected_commit")}:
            by_commit[c].append(meta.get("path"))
    res = []
    found = 0
    for commit, rpath, reason in items:
        hits = [p for c, ps in by_commit.items() if c.startswith(commit) for p in ps]
        same = [p for p in hits if p == rpath]
        if same:
            found += 1
            status = f"found ({len(same)} pair{'s' if len(same) != 1 else ''})"
        elif hits:
            status = f"MISSING on this path ({len(hits)} pair(s) of the commit on {', '.join(sorted(set(map(str, hits)))[:2])}{', …' if len(set(hits)) > 2 else ''})"
        else:
            status = "MISSING"
        out(f"   {name:<24} {commit[:10]}  {rpath}: {status}")
        out(f"   {'':<24} {'':<10}  ({reason})")
        res.append({"commit": commit, "path": rpath, "reason": reason, "pairs_on_path": len(same),
                    "pairs_elsewhere": len(hits) - len(same), "found": bool(same)})
    return {"listed": len(items), "found": found, "items": res}


# ---------------------------------------------------------------------------------------

def load_jsonl(path):
    recs = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if line:
                try:
                    recs.append(json.loads(line))
                except json.JSONDecodeError as e:
                    print(f"warning: {path}:{n}: {e}", file=sys.stderr)
    return recs


def mine_figures(d):
    fig = {}
    try:
        s = json.load(open(os.path.join(d, "summary.json")))
        r0 = (s.get("repos") or [{}])[0]
        fig.update(pairs=s.get("pairs"), commits=r0.get("commits"), versions=r0.get("versions"),
                   units=r0.get("units"), skipped=r0.get("skipped", {}))
    except (OSError, ValueError):
        pass
    dropped = os.path.join(d, "dropped.jsonl")
    if os.path.exists(dropped):   # `mine --dropped FILE`, when the binary has it
        with open(dropped, encoding="utf-8") as fh:
            fig["dropped_lines"] = sum(1 for _ in fh)
    try:
        t = open(os.path.join(d, "time.txt")).read()
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
        fig["peak_rss_mib"] = int(m.group(1)) / 1024 if m else None
        m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
        if m:
            fig["wall_s"] = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        m = re.search(r"User time \(seconds\): ([\d.]+)", t)
        fig["user_s"] = float(m.group(1)) if m else None
        m = re.search(r"Exit status: (\d+)", t)
        fig["exit"] = int(m.group(1)) if m else None
    except OSError:
        pass
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["report"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--repos", required=True, help="NAME=PIN,... (pin: the pinned commit)")
    ap.add_argument("--seed", default="13")
    ap.add_argument("--sample", type=int, default=50)
    ap.add_argument("--labels", default="")
    ap.add_argument("--recall-dir", default="benches/quality")
    ap.add_argument("--revmine", default="?")
    a = ap.parse_args()

    lines = []

    def out(s=""):
        print(s)
        lines.append(s)

    repos = []
    for item in a.repos.split(","):
        name, _, pin = item.partition("=")
        repos.append((name, pin))
    names = [n for n, _ in repos]
    report = {"revmine": a.revmine, "seed": a.seed, "sample": a.sample, "repos": {}}
    sheet = [f"# revmine mine: reading sheet (issue 13)", "",
             f"revmine: {a.revmine}; seed {a.seed}; {a.sample} random pairs per repository.", "",
             "Label each pair in `labels.csv` (same folder): **GOOD** (same question; chosen clearer, more",
             "correct, more complete or better written), **NEUTRAL** (a deliberate revision but not clearly",
             "better), **BAD** with a kind in the `kind` column: " + ", ".join(f"`{k}`" for k in BAD_KINDS) + ".",
             "The `note` column is free text.", "",
             "Repositories (pinned commits): " + ", ".join(f"{n} @ {p[:12]}" for n, p in repos) + ".",
             "Regenerate this sheet with `benches/quality.sh` (same binary, SEED and SAMPLE give the same draw).", ""]
    label_rows = []
    drawn_ids = set()
    flagged = []
    out(f"revmine: {a.revmine}")
    out("")
    out("== mine")
    out(f"{'repo':<26} {'pinned':<10} {'commits':>8} {'versions':>9} {'pairs':>7} {'wall s':>7} {'user s':>7} {'peak MiB':>9} {'exit':>4}")
    all_records = {}
    for name, pin in repos:
        d = os.path.join(a.out, name)
        fig = mine_figures(d)
        pf = os.path.join(d, "pairs.jsonl")
        recs = load_jsonl(pf) if os.path.exists(pf) else []
        all_records[name] = recs
        g = lambda k, f="{}": (f.format(fig[k]) if fig.get(k) is not None else "?")
        out(f"{name:<26} {pin[:10]:<10} {g('commits'):>8} {g('versions'):>9} {len(recs):>7} "
            f"{g('wall_s', '{:.1f}'):>7} {g('user_s', '{:.1f}'):>7} {g('peak_rss_mib', '{:.0f}'):>9} {g('exit'):>4}")
        report["repos"][name] = {"pin": pin, "mine": fig, "pairs_read": len(recs)}
    for name, pin in repos:
        sk = report["repos"][name]["mine"].get("skipped") or {}
        dl = report["repos"][name]["mine"].get("dropped_lines")
        if dl is not None:
            out(f"   {name}: {dl} dropped candidates in {os.path.join(a.out, name, 'dropped.jsonl')}")
        if sk:
            out(f"   {name} skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(sk.items(), key=lambda kv: -kv[1])))

    out("")
    out("== automatic checks over all mined pairs (% of pairs; target <= 2 % each; info rows have no target)")
    hdr = f"{'check':<24}" + "".join(f" {n[:14]:>14}" for n in names) + f" {'all':>8}  target"
    out(hdr)
    checks = {}
    total = sum(len(all_records[n]) for n in names)
    for name in names:
        recs = all_records[name]
        flags, counts = check_pairs(recs)
        checks[name] = counts
        for i, f in sorted(flags.items()):
            if f:
                r = recs[i]
                flagged.append({"repo": name, "id": r.get("id"), "checks": sorted(f),
                                "path": (r.get("meta") or {}).get("path"), "prompt": r.get("prompt")})
    for group, rows in (("target", TARGETED), ("info", INFO)):
        for check, _ in rows:
            cells = []
            allc = 0
            for name in names:
                n = len(all_records[name])
                c = checks[name][check]
                allc += c
                cells.append(f"{100.0 * c / n:5.1f}% {c:>6}" if n else f"{'-':>14}")
            pct = 100.0 * allc / total if total else float("nan")
            if group == "target":
                status = "PASS" if pct <= TARGET_CHECK and all(
                    not len(all_records[n]) or 100.0 * checks[n][check] / len(all_records[n]) <= TARGET_CHECK
                    for n in names) else "FAIL"
            else:
                status = "info"
            out(f"{check:<24}" + "".join(f" {c:>14}" for c in cells) + f" {pct:7.1f}%  {status}")
            for name in names:
                n = len(all_records[name])
                report["repos"][name].setdefault("checks", {})[check] = {
                    "count": checks[name][check], "pct": 100.0 * checks[name][check] / n if n else None}
    out("   (cells: % of that repo's pairs, count; PASS needs every repo and the total <= 2 %)")
    for check, what in TARGETED + INFO:
        out(f"   {check}: {what}")

    out("")
    out("== recall: commits that clearly improve a paragraph (benches/quality/NAME.recall.txt)")
    rec_tot = [0, 0]
    for name in names:
        rr = recall_report(name, all_records[name], os.path.join(a.recall_dir, f"{name}.recall.txt"), out)
        report["repos"][name]["recall"] = rr
        rec_tot[0] += rr["found"]
        rec_tot[1] += rr["listed"]
    out(f"   recall: {rec_tot[0]}/{rec_tot[1]} listed commits yield a pair on their path (chosen or folded commit)")
    report["recall"] = {"found": rec_tot[0], "listed": rec_tot[1]}

    for name, pin in repos:
        recs = all_records[name]
        picks = draw(recs, a.sample, a.seed, name)
        sheet.append(f"# {name} ({len(recs)} pairs, {len(picks)} drawn)")
        sheet.append("")
        for k, i in enumerate(picks, 1):
            sid = f"{name}-{k:02d}"
            r = recs[i]
            drawn_ids.add(r.get("id"))
            sheet.append(sheet_section(sid, name, pin, r))
            label_rows.append({"id": sid, "repo": name, "record_id": r.get("id", ""),
                               "label": "", "kind": "", "note": ""})
    with open(os.path.join(a.out, "sheet.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(sheet))
    with open(os.path.join(a.out, "labels.csv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "repo", "record_id", "label", "kind", "note"])
        w.writeheader()
        w.writerows(label_rows)
    with open(os.path.join(a.out, "flags.jsonl"), "w", encoding="utf-8") as fh:
        for f in flagged:
            fh.write(json.dumps(f, ensure_ascii=False) + "\n")
    out("")
    out(f"== reading sheet: {os.path.join(a.out, 'sheet.md')} ({len(label_rows)} pairs); "
        f"labels template: {os.path.join(a.out, 'labels.csv')}")

    if a.labels and os.path.exists(a.labels):
        report["labels"] = label_report(read_labels(a.labels), names, drawn_ids, out,
                                        {n: len(all_records[n]) for n in names})
        report["labels"]["file"] = a.labels
    else:
        why = f"{a.labels} absent" if a.labels else "LABELS not set"
        out(f"== labels: none read ({why}); fill the template and rerun with LABELS=FILE")

    with open(os.path.join(a.out, "report.json"), "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1, ensure_ascii=False, default=str)
    with open(os.path.join(a.out, "report.txt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
