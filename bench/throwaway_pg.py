"""A throw-away PostgreSQL database for the module benchmarks (created, used, dropped)."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rathaus"


def _admin_connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def run_in_throwaway_database(name: str, host: str, run: Callable[[], int]) -> int:
    """Create ``rathaus_<name>_<pid>`` next to DATABASE_URL, point Django at it with production-like
    settings, call ``run`` and drop the database again, whatever happens."""
    base_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not base_url.startswith("postgres"):
        print(f"{name} needs PostgreSQL (DATABASE_URL=postgres://…)", file=sys.stderr)
        return 2
    db_name = f"rathaus_{name}_{os.getpid()}"
    with _admin_connect(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    try:
        os.environ.update(
            {
                "DATABASE_URL": urlunsplit(urlsplit(base_url)._replace(path=f"/{db_name}")),
                "DJANGO_SETTINGS_MODULE": "rathaus.settings",
                "RATHAUS_DEBUG": "0",
                "RATHAUS_DEMO": "1",
                "RATHAUS_SECRET_KEY": secrets.token_urlsafe(50),
                "RATHAUS_HTTPS": "0",
                "RATHAUS_MANIFEST_STATIC": "0",
                "RATHAUS_ALLOWED_HOSTS": host,
                "RATHAUS_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "RATHAUS_TASK_BACKEND": "django_tasks.backends.dummy.DummyBackend",
                "RATHAUS_LOG_LEVEL": "WARNING",
            }
        )
        return run()
    finally:
        from django.db import connections

        connections.close_all()
        with _admin_connect(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
