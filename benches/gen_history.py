#!/usr/bin/env python3
"""Deterministic git history generator for `revmine mine` benchmarks (stdlib only).

    python3 benches/gen_history.py OUT_DIR --commits 10000 --files 2000 --seed 7

Creates a fresh git repo at OUT_DIR (which must not exist or be empty) by piping
one `git fast-import` stream into it, then checks out branch `main`:

  * commit 1 adds the initial notes (notes/0000.md, notes/0001.md, ...); the
    remaining new files are added one per commit at seeded points, so the final
    tree holds exactly FILES Markdown files
  * each file: "# Title", then 3-6 "## Heading" sections of 2-6 sentences
    (wrapped at 72 columns) built from fixed word lists
  * every later commit edits 1-3 random files; each edit is one of
      - rewrite 1-2 sentences in one or two sections (fresh sentence, or 3-5
        words replaced)                                        ~79%
      - rewrite a whole section                                ~9%
      - whitespace only (rewrap, trailing spaces, blank lines) ~11%
      - rename the file (moved under notes/archive/, content
        unchanged or edited as above)                          ~1.5%
  * about 2% of commit subjects start with "WIP" (revmine folds those into the
    next revision of the file)
  * 8 fixed authors; author and committer dates start at 2024-01-01T00:00:00Z
    and increase by one minute per commit

History is linear (no merges), so `--history first-parent` and `--history
branches` walk the same commits. The same arguments always give the same
commit ids. Prints the commit count and the Markdown file count at the end.
"""

import argparse
import os
import random
import subprocess
import sys
import time

NOUNS = """
plan note draft list task goal week morning evening deadline project meeting
review report summary outline chapter section page paragraph idea question
answer reason example detail step order priority budget schedule team friend
client manager reader writer editor teacher student parent garden kitchen
library station harbour bridge river valley market window ladder lantern
compass engine signal channel buffer cache index ledger archive journal recipe
method pattern habit routine lesson model sketch diagram table figure
""".split()

VERBS = """
writes reads edits checks sends shares keeps moves starts finishes changes
fixes tests builds ships learns teaches asks shows explains compares chooses
decides remembers forgets opens closes saves renames merges splits sorts
counts measures tracks follows covers describes outlines supports replaces
improves simplifies clarifies connects separates collects gathers reviews
""".split()

ADJECTIVES = """
quick slow small large short long clear vague early late first last next final
new old simple hard easy careful honest useful rough clean messy quiet busy
bright dark narrow wide steady fragile formal casual modest generous strict
gentle plain rich thin thick warm cold sharp dull ordinary curious patient
""".split()

ADVERBS = """
quickly slowly carefully clearly rarely often usually gently firmly quietly
openly briefly loosely strictly mostly partly roughly nearly simply honestly
""".split()

PREPS = """
before after during while about around into over under between through
without within across beside behind beyond against along toward
""".split()

DETS = "the a this that every each our your their one some".split()

HEADINGS = """
Summary|Motivation|Background|Overview|Details|Notes|Drawbacks|Alternatives|
Open questions|Next steps|Examples|Design|Rationale|Prior art|Risks|Timeline|
Costs|Testing|Rollout|Follow-up|Decisions|Lessons learned|Context|Goals
""".replace("\n", "").split("|")

AUTHORS = [
    ("Ada Lindqvist", "ada@example.org"),
    ("Bruno Okafor", "bruno@example.org"),
    ("Chen Wei", "chen@example.org"),
    ("Dana Ruiz", "dana@example.org"),
    ("Emil Novak", "emil@example.org"),
    ("Farah Haddad", "farah@example.org"),
    ("Goran Petrov", "goran@example.org"),
    ("Hana Sato", "hana@example.org"),
]

SUBJECTS = [
    "Update {f}", "Rewrite part of {f}", "Clarify {h} in {f}", "Tidy {f}",
    "Reword {h}", "Edit notes", "Fix wording in {f}", "Improve {h}",
    "Revise {f}", "Notes: {h}",
]

START = 1704067200  # 2024-01-01T00:00:00Z


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def word(self, pool):
        return self.r.choice(pool)

    def phrase(self):
        return f"{self.word(DETS)} {self.word(ADJECTIVES)} {self.word(NOUNS)}"

    def sentence(self):
        r = self.r
        parts = [self.phrase(), self.word(VERBS), self.phrase()]
        if r.random() < 0.6:
            parts += [self.word(PREPS), self.phrase()]
        if r.random() < 0.3:
            parts.insert(2, self.word(ADVERBS))
        if r.random() < 0.25:
            parts += ["because", self.phrase(), self.word(VERBS), self.phrase()]
        s = " ".join(parts)
        return s[0].upper() + s[1:] + "."

    def tweak(self, sentence):
        """Replace 3-5 words of a sentence with others of the same kind."""
        words = sentence[:-1].split(" ")
        for _ in range(self.r.randint(3, 5)):
            i = self.r.randrange(len(words))
            w = words[i].lower()
            for pool in (NOUNS, VERBS, ADJECTIVES, ADVERBS, PREPS, DETS):
                if w in pool:
                    words[i] = self.word(pool)
                    break
            else:
                words[i] = self.word(ADJECTIVES)
        s = " ".join(words)
        return s[0].upper() + s[1:] + "."

    def section(self, used):
        h = self.word([x for x in HEADINGS if x not in used] or HEADINGS)
        if self.r.random() < 0.35:
            h = f"{h}: {self.word(ADJECTIVES)} {self.word(NOUNS)}s"
        used.add(h.split(":")[0])
        sents = [self.sentence() for _ in range(self.r.randint(2, 6))]
        return {"heading": h, "sents": sents, "width": 72, "trail": "", "gap": 1}

    def document(self):
        title = f"{self.word(ADJECTIVES).capitalize()} {self.word(NOUNS)} {self.word(NOUNS)}s"
        used = set()
        return {"title": title, "sections": [self.section(used) for _ in range(self.r.randint(3, 6))]}


def wrap(text, width):
    """Greedy word wrap (textwrap.wrap without its regex cost); words never split."""
    lines, cur = [], ""
    for w in text.split(" "):
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        lines.append(cur)
    return lines


def render(doc):
    out = [f"# {doc['title']}\n"]
    for s in doc["sections"]:
        out.append("\n" * s["gap"])
        out.append(f"## {s['heading']}\n\n")
        for line in wrap(" ".join(s["sents"]), s["width"]):
            out.append(line + s["trail"] + "\n")
    return "".join(out).encode()


def edit(g, doc):
    """Mutate doc in place; return a short description (heading touched)."""
    r = g.r
    secs = doc["sections"]
    x = r.random()
    if x < 0.80:  # 1-2 sentences in one or two sections
        touched = r.sample(secs, min(len(secs), r.choice((1, 1, 2))))
        for s in touched:
            for i in r.sample(range(len(s["sents"])), min(len(s["sents"]), r.randint(1, 2))):
                s["sents"][i] = g.sentence() if r.random() < 0.5 else g.tweak(s["sents"][i])
        return touched[0]["heading"]
    s = r.choice(secs)
    if x < 0.89:  # whole section
        s["sents"] = [g.sentence() for _ in range(r.randint(2, 6))]
        return s["heading"]
    # whitespace only
    y = r.random()
    if y < 0.4:
        s["width"] = 60 if s["width"] == 72 else 72
    elif y < 0.7:
        s["trail"] = "" if s["trail"] else "  "
    else:
        s["gap"] = 1 if s["gap"] == 2 else 2
    return s["heading"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--commits", type=int, default=10000)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if a.commits < 1 or a.files < 1:
        ap.error("--commits and --files must be >= 1")
    if os.path.exists(a.out_dir) and os.listdir(a.out_dir):
        ap.error(f"{a.out_dir} exists and is not empty")

    t0 = time.time()
    g = Gen(a.seed)
    r = g.r
    # New files after the first commit: ~2% of commits, at most half the files.
    n_adds = min(a.files // 2, (a.commits - 1) // 50)
    add_at = set(r.sample(range(2, a.commits + 1), n_adds)) if n_adds else set()
    n_initial = a.files - n_adds

    docs = {}  # path -> doc
    paths = []  # live paths, in a stable order for seeded choice
    next_id = 0

    def new_path():
        nonlocal next_id
        p = f"notes/{next_id:04d}.md"
        next_id += 1
        return p

    subprocess.run(["git", "init", "-q", a.out_dir], check=True)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1")
    fi = subprocess.Popen(
        ["git", "-C", a.out_dir, "fast-import", "--quiet", "--done"],
        stdin=subprocess.PIPE, env=env)
    w = fi.stdin.write

    def data(b):
        w(b"data %d\n" % len(b))
        w(b)
        w(b"\n")

    def commit(n, subject, ops):
        name, email = AUTHORS[r.randrange(len(AUTHORS))]
        ts = START + 60 * (n - 1)
        ident = f"{name} <{email}> {ts} +0000".encode()
        w(b"commit refs/heads/main\n")
        w(b"mark :%d\n" % n)
        w(b"author " + ident + b"\n")
        w(b"committer " + ident + b"\n")
        data(subject.encode() + b"\n")
        if n > 1:
            w(b"from :%d\n" % (n - 1))
        for op in ops:
            if op[0] == "M":
                w(b"M 100644 inline %s\n" % op[1].encode())
                data(op[2])
            else:
                w(b"D %s\n" % op[1].encode())

    ops = []
    for _ in range(n_initial):
        p = new_path()
        docs[p] = g.document()
        paths.append(p)
        ops.append(("M", p, render(docs[p])))
    commit(1, f"Import {n_initial} notes", ops)

    for n in range(2, a.commits + 1):
        ops = []
        if n in add_at:
            p = new_path()
            docs[p] = g.document()
            paths.append(p)
            ops.append(("M", p, render(docs[p])))
            subject = f"Add {p}"
        else:
            subject = None
            for i in sorted(r.sample(range(len(paths)), r.randint(1, 3)), reverse=True):
                p = paths[i]
                doc = docs[p]
                if r.random() < 0.015 and not p.startswith("notes/archive/"):
                    q = "notes/archive/" + p.rsplit("/", 1)[1]
                    if r.random() < 0.5:
                        edit(g, doc)
                    del docs[p]
                    docs[q] = doc
                    paths[i] = q
                    ops.append(("D", p))
                    ops.append(("M", q, render(doc)))
                    subject = subject or f"Move {p} to notes/archive/"
                else:
                    h = edit(g, doc)
                    ops.append(("M", p, render(doc)))
                    subject = subject or r.choice(SUBJECTS).format(f=p, h=h.split(":")[0])
            if r.random() < 0.02:
                subject = "WIP " + subject
        commit(n, subject, ops)

    w(b"done\n")
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit(f"git fast-import failed ({fi.returncode})")
    # Look like a normal clone: HEAD on main, index and work tree populated.
    subprocess.run(["git", "-C", a.out_dir, "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
    subprocess.run(["git", "-C", a.out_dir, "reset", "-q", "--hard"], check=True)

    count = subprocess.run(["git", "-C", a.out_dir, "rev-list", "--count", "HEAD"],
                           check=True, capture_output=True, text=True).stdout.strip()
    files = subprocess.run(["git", "-C", a.out_dir, "ls-files", "*.md"],
                           check=True, capture_output=True, text=True).stdout.count("\n")
    print(f"{a.out_dir}: {count} commits, {files} Markdown files "
          f"(seed {a.seed}, {time.time() - t0:.1f}s)")


if __name__ == "__main__":
    main()
