#!/usr/bin/env python3
"""Deterministic JSONL dataset generator for revmine benchmarks (stdlib only).

    python3 benches/gen_dataset.py OUT.jsonl --records 1000000 --seed 7

Writes RECORDS lines, about 300 bytes each on average, every one valid under
schemas/record.schema.json plus revmine's chat-turn rule:

  * record types in blocks of 18 (shuffled per block): chat 6, qa 3,
    preference 3, knowledge 2, memory 2, trajectory 2  (1/3, 1/6, 1/6, 1/9 x3)
  * "source": "real" for ~40% of records, else "synthetic"
  * unique ids r0000001, r0000002, ...
  * optional "meta": {"origin": "bench"} on about half the records
  * chat "input": 1-3 lines of "User: ..." / "Assistant: ..." ending with a
    "User: ..." line; preference "chosen" != "rejected"

Texts are random sentences from fixed word lists, so normalised outputs are
(almost) all unique. The same --seed always gives the same bytes.
"""

import argparse
import random
import sys
import time

# Plain ASCII words only: no quote, backslash or control characters, so the
# JSON strings below need no escaping beyond the "\n" written as "\\n".
WORDS = """
the a an this that every some each our your their its my one two three few many
plan note draft list task goal week day morning evening hour minute deadline
project meeting review report summary outline chapter section page paragraph
idea question answer reason example detail step order priority budget schedule
team friend client manager reader writer editor teacher student doctor parent
write read edit check send share keep move start finish stop change fix test
build ship learn teach ask tell show explain compare choose decide remember
forget open close save delete rename merge split sort count measure track
quick slow small large short long clear vague early late first last next final
new old simple hard easy careful honest useful rough clean messy quiet busy
before after during while because although unless until since when where why
about around into onto over under between through without within across
garden kitchen office library station market river mountain city village road
coffee tea bread apple letter email message phone calendar notebook folder
version commit branch history change diff file line word sentence title
energy focus habit routine sleep walk rest break lunch dinner weekend holiday
always often sometimes rarely never already still just only even maybe
really quite very almost nearly enough too also again instead together
""".split()

ENDS = [".", ".", ".", ".", "?", "!"]

# 18-slot block: exact 1/3, 1/6, 1/6, 1/9, 1/9, 1/9 over every full block.
BLOCK = (["chat"] * 6 + ["qa"] * 3 + ["preference"] * 3
         + ["knowledge"] * 2 + ["memory"] * 2 + ["trajectory"] * 2)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output JSONL path ('-' for stdout)")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--real-share", type=float, default=0.40)
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    choices = rng.choices
    randint = rng.randint
    rand = rng.random
    words, ends = WORDS, ENDS
    real_share = args.real_share

    def sentence(lo, hi):
        n = randint(lo, hi)
        w = choices(words, k=n)
        w[0] = w[0].capitalize()
        return " ".join(w) + choices(ends)[0]

    def text(lo, hi, sentences=1):
        if sentences == 1:
            return sentence(lo, hi)
        return " ".join([sentence(lo, hi) for _ in range(sentences)])

    def chat_input():
        k = randint(1, 3)
        if k == 1:
            return "User: " + sentence(5, 12)
        if k == 2:
            return "Assistant: " + sentence(4, 9) + "\\nUser: " + sentence(4, 10)
        return ("User: " + sentence(3, 7) + "\\nAssistant: " + sentence(3, 8)
                + "\\nUser: " + sentence(3, 8))

    t0 = time.perf_counter()
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="ascii", buffering=1 << 24)
    block = []
    buf = []
    total = args.records
    for i in range(1, total + 1):
        if not block:
            block = BLOCK[:]
            rng.shuffle(block)
        rtype = block.pop()
        source = "real" if rand() < real_share else "synthetic"
        head = '{"id":"r%07d","record_type":"%s","source":"%s"' % (i, rtype, source)
        if rand() < 0.5:
            head += ',"meta":{"origin":"bench"}'
        if rtype == "chat":
            body = ',"input":"%s","output":"%s"}\n' % (chat_input(), text(8, 16, randint(1, 2)))
        elif rtype == "preference":
            chosen = text(8, 16, randint(1, 2))
            rejected = text(4, 10)
            while rejected == chosen:  # cannot really happen; keep the rule explicit
                rejected = text(4, 10)
            body = ',"prompt":"%s","chosen":"%s","rejected":"%s"}\n' % (sentence(5, 12), chosen, rejected)
        elif rtype == "qa":
            body = ',"input":"%s","output":"%s"}\n' % (sentence(5, 12), text(8, 15, randint(1, 3)))
        elif rtype == "knowledge":
            body = ',"input":"%s","output":"%s"}\n' % (sentence(4, 9), text(9, 18, randint(2, 3)))
        elif rtype == "memory":
            body = ',"input":"%s","output":"%s"}\n' % (sentence(5, 10), text(7, 14, randint(1, 2)))
        else:  # trajectory
            steps = "\\n".join(["%d. %s" % (s, sentence(4, 8)) for s in range(1, randint(2, 4) + 1)])
            body = ',"input":"%s","output":"%s"}\n' % (sentence(5, 10), steps)
        buf.append(head + body)
        if len(buf) >= 20000:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))
    if out is not sys.stdout:
        out.close()
    dt = time.perf_counter() - t0
    print(f"gen_dataset: wrote {total} records to {args.out} in {dt:.1f}s (seed {args.seed})", file=sys.stderr)


if __name__ == "__main__":
    main()
