"""Uploads are drafts with a plausibility report; only the published version is public (issue 14)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from rathaus.core import figures
from rathaus.core.accounts.models import Role
from rathaus.core.audit.models import AuditEvent
from rathaus.core.jobs.models import ImportJob
from rathaus.mobility import queries, services
from rathaus.mobility.models import FeedState, FeedVersion, MunicipalityArea
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user
from tests.mobility.feeds import FeedBuilder, simple_feed

pytestmark = pytest.mark.django_db

ZEITZ_BOX = [[12.05, 51.00], [12.25, 51.00], [12.25, 51.12], [12.05, 51.12]]


@pytest.fixture
def manager(muni_a):
    user = make_user("mobil@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["mobility"])
    return user


@pytest.fixture
def area(muni_a):
    return MunicipalityArea.objects.create(municipality=muni_a, polygon=ZEITZ_BOX)


def far_away_feed() -> FeedBuilder:
    """The simple feed moved to Cairns (Australia): valid, but serves nobody in Zeitz."""
    b = simple_feed()
    for row in b.rows["stops.txt"]:
        row[2], row[3] = -16.92 + (float(row[2]) - 51.05), 145.77 + (float(row[3]) - 12.14)
    return b


def indicator_values(muni) -> dict[str, object]:
    return {
        ind.key: value
        for ind, value in figures.compute_all(muni, [i.key for i in figures.indicators("mobility")])
    }


def grid(muni, tmp_path: Path):
    import numpy as np

    from rathaus.mobility import analysis

    x, y = analysis.to_laea(np.array([12.1378, 12.30]), np.array([51.0486, 51.0486]))
    path = tmp_path / "grid.csv"
    path.write_text(
        "x,y,count\n" + "\n".join(f"{a},{b},{c}" for a, b, c in zip(x, y, [1000, 250], strict=True))
    )
    return services.import_grid(muni, path, "Raster")


def upload(client, path: Path, name: str):
    """The staff upload; its import job runs right away (as the worker would), see core.jobs.imports."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("mobility:manage"),
            {
                "name": name,
                "file": SimpleUploadedFile("feed.zip", path.read_bytes(), content_type="application/zip"),
            },
        )


def test_upload_is_a_draft_and_changes_no_public_page_or_indicator(manager, muni_a, client_a, area, tmp_path):
    grid(muni_a, tmp_path)
    good = services.import_feed(muni_a, simple_feed().write(tmp_path / "good"), "Zeitz 2026", publish=True)
    before_indicators = indicator_values(muni_a)
    before_page = client_a.get(reverse("mobility:index")).content.decode()
    assert before_indicators["mobility.share_beyond_1000m"] == 20.0  # 250 of 1,250 residents are far away

    c = client_for(HOST_A, manager)
    r = upload(c, far_away_feed().zip(tmp_path / "au.zip"), "Cairns-Test")
    draft = FeedVersion.objects.get(name="Cairns-Test")
    assert r.status_code == 302 and draft.state == FeedState.DRAFT
    assert ImportJob.objects.get().result["url"] == reverse("mobility:feed_detail", args=[draft.pk])
    assert queries.current_feed(muni_a) == good
    assert indicator_values(muni_a) == before_indicators
    page = client_a.get(reverse("mobility:index")).content.decode()
    assert "Cairns-Test" not in page and page.count("Zeitz 2026") == before_page.count("Zeitz 2026")
    # A draft cannot be chosen on the public pages (the form refuses the id).
    r = client_a.get(
        reverse("mobility:stops_geojson"),
        {"fahrplan": draft.pk, "tagestyp": "datum", "datum": "2026-03-10", "von": "06:00", "bis": "20:00"},
    )
    assert r.status_code == 400
    assert "Cairns-Test" not in client_a.get(reverse("mobility:compare")).content.decode()

    # The staff page shows the plausibility report: no stop of the feed lies in Zeitz.
    detail = c.get(reverse("mobility:feed_detail", args=[draft.pk])).content.decode()
    assert "Plausibilitätsbericht" in detail and "Keine Haltestelle liegt im Gebiet der Kommune" in detail
    assert "Testverkehr" in detail  # agency
    plaus = draft.report["plausibility"]
    assert (plaus["stops"], plaus["stops_inside"], plaus["area"]) == (2, 0, "outline")

    # Publishing is explicit and audited; then the public default and the indicators change.
    r = c.post(reverse("mobility:feed_publish", args=[draft.pk]))
    assert r.status_code == 302
    draft.refresh_from_db()
    good.refresh_from_db()
    assert (draft.state, good.state) == (FeedState.PUBLISHED, FeedState.ARCHIVED)
    assert draft.published_by == manager and draft.published_at is not None
    assert AuditEvent.objects.filter(action="mobility.feed.published", object_id=str(draft.pk)).count() == 1
    assert queries.current_feed(muni_a) == draft
    after = indicator_values(muni_a)
    assert after["mobility.share_beyond_1000m"] == 100.0 and after != before_indicators
    assert "Cairns-Test" in client_a.get(reverse("mobility:index")).content.decode()


def test_plausibility_of_a_local_feed(muni_a, area, tmp_path):
    feed = services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "F")
    plaus = feed.report["plausibility"]
    assert plaus["stops_inside"] == plaus["stops"] == 2 and plaus["share_inside"] == 100.0
    assert plaus["agencies"] == ["Testverkehr"]
    assert plaus["route_types"] and all("route_type" in r for r in plaus["route_types"])
    assert not [w for w in plaus["warnings"] if w["code"] in ("no_stop_inside", "few_inside", "no_area")]


def test_plausibility_without_area_says_so(muni_a, tmp_path):
    feed = services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "F")
    plaus = feed.report["plausibility"]
    assert plaus["stops_inside"] is None and {"code": "no_area"} in plaus["warnings"]


def test_only_one_published_version_per_municipality(muni_a, muni_b, tmp_path):
    a1 = services.import_feed(muni_a, simple_feed().write(tmp_path / "1"), "A1", publish=True)
    b1 = services.import_feed(muni_b, simple_feed().write(tmp_path / "2"), "B1", publish=True)
    a2 = services.import_feed(muni_a, simple_feed().write(tmp_path / "3"), "A2")
    services.publish_feed(a2)
    states = dict(FeedVersion.objects.values_list("name", "state"))
    assert states == {"A1": "archived", "B1": "published", "A2": "published"}
    assert queries.current_feed(muni_b) == b1
    # Archived versions stay selectable (comparison), the published one comes first.
    assert list(queries.public_feeds(muni_a)) == [a2, a1]


def test_publish_of_another_municipalitys_feed_is_404(muni_a, muni_b, tmp_path):
    manager_b = make_user("b@example.org", mfa=True)
    grant(manager_b, muni_b, Role.MODULE_MANAGER, ["mobility"])
    feed = services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "F")
    c = client_for(HOST_B, manager_b)
    assert c.post(reverse("mobility:feed_publish", args=[feed.pk])).status_code == 404
    assert c.get(reverse("mobility:feed_detail", args=[feed.pk])).status_code == 404
    feed.refresh_from_db()
    assert feed.state == FeedState.DRAFT


def test_publish_needs_post_and_the_module(muni_a, citizen, tmp_path):
    feed = services.import_feed(muni_a, simple_feed().write(tmp_path / "f"), "F")
    r = client_for(HOST_A, citizen).post(reverse("mobility:feed_publish", args=[feed.pk]))
    assert r.status_code in (302, 403)
    feed.refresh_from_db()
    assert feed.state == FeedState.DRAFT


def test_import_gtfs_command_draft_and_publish(muni_a, tmp_path):
    out = io.StringIO()
    path = simple_feed().zip(tmp_path / "f.zip")
    call_command("import_gtfs", str(path), "--municipality", "zeitz", "--name", "Entwurf", stdout=out)
    assert FeedVersion.objects.get(name="Entwurf").state == FeedState.DRAFT
    assert "Entwurf" in out.getvalue() and queries.current_feed(muni_a) is None
    call_command(
        "import_gtfs", str(path), "--municipality", "zeitz", "--name", "Live", "--publish", stdout=out
    )
    assert queries.current_feed(muni_a) == FeedVersion.objects.get(name="Live")


def test_area_form(manager, muni_a):
    c = client_for(HOST_A, manager)
    r = c.post(reverse("mobility:area_save"), {"polygon": "kein json"})
    assert r.status_code == 422 and "kein gültiges JSON" in r.content.decode()
    assert not MunicipalityArea.objects.exists()
    r = c.post(reverse("mobility:area_save"), {"polygon": str(ZEITZ_BOX), "source": "Test"})
    assert r.status_code == 302
    assert MunicipalityArea.objects.get(municipality=muni_a).polygon == ZEITZ_BOX
