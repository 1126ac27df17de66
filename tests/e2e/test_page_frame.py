"""The frame of every page: no CSP violation in the console, a favicon, nothing outside a landmark.

These pages are opened WITHOUT bypass_csp (unlike the axe checks), so a style or script that the
Content-Security-Policy blocks shows up as a console error here.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import AXE_JS, CHROMIUM, Site, assert_accessible

pytestmark = pytest.mark.e2e

PAGES = ["/", "/leistungen/", "/veranstaltungen/", "/suche/?q=Test", "/konto/login/", "/api/docs"]


@pytest.fixture
def strict_page(browser, site) -> Any:
    context = browser.new_context(locale="de-DE")  # the real CSP applies
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_console_errors_and_the_favicon_is_there(strict_page, site: Site, path: str):
    errors: list[str] = []
    failed: list[str] = []
    strict_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    strict_page.on("pageerror", lambda exc: errors.append(str(exc)))
    strict_page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    strict_page.goto(site.a(path))
    strict_page.wait_for_load_state("networkidle")
    assert errors == []
    assert failed == []
    icon = strict_page.request.get(site.a("/favicon.ico"))
    assert icon.status == 200
    assert icon.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file


@pytest.mark.parametrize("path", PAGES)
def test_all_content_sits_in_landmarks(page, site: Site, path: str):
    assert CHROMIUM.exists()
    page.goto(site.a(path))
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'rule', values: ['region']}});
            return r.violations.map(v => v.nodes.map(n => n.target.join(' ')));
        }"""
    )
    assert violations == []


def test_api_docs_are_accessible(page, site: Site):
    page.goto(site.a("/api/docs"))
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("h1").inner_text() == "API-Dokumentation"
    assert page.locator("h3", has_text="GET /api/v1/events").count() == 1
    assert_accessible(page)
