"""iCalendar output parsed with the icalendar library: valid, time-zone aware, one VEVENT per date."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone

from rathaus.events.models import EventStatus, EventType
from tests.conftest import HOST_A, HOST_B, client_for

from .conftest import make_event

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_feed_has_all_listed_events_with_tz_aware_times(muni_a, muni_b):
    # a date across the DST change (last Sunday of October / March) keeps its local wall time
    summer = datetime(2031, 7, 15, 18, 0, tzinfo=BERLIN)
    winter = datetime(2031, 12, 2, 18, 0, tzinfo=BERLIN)
    make_event(muni_a, title="Sommer", dates=[(summer, summer + timedelta(hours=2))])
    make_event(
        muni_a, title="Winter", dates=[(winter, winter + timedelta(hours=2))], status=EventStatus.CANCELLED
    )
    make_event(muni_a, title="Entwurf", status=EventStatus.DRAFT)
    make_event(muni_a, title="Intern", is_public=False)
    make_event(muni_b, title="Musterstadt")
    cal = parse(client_for(HOST_A).get("/events.ics"))
    assert str(cal["version"]) == "2.0"
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Sommer", "Winter"}
    start = events["Sommer"].decoded("dtstart")
    assert start.tzinfo is not None and start.utcoffset() == timedelta(hours=2)
    assert start == summer
    assert events["Sommer"]["dtstart"].params["TZID"] == "Europe/Berlin"
    assert events["Winter"].decoded("dtstart").utcoffset() == timedelta(hours=1)
    assert str(events["Winter"]["status"]) == "CANCELLED"
    assert str(events["Sommer"]["status"]) == "CONFIRMED"
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    uids = [str(e["uid"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert "Musterstadt" not in client_for(HOST_A).get("/events.ics").content.decode()
    assert {str(e["summary"]) for e in parse(client_for(HOST_B).get("/events.ics")).walk("VEVENT")} == {
        "Musterstadt"
    }


def test_course_has_one_vevent_per_date(muni_a):
    start = timezone.now().replace(microsecond=0, second=0) + timedelta(days=2)
    course = make_event(
        muni_a,
        title="Grundlagen der Tabellenkalkulation",
        event_type=EventType.COURSE,
        dates=[(start + timedelta(weeks=w), start + timedelta(weeks=w, hours=2)) for w in range(4)],
        online_url="https://meet.example.org/geheim",
    )
    cal = parse(client_for(HOST_A).get(f"/veranstaltungen/{course.pk}/termin.ics"))
    vevents = cal.walk("VEVENT")
    assert len(vevents) == 4
    assert [str(v["summary"]) for v in vevents] == [
        f"Grundlagen der Tabellenkalkulation ({n}/4)" for n in range(1, 5)
    ]
    starts = [v.decoded("dtstart") for v in vevents]
    assert starts == [start + timedelta(weeks=w) for w in range(4)]
    assert all(s.tzinfo is not None for s in starts)
    assert all(v.decoded("dtend") - v.decoded("dtstart") == timedelta(hours=2) for v in vevents)
    assert "Kurs" in [str(c) for c in vevents[0]["categories"].cats]
    assert str(vevents[0]["url"]).endswith(f"/veranstaltungen/{course.pk}/")
    assert "geheim" not in cal.to_ical().decode()
    assert str(vevents[0]["organizer"]) == "mailto:hub@example.org"


def test_event_ics_of_draft_or_other_municipality_is_404(muni_a, muni_b):
    draft = make_event(muni_a, status=EventStatus.DRAFT)
    other = make_event(muni_b)
    assert client_for(HOST_A).get(f"/veranstaltungen/{draft.pk}/termin.ics").status_code == 404
    assert client_for(HOST_A).get(f"/veranstaltungen/{other.pk}/termin.ics").status_code == 404


def test_feed_query_count_is_constant_and_cache_follows_changes(muni_a, django_assert_max_num_queries):
    from django.core.cache import cache

    from rathaus.events import services

    for n in range(20):
        make_event(muni_a, title=f"V{n}", tags=("A", f"T{n}"))
    client_for(HOST_A).get("/events.ics")
    cache.clear()
    client_for(HOST_A).get("/", HTTP_HOST=HOST_A)  # tenant lookup cached again
    with django_assert_max_num_queries(5):
        assert client_for(HOST_A).get("/events.ics").status_code == 200
    # cached now; an edit shows up at once
    event = make_event(muni_a, title="Neu im Kalender")
    assert "Neu im Kalender" in client_for(HOST_A).get("/events.ics").content.decode()
    event.status = EventStatus.CANCELLED
    services.save_event(event, dates=[(event.starts_at, event.ends_at)], tag_names=[])
    cal = parse(client_for(HOST_A).get("/events.ics"))
    cancelled = [e for e in cal.walk("VEVENT") if str(e["summary"]) == "Neu im Kalender"]
    assert str(cancelled[0]["status"]) == "CANCELLED"
