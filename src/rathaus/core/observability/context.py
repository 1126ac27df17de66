"""The request being served in this thread or task: read by the log filter."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import Any

current_request: ContextVar[Any] = ContextVar("rathaus_current_request", default=None)

# A request id from the X-Request-ID header is taken over only when it is a short, plain token
# (a proxy's id such as nginx's $request_id or a UUID); anything else is replaced by a new one,
# so the header cannot smuggle text (line breaks, personal data of any length) into the logs.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    value = (header or "").strip()
    return value if SAFE_REQUEST_ID.fullmatch(value) else new_request_id()


def request_id() -> str:
    request = current_request.get()
    return str(getattr(request, "request_id", "") or "")


def municipality_slug(request: Any = None) -> str:
    request = request if request is not None else current_request.get()
    muni = getattr(request, "municipality", None)
    return str(getattr(muni, "slug", "") or "")
