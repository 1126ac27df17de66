"""Count the public service/query functions that take the HTTP request or have ``Any`` in their signature.

    .venv/bin/python bench/service_signatures.py [src/rathaus]

A public function is a top-level function not starting with ``_`` in a ``services.py`` /
``queries.py`` or in a module of a ``services`` / ``queries`` package (issue 21 measures the
ServiceContext conversion and the typing with it).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def main(root: Path) -> None:
    total = with_request = with_any = 0
    per_file: dict[str, int] = {}
    for path in sorted(root.rglob("*.py")):
        in_package = path.parent.name in ("services", "queries")  # e.g. cases/services/submission.py
        if "migrations" in path.parts or not (path.name in ("services.py", "queries.py") or in_package):
            continue
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
                continue
            total += 1
            args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            if "request" in [a.arg for a in args]:
                with_request += 1
                per_file[str(path)] = per_file.get(str(path), 0) + 1
            signature = ast.unparse(node.args) + " -> " + (ast.unparse(node.returns) if node.returns else "")
            with_any += "Any" in signature
    print(
        f"public service/query functions: {total}; taking request: {with_request}; "
        f"Any in signature: {with_any}"
    )
    for name, count in sorted(per_file.items()):
        print(f"  {count:3d} {name}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "src/rathaus"))
