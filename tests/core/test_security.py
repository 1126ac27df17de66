"""Security headers, no inline script, cookies, and `check --deploy` with production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from rathaus.core.ui.models import LegalPage, Notice
from tests.conftest import HOST_A, client_for

REPO = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path", ["/", "/rechtliches/impressum/", "/suche/?q=x", "/konto/login/"])
def test_security_headers(muni_a, path):
    response = client_for(HOST_A).get(path)
    assert response.status_code == 200
    csp = _csp(response)
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_security_headers_on_404_and_403(muni_a, citizen):
    for response in (
        client_for("unbekannt.example").get("/"),
        client_for(HOST_A).get("/gibt-es-nicht/"),
        client_for(HOST_A, citizen).get("/verwaltung/"),
    ):
        assert response.status_code in (403, 404)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
DATA_TYPES = {"application/ld+json", "application/json"}


def _inline_scripts(html: str) -> list[str]:
    bad = []
    for m in INLINE_SCRIPT.finditer(html):
        attrs = m.group("attrs")
        type_ = re.search(r'type\s*=\s*["\']?([^"\'\s>]+)', attrs)
        if type_ and type_.group(1).lower() in DATA_TYPES:
            continue
        if re.search(r"\bsrc\s*=", attrs) and not m.group("body").strip():
            continue
        bad.append(m.group(0)[:200])
    return bad


def _inline_handlers(html: str) -> list[str]:
    return re.findall(r"<[^>]+\son[a-z]+\s*=", html, re.I)


def test_no_inline_script_on_public_and_staff_pages(muni_a, admin_a, editor_a):
    n = Notice.objects.create(municipality=muni_a, title="Stadtfest", teaser="t")
    LegalPage.objects.create(municipality=muni_a, kind="impressum", body_de="<script>alert(1)</script>")
    anonymous = client_for(HOST_A)
    admin = client_for(HOST_A, admin_a)
    editor = client_for(HOST_A, editor_a)
    pages = [
        (anonymous, "/"),
        (anonymous, "/rechtliches/impressum/"),
        (anonymous, "/rechtliches/gebaerdensprache/"),
        (anonymous, "/barriere-melden/"),
        (anonymous, f"/aktuelles/{n.pk}/"),
        (anonymous, "/suche/?q=Stadtfest"),
        (anonymous, "/konto/login/"),
        (anonymous, "/konto/signup/"),
        (anonymous, "/konto/password/reset/"),
        (anonymous, "/api/docs"),
        (admin, "/konto/"),
        (admin, "/verwaltung/"),
        (admin, "/verwaltung/protokoll/"),
        (admin, "/verwaltung/einstellungen/"),
        (admin, "/verwaltung/api-tokens/"),
        (editor, "/verwaltung/aktuelles/"),
        (editor, "/verwaltung/aktuelles/neu/"),
        (editor, f"/verwaltung/aktuelles/{n.pk}/"),
        (editor, "/verwaltung/rechtliches/impressum/"),
        (editor, "/verwaltung/barriere-meldungen/"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert _inline_scripts(html) == [], path
        assert _inline_handlers(html) == [], path
        assert "style=" not in html.lower() or path == "/api/docs", path


def test_inline_script_detector_works():
    assert _inline_scripts("<script>alert(1)</script>")
    assert _inline_scripts('<script src="/x.js">alert(1)</script>')
    assert not _inline_scripts('<script src="/x.js" defer></script>')
    assert not _inline_scripts('<script type="application/ld+json">{"a": 1}</script>')
    assert _inline_handlers('<img src="x" onerror="alert(1)">')


def test_cookies_are_http_only_and_same_site(client_a, citizen):
    from django.urls import reverse

    response = client_a.post(
        reverse("account_login"), {"login": citizen.email, "password": "Test-Passwort-2026"}
    )
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_csrf_is_enforced(muni_a, editor_a):
    from django.test import Client

    c = Client(HTTP_HOST=HOST_A, enforce_csrf_checks=True)
    c.force_login(editor_a, backend="django.contrib.auth.backends.ModelBackend")
    response = c.post("/verwaltung/rechtliches/impressum/", {"body_de": "Ohne Token"})
    assert response.status_code == 403
    assert not LegalPage.objects.exists()


def test_uploads_and_requests_have_limits():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert settings.RATHAUS_MAX_LOGO_BYTES <= 1024 * 1024


def _production_env(**extra: str) -> dict[str, str]:
    # Only the production variables: no pytest marker, no RATHAUS_* of the developer's shell, and no
    # DJANGO_ALLOW_ASYNC_UNSAFE (the browser tests set it for their own process).
    dropped = {"PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("RATHAUS_")}
    env.update(
        RATHAUS_DEBUG="0",
        RATHAUS_SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        RATHAUS_HTTPS="1",
        RATHAUS_ALLOWED_HOSTS="zeitz.de",
        PYTHONPATH=str(REPO / "src"),
    )
    env.update(extra)
    return env


def test_check_deploy_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        # production has a shared cache (rathaus.W101 warns without one); check does not connect
        env=_production_env(RATHAUS_REDIS_URL="redis://127.0.0.1:6379/0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_secret():
    env = _production_env()
    del env["RATHAUS_SECRET_KEY"]
    # A development checkout has var/development.env, which would provide a secret; a server has none.
    env["RATHAUS_DEVELOPMENT_ENV_FILE"] = str(REPO / "var" / "no-such-development.env")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "RATHAUS_SECRET_KEY" in result.stderr


def test_production_settings_values():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS > 0, s.ALLOWED_HOSTS, s.LANGUAGE_COOKIE_SECURE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO,
        env={**_production_env(), "DJANGO_SETTINGS_MODULE": "rathaus.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True True True True ['zeitz.de'] True"
