"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every page a test visits is checked with axe-core (WCAG 2.0/2.1 A and AA rules).

Chromium missing: the tests are skipped with a reason, unless RATHAUS_REQUIRE_BROWSER=1 (CI), then
they fail. Hosts: the live server listens on localhost; Zeitz (A) is served as "localhost" and
"zeitz.localhost", Musterstadt (B) as "127.0.0.1" (all resolve to the loopback interface).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rathaus.core.accounts.models import Role, User
from rathaus.core.tenancy.models import Municipality
from tests.conftest import PASSWORD, grant, make_municipality, make_user

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("RATHAUS_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 15_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in tests/e2e carries the e2e marker (deselect them with -m "not e2e")."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def _require_browser() -> bool:
    return os.environ.get("RATHAUS_REQUIRE_BROWSER", "") == "1"


def _unavailable(reason: str) -> None:
    if _require_browser():
        pytest.fail(f"{reason} (RATHAUS_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One Chromium for the tests of this package, closed before tests in other packages run.

    Sync Playwright keeps an asyncio loop running in the main thread while it is started; Django
    then refuses ORM calls from the test itself (fixtures, assertions on the database) unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set. It is set only while the browser runs, so it neither leaks
    into later tests nor into subprocesses (`manage.py check --deploy` rejects it).
    """
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    if not AXE_JS.exists():
        _unavailable(f"axe-core not found at {AXE_JS} (npm ci)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        _unavailable("playwright is not installed (uv sync)")
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    pw = sync_playwright().start()
    try:
        try:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as exc:
            _unavailable(f"Chromium at {CHROMIUM} could not be started: {exc}")
        yield browser
        browser.close()
    finally:
        pw.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@dataclass
class Site:
    """The live server with municipality A (Zeitz) and B (Musterstadt)."""

    port: int
    muni_a: Municipality
    muni_b: Municipality

    @property
    def url_a(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def url_b(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def a(self, path: str = "/") -> str:
        return self.url_a + path


@pytest.fixture
def site(live_server, transactional_db, settings) -> Site:
    port = int(live_server.url.rsplit(":", 1)[1])
    # The installation's public port (RATHAUS_PUBLIC_PORT): links built without a request (mails,
    # the payment provider's return address) point at the live server.
    settings.PUBLIC_PORT = str(port)
    muni_a = make_municipality(
        "zeitz", "Zeitz", "15084590", "150840590590", "15", ["localhost", "zeitz.localhost"]
    )
    muni_a.phone = "03441 83-0"
    muni_a.opening_hours = "Mo–Fr 9–12 Uhr"
    muni_a.save()
    muni_b = make_municipality("musterstadt", "Musterstadt", "16099999", "160990000999", "16", ["127.0.0.1"])
    return Site(port=port, muni_a=muni_a, muni_b=muni_b)


def _new_context(browser: Any, **kwargs: Any) -> Any:
    # bypass_csp: axe-core is injected as a script tag, which our CSP (script-src 'self') forbids.
    context = browser.new_context(bypass_csp=True, locale="de-DE", **kwargs)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser, site) -> Iterator[Any]:
    context = _new_context(browser)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_page(browser, site) -> Iterator[Any]:
    """Factory for further pages with their own context (e.g. JavaScript switched off)."""
    contexts: list[Any] = []

    def make(**kwargs: Any) -> Any:
        context = _new_context(browser, **kwargs)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


# --- axe-core -----------------------------------------------------------------------------------


def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
            const r = await axe.run(document, options);
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    target: n.target.join(' '), html: n.html, summary: n.failureSummary,
                })),
            }));
        }""",
        AXE_TAGS,
    )
    return list(result)


def format_violations(violations: list[dict[str, Any]], url: str) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"      {detail.strip()}")
    return "\n".join(lines)


_CLIPPED_BUTTONS_JS = """() => [...document.querySelectorAll('.kern-btn')]
  .filter(b => b.offsetParent !== null)
  .filter(b => { const l = b.querySelector('.kern-label');
                 return l && !l.classList.contains('kern-sr-only') && l.scrollWidth > b.clientWidth + 2; })
  .map(b => b.textContent.trim().slice(0, 80))"""


def clipped_buttons(page: Any) -> list[str]:
    """Buttons whose visible label does not fit (e.g. KERN's icon-button rule squeezing a text button)."""
    return list(page.evaluate(_CLIPPED_BUTTONS_JS))


def assert_accessible(page: Any) -> None:
    """Run axe-core on the current page; fail with a readable list of the violations.

    Also fails when a button's visible label is cut off: readable for sighted users too."""
    violations = axe_violations(page)
    assert not violations, format_violations(violations, page.url)
    clipped = clipped_buttons(page)
    assert not clipped, f"{page.url}: button labels do not fit their buttons: {clipped}"


def assert_not_error_page(page: Any) -> None:
    title = page.title()
    assert not re.search(r"Server Error|Serverfehler", title), f"{page.url} shows an error page: {title}"


# --- People -------------------------------------------------------------------------------------


def staff_user(site: Site, email: str, role: str = Role.ADMIN, modules: list[str] | None = None) -> User:
    """A staff member of Zeitz with TOTP set up (distinct e-mail per test: allauth remembers used codes)."""
    user = make_user(email, mfa=True)
    grant(user, site.muni_a, role, modules)
    return user


def totp_code(user: User) -> str:
    """The user's current TOTP code, valid for a few more seconds.

    allauth accepts only the code of the current period (no tolerance): close to the end of a
    period, wait for the next one so that the code is not outdated when the form arrives.
    """
    from allauth.mfa import app_settings as mfa_settings

    from rathaus.core.accounts.mfa import current_totp_code

    period = mfa_settings.TOTP_PERIOD
    remaining = period - time.time() % period
    if remaining < 5:
        time.sleep(remaining + 0.1)
    return current_totp_code(user)


def login(page: Any, site: Site, user: User, *, password: str = PASSWORD) -> None:
    """Log in through the real forms, including the TOTP step for users with MFA."""
    page.goto(site.a("/konto/login/"))
    page.get_by_label("E-Mail-Adresse", exact=True).fill(user.email)
    page.get_by_label("Passwort", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("button", name="Anmeldung", exact=True).click()
    if "/konto/2fa/authenticate/" in page.url:
        page.get_by_label("Code", exact=True).fill(totp_code(user))
        with page.expect_navigation():
            page.get_by_role("main").get_by_role("button", name="Anmeldung", exact=True).click()
    assert "/konto/login/" not in page.url and "/konto/2fa/" not in page.url, f"sign-in failed: {page.url}"
