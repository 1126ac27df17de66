"""Sign-in (keyboard only, with TOTP) and the staff pages, in a real browser with axe-core checks.

allauth marks a TOTP code as used for its period, so every test signs in a different person.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from rathaus.core.accounts.models import Role
from rathaus.core.audit.models import AuditEvent
from rathaus.core.context import ServiceContext
from rathaus.core.ui import services as ui_services
from rathaus.core.ui.models import Notice
from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import Site, assert_accessible, login, staff_user, totp_code

pytestmark = pytest.mark.e2e


def active_id(page: Any) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.id : ''")


def tab_to(page: Any, element_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if active_id(page) == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with the Tab key")


def submit_button(page: Any, name: str) -> Any:
    return page.get_by_role("main").locator("form").get_by_role("button", name=name, exact=True)


def test_login_page_and_wrong_password(page, site: Site):
    make_user("buerger-login@example.org")
    page.goto(site.a("/"))
    with page.expect_navigation():
        page.get_by_role("banner").get_by_role("link", name="Anmelden").click()
    assert page.url.endswith("/konto/login/")
    assert page.get_by_role("heading", level=1).inner_text() == "Anmeldung"
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill("buerger-login@example.org")
    page.get_by_label("Passwort", exact=True).fill("falsches-Passwort-1")
    with page.expect_navigation():
        submit_button(page, "Anmeldung").click()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert "nicht korrekt" in summary.inner_text() or "falsch" in summary.inner_text().lower()
    assert page.get_by_role("banner").get_by_role("link", name="Anmelden").count() == 1
    assert_accessible(page)


def test_keyboard_only_login(page, site: Site):
    make_user("tastatur@example.org")
    page.goto(site.a("/konto/login/"))
    tab_to(page, "id_login")
    page.keyboard.type("tastatur@example.org")
    tab_to(page, "id_password", limit=3)  # past the "forgot password" link in the hint
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.rstrip("/") == site.a("").rstrip("/")
    banner = page.get_by_role("banner")
    assert banner.get_by_role("link", name="Mein Konto").count() == 1
    assert banner.get_by_role("button", name="Abmelden").count() == 1
    # The header's links are reachable by keyboard; Enter on "Mein Konto" opens the account page.
    page.goto(site.a("/"))
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.innerText.trim()") == "Mein Konto":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/konto/")
    assert_accessible(page)


def test_staff_login_with_totp_reaches_dashboard(page, site: Site):
    user = staff_user(site, "admin-totp@example.org", Role.ADMIN)
    page.goto(site.a("/verwaltung/"))
    assert "/konto/login/" in page.url, "staff pages need a sign-in"
    page.get_by_label("E-Mail-Adresse").fill(user.email)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        submit_button(page, "Anmeldung").click()
    assert "/konto/2fa/authenticate/" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Zwei-Faktor-Authentifizierung"
    assert_accessible(page)

    good = totp_code(user)
    page.get_by_label("Code").fill(f"{(int(good) + 1) % 1_000_000:06d}")
    with page.expect_navigation():
        submit_button(page, "Anmeldung").click()
    assert "/konto/2fa/authenticate/" in page.url
    assert page.locator("[data-error-summary]").is_visible()
    assert_accessible(page)

    page.get_by_label("Code").fill(totp_code(user))
    with page.expect_navigation():
        submit_button(page, "Anmeldung").click()
    assert "/konto/2fa/" not in page.url
    assert page.url.endswith("/verwaltung/")
    assert page.get_by_role("heading", level=1).inner_text() == "Verwaltung"
    assert "Ihre Rolle: Kommunal-Administration" in page.inner_text("main")
    assert_accessible(page)
    page.goto(site.a("/"))
    with page.expect_navigation():
        page.get_by_role("banner").get_by_role("link", name="Verwaltung").click()
    assert page.url.endswith("/verwaltung/")


def test_audit_log_page(page, site: Site):
    user = staff_user(site, "admin-protokoll@example.org", Role.ADMIN)
    ui_services.save_notice(
        Notice(municipality=site.muni_a, title="Wahlbekanntmachung", teaser="Kommunalwahl."),
        ServiceContext.for_user(user, site.muni_a),
    )
    ui_services.save_notice(
        Notice(municipality=site.muni_b, title="Nicht aus Zeitz", teaser="Musterstadt."),
        ServiceContext.system(site.muni_b),
    )
    login(page, site, user)
    page.goto(site.a("/verwaltung/"))
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("link", name="Protokoll").click()
    assert page.url.endswith("/verwaltung/protokoll/")
    assert page.get_by_role("heading", level=1).inner_text() == "Protokoll"
    table = page.get_by_role("table")
    assert "notice.created" in table.inner_text()
    assert "Wahlbekanntmachung" in table.inner_text()
    assert "Nicht aus Zeitz" not in table.inner_text()
    assert_accessible(page)
    # Filter by action.
    page.get_by_label("Aktion").fill("notice.created")
    with page.expect_navigation():
        page.get_by_role("button", name="Filtern").click()
    assert "action=notice.created" in page.url
    assert page.get_by_role("table").locator("caption").inner_text() == "1 Eintrag"
    assert_accessible(page)


def test_notice_edit_form(page, site: Site):
    user = staff_user(site, "redaktion-e2e@example.org", Role.MODULE_MANAGER, ["portal"])
    login(page, site, user)
    page.goto(site.a("/verwaltung/"))
    with page.expect_navigation():
        page.get_by_role("link", name="Aktuelles und Bekanntmachungen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Aktuelles verwalten"
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Neue Meldung").click()
    assert page.url.endswith("/verwaltung/aktuelles/neu/")
    assert_accessible(page)

    page.get_by_label("Titel", exact=True).fill("")
    with page.expect_navigation():
        submit_button(page, "Speichern").click()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    hrefs = summary.get_by_role("link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "#id_title" in hrefs and "#id_teaser" in hrefs
    assert_accessible(page)

    page.get_by_label("Titel", exact=True).fill("Neue Öffnungszeiten im Bürgerbüro")
    page.get_by_label("Kurztext", exact=True).fill("Ab Montag auch donnerstags bis 18 Uhr.")
    page.get_by_label("Amtliche Bekanntmachung").check()
    with page.expect_navigation():
        submit_button(page, "Speichern").click()
    assert page.url.endswith("/verwaltung/aktuelles/")
    assert page.get_by_role("status").filter(has_text="Die Meldung wurde gespeichert.").count() == 1
    notice = Notice.objects.get()
    assert notice.municipality_id == site.muni_a.pk
    assert notice.is_official
    assert notice.published_at <= timezone.now()
    assert AuditEvent.objects.filter(action="notice.created", actor=user).count() == 1

    with page.expect_navigation():
        page.get_by_role(
            "link", name=re.compile(r"^Bearbeiten\s*: Neue Öffnungszeiten im Bürgerbüro$")
        ).click()
    assert page.url.endswith(f"/verwaltung/aktuelles/{notice.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Meldung bearbeiten"
    assert page.get_by_label("Titel", exact=True).input_value() == "Neue Öffnungszeiten im Bürgerbüro"
    assert_accessible(page)

    page.goto(site.a("/"))
    assert page.get_by_role("link", name="Neue Öffnungszeiten im Bürgerbüro").count() == 1
    assert "Amtliche Bekanntmachung" in page.inner_text("main")
    assert_accessible(page)


STAFF_AND_ACCOUNT_PAGES = [
    "/verwaltung/einstellungen/",
    "/verwaltung/api-tokens/",
    "/verwaltung/barriere-meldungen/",
    "/verwaltung/rechtliches/impressum/",
    "/verwaltung/rechtliches/gebaerdensprache/",
    "/konto/",
    "/konto/loeschen/",
    "/konto/email/",
    "/konto/password/change/",
    "/konto/2fa/",
]


def test_further_staff_and_account_pages_are_accessible(page, site: Site):
    user = staff_user(site, "admin-seiten@example.org", Role.ADMIN)
    login(page, site, user)
    for path in STAFF_AND_ACCOUNT_PAGES:
        response = page.goto(site.a(path))
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        assert page.get_by_role("heading", level=1).count() == 1, f"{path} needs exactly one h1"
        assert_accessible(page)
    # Creating an API token shows the secret once, in an accessible status message.
    page.goto(site.a("/verwaltung/api-tokens/"))
    page.get_by_label("Bezeichnung (z. B. Fachverfahren)").fill("Fachverfahren Meldewesen")
    with page.expect_navigation():
        page.get_by_role("button", name="Token erzeugen").click()
    assert page.locator("[data-new-token]").inner_text().strip()
    assert "Fachverfahren Meldewesen" in page.get_by_role("table").inner_text()
    assert_accessible(page)
