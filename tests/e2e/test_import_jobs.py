"""The shared import-job page (rathaus.core.jobs.imports) in a real browser: a GTFS upload through
the staff form ends on the job page, failed (with the report's lines) and done (with the link to the
imported draft); a running job's page reloads itself. axe-core on every state."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.core.accounts.models import Role
from rathaus.core.jobs.models import ImportJob
from rathaus.mobility.models import FeedVersion
from tests.e2e.conftest import (
    Site,
    assert_accessible,
    assert_not_error_page,
    axe_violations,
    clipped_buttons,
    format_violations,
    login,
    staff_user,
)
from tests.mobility.feeds import simple_feed

pytestmark = pytest.mark.e2e


@pytest.fixture
def manager(site: Site, settings, tmp_path):
    settings.MOBILITY_DATA_DIR = tmp_path / "mobility"
    return staff_user(site, "importe-e2e@example.org", Role.MODULE_MANAGER, ["mobility"])


def _upload(page: Any, site: Site, name: str, path: Any) -> None:
    page.goto(site.a("/mobilitaet/verwaltung/"))
    page.get_by_label("Name des Fahrplanstands").fill(name)
    page.get_by_label("GTFS-Feed (ZIP)").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Prüfen und importieren").click()
    page.wait_for_load_state()
    assert_not_error_page(page)


def test_failed_and_finished_job_pages(page: Any, site: Site, manager, tmp_path):
    login(page, site, manager)
    broken = simple_feed()
    broken.rows["stop_times.txt"].append(["B1-0-0", "24:61:00", "24:61:00", "S2", 3])
    _upload(page, site, "Kaputt", broken.zip(tmp_path / "kaputt.zip"))
    assert "/verwaltung/importe/" in page.url
    main = page.inner_text("main")
    assert "Der Import ist fehlgeschlagen" in main and "Der Feed wurde abgelehnt" in main
    assert page.locator("#import-errors tbody tr", has_text="24:61:00").count() >= 1
    assert page.get_by_role("alert").count() >= 1
    assert_accessible(page)
    assert not FeedVersion.objects.exists()

    _upload(page, site, "Fahrplan 2026", simple_feed().zip(tmp_path / "gut.zip"))
    assert "als Entwurf gespeichert" in page.inner_text("main")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    assert_accessible(page)
    page.get_by_role("link", name="Zum importierten Ergebnis").click()
    page.wait_for_load_state()
    assert "Fahrplan 2026" in page.get_by_role("heading", level=1).inner_text()


def _open_running_job(page: Any, site: Site, manager: Any) -> None:
    job = ImportJob.objects.create(
        municipality=site.muni_a,
        kind="mobility.gtfs",
        file_name="feed.zip",
        checksum="e2e",
        status=ImportJob.RUNNING,
        total=10,
        done=4,
    )
    login(page, site, manager)
    url = site.a(f"/verwaltung/importe/{job.pk}/")
    # The page reloads itself every two seconds; later reloads are dropped (ERR_ABORTED keeps the
    # page) so that axe-core checks one document.
    loads: list[str] = []

    def once(route: Any) -> None:
        loads.append(route.request.url)
        if len(loads) == 1:
            route.continue_()
        else:
            route.abort("aborted")

    page.route(url, once)
    page.goto(url)


def test_running_job_page(page: Any, site: Site, manager):
    _open_running_job(page, site, manager)
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    assert page.locator("progress#job-progress").get_attribute("value") == "40"
    assert page.get_by_role("status").first.inner_text().startswith("läuft")
    assert page.get_by_role("link", name="Jetzt neu laden").count() == 1
    violations = [v for v in axe_violations(page) if v["id"] != "meta-refresh"]
    assert not violations, format_violations(violations, page.url)
    assert not clipped_buttons(page)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "axe-core rule meta-refresh (WCAG 2.2.1, critical): the job page reloads itself every two "
        "seconds through <meta http-equiv=refresh> (ADR 0022) and offers no way to stop it. Fixing it "
        "changes the shared page's refresh mechanism (core.jobs), which is not this change's to make."
    ),
)
def test_running_job_page_has_no_timed_refresh(page: Any, site: Site, manager):
    _open_running_job(page, site, manager)
    assert_accessible(page)
