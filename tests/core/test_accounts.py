"""Accounts: sign-up, login throttling, API tokens, DSGVO export and deletion."""

from __future__ import annotations

import hashlib
import json

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rathaus.core.accounts import services as accounts
from rathaus.core.accounts.models import (
    ApiToken,
    Membership,
    Organisation,
    OrganisationMembership,
    Role,
    User,
)
from rathaus.core.audit import services as audit
from rathaus.core.audit.models import AuditEvent
from tests.conftest import HOST_A, HOST_B, PASSWORD, client_for, make_user

NEW_PASSWORD = "Sonnenblume-Elster-2026"


def _signup(client: Client, email: str) -> object:
    return client.post(
        reverse("account_signup"), {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )


# --- Sign-up and e-mail verification ------------------------------------------------------------


def test_signup_sends_verification_mail(client_a, muni_a):
    response = _signup(client_a, "Neu@Example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="neu@example.org")
    assert user.check_password(NEW_PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert not address.verified
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["neu@example.org"]
    assert "/konto/confirm-email/" in message.body
    # Mandatory verification: not logged in yet.
    assert "_auth_user_id" not in client_a.session
    assert AuditEvent.objects.filter(action="account.signed_up", actor=user).exists()


def test_signup_confirmation_link_verifies_and_logs_in(client_a, muni_a):
    import re

    _signup(client_a, "neu@example.org")
    link = re.search(r"https?://[^/\s]+(/konto/confirm-email/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    response = client_a.post(link.group(1))
    assert response.status_code == 302
    user = User.objects.get(email="neu@example.org")
    assert EmailAddress.objects.get(user=user).verified
    assert client_a.session["_auth_user_id"] == str(user.pk)


def test_signup_closed_on_unknown_host(muni_a):
    response = _signup(Client(HTTP_HOST="unbekannt.example"), "x@example.org")
    assert response.status_code == 404
    assert not User.objects.filter(email="x@example.org").exists()
    assert mail.outbox == []


def test_signup_with_existing_email_does_not_reveal_it(client_a, citizen):
    response = _signup(client_a, citizen.email)
    # ACCOUNT_PREVENT_ENUMERATION: same answer as for a new address; the owner gets a notice mail.
    assert response.status_code == 302
    assert User.objects.filter(email=citizen.email).count() == 1
    assert [m.to for m in mail.outbox] == [[citizen.email]]


def test_signup_rejects_weak_password(client_a, muni_a):
    response = client_a.post(
        reverse("account_signup"), {"email": "neu@example.org", "password1": "12345", "password2": "12345"}
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="neu@example.org").exists()
    assert mail.outbox == []


# --- Login and throttling -----------------------------------------------------------------------


@pytest.fixture
def fast_hashing(settings):
    # Failed logins hash a password each (also for unknown addresses); keep these tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _login(client: Client, email: str, password: str) -> object:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_login_with_password(client_a, citizen):
    response = _login(client_a, citizen.email, PASSWORD)
    assert response.status_code == 302
    assert client_a.session["_auth_user_id"] == str(citizen.pk)


def test_staff_login_asks_for_second_factor(client_a, staff_a):
    from rathaus.core.accounts.mfa import current_totp_code

    response = _login(client_a, staff_a.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client_a.session
    response = client_a.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client_a.session
    response = client_a.post(reverse("mfa_authenticate"), {"code": current_totp_code(staff_a)})
    assert response.status_code == 302
    assert client_a.session["_auth_user_id"] == str(staff_a.pk)


def test_repeated_failed_logins_are_throttled(fast_hashing, client_a, muni_a):
    citizen = make_user("buerger@example.org")
    # settings: login_failed "10/m/ip,5/5m/key" -> after 5 failures for one address, allauth refuses
    # every further attempt for that address, even with the right password.
    for _ in range(5):
        response = _login(client_a, citizen.email, "falsch-falsch-falsch")
        assert response.status_code == 200
        assert "_auth_user_id" not in client_a.session
    response = _login(client_a, citizen.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client_a.session
    with translation.override("de"):
        expected = translation.gettext("Too many failed login attempts. Try again later.")
    form = response.context["form"]
    assert expected in form.non_field_errors()
    # Another account from a different address is not locked.
    other = make_user("andere@example.org")
    other_client = Client(HTTP_HOST=HOST_A, REMOTE_ADDR="10.9.9.9")
    assert _login(other_client, other.email, PASSWORD).status_code == 302


def test_failed_login_limit_per_ip(fast_hashing, client_a, muni_a):
    # 10 failures per minute from one IP, whatever the address tried.
    for i in range(10):
        _login(client_a, f"unbekannt{i}@example.org", "falsch-falsch-falsch")
    user = make_user("frisch@example.org")
    response = _login(client_a, user.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client_a.session


def test_login_post_flood_gets_429(fast_hashing, client_a, muni_a):
    # "login": "30/m/ip" applies to every POST of the login form.
    statuses = [_login(client_a, f"x{i}@example.org", "falsch").status_code for i in range(31)]
    assert statuses[-1] == 429
    assert 429 not in statuses[:30]


# --- API tokens ---------------------------------------------------------------------------------


def test_api_token_created_shown_once_and_stored_hashed(admin_a):
    c = client_for(HOST_A, admin_a)
    response = c.post("/verwaltung/api-tokens/", {"name": "Fachverfahren"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    html = response.content.decode()
    import re

    raw = re.search(r"<code data-new-token>([^<]+)</code>", html).group(1)
    assert raw.startswith("rh_")
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:10]
    assert token.municipality.slug == "zeitz"
    assert token.created_by == admin_a
    # The raw secret is nowhere in the row and never shown again.
    for field in ApiToken._meta.concrete_fields:
        assert raw not in str(getattr(token, field.attname))
    again = c.get("/verwaltung/api-tokens/").content.decode()
    assert raw not in again
    assert "Fachverfahren" in again
    ev = AuditEvent.objects.get(action="api_token.created")
    assert raw not in json.dumps(ev.changes) and raw not in ev.object_repr
    assert accounts.authenticate_token(raw, token.municipality) == token


def test_api_token_needs_name(admin_a):
    c = client_for(HOST_A, admin_a)
    response = c.post("/verwaltung/api-tokens/", {"name": "   "})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_api_token_revoke(admin_a, muni_a):
    token, raw = accounts.create_api_token(muni_a, "Test", admin_a)
    c = client_for(HOST_A, admin_a)
    response = c.post(f"/verwaltung/api-tokens/{token.pk}/sperren/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert accounts.authenticate_token(raw, muni_a) is None
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=str(token.pk)).exists()


def test_api_token_revoke_needs_post(admin_a, muni_a):
    token, _raw = accounts.create_api_token(muni_a, "Test", admin_a)
    assert client_for(HOST_A, admin_a).get(f"/verwaltung/api-tokens/{token.pk}/sperren/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_of_b_refused_on_a(admin_b, admin_a, muni_a, muni_b):
    token_b, raw_b = accounts.create_api_token(muni_b, "B", admin_b)
    assert accounts.authenticate_token(raw_b, muni_a) is None
    assert accounts.authenticate_token(raw_b, muni_b) == token_b
    # Admin of A cannot revoke (or even find) B's token.
    response = client_for(HOST_A, admin_a).post(f"/verwaltung/api-tokens/{token_b.pk}/sperren/")
    assert response.status_code == 404
    token_b.refresh_from_db()
    assert token_b.revoked_at is None
    # ... nor see it in the list.
    assert (
        "rh_" + raw_b[3:10] not in client_for(HOST_A, admin_a).get("/verwaltung/api-tokens/").content.decode()
    )


def test_authenticate_token_edge_cases(muni_a, admin_a):
    token, raw = accounts.create_api_token(muni_a, "Test", admin_a)
    assert accounts.authenticate_token("", muni_a) is None
    assert accounts.authenticate_token(raw, None) is None
    assert accounts.authenticate_token(raw + "x", muni_a) is None
    assert accounts.authenticate_token(token.token_hash, muni_a) is None  # the hash is no credential
    assert token.last_used_at is None
    accounts.authenticate_token(raw, muni_a)
    token.refresh_from_db()
    assert token.last_used_at is not None


# --- Roles --------------------------------------------------------------------------------------


def test_grant_role_is_audited_and_updates(muni_a, admin_a):
    user = make_user("neu@example.org")
    m = accounts.grant_role(muni_a, user, Role.STAFF, actor=admin_a)
    assert m.role == Role.STAFF
    m2 = accounts.grant_role(muni_a, user, Role.MODULE_MANAGER, modules=["portal"], actor=admin_a)
    assert m2.pk == m.pk
    assert Membership.objects.get(user=user).modules == ["portal"]
    assert AuditEvent.objects.filter(action="membership.granted", municipality=muni_a).count() == 2


# --- DSGVO export and deletion ------------------------------------------------------------------


def test_data_export_contains_own_data_only(citizen, staff_a, muni_a):
    org = Organisation.objects.create(name="Elstertal Werkzeugbau GmbH")
    OrganisationMembership.objects.create(organisation=org, user=citizen, is_representative=True)
    response = client_for(HOST_A, citizen).get("/konto/datenexport/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == citizen.email
    assert data["email_addresses"] == [{"email": citizen.email, "verified": True, "primary": True}]
    assert data["organisations"] == [{"name": "Elstertal Werkzeugbau GmbH", "representative": True}]
    assert data["roles"] == []
    raw = response.content.decode()
    assert staff_a.email not in raw
    assert "Bürgerservice" not in raw  # staff_a's department


def test_data_export_of_staff_lists_roles(staff_a):
    data = json.loads(client_for(HOST_A, staff_a).get("/konto/datenexport/").content)
    assert data["roles"] == [{"municipality": "Zeitz", "role": "staff", "modules": []}]


def test_data_export_needs_login(client_a):
    assert client_a.get("/konto/datenexport/").status_code == 302


def test_account_deletion_keeps_pseudonymous_audit_trail(client_a, muni_a, admin_a):
    _signup(client_a, "weg@example.org")
    user = User.objects.get(email="weg@example.org")
    user_id = user.pk
    accounts.grant_role(muni_a, user, Role.STAFF, actor=admin_a)
    audit.record("test.action", actor=user, municipality=muni_a, obj=user)
    own_events = AuditEvent.objects.filter(actor_id=user_id).count()
    assert own_events >= 2
    total = AuditEvent.objects.count()

    c = client_for(HOST_A, user)
    response = c.post("/konto/loeschen/", {"password": "falsch"})
    assert response.status_code == 400
    assert User.objects.filter(pk=user_id).exists()

    response = c.post("/konto/loeschen/", {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user_id).exists()
    assert not EmailAddress.objects.filter(email="weg@example.org").exists()
    assert not Membership.objects.filter(user_id=user_id).exists()
    assert "_auth_user_id" not in c.session
    # Audit rows stay (plus one for the deletion), none names the address any more.
    assert AuditEvent.objects.count() == total + 1
    assert AuditEvent.objects.filter(actor_id=user_id).count() == own_events
    for ev in AuditEvent.objects.all():
        row = " ".join([ev.actor_label, ev.object_repr, ev.object_id, json.dumps(ev.changes)])
        assert "weg@example.org" not in row, (ev.action, row)
    labels = set(AuditEvent.objects.filter(actor_id=user_id).values_list("actor_label", flat=True))
    assert labels == {f"Gelöschtes Konto #{user_id}"}
    assert AuditEvent.objects.filter(action="account.deleted", object_id=str(user_id)).exists()
    # The admin's own label is untouched.
    assert AuditEvent.objects.filter(actor=admin_a).first().actor_label.startswith(admin_a.email)


def test_account_deletion_does_not_touch_others(citizen, muni_a):
    other = make_user("bleibt@example.org")
    audit.record("test.action", actor=other, municipality=muni_a)
    c = client_for(HOST_A, citizen)
    assert c.get("/konto/loeschen/").status_code == 200
    c.post("/konto/loeschen/", {"password": PASSWORD})
    assert User.objects.filter(pk=other.pk).exists()
    assert AuditEvent.objects.get(action="test.action").actor_label == f"bleibt@example.org (#{other.pk})"


@pytest.mark.parametrize("host", [HOST_A, HOST_B])
def test_account_pages_work_on_every_host(citizen, muni_a, muni_b, host):
    assert client_for(host, citizen).get("/konto/").status_code == 200
