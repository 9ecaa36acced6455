#!/usr/bin/env python3
"""Deterministic ShareGPT-format JSON array for the ingest benchmark.

    python3 benches/gen_sharegpt.py OUT.json --mb 110 --seed 7

Conversations of 2-8 turns (human/gpt alternating, some with a system turn),
texts built from seeded word lists so every turn differs.
"""
import argparse, json, random

WORDS = ("plan deadline review draft status blocker risk decision migrate index schema "
         "test release budget estimate scope customer reply meeting notes summary retry "
         "cache latency rollout feedback priority backlog sprint metric goal owner").split()

def sentence(rng):
    n = rng.randint(6, 18)
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=110)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    target = a.mb * 1_000_000
    written = 0
    with open(a.out, "w", buffering=1 << 20) as f:
        f.write("[\n")
        i = 0
        while written < target:
            turns = []
            if rng.random() < 0.2:
                turns.append({"from": "system", "value": "You are a helpful planning assistant."})
            for t in range(rng.randint(1, 4)):
                turns.append({"from": "human", "value": " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))})
                turns.append({"from": "gpt", "value": " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))})
            text = json.dumps({"id": f"conv{i:07d}", "conversations": turns})
            f.write(("," if i else "") + text + "\n")
            written += len(text) + 2
            i += 1
        f.write("]\n")
    print(f"gen_sharegpt: {i} conversations, about {written / 1e6:.0f} MB in {a.out}")

if __name__ == "__main__":
    main()
