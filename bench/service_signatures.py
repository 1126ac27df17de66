"""Count the public service/query functions that take the HTTP request or have ``Any`` in their signature.

    .venv/bin/python bench/service_signatures.py [src/rathaus]

The rule (docs/decisions/0025-service-context.md): services take a ``ServiceContext``, never the HTTP
request, so a view, a webhook, a task or a command can call them alike.

What counts as a service: a public function (top level, not starting with ``_``) in a
``services.py`` / ``queries.py`` or in a module of a ``services`` / ``queries`` package.

What counts as taking the request: a parameter named ``request`` or annotated with a request type
(``HttpRequest``, ``RathausRequest``, ``WSGIRequest``, ``ASGIRequest``), whatever its name, so
renaming the parameter hides nothing.

Code that works on the HTTP request by nature lives outside the service modules and is not counted:
``<app>/views.py``, ``<app>/web.py`` (identity: the SAML login on the session and the FIM form
hooks), ``fim/hooks.py`` (the form views' hook registries), ``payments/hooks.py`` (the case view
extension), middleware and ``core/pagecache/shared.py``. ``HTTP_HELPERS`` below names the few
functions inside service modules that may take a request, each with its reason; they are listed
on their own line, never silently dropped.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

REQUEST_TYPES = ("HttpRequest", "RathausRequest", "WSGIRequest", "ASGIRequest")

# "<path under src/rathaus>:<function>": why it may take the request.
HTTP_HELPERS = {
    "core/tenancy/services.py:tenant_object_or_404": (
        "view helper: a URL's object of the request's municipality or Http404 (accepts a ctx too)"
    ),
}


def takes_request(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
    for arg in args:
        annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
        if arg.arg == "request" or any(t in annotation for t in REQUEST_TYPES):
            return True
    return False


def main(root: Path) -> None:
    total = with_request = with_any = 0
    per_file: dict[str, int] = {}
    allowed: list[str] = []
    for path in sorted(root.rglob("*.py")):
        in_package = path.parent.name in ("services", "queries")  # e.g. cases/services/submission.py
        if "migrations" in path.parts or not (path.name in ("services.py", "queries.py") or in_package):
            continue
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
                continue
            total += 1
            if takes_request(node):
                name = f"{path.relative_to(root).as_posix()}:{node.name}"
                if name in HTTP_HELPERS:
                    allowed.append(name)
                else:
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
    print(f"HTTP helpers allowed to take the request (HTTP_HELPERS): {len(allowed)}")
    for name in allowed:
        print(f"  {name}: {HTTP_HELPERS[name]}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "src/rathaus"))
