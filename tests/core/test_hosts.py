"""Host names follow the municipalities' domains (docs/operations.md, "Host names and TLS").

Production leaves RATHAUS_ALLOWED_HOSTS unset: Django accepts every syntactically valid host, and the
tenant middleware (before every view) answers hosts that are no active municipality's domain with
its 404 page. Onboarding a municipality is then a database change only (no env edit, no restart),
and the load balancer's probe gets 200 whatever host it sends.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from rathaus.core.tenancy.models import Municipality

REPO = Path(__file__).resolve().parents[2]
NAUMBURG = "portal.naumburg.de"


def _settings_of(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RATHAUS_") and k != "PYTEST_VERSION"}
    clean.update({"RATHAUS_SECRET_KEY": "x" * 60, "DJANGO_SETTINGS_MODULE": "rathaus.settings"}, **env)
    clean["PYTHONPATH"] = str(REPO / "src")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.ALLOWED_HOSTS); print(s.SECURE_PROXY_SSL_HEADER); print(s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=clean,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_production_default_accepts_every_host_and_trusts_the_proxy_only_when_told():
    assert _settings_of(RATHAUS_BEHIND_PROXY="1") == ["['*']", "('HTTP_X_FORWARDED_PROTO', 'https')", "True"]
    assert _settings_of()[1] == "None"  # without a proxy, X-Forwarded-Proto is never believed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host",
    ["10.0.0.5", "10.0.0.5:8000", "[fd00::5]:8000", "127.0.0.1", "lb-probe.internal", "unknown.example.org"],
)
def test_liveness_answers_200_whatever_host_the_probe_sends(settings, host):
    assert "*" in settings.ALLOWED_HOSTS  # the production default (pytest-django adds testserver)
    response = Client(HTTP_HOST=host).get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_liveness_answers_without_a_host_header():
    # HTTP/1.0 probes send no Host: Django falls back to the server name.
    assert Client().get("/health/live").status_code == 200


@pytest.mark.django_db
def test_unknown_hosts_get_the_404_page_and_no_absolute_link_to_them(muni_a):
    response = Client(HTTP_HOST="evil.example.com").get("/konto/passwort/zuruecksetzen/")
    assert response.status_code == 404
    assert "evil.example.com" not in response.get("Location", "")


@pytest.mark.django_db
def test_onboarding_a_municipality_needs_no_settings_change_and_no_restart(muni_a):
    client = Client(HTTP_HOST=NAUMBURG)
    assert client.get("/").status_code == 404  # not (yet) a municipality: also cached as unknown
    call_command(
        "create_municipality",
        "--municipality",
        "naumburg",
        "--name",
        "Naumburg",
        "--ags",
        "15084355",
        "--ars",
        "150840355355",
        "--prefix",
        "NMB",
        "--host",
        NAUMBURG,
        stdout=io.StringIO(),
    )
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.municipality == Municipality.objects.get(slug="naumburg")
    # a second host added later works at once as well
    call_command(
        "create_municipality",
        "--municipality",
        "naumburg",
        "--host",
        "www.naumburg.de",
        stdout=io.StringIO(),
    )
    assert Client(HTTP_HOST="www.naumburg.de").get("/").status_code == 200


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_tls_at_the_proxy_redirects_plain_http_except_the_probes(muni_a):
    host = "zeitz.testserver"
    plain = Client(HTTP_HOST=host).get("/")
    assert plain.status_code == 301 and plain["Location"] == f"https://{host}/"
    via_proxy = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https").get("/")
    assert via_proxy.status_code == 200
    assert Client(HTTP_HOST="10.0.0.5:8000").get("/health/live").status_code == 200
    assert Client(HTTP_HOST="10.0.0.5:8000").get("/health").status_code == 200
