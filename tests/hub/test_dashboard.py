"""Operator dashboard of the Digital Hub: figures, period input, permissions, CSV export, query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from rathaus.consulting.models import Advisor
from rathaus.consulting.models import Booking as ConsultingBooking
from rathaus.consulting.models import BookingStatus as ConsultingStatus
from rathaus.core.accounts.models import Role
from rathaus.core.tenancy.models import Municipality
from rathaus.events import services as event_services
from rathaus.events.models import EventStatus
from rathaus.hub import dashboard, services
from rathaus.hub.dashboard import MONTH, OVERALL, WEEK, aligned
from rathaus.hub.models import (
    Booking,
    BookingStatus,
    ClosingDay,
    Location,
    OpeningHours,
    Resource,
    ResourceGroup,
    ResourceKind,
)
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user
from tests.consulting.conftest import make_slot, make_topic
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db

MONDAY = date(2025, 3, 3)  # a past week without a clock change: Mo 3.–So 9. März 2025
NOW = datetime(2025, 6, 1, 12, tzinfo=services.BERLIN)


@pytest.fixture
def manager(muni_a):
    user = make_user("hub-dashboard@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["hub"])
    return user


def make_space(muni: Municipality, desks: int = 2, prefix: str = "") -> tuple[Location, list[Resource]]:
    """A location open Monday to Friday 8–18 with ``desks`` desks and one (inactive) extra desk."""
    location = Location.objects.create(municipality=muni, name=f"{prefix}Digital Hub", address="Altmarkt 16")
    for wd in range(5):
        OpeningHours.objects.create(location=location, weekday=wd, opens=time(8), closes=time(18))
    group = ResourceGroup.objects.create(municipality=muni, location=location, name=f"{prefix}Plätze")
    resources = [
        Resource.objects.create(municipality=muni, group=group, name=f"{prefix}Platz {i + 1}")
        for i in range(desks)
    ]
    Resource.objects.create(municipality=muni, group=group, name=f"{prefix}Alter Platz", is_active=False)
    return location, resources


def book(resource: Resource, day: date, start: int, end: int, **fields: Any) -> Booking:
    user = fields.pop("user", None) or make_user(f"b{Booking.objects.count()}@example.org")
    return Booking.objects.create(
        municipality=resource.municipality,
        resource=resource,
        user=user,
        starts_at=services.at(day, time(start)),
        ends_at=services.at(day, time(end)),
        **fields,
    )


def rows(figures: dashboard.HubFigures, kind: str = OVERALL) -> dict[str, dashboard.UsageRow]:
    return {u.bucket.label if u.bucket else "all": u for u in figures.usage if u.kind == kind}


@pytest.fixture
def week_data(muni_a, muni_b):
    """2 desks x 5 days x 10 h = 100 bookable hours; 25 h booked; one released no-show, one cancelled."""
    _loc, (d1, d2) = make_space(muni_a)
    checked = services.at(MONDAY, time(8, 5))
    book(d1, MONDAY, 8, 18, checked_in_at=checked)  # 10 h
    book(d1, MONDAY + timedelta(days=1), 8, 13, checked_in_at=checked)  # 5 h
    book(d2, MONDAY + timedelta(days=2), 8, 18)  # 10 h
    book(d2, MONDAY + timedelta(days=3), 8, 18, status=BookingStatus.RELEASED)  # no-show: not booked
    book(d2, MONDAY + timedelta(days=4), 8, 18, status=BookingStatus.CANCELLED)  # cancelled: nothing
    # Musterstadt: a busy week that must not count anywhere in Zeitz.
    _loc_b, (b1, b2) = make_space(muni_b, prefix="Muster-")
    for day in range(5):
        book(b1, MONDAY + timedelta(days=day), 8, 18)
        book(b2, MONDAY + timedelta(days=day), 8, 18, status=BookingStatus.RELEASED)
    return d1, d2


# --- Figures -------------------------------------------------------------------------------------


def test_week_utilisation_and_no_show_rate(muni_a, week_data):
    period = aligned(WEEK, MONDAY, MONDAY)
    figures = dashboard.hub_figures(muni_a, period, now=NOW)
    week = rows(figures)["all"]
    assert week.bookable_hours == 100 and week.booked_hours == 25 and week.rate == 0.25
    desks = rows(figures, ResourceKind.DESK)
    assert len(desks) == 2  # the one week and the whole period
    assert all(u.rate == 0.25 for u in desks.values())
    assert list(rows(figures)) == ["KW 10/2025 (03.03.–09.03.)", "all"]
    no_show = {r.bucket.label if r.bucket else "all": r for r in figures.no_shows}["all"]
    assert (no_show.bookings, no_show.checked_in, no_show.no_shows) == (4, 2, 1)
    assert no_show.rate == 0.25


def test_month_counts_opening_days_and_closing_days(muni_a, week_data):
    d1, _d2 = week_data
    ClosingDay.objects.create(municipality=muni_a, location=d1.group.location, date=date(2025, 3, 10))
    figures = dashboard.hub_figures(muni_a, aligned(MONTH, date(2025, 3, 15), date(2025, 3, 15)), now=NOW)
    march = rows(figures)["März 2025"]
    # March 2025 has 21 weekdays, one of them a closing day: 2 desks x 20 days x 10 h.
    assert march.bookable_hours == 400 and march.booked_hours == 25
    assert march.rate == pytest.approx(25 / 400)


def test_booked_hours_are_clipped_to_opening_hours_and_period(muni_a):
    _loc, (d1, d2) = make_space(muni_a)
    book(d1, MONDAY, 6, 10)  # 2 h inside the opening hours
    book(d2, MONDAY - timedelta(days=1), 8, 18)  # Sunday before the period: closed, outside
    figures = dashboard.hub_figures(muni_a, aligned(WEEK, MONDAY, MONDAY), now=NOW)
    assert rows(figures)["all"].booked_hours == 2


@pytest.mark.usefixtures("week_data")
def test_no_shows_count_only_bookings_that_have_begun(muni_a):
    # "Now" is Wednesday 9:00 of the week: Wednesday's booking has begun, Thursday's has not.
    now = services.at(MONDAY + timedelta(days=2), time(9))
    figures = dashboard.hub_figures(muni_a, aligned(WEEK, MONDAY, MONDAY), now=now)
    total = figures.no_shows[-1]
    assert total.bucket is None and (total.bookings, total.no_shows) == (3, 0) and total.rate == 0


def test_per_kind_rows_and_no_data(muni_a):
    _loc, (d1,) = make_space(muni_a, desks=1)
    room = Resource.objects.create(
        municipality=muni_a, group=d1.group, name="Raum Elster", kind=ResourceKind.MEETING_ROOM
    )
    book(room, MONDAY, 8, 18)
    figures = dashboard.hub_figures(muni_a, aligned(WEEK, MONDAY, MONDAY), now=NOW)
    assert rows(figures, ResourceKind.MEETING_ROOM)["all"].rate == 0.2
    assert rows(figures, ResourceKind.DESK)["all"].rate == 0
    assert rows(figures)["all"].rate == 0.1
    assert not [u for u in figures.usage if u.kind == ResourceKind.EVENT_SPACE]
    later = dashboard.hub_figures(
        muni_a, aligned(WEEK, MONDAY + timedelta(days=7), MONDAY + timedelta(days=7)), now=NOW
    )
    assert later.no_shows[-1].bookings == 0 and later.no_shows[-1].rate is None
    assert rows(later)["all"].booked_hours == 0 and rows(later)["all"].rate == 0


def test_event_registrations_and_attendance_per_month(muni_a, muni_b):
    event = make_event(muni_a, capacity=2, days=10)
    regs = [
        event_services.register(
            event, name=f"P {i}", email=f"p{i}@example.org", user=make_user(f"p{i}@example.org")
        )
        for i in range(3)
    ]
    event_services.set_attended(regs[0].registration, True)
    make_event(muni_a, title="Entwurf", days=10, status=EventStatus.DRAFT)
    other = make_event(muni_b, title="Muster", days=10)
    for i in range(2):
        event_services.register(
            other, name="Q", email=f"q{i}@example.org", user=make_user(f"q{i}@example.org")
        )
    day = services.local(event.starts_at).date()
    months = dashboard.event_figures(muni_a, aligned(MONTH, day, day))
    assert len(months) == 1
    m = months[0]
    assert (m.events, m.registered, m.waitlist, m.attended) == (1, 2, 1, 1)
    assert m.attendance_rate == 0.5


def _consulting(muni: Municipality, prefix: str = "") -> tuple[Any, Any]:
    topic = make_topic(muni, f"{prefix}ausweis", f"{prefix}Online-Ausweis")
    topic2 = make_topic(muni, f"{prefix}sicherheit", f"{prefix}Sicherheit im Netz")
    advisor = Advisor.objects.create(
        municipality=muni, display_name=f"{prefix}Beraterin", email="b@example.org"
    )
    for i, (t, status) in enumerate(
        [
            (topic, ConsultingStatus.ACTIVE),
            (topic, ConsultingStatus.ACTIVE),
            (topic2, ConsultingStatus.ACTIVE),
            (topic2, ConsultingStatus.CANCELLED),
        ]
    ):
        slot = make_slot(advisor, [topic, topic2], in_hours=48 + i)
        ConsultingBooking.objects.create(
            municipality=muni,
            slot=slot,
            user=make_user(f"{prefix}rat{i}@example.org"),
            topic=t,
            need="Hilfe",
            status=status,
        )
    make_slot(advisor, [topic], in_hours=60)  # offered, not booked
    return topic, topic2


def test_consulting_demand_by_topic(muni_a, muni_b):
    _consulting(muni_a)
    _consulting(muni_b, "Muster-")
    today = services.local(timezone.now()).date()
    period = aligned(MONTH, today, today + timedelta(days=4))
    figures = dashboard.consulting_figures(muni_a, period)
    assert [(t.topic, t.bookings) for t in figures.by_topic] == [
        ("Online-Ausweis", 2),
        ("Sicherheit im Netz", 1),
    ]
    assert figures.by_topic[0].share == pytest.approx(2 / 3)
    assert sum(offered for _m, offered, _b, _r in figures.slots) == 5
    assert sum(booked for _m, _o, booked, _r in figures.slots) == 3


def test_periods():
    p = aligned(MONTH, date(2025, 1, 15), date(2025, 3, 2))
    assert (p.first, p.last) == (date(2025, 1, 1), date(2025, 3, 31))
    assert [b.label for b in p.buckets()] == ["Januar 2025", "Februar 2025", "März 2025"]
    w = aligned(WEEK, date(2025, 3, 5), date(2025, 3, 11))
    assert (w.first, w.last) == (date(2025, 3, 3), date(2025, 3, 16)) and len(w.buckets()) == 2
    d = dashboard.default_period(date(2025, 1, 20))
    assert (d.first, d.last) == (date(2024, 11, 1), date(2025, 2, 28))
    dw = dashboard.default_period(date(2025, 1, 22), WEEK)
    assert dw.first.weekday() == 0 and len(dw.buckets()) == 8


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"von": "gestern"}, "gültiges Datum"),
        ({"von": "2025-03-10", "bis": "2025-03-01"}, "Das Ende darf nicht vor dem Beginn liegen."),
        ({"von": "2024-01-01", "bis": "2025-06-30"}, "höchstens 366 Tage"),
        ({"von": "0001-01-01", "bis": "0001-02-01"}, "zwischen 2000 und 2100"),
        ({"von": "9999-12-01", "bis": "9999-12-31"}, "zwischen 2000 und 2100"),
        ({"einteilung": "jahr"}, "gültige Auswahl"),
    ],
)
def test_bad_period_input_gives_a_message(params, message):
    form, period, valid = dashboard.period_from(params, date(2025, 5, 20))
    assert not valid
    assert message in str(form.errors)
    assert period == dashboard.default_period(date(2025, 5, 20))


def test_period_limits_are_inclusive():
    _form, period, valid = dashboard.period_from(
        {"einteilung": "woche", "von": "2024-01-01", "bis": "2024-12-31"}, date(2025, 5, 20)
    )
    assert valid and period.granularity == WEEK and period.first == date(2024, 1, 1)
    assert (period.last - period.first).days < 371


# --- Pages ------------------------------------------------------------------------------------------


def test_permissions(muni_a, muni_b, citizen, manager, admin_a, admin_b):
    url = reverse("hub:dashboard")
    csv_url = reverse("hub:dashboard_csv", args=["auslastung"])
    events_manager = make_user("veranstaltungen@example.org", mfa=True)
    grant(events_manager, muni_a, Role.MODULE_MANAGER, ["events"])
    for target in (url, csv_url):
        assert client_for(HOST_A, manager).get(target).status_code == 200
        assert client_for(HOST_A, admin_a).get(target).status_code == 200
        assert client_for(HOST_A, citizen).get(target).status_code == 403
        assert client_for(HOST_A, events_manager).get(target).status_code == 403
        assert client_for(HOST_A, admin_b).get(target).status_code == 403  # B's admin on A's host
        anonymous = client_for(HOST_A).get(target)
        assert anonymous.status_code == 302 and "/konto/login/" in anonymous["Location"]
    assert client_for(HOST_B, manager).get(url).status_code == 403


def test_staff_dashboard_links_the_dashboard(muni_a, manager):
    html = client_for(HOST_A, manager).get(reverse("ui:staff_dashboard")).content.decode()
    assert reverse("hub:dashboard") in html and "Dashboard mit Kennzahlen" in html


def test_page_shows_charts_and_tables(muni_a, manager, week_data):
    r = client_for(HOST_A, manager).get(
        reverse("hub:dashboard"), {"einteilung": "woche", "von": "2025-03-03", "bis": "2025-03-09"}
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert html.count("<h1") == 1
    assert 'role="img"' in html and 'aria-labelledby="chart-auslastung-title chart-auslastung-desc"' in html
    assert '<title id="chart-auslastung-title">' in html and "<desc id=" in html
    assert "style=" not in html  # the CSP forbids inline styles
    assert html.count("<caption") == 6 and 'scope="col"' in html and 'scope="row"' in html
    usage = re.search(r'id="caption-auslastung".*?</table>', html, re.S).group(0)
    cells = re.findall(r'<t[hd] [^>]*class="kern-table__(?:header|cell)">([^<]*)</t[hd]>', usage)
    assert cells[-5:] == ["ganzer Zeitraum", "alle zusammen", "100,0", "25,0", "25,0 %"]
    assert "Muster-" not in html
    no_show = re.search(r'id="caption-nicht-erschienen".*?</table>', html, re.S).group(0)
    assert '<td class="kern-table__cell">25,0 %</td>' in no_show
    csv_link = reverse("hub:dashboard_csv", args=["auslastung"]) + "?einteilung=woche&amp;von=2025-03-03"
    assert csv_link in html


def test_page_with_bad_input_shows_message_not_error(muni_a, manager):
    c = client_for(HOST_A, manager)
    for params in ({"von": "kaputt"}, {"von": "2030-01-01", "bis": "2020-01-01"}, {"bis": "99999-01-01"}):
        r = c.get(reverse("hub:dashboard"), params)
        html = r.content.decode()
        assert r.status_code == 200
        assert "Bitte korrigieren Sie die folgenden Angaben" in html
        assert "Angezeigt wird der voreingestellte Zeitraum." in html
    r = c.get(reverse("hub:dashboard_csv", args=["auslastung"]), {"von": "kaputt"})
    assert r.status_code == 400 and "Zeitraum ist ungültig" in r.content.decode()
    assert c.get(reverse("hub:dashboard_csv", args=["gibt-es-nicht"])).status_code == 404


def _csv(response: Any) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8")[1:]), delimiter=";"))


def test_csv_export_is_german_and_tenant_scoped(muni_a, manager, week_data):
    c = client_for(HOST_A, manager)
    c.cookies["django_language"] = "en"  # the export stays German
    params = {"einteilung": "woche", "von": "2025-03-03", "bis": "2025-03-09"}
    r = c.get(reverse("hub:dashboard_csv", args=["auslastung"]), params)
    assert r.status_code == 200 and r["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="digital-hub-auslastung-2025-03-03-2025-03-09.csv"' in r["Content-Disposition"]
    table = _csv(r)
    assert table[0] == ["Zeitraum", "Art", "Buchbare Stunden", "Gebuchte Stunden", "Auslastung"]
    assert table[1] == ["KW 10/2025 (03.03.–09.03.)", "Arbeitsplatz", "100,0", "25,0", "25,0"]
    assert table[-1] == ["ganzer Zeitraum", "alle zusammen", "100,0", "25,0", "25,0"]
    no_show = _csv(c.get(reverse("hub:dashboard_csv", args=["nicht-erschienen"]), params))
    assert no_show[0][-1] == "Quote nicht erschienen"
    assert no_show[-1] == ["ganzer Zeitraum", "4", "2", "1", "25,0"]


def test_csv_of_consulting_guards_against_formulas(muni_a, manager):
    topic, _topic2 = _consulting(muni_a)
    topic.name = "=HYPERLINK(1)"
    topic.save()
    r = client_for(HOST_A, manager).get(reverse("hub:dashboard_csv", args=["beratung-themen"]))
    table = _csv(r)
    assert table[0] == ["Thema", "Buchungen", "Anteil"]
    assert ["'=HYPERLINK(1)", "2", "66,7"] in table


def test_english_page(muni_a, manager, week_data):
    c = client_for(HOST_A, manager)
    c.cookies["django_language"] = "en"
    html = c.get(reverse("hub:dashboard"), {"von": "2025-03-01", "bis": "2025-03-31"}).content.decode()
    assert "Digital Hub dashboard" in html and "March 2025" in html


def test_query_count_is_constant(muni_a, manager, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE_SECONDS = 0  # measure rendering (the membership is then read live, not per user)
    c = client_for(HOST_A, manager)
    url = reverse("hub:dashboard")
    today = services.local(timezone.now()).date()
    params = {
        "von": (today - timedelta(days=300)).isoformat(),
        "bis": (today + timedelta(days=30)).isoformat(),
    }
    # A little data (with none, Django skips the queries of empty "IN ()" lookups altogether).
    _loc, (first,) = make_space(muni_a, desks=1, prefix="Erster ")
    book(first, today, 8, 12)
    c.get(url, params)  # warm the host -> municipality cache
    # 4 for session, user, membership and MFA; 4 hub, 1 events, 2 consulting.
    with django_assert_max_num_queries(11) as few:
        assert c.get(url, params).status_code == 200
    # Lots of data: resources, bookings, events with registrations, consulting bookings.
    _loc, desks = make_space(muni_a, desks=10)
    booker = make_user("viel@example.org")
    for i in range(60):
        day = today - timedelta(days=i * 4)
        book(desks[i % 10], day, 8, 12, user=booker, status=BookingStatus.RELEASED if i % 3 else "confirmed")
    for i in range(5):
        event = make_event(muni_a, title=f"Kurs {i}", days=-20 * i - 1)
        for j in range(3):
            Registration = event.registrations.model
            Registration.objects.create(
                municipality=muni_a,
                event=event,
                name="X",
                email=f"x{i}-{j}@example.org",
                status="registered",
                nonce="n",
                confirm_token_hash=f"c{i}-{j}",
                cancel_token_hash=f"k{i}-{j}",
                requested_at=timezone.now(),
            )
    _consulting(muni_a)
    with django_assert_max_num_queries(11) as many:
        html = c.get(url, params).content.decode()
    assert len(few.captured_queries) == len(many.captured_queries)
    assert "Online-Ausweis" in html and "Keine Veranstaltungen in diesem Zeitraum." not in html
