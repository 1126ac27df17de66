"""Public portal pages in a real browser: content, keyboard use, language switch, axe-core checks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from rathaus.core.accounts.models import User
from rathaus.core.context import ServiceContext
from rathaus.core.ui import services as ui_services
from rathaus.core.ui.models import AccessibilityFeedback, LegalPageKind, Notice
from tests.e2e.conftest import Site, assert_accessible

pytestmark = pytest.mark.e2e


def focused(page: Any) -> dict[str, Any]:
    """Describe the focused element (tag, id, href, text, whether a focus indicator is drawn)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return {tag: 'body'};
            // The indicator may be drawn on the element or (KERN stretched links) on ::after.
            const drawn = (s) => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                                 || s.boxShadow !== 'none';
            const indicator = [null, '::before', '::after'].some(p => drawn(getComputedStyle(el, p)));
            const r = el.getBoundingClientRect();
            return {
                tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute('href') || '',
                text: (el.innerText || el.value || '').trim(),
                indicator,
                visible: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
                         && r.left < window.innerWidth,
            };
        }"""
    )


def tab_through(page: Any, limit: int = 80) -> list[dict[str, Any]]:
    """Press Tab until focus leaves the document again; return every element that got focus."""
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        if info["tag"] == "body" or (seen and info == seen[0]):
            break
        seen.append(info)
    return seen


def test_home_page_shows_zeitz_and_is_accessible(page, site: Site):
    response = page.goto(site.a("/"))
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", level=1).inner_text() == "Willkommen im digitalen Rathaus Zeitz"
    assert "Offizielle Website – Stadt Zeitz" in page.inner_text("body")
    assert "Musterstadt" not in page.content()
    # Landmarks: one main, a header banner, a footer content-info region.
    assert page.locator("main").count() == 1
    assert page.get_by_role("banner").count() == 1
    assert page.get_by_role("contentinfo").count() == 1
    assert_accessible(page)


def test_skip_link_is_first_tab_stop_and_moves_focus_to_main(page, site: Site):
    page.goto(site.a("/"))
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "Zum Inhalt springen"
    assert first["href"] == "#inhalt"
    assert first["visible"], "the skip link must become visible when it has focus"
    assert first["indicator"], "the focused skip link must show a focus indicator"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "inhalt"
    assert page.url.endswith("#inhalt")
    # The next Tab continues inside the main content: the search field on the home page.
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "home-q"


def test_every_control_is_keyboard_reachable_with_visible_focus(page, site: Site):
    page.goto(site.a("/"))
    stops = tab_through(page)
    hrefs = {s["href"] for s in stops}
    for kind in LegalPageKind.values:
        assert f"/rechtliches/{kind}/" in hrefs, f"footer link to {kind} not reachable by Tab"
    assert "/barriere-melden/" in hrefs
    assert "/konto/login/" in hrefs
    assert any(s["text"] == "English" for s in stops), "language switch not reachable by Tab"
    missing = [s for s in stops if not (s["indicator"] and s["visible"])]
    assert not missing, f"focused elements without a visible focus indicator: {missing}"


def test_language_switch_to_english_and_back(page, site: Site):
    page.goto(site.a("/"))
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome to the digital town hall of Zeitz"
    assert page.get_by_role("link", name="Skip to content").count() == 1
    assert page.url.rstrip("/") == site.a("").rstrip("/"), "the switch returns to the same page"
    assert_accessible(page)
    # The choice sticks on the next page.
    page.goto(site.a("/rechtliches/impressum/"))
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.get_by_role("link", name="Deutsch").click()
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.url.endswith("/rechtliches/impressum/")
    assert page.get_by_role("heading", level=1).inner_text() == "Impressum"


def test_legal_pages_reached_through_footer_links(page, site: Site):
    ui_services.save_legal_page(
        site.muni_a,
        "impressum",
        {"body_de": "## Herausgeber\n\nStadt Zeitz, vertreten durch den OB."},
        ServiceContext.system(site.muni_a),
    )
    page.goto(site.a("/"))
    footer_nav = page.get_by_role("navigation", name="Rechtliches und Barrierefreiheit")
    labels = [label for _kind, label in LegalPageKind.choices]
    assert footer_nav.get_by_role("link").all_inner_texts()[: len(labels)] == [str(x) for x in labels]
    for kind, label in LegalPageKind.choices:
        page.goto(site.a("/"))
        footer = page.get_by_role("navigation", name="Rechtliches und Barrierefreiheit")
        with page.expect_navigation():
            footer.get_by_role("link", name=str(label), exact=True).click()
        assert page.url.endswith(f"/rechtliches/{kind}/")
        assert page.get_by_role("heading", level=1).inner_text() == str(label)
        assert_accessible(page)
    page.goto(site.a("/rechtliches/impressum/"))
    assert page.get_by_role("heading", level=2, name="Herausgeber").count() == 1
    assert "vertreten durch den OB" in page.inner_text("main")


def test_accessibility_feedback_form_errors_and_success(page, site: Site):
    page.goto(site.a("/rechtliches/barrierefreiheit/"))
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("link", name="Barriere melden").click()
    assert page.url.endswith("/barriere-melden/")
    assert_accessible(page)

    # Empty submission: an error summary that links to the field, and focus on the summary.
    with page.expect_navigation():
        page.get_by_role("button", name="Absenden").click()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert summary.get_by_role("heading").inner_text() == "Bitte korrigieren Sie die folgenden Angaben"
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")
    link = summary.get_by_role("link")
    assert link.count() == 1
    assert link.get_attribute("href") == "#id_message"
    assert link.inner_text().startswith("Ihre Nachricht")
    message = page.get_by_label("Ihre Nachricht")
    assert message.get_attribute("aria-invalid") == "true"
    assert "id_message-error" in (message.get_attribute("aria-describedby") or "")
    assert_accessible(page)
    link.click()
    assert focused(page)["id"] == "id_message"
    assert AccessibilityFeedback.objects.count() == 0

    # Filled in: saved for Zeitz, success message on the accessibility statement.
    message.fill("Der Kontrast der Fußzeile ist zu schwach.")
    page.get_by_label("Betroffene Seite").fill("/rechtliches/impressum/")
    with page.expect_navigation():
        page.get_by_role("button", name="Absenden").click()
    # (the browser keeps the "#id_message" fragment across the redirect)
    assert urlsplit(page.url).path == "/rechtliches/barrierefreiheit/"
    assert (
        page.get_by_role("status").filter(has_text="Vielen Dank. Ihre Rückmeldung ist eingegangen.").count()
    )
    assert_accessible(page)
    fb = AccessibilityFeedback.objects.get()
    assert fb.municipality_id == site.muni_a.pk
    assert fb.page_url == "/rechtliches/impressum/"


def _notice(site_muni: Any, title: str, teaser: str) -> Notice:
    notice = Notice(municipality=site_muni, title=title, teaser=teaser, published_at=timezone.now())
    return ui_services.save_notice(notice, ServiceContext.system(notice.municipality))


def test_search_page_shows_results_of_this_municipality_only(page, site: Site):
    _notice(site.muni_a, "Baustelle am Altmarkt", "Die Straße am Altmarkt ist bis Freitag gesperrt.")
    _notice(site.muni_b, "Baustelle in Musterstadt", "Sperrung der Hauptstraße.")
    page.goto(site.a("/"))
    page.get_by_label("Was suchen Sie?").fill("Baustellen")
    with page.expect_navigation():
        page.get_by_role("search").get_by_role("button", name="Suchen").click()
    assert "/suche/" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Suche"
    assert page.get_by_role("link", name="Baustelle am Altmarkt").count() == 1
    assert "Musterstadt" not in page.inner_text("main")
    assert "1 Treffer" in page.get_by_role("status").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Baustelle am Altmarkt").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Baustelle am Altmarkt"
    assert_accessible(page)


def test_not_found_page(page, site: Site):
    response = page.goto(site.a("/gibt-es-nicht/"))
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Seite nicht gefunden"
    assert page.get_by_role("link", name="Zur Startseite").count() == 1
    assert_accessible(page)


def test_hosts_select_the_municipality(page, site: Site):
    response = page.goto(f"http://zeitz.localhost:{site.port}/")
    assert response is not None and response.status == 200
    assert "Rathaus Zeitz" in page.get_by_role("heading", level=1).inner_text()
    response = page.goto(site.url_b + "/")
    assert response is not None and response.status == 200
    assert "Rathaus Musterstadt" in page.get_by_role("heading", level=1).inner_text()
    assert "Zeitz" not in page.content()
    assert_accessible(page)
    response = page.goto(f"http://unbekannt.localhost:{site.port}/")
    assert response is not None and response.status == 404
    assert "Zeitz" not in page.content()
    assert_accessible(page)


def test_signup_page(page, site: Site):
    page.goto(site.a("/"))
    with page.expect_navigation():
        page.get_by_role("link", name="Registrieren").click()
    assert page.url.endswith("/konto/signup/")
    assert page.get_by_role("heading", level=1).inner_text() == "Registrieren"
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill("neu@example.org")
    page.get_by_label("Passwort", exact=True).fill("Sehr-Geheim-2026")
    page.get_by_label("Passwort (Wiederholung)").fill("Anders-Geheim-2026")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="Registrieren").click()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert "#id_password2" in summary.get_by_role("link").get_attribute("href")
    assert_accessible(page)
    assert not User.objects.filter(email="neu@example.org").exists()

    page.get_by_label("Passwort", exact=True).fill("Sehr-Geheim-2026")
    page.get_by_label("Passwort (Wiederholung)").fill("Sehr-Geheim-2026")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="Registrieren").click()
    assert page.url.endswith("/konto/confirm-email/")
    assert_accessible(page)
    assert User.objects.filter(email="neu@example.org").exists()


def test_pages_work_without_javascript(new_page, site: Site):
    _notice(site.muni_a, "Sperrmüll im Stadtteil Nord", "Abholung am Montag.")
    page = new_page(java_script_enabled=False)
    page.goto(site.a("/"))
    page.get_by_label("Was suchen Sie?").fill("Sperrmüll")
    with page.expect_navigation():
        page.get_by_role("search").get_by_role("button", name="Suchen").click()
    assert page.get_by_role("link", name="Sperrmüll im Stadtteil Nord").count() == 1

    page.goto(site.a("/barriere-melden/"))
    with page.expect_navigation():
        page.get_by_role("button", name="Absenden").click()
    assert page.locator("[data-error-summary]").is_visible()
    page.get_by_label("Ihre Nachricht").fill("Ohne JavaScript gesendet.")
    with page.expect_navigation():
        page.get_by_role("button", name="Absenden").click()
    assert page.url.endswith("/rechtliches/barrierefreiheit/")
    assert "Vielen Dank. Ihre Rückmeldung ist eingegangen." in page.inner_text("main")
    assert AccessibilityFeedback.objects.get().message == "Ohne JavaScript gesendet."

    # The language switch is a plain form, too.
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
