"""List the functions longer than a limit (issue 21: "functions over 80 lines").

    .venv/bin/python bench/long_functions.py [src/rathaus] [--limit 80]

Counts the lines from ``def`` to the function's last line (decorators excluded), for every function
and method, nested ones included, outside migrations.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path


def long_functions(root: Path, limit: int) -> list[tuple[int, str, str]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > limit:
                    found.append((length, str(path), node.name))
    return sorted(found, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", nargs="?", default="src/rathaus")
    parser.add_argument("--limit", type=int, default=80)
    args = parser.parse_args()
    found = long_functions(Path(args.root), args.limit)
    print(f"functions over {args.limit} lines: {len(found)}")
    for length, path, name in found:
        print(f"  {length:4d} {path} {name}")


if __name__ == "__main__":
    main()
