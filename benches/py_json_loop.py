#!/usr/bin/env python3
"""Baseline for `revmine check`: a plain json.loads loop over a JSONL file.

    python3 benches/py_json_loop.py FILE

Parses every line and prints the record count. Nothing more: no schema, no
gates. It is the floor a Python validator would start from.
"""

import json
import sys


def main():
    n = 0
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            json.loads(line)
            n += 1
    print(n)


if __name__ == "__main__":
    main()
