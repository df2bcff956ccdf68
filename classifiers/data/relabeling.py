"""The loop both relabel scripts share: apply a row rule to every training file (never the
test split), write the files back unless `--check`, and refuse ids the rules name that no
training item has."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent / "corpus"

Rule = Callable[[dict[str, Any]], bool]  # changes the row in place; True when it changed


def run_relabel(
    prog: str, rule: Rule, named_ids: Iterable[str], argv: list[str], show: str | None = None
) -> int:
    """0 when done (or nothing stale with --check), 1 when --check finds stale rows, 2 when
    the rules name unknown ids. `show`: the label printed for each changed row."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if stale")
    args = parser.parse_args(argv)
    seen, changed = set(), 0
    for path in sorted(CORPUS.glob("train_*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        n = 0
        for row in rows:
            seen.add(row["id"])
            if rule(row):
                n += 1
                if show:
                    print(f"  {row['id']}: {row['labels'].get(show)}")
        changed += n
        if n and not args.check:
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            path.write_text(text, encoding="utf-8")
        print(f"{path.name}: {n} item(s) {'to change' if args.check else 'changed'}")
    missing = sorted(set(named_ids) - seen)
    if missing:
        print(f"unknown ids: {', '.join(missing)}", file=sys.stderr)
        return 2
    return 1 if args.check and changed else 0
