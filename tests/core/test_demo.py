"""`load_demo`: idempotent, both municipalities with their hosts, staff accounts with TOTP."""

from __future__ import annotations

from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from rathaus.core.accounts.mfa import current_totp_code
from rathaus.core.accounts.models import Membership, User
from rathaus.core.audit.models import AuditEvent
from rathaus.core.search import services as search
from rathaus.core.search.models import SearchDocument
from rathaus.core.tenancy.models import Municipality
from rathaus.core.tenancy.services import municipality_for_host
from rathaus.core.ui.models import LegalPage, LegalPageKind, Notice
from rathaus.demo.core_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, USERS


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    call_command("load_demo", stdout=StringIO())


def test_load_demo_twice_changes_nothing(demo):
    first = _counts()
    audit_ids = set(AuditEvent.objects.values_list("id", flat=True))
    search_rows = sorted(SearchDocument.objects.values_list("id", "title", "body", "updated_at"))
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _counts() == first
    assert set(AuditEvent.objects.values_list("id", flat=True)) == audit_ids
    assert sorted(SearchDocument.objects.values_list("id", "title", "body", "updated_at")) == search_rows
    assert "demo data loaded" in out.getvalue()


def test_demo_municipalities_and_hosts(demo):
    zeitz = Municipality.objects.get(slug="zeitz")
    muster = Municipality.objects.get(slug="musterstadt")
    assert (zeitz.ags, zeitz.ars, zeitz.state) == ("15084590", "150840590590", "15")
    zeitz.full_clean()
    muster.full_clean()
    for host in ("127.0.0.1", "localhost", "zeitz.localhost", "127.0.0.1:8000", "ZEITZ.localhost:8000"):
        assert municipality_for_host(host) == zeitz, host
    assert municipality_for_host("musterstadt.localhost") == muster
    assert municipality_for_host("unbekannt.localhost") is None
    assert "Zeitz" in Client(HTTP_HOST="127.0.0.1:8000").get("/").content.decode()
    assert "Musterstadt" in Client(HTTP_HOST="musterstadt.localhost").get("/").content.decode()


def test_demo_content(demo):
    zeitz = Municipality.objects.get(slug="zeitz")
    kinds = set(LegalPage.objects.filter(municipality=zeitz).values_list("kind", flat=True))
    assert kinds == set(LegalPageKind.values)
    assert Notice.objects.filter(municipality=zeitz).exists()
    assert search.search(zeitz, "Impressum") or search.search(zeitz, "Anbieter")


def test_demo_staff_accounts_have_totp(demo):
    staff_emails = [email for email, _n, _s, role, _m, _d, superuser in USERS if role or superuser]
    assert "admin@zeitz.example" in staff_emails
    for email in staff_emails:
        user = User.objects.get(email=email)
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(), email
        assert user.check_password(DEMO_PASSWORD)
    import base64
    import hmac
    import struct
    import time
    from hashlib import sha1

    # The documented secret really is the one stored (compute the code independently).
    counter = int(time.time()) // 30
    digest = hmac.new(base64.b32decode(DEMO_TOTP_SECRET), struct.pack(">Q", counter), sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    admin = User.objects.get(email="admin@zeitz.example")
    assert current_totp_code(admin) == f"{code:06d}"


def test_demo_citizens_have_no_role_and_no_totp(demo):
    citizen = User.objects.get(email="buerger@zeitz.example")
    assert not Membership.objects.filter(user=citizen).exists()
    assert not Authenticator.objects.filter(user=citizen).exists()


def test_demo_roles(demo):
    zeitz = Municipality.objects.get(slug="zeitz")
    redaktion = Membership.objects.get(user__email="redaktion@zeitz.example", municipality=zeitz)
    assert redaktion.role == "module_manager" and "portal" in redaktion.modules
    assert Membership.objects.get(user__email="admin@musterstadt.example").municipality.slug == "musterstadt"
    assert User.objects.get(email="plattform@rathaus.example").is_superuser


def test_demo_admin_can_log_in_with_totp(demo):
    c = Client(HTTP_HOST="zeitz.localhost")
    response = c.post("/konto/login/", {"login": "admin@zeitz.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    admin = User.objects.get(email="admin@zeitz.example")
    c.post("/konto/2fa/authenticate/", {"code": current_totp_code(admin)})
    assert c.session["_auth_user_id"] == str(admin.pk)
    assert c.get("/verwaltung/protokoll/").status_code == 200
