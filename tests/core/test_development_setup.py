"""A development checkout works without exported variables; production keeps refusing.

`make install` writes var/development.env (RATHAUS_DEBUG=1 and a random secret key). The settings read
it only when the environment has no RATHAUS_SECRET_KEY and never under pytest; the demo commands exist
only where the demo is switched on, and demo_totp never prints a real account's code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rathaus.core.accounts.mfa import activate_totp
from rathaus.core.tenancy.services import primary_host, public_url
from tests.conftest import make_user

REPO = Path(__file__).resolve().parents[2]
PROBE = (
    "from django.conf import settings; "
    "print(settings.DEBUG, settings.DEMO, 'rathaus.demo' in settings.INSTALLED_APPS)"
)


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RATHAUS_", "DJANGO_")) and k not in {"PYTEST_VERSION", "DATABASE_URL"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["RATHAUS_DATA_DIR"] = str(tmp_path)
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def dev_env_file(tmp_path: Path) -> Path:
    path = tmp_path / "development.env"
    path.write_text(
        "# written by make\nRATHAUS_DEBUG=1\n"
        "RATHAUS_SECRET_KEY=test-secret-key-from-the-development-file-0123456789\n"
    )
    return path


def test_documented_commands_work_in_a_development_checkout(tmp_path, dev_env_file):
    env = _clean_env(tmp_path, RATHAUS_DEVELOPMENT_ENV_FILE=str(dev_env_file))
    result = _manage(env, "shell", "-v", "0", "-c", PROBE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]
    # A demo command is there and answers with its own message, not with ImproperlyConfigured.
    result = _manage(env, "demo_totp", "nobody@zeitz.example")
    assert "RATHAUS_SECRET_KEY" not in result.stderr
    assert result.returncode != 0


def test_without_the_file_the_secret_is_still_required(tmp_path):
    env = _clean_env(tmp_path, RATHAUS_DEVELOPMENT_ENV_FILE=str(tmp_path / "missing.env"))
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "RATHAUS_SECRET_KEY must be set" in result.stderr


def test_production_ignores_the_development_file_and_has_no_demo(tmp_path, dev_env_file):
    env = _clean_env(
        tmp_path,
        RATHAUS_DEVELOPMENT_ENV_FILE=str(dev_env_file),
        RATHAUS_SECRET_KEY="a-real-production-secret-0123456789-abcdefghijklmnop",
    )
    result = _manage(env, "shell", "-v", "0", "-c", PROBE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False"]
    for command in ("load_demo", "demo_totp"):
        refused = _manage(env, command, *(["admin@zeitz.example"] if command == "demo_totp" else []))
        assert refused.returncode != 0
        assert f"Unknown command: '{command}'" in refused.stderr


def test_an_explicit_demo_installation_keeps_its_demo(tmp_path):
    env = _clean_env(
        tmp_path,
        RATHAUS_DEVELOPMENT_ENV_FILE=str(tmp_path / "missing.env"),
        RATHAUS_SECRET_KEY="a-real-production-secret-0123456789-abcdefghijklmnop",
        RATHAUS_DEMO="1",
    )
    result = _manage(env, "shell", "-v", "0", "-c", PROBE)
    assert result.stdout.split() == ["False", "True", "True"], result.stderr


@pytest.mark.django_db
def test_load_demo_refuses_when_the_demo_is_off(settings):
    settings.DEMO = False
    with pytest.raises(CommandError, match="RATHAUS_DEMO"):
        call_command("load_demo", stdout=StringIO())


@pytest.mark.django_db
def test_demo_totp_never_prints_a_real_accounts_code():
    user = make_user("real.admin@naumburg.example")
    activate_totp(user, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    with pytest.raises(CommandError, match="kein Demo-Konto"):
        call_command("demo_totp", "real.admin@naumburg.example", stdout=StringIO())


@pytest.mark.django_db
def test_demo_totp_prints_a_demo_accounts_code():
    from rathaus.demo.core_demo import DEMO_TOTP_SECRET

    user = make_user("demo.admin@zeitz.example")
    activate_totp(user, DEMO_TOTP_SECRET)
    out = StringIO()
    call_command("demo_totp", "demo.admin@zeitz.example", stdout=out)
    assert out.getvalue().strip().isdigit()
    assert len(out.getvalue().strip()) == 6


@pytest.mark.parametrize(
    ("https", "port", "expected"),
    [
        (False, "8000", "http://zeitz.localhost:8000/antraege/1/"),
        (False, "", "http://zeitz.localhost/antraege/1/"),
        (False, "80", "http://zeitz.localhost/antraege/1/"),
        (True, "443", "https://zeitz.localhost/antraege/1/"),
        (True, "8443", "https://zeitz.localhost:8443/antraege/1/"),
    ],
)
def test_links_without_a_request_carry_the_public_port(settings, muni_a, https, port, expected):
    settings.HTTPS = https
    settings.PUBLIC_PORT = port
    assert public_url(muni_a, "/antraege/1/") == expected.replace("zeitz.localhost", primary_host(muni_a))
