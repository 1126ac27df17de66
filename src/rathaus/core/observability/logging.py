"""Log formatters: one JSON object per line (production) or plain text, both with a UTC offset.

Used by settings.LOGGING (``RATHAUS_LOG_FORMAT=json|plain``). :class:`RequestContextFilter` adds
``request_id`` and ``municipality`` (the slug) of the request being served to every record; outside
a request both are empty. No personal data: neither the client's address (unless
``RATHAUS_LOG_CLIENT_IP`` is on) nor the user's e-mail is added.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from . import context


def iso_time(created: float) -> str:
    """ISO 8601 with milliseconds and the UTC offset of the process's time zone (TIME_ZONE)."""
    return datetime.fromtimestamp(created).astimezone().isoformat(timespec="milliseconds")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = context.current_request.get()
        if not hasattr(record, "request_id"):
            record.request_id = str(getattr(request, "request_id", "") or "")
        if not hasattr(record, "municipality"):
            record.municipality = context.municipality_slug(request)
        if not hasattr(record, "client_ip"):
            record.client_ip = ""
            if request is not None and _log_client_ip():
                from rathaus.core.ratelimit import client_ip

                record.client_ip = client_ip(request)
        return True


def _log_client_ip() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "RATHAUS_LOG_CLIENT_IP", False))


class PlainFormatter(logging.Formatter):
    """``time level logger [request_id municipality] message`` with an ISO 8601 time and offset."""

    def __init__(self, fmt: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            fmt or "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(municipality)s] %(message)s",
            *args,
            **kwargs,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return iso_time(record.created)

    def format(self, record: logging.LogRecord) -> str:
        for name in ("request_id", "municipality"):
            if not getattr(record, name, ""):
                setattr(record, name, "-")
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, municipality, exception."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
            "municipality": getattr(record, "municipality", "") or None,
        }
        client_ip = getattr(record, "client_ip", "")
        if client_ip:
            data["client_ip"] = client_ip
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)
