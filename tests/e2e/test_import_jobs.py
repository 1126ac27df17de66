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
    clipped_buttons,
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


def _open_running_job(page: Any, site: Site, manager: Any) -> ImportJob:
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
    page.goto(site.a(f"/verwaltung/importe/{job.pk}/"))
    return job


def test_running_job_page_updates_in_place_and_can_be_paused(page: Any, site: Site, manager):
    job = _open_running_job(page, site, manager)
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    assert page.locator("progress#job-progress").get_attribute("value") == "40"
    assert page.get_by_role("status").first.inner_text().startswith("läuft")
    assert page.get_by_role("link", name="Jetzt neu laden").count() == 1
    assert_accessible(page)  # axe-core, WCAG 2.1 A/AA, meta-refresh included
    assert not clipped_buttons(page)
    toggle = page.get_by_role("button", name="Aktualisierung anhalten")
    assert toggle.is_visible()

    # the worker advances: the status area follows without a page load
    ImportJob.objects.filter(pk=job.pk).update(done=7)
    page.wait_for_function("document.getElementById('job-progress').value == 70", timeout=10000)

    # paused: nothing changes any more
    toggle.click()
    resume = page.get_by_role("button", name="Aktualisierung fortsetzen")
    assert resume.get_attribute("aria-pressed") == "true"
    ImportJob.objects.filter(pk=job.pk).update(done=9)
    page.wait_for_timeout(5000)
    assert page.locator("progress#job-progress").get_attribute("value") == "70"

    # resumed, and the job ends: the whole page is shown with its result
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.FAILED, message="Der Feed wurde abgelehnt.")
    resume.click()
    page.wait_for_selector("text=Der Import ist fehlgeschlagen", timeout=10000)
    assert page.get_by_role("button", name="Aktualisierung fortsetzen").count() == 0
    assert_accessible(page)


def test_running_job_page_without_javascript_offers_a_reload_link(browser: Any, site: Site, manager):
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    try:
        page = context.new_page()
        _open_running_job(page, site, manager)
        assert page.get_by_role("link", name="Jetzt neu laden").count() == 1
        assert not page.get_by_role("button", name="Aktualisierung anhalten").is_visible()
    finally:
        context.close()
