"""Account mails carry German first and English below, in the body and in the subject."""

from __future__ import annotations

from pathlib import Path

import allauth
import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from tests.conftest import HOST_A, make_user

OUR_TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "rathaus" / "templates"
ALLAUTH_TEMPLATES = Path(allauth.__file__).resolve().parent / "templates"
MAIL_DIRS = ["account/email", "mfa/email"]
SEPARATOR = "English version"


def _allauth_mail_templates() -> list[str]:
    names = []
    for folder in MAIL_DIRS:
        names += [f"{folder}/{p.name}" for p in sorted((ALLAUTH_TEMPLATES / folder).glob("*.txt"))]
    return names


def _split(body: str) -> tuple[str, str]:
    assert body.count(SEPARATOR) == 1, body
    german, english = body.split(SEPARATOR)
    return german, english


def test_every_allauth_mail_template_is_overridden():
    # A new allauth release that adds a mail must not silently send English-only text.
    missing = [name for name in _allauth_mail_templates() if not (OUR_TEMPLATES / name).exists()]
    assert missing == []


@pytest.mark.parametrize(
    "prefix",
    sorted(
        n.removesuffix("_message.txt")
        for n in _allauth_mail_templates()
        if n.endswith("_message.txt") and "/base_" not in n
    ),
)
def test_every_mail_renders_german_then_english(prefix, muni_a, rf: RequestFactory):
    request = rf.get("/", HTTP_HOST=HOST_A)
    request.municipality = muni_a
    context = {
        "request": request,
        "municipality": muni_a,
        "current_site": type("Site", (), {"name": HOST_A, "domain": HOST_A})(),
        "email": "person@example.org",
        "user": None,
        "activate_url": "https://zeitz.testserver/konto/confirm-email/KEY/",
        "password_reset_url": "https://zeitz.testserver/konto/password/reset/key/KEY/",
        "signup_url": "https://zeitz.testserver/konto/signup/",
        "code": "",
        "from_email": "alt@example.org",
        "to_email": "neu@example.org",
        "deleted_email": "weg@example.org",
        "ip": "192.0.2.1",
        "user_agent": "Browser & Co",
        "timestamp": timezone.now(),
    }
    if prefix.endswith("_code"):
        context["code"] = "ABC123"
    subject = render_to_string(f"{prefix}_subject.txt", context).strip()
    body = render_to_string(f"{prefix}_message.txt", context)

    german_subject, english_subject = subject.split(" / ")
    assert german_subject and english_subject
    assert "{" not in subject and "{" not in body
    german, english = _split(body)
    assert german.lstrip().startswith("Guten Tag,")
    assert "Mit freundlichen Grüßen" in german and "Zeitz" in german
    assert english.lstrip("-\n ").startswith("Hello,")
    assert "Kind regards" in english and "Zeitz" in english
    # Plain-text mails are not HTML-escaped.
    assert "&amp;" not in body
    if "base_notification" in (OUR_TEMPLATES / f"{prefix}_message.txt").read_text():
        assert "Browser & Co" in german and "Browser & Co" in english


def _signup(client, email: str):
    return client.post(
        "/konto/signup/",
        {
            "email": email,
            "password1": "Ein-sicheres-Passwort-2026",
            "password2": "Ein-sicheres-Passwort-2026",
        },
    )


@pytest.mark.parametrize("language", ["de", "en"])
def test_signup_sends_bilingual_confirmation_mail(client_a, muni_a, language):
    client_a.cookies["django_language"] = language
    response = _signup(client_a, "neu@example.org")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["neu@example.org"]
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse / Please confirm your e-mail address" in message.subject
    german, english = _split(message.body)
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse über diesen Link" in german
    assert "Please confirm your e-mail address with this link" in english
    assert "Ihr digitales Rathaus Zeitz" in german
    assert "Your digital town hall of Zeitz" in english
    # The same confirmation link appears in both halves and points at the municipality's host.
    link = next(line for line in german.splitlines() if "/konto/confirm-email/" in line).strip()
    assert link.startswith(f"http://{HOST_A}/konto/confirm-email/")
    assert link in english
    assert client_a.get(link.removeprefix(f"http://{HOST_A}")).status_code == 200


def test_signup_mail_names_the_municipality_of_the_host(client_b, muni_b, muni_a):
    assert _signup(client_b, "neu@example.org").status_code == 302
    body = mail.outbox[0].body
    assert "Musterstadt" in body
    assert "Zeitz" not in body


def test_signup_with_existing_address_sends_bilingual_notice(client_a, muni_a, citizen):
    assert _signup(client_a, citizen.email).status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Konto besteht bereits / Account already exists" in message.subject
    german, english = _split(message.body)
    assert "Zu dieser Adresse gibt es bereits ein Konto" in german
    assert "An account with this address already exists" in english


def test_password_reset_mail_is_bilingual(client_a, muni_a):
    make_user("reset@example.org")
    response = client_a.post("/konto/password/reset/", {"email": "reset@example.org"})
    assert response.status_code == 302
    message = mail.outbox[0]
    assert "Passwort zurücksetzen / Reset your password" in message.subject
    german, english = _split(message.body)
    assert "neues Passwort" in german and "/konto/password/reset/key/" in german
    assert "choose a new password" in english and "/konto/password/reset/key/" in english


def test_password_reset_for_unknown_address_is_bilingual(client_a, muni_a):
    response = client_a.post("/konto/password/reset/", {"email": "niemand@example.org"})
    assert response.status_code == 302
    message = mail.outbox[0]
    assert "Unbekanntes Konto / Unknown account" in message.subject
    german, english = _split(message.body)
    assert "kein Konto" in german and "niemand@example.org" in german
    assert "no account" in english and "/konto/signup/" in english
