"""Digital Hub pages: availability, booking form, my bookings, iCal, QR check-in, operator pages."""

from __future__ import annotations

import re
from datetime import time, timedelta
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from rathaus.core.accounts.models import Role, User
from rathaus.hub import services
from rathaus.hub.models import Booking, BookingStatus, ClosingDay, Location, OpeningHours, Resource
from tests.conftest import HOST_A, client_for, grant, make_user

from .conftest import at, make_hub, weekday_ahead

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(muni_a):
    user = make_user("hub-betrieb@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["hub"])
    return user


def test_home_page_has_portal_entry(client_a, hub):
    html = client_a.get("/").content.decode()
    assert "Digital Hub" in html and "Arbeitsplätze und Räume buchen" in html
    assert reverse("hub:index") in html


def test_index_shows_accessible_location_facts(client_a, hub):
    html = client_a.get(reverse("hub:index")).content.decode()
    assert "Digital Hub" in html and "Stufenloser Zugang" in html and "Montag 08:00–18:00" in html


def test_week_availability_table_is_accessible(client_a, hub, booker):
    day = weekday_ahead()
    services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    r = client_a.get(reverse("hub:location", args=[hub.location.pk]), {"datum": day.isoformat()})
    html = r.content.decode()
    assert r.status_code == 200
    assert "<caption" in html and 'scope="row"' in html and 'scope="col"' in html
    row = re.search(r"Arbeitsplatz 02<br>.*?</tr>", html, re.S)
    assert row is not None
    cells = re.findall(r'hub-cell--(\w+)">([^<]*)', row.group(0))
    assert ("booked", "belegt") in cells
    # The week starts at the chosen day; Saturday and Sunday are closed.
    assert (cells[5 - day.weekday()][0], cells[6 - day.weekday()][0]) == ("closed", "closed")
    # Anonymous visitors see no booking links, only the login hint.
    assert reverse("hub:book", args=[hub.desk2.pk]) not in html and "Melden Sie sich an" in html


def test_default_week_view_starts_today(client_a, hub, monkeypatch):
    """Issue 14: on a Saturday the Monday-based week showed five past and two closed days, nothing free."""
    saturday = weekday_ahead(7)
    saturday += timedelta(days=5 - saturday.weekday())
    now = at(saturday, 10)
    from rathaus.hub import views

    monkeypatch.setattr(views, "timezone", SimpleNamespace(now=lambda: now))
    html = client_a.get(reverse("hub:location", args=[hub.location.pk])).content.decode()
    caption = re.search(r"<caption[^>]*>(.*?)</caption>", html, re.S).group(1)
    assert f"Belegung vom {saturday.day}. " in caption
    headers = re.findall(r'href="\?ansicht=tag&amp;datum=([0-9-]+)"', html)
    assert headers == [(saturday + timedelta(days=i)).isoformat() for i in range(7)]
    row = re.search(r"Arbeitsplatz 02<br>.*?</tr>", html, re.S).group(0)
    states = re.findall(r"hub-cell--(\w+)", row)
    assert states == ["closed", "closed", "free", "free", "free", "free", "free"]
    # "Weiter" goes on by seven days from the first day shown.
    assert f"datum={(saturday + timedelta(days=7)).isoformat()}" in html


def test_day_view_links_free_units_to_booking_form(hub, booker):
    day = weekday_ahead()
    services.book(hub.room, booker, at(day, 10), at(day, 11))
    c = client_for(HOST_A, booker)
    html = c.get(
        reverse("hub:location", args=[hub.location.pk]), {"ansicht": "tag", "datum": day.isoformat()}
    ).content.decode()
    assert "10:00 Uhr" in html
    room_row = re.search(r"Besprechungsraum Elster<br>.*?</tr>", html, re.S).group(0)
    assert room_row.count("belegt") == 1
    assert (
        f"{reverse('hub:book', args=[hub.room.pk])}?datum={day.isoformat()}&amp;beginn=09:00&amp;ende=09:30"
        in room_row
    )
    desk_row = re.search(r"Arbeitsplatz 01<br>.*?</tr>", html, re.S).group(0)
    assert "beginn=13:00&amp;ende=18:00" in desk_row


def test_month_view_and_bad_parameters(client_a, hub):
    url = reverse("hub:location", args=[hub.location.pk])
    r = client_a.get(url, {"ansicht": "monat", "datum": "2027-02-10"})
    assert (
        r.status_code == 200
        and "1. Februar 2027" in r.content.decode()
        and "28. Februar 2027" in r.content.decode()
    )
    assert client_a.get(url, {"ansicht": "quatsch", "datum": "kein-datum"}).status_code == 200


def test_availability_query_count_is_constant(client_a, hub, booker, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the rendering is measured, not a shared-cache hit (ADR 0017)
    url = reverse("hub:location", args=[hub.location.pk])
    day = weekday_ahead()
    services.book(hub.desk2, booker, at(day, 8), at(day, 18))

    def count(view: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_a.get(url, {"ansicht": view, "datum": day.isoformat()}).status_code == 200
        return len(ctx.captured_queries)

    count("woche")  # warm the host -> municipality cache
    few = {v: count(v) for v in ("tag", "woche", "monat")}
    for i in range(30):
        r = Resource.objects.create(municipality=hub.municipality, group=hub.group, name=f"Zusatzplatz {i}")
        # one person per desk: nobody holds two desks at once (a database constraint on PostgreSQL)
        person = User.objects.create_user(f"zusatz-{i}@example.org", None)
        Booking.objects.create(
            municipality=hub.municipality, resource=r, user=person, starts_at=at(day, 8), ends_at=at(day, 18)
        )
    many = {v: count(v) for v in ("tag", "woche", "monat")}
    assert few == many
    assert max(many.values()) <= 8


def test_booking_form_books_and_redirects(hub, booker):
    c = client_for(HOST_A, booker)
    day = weekday_ahead()
    url = reverse("hub:book", args=[hub.desk.pk])
    r = c.get(url, {"datum": day.isoformat(), "beginn": "08:00", "ende": "13:00"})
    assert r.status_code == 200 and 'value="08:00"' in r.content.decode()
    data = {"day": day.isoformat(), "start": "08:00", "end": "13:00", "weeks": "1"}
    r = c.post(url, data)
    assert r.status_code == 302 and r.url == reverse("hub:my_bookings")
    assert Booking.objects.filter(user=booker, resource=hub.desk, starts_at=at(day, 8)).count() == 1
    # Double submit: a clear message, still one booking.
    r = c.post(url, data)
    assert r.status_code == 200 and "Sie haben diesen Zeitraum bereits gebucht." in r.content.decode()
    assert Booking.objects.filter(user=booker, resource=hub.desk).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2020-01-06", "start": "08:00", "end": "18:00", "weeks": "1"}, "Vergangenheit"),
        ({"day": "{day}", "start": "06:00", "end": "18:00", "weeks": "1"}, "Öffnungszeiten"),
        ({"day": "{day}", "start": "09:00", "end": "17:00", "weeks": "1"}, "Buchungseinheit"),
        ({"day": "{far}", "start": "08:00", "end": "18:00", "weeks": "1"}, "höchstens 28 Tage"),
        ({"day": "kaputt", "start": "08:00", "end": "18:00", "weeks": "1"}, "Datum"),
        (
            {"day": "{day}", "start": "12:00", "end": "09:00", "weeks": "1"},
            "Das Ende muss nach dem Beginn liegen.",
        ),
        ({"day": "{day}", "start": "08:00", "end": "18:00", "weeks": "99"}, "Wöchentlich wiederholen"),
    ],
)
def test_booking_form_bad_input_shows_german_errors(hub, booker, data, message):
    c = client_for(HOST_A, booker)
    fill = {"day": weekday_ahead().isoformat(), "far": weekday_ahead(40).isoformat()}
    data = {k: v.format(**fill) for k, v in data.items()}
    r = c.post(reverse("hub:book", args=[hub.desk2.pk]), data)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Bitte korrigieren Sie die folgenden Angaben" in html and message in html
    assert not Booking.objects.exists()


def test_restricted_desk_form_explains_and_refuses(hub, booker, partner):
    url = reverse("hub:book", args=[hub.partner_desk.pk])
    c = client_for(HOST_A, booker)
    html = c.get(url).content.decode()
    # Issue 14: no booking form that could only fail on submit.
    assert "reserviert für IT-Partner des Digital Hubs" in html and "vorbehalten" in html
    assert "Verbindlich buchen" not in html and 'name="start"' not in html
    day = weekday_ahead()
    data = {"day": day.isoformat(), "start": "08:00", "end": "18:00", "weeks": "1"}
    r = c.post(url, data)
    assert r.status_code == 200 and "IT-Partner des Digital Hubs" in r.content.decode()
    assert not Booking.objects.exists()
    assert "Verbindlich buchen" in client_for(HOST_A, partner).get(url).content.decode()
    assert client_for(HOST_A, partner).post(url, data).status_code == 302


@pytest.mark.parametrize("view", ["tag", "woche", "monat"])
def test_reserved_desks_show_as_reserved_to_everyone_but_members(hub, booker, partner, client_a, view):
    """Issue 14: desks of the IT partner showed as "frei" with a booking link to non-members."""
    url = reverse("hub:location", args=[hub.location.pk])
    params = {"ansicht": view, "datum": weekday_ahead().isoformat()}
    link = reverse("hub:book", args=[hub.partner_desk.pk])

    def partner_row(client) -> str:
        html = client.get(url, params).content.decode()
        return re.search(r"Partnerplatz<br>.*?</tr>", html, re.S).group(0)

    for client in (client_for(HOST_A, booker), client_a):
        row = partner_row(client)
        assert "reserviert für IT-Partner des Digital Hubs" in row
        assert "hub-cell--free" not in row and "hub-cell--partial" not in row and link not in row
    row = partner_row(client_for(HOST_A, partner))
    assert "hub-cell--free" in row and link in row and "reserviert" not in row


def test_weekly_series_through_the_form(hub, booker):
    hub.group.max_active_bookings = 10
    hub.group.save()
    day = weekday_ahead()
    ClosingDay.objects.create(
        municipality=hub.municipality, location=hub.location, date=day + timedelta(weeks=1)
    )
    c = client_for(HOST_A, booker)
    r = c.post(
        reverse("hub:book", args=[hub.desk2.pk]),
        {"day": day.isoformat(), "start": "08:00", "end": "18:00", "weeks": "3"},
    )
    html = r.content.decode()
    assert r.status_code == 200 and "Ergebnis der Serienbuchung" in html
    assert html.count("nicht gebucht:") == 1 and html.count(">gebucht</td>") == 2
    assert Booking.objects.filter(user=booker).count() == 2


def test_booking_needs_login_and_forged_ids_404(hub, booker, muni_b):
    hub_b = make_hub(muni_b, "B ")
    url = reverse("hub:book", args=[hub.desk.pk])
    r = client_for(HOST_A).get(url)
    assert r.status_code == 302 and "/konto/login/" in r.url
    c = client_for(HOST_A, booker)
    assert c.get(reverse("hub:book", args=[hub_b.desk.pk])).status_code == 404
    assert c.get(reverse("hub:location", args=[hub_b.location.pk])).status_code == 404
    assert c.get(reverse("hub:book", args=[999999])).status_code == 404


def test_my_bookings_cancel_and_ics(hub, booker):
    day = weekday_ahead()
    b = services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    c = client_for(HOST_A, booker)
    html = c.get(reverse("hub:my_bookings")).content.decode()
    assert "Arbeitsplatz 02" in html and "Stornieren" in html and "kalender.ics" in html

    r = c.get(reverse("hub:booking_ics", args=[b.pk]))
    assert r["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    ev = events[0]
    assert ev.decoded("dtstart") == b.starts_at and ev.decoded("dtend") == b.ends_at
    assert ev.decoded("dtstart").utcoffset() == timedelta(0)
    assert "Arbeitsplatz 02" in str(ev["summary"]) and str(ev["uid"]).startswith(str(b.uid))

    assert c.post(reverse("hub:cancel", args=[b.pk])).status_code == 302
    b.refresh_from_db()
    assert b.status == BookingStatus.CANCELLED
    # Someone else's booking: 404 for the .ics, the cancel and the check-in.
    other = client_for(HOST_A, make_user("fremd@example.org"))
    b2 = services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    assert other.get(reverse("hub:booking_ics", args=[b2.pk])).status_code == 404
    assert other.post(reverse("hub:cancel", args=[b2.pk])).status_code == 404
    assert other.post(reverse("hub:check_in", args=[b2.pk])).status_code == 404
    b2.refresh_from_db()
    assert b2.status == BookingStatus.CONFIRMED


def test_cancel_after_deadline_shows_message(hub, booker):
    now = timezone.now()
    b = Booking.objects.create(
        municipality=hub.municipality,
        resource=hub.desk2,
        user=booker,
        starts_at=now + timedelta(minutes=30),
        ends_at=now + timedelta(hours=2),
    )
    c = client_for(HOST_A, booker)
    r = c.post(reverse("hub:cancel", args=[b.pk]), follow=True)
    assert "Stornofrist ist abgelaufen" in r.content.decode()
    b.refresh_from_db()
    assert b.status == BookingStatus.CONFIRMED


def test_check_in_button_and_qr(hub, booker):
    now = timezone.now()
    b = Booking.objects.create(
        municipality=hub.municipality,
        resource=hub.desk2,
        user=booker,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=3),
    )
    c = client_for(HOST_A, booker)
    assert "Einchecken" in c.get(reverse("hub:my_bookings")).content.decode()
    url = reverse("hub:qr_check_in", args=[hub.desk2.checkin_token])
    assert "Jetzt einchecken" in c.get(url).content.decode()
    assert c.post(url).status_code == 302
    b.refresh_from_db()
    assert b.checked_in_at is not None
    assert "keine Buchung" in c.get(url).content.decode()
    # The button path refuses a second check-in with a message, not an error page.
    r = c.post(reverse("hub:check_in", args=[b.pk]), follow=True)
    assert "bereits eingecheckt" in r.content.decode()


def test_personal_feed_with_secret_token(hub, booker):
    day = weekday_ahead()
    services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    c = client_for(HOST_A, booker)
    html = c.get(reverse("hub:my_bookings")).content.decode()
    token = services.feed_for(hub.municipality, booker).token
    assert token in html
    feed_url = reverse("hub:feed", args=[token])
    anon = client_for(HOST_A)
    cal = Calendar.from_ical(anon.get(feed_url).content)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["Arbeitsplatz 02 – Digital Hub"]
    assert anon.get(reverse("hub:feed", args=["falsch"])).status_code == 404
    assert c.post(reverse("hub:feed_regenerate")).status_code == 302
    assert anon.get(feed_url).status_code == 404


def test_feed_token_does_not_work_on_other_municipality(hub, booker, muni_b):
    token = services.feed_for(hub.municipality, booker).token
    assert client_for("musterstadt.testserver").get(reverse("hub:feed", args=[token])).status_code == 404


# --- Operators -----------------------------------------------------------------------------------------

STAFF_URLS = [
    "hub:manage",
    "hub:occupancy",
    "hub:location_create",
    "hub:group_create",
    "hub:resource_create",
    "hub:closing_day_create",
]


@pytest.mark.parametrize("name", STAFF_URLS)
def test_operator_pages_need_hub_module(hub, booker, editor_a, manager, admin_a, name):
    url = reverse(name)
    assert client_for(HOST_A).get(url).status_code == 302
    assert client_for(HOST_A, booker).get(url).status_code == 403
    assert client_for(HOST_A, editor_a).get(url).status_code == 403  # manages "portal", not "hub"
    assert client_for(HOST_A, manager).get(url).status_code == 200
    assert client_for(HOST_A, admin_a).get(url).status_code == 200


def test_operator_creates_location_with_hours_resource_and_closing_day(hub, manager):
    c = client_for(HOST_A, manager)
    data = {
        "name": "Zweigstelle Schlossstraße",
        "address": "Schloßstraße 1\n06712 Zeitz",
        "floor": "1. OG",
        "step_free": "on",
        "accessibility": "Aufzug",
        "description": "",
        "is_active": "on",
        "opens_0": "09:00",
        "closes_0": "17:00",
        "opens_2": "10:00",
        "closes_2": "",
    }
    r = c.post(reverse("hub:location_create"), data)
    assert r.status_code == 200 and "beide Zeiten" in r.content.decode()
    data["closes_2"] = "12:00"
    assert c.post(reverse("hub:location_create"), data).status_code == 302
    loc = Location.objects.get(name="Zweigstelle Schlossstraße")
    assert loc.municipality == hub.municipality
    assert {(h.weekday, h.opens, h.closes) for h in OpeningHours.objects.filter(location=loc)} == {
        (0, time(9), time(17)),
        (2, time(10), time(12)),
    }
    # Editing removes a weekday whose times are cleared.
    data.update({"opens_2": "", "closes_2": ""})
    assert c.post(reverse("hub:location_edit", args=[loc.pk]), data).status_code == 302
    assert OpeningHours.objects.filter(location=loc).count() == 1

    r = c.post(
        reverse("hub:resource_create"),
        {
            "group": hub.group.pk,
            "name": "Stehplatz",
            "kind": "desk",
            "capacity": "1",
            "equipment": "",
            "booking_unit": "slot",
            "slot_minutes": "45",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    res = Resource.objects.get(name="Stehplatz")
    assert res.municipality == hub.municipality and res.slot_minutes == 45
    r = c.post(
        reverse("hub:resource_edit", args=[res.pk]),
        {
            "group": hub.group.pk,
            "name": "Stehplatz",
            "kind": "desk",
            "capacity": "0",
            "booking_unit": "slot",
            "slot_minutes": "3",
        },
    )
    assert r.status_code == 200 and "Mindestens 1 Platz." in r.content.decode()

    day = weekday_ahead()
    r = c.post(
        reverse("hub:closing_day_create"),
        {"location": hub.location.pk, "date": day.isoformat(), "reason": "Inventur"},
    )
    assert r.status_code == 302
    cd = ClosingDay.objects.get(date=day)
    assert cd.municipality == hub.municipality
    r = c.post(
        reverse("hub:closing_day_create"),
        {"location": hub.location.pk, "date": day.isoformat(), "reason": "doppelt"},
    )
    assert r.status_code == 200 and ClosingDay.objects.filter(date=day).count() == 1
    assert "Inventur" in c.get(reverse("hub:manage")).content.decode()
    assert c.post(reverse("hub:closing_day_delete", args=[cd.pk])).status_code == 302
    assert not ClosingDay.objects.filter(pk=cd.pk).exists()


def test_operator_cannot_pick_other_municipalitys_group_or_location(hub, manager, muni_b):
    hub_b = make_hub(muni_b, "B ")
    c = client_for(HOST_A, manager)
    r = c.post(
        reverse("hub:resource_create"),
        {
            "group": hub_b.group.pk,
            "name": "X",
            "kind": "desk",
            "capacity": "1",
            "booking_unit": "day",
            "slot_minutes": "60",
        },
    )
    assert r.status_code == 200 and not Resource.objects.filter(name="X").exists()
    r = c.post(
        reverse("hub:closing_day_create"), {"location": hub_b.location.pk, "date": "2030-01-02", "reason": ""}
    )
    assert r.status_code == 200 and not ClosingDay.objects.exists()
    assert c.get(reverse("hub:resource_edit", args=[hub_b.desk.pk])).status_code == 404
    assert c.get(reverse("hub:resource_qr", args=[hub_b.desk.pk])).status_code == 404


def test_group_rules_editable(hub, manager):
    c = client_for(HOST_A, manager)
    data = {
        "location": hub.location.pk,
        "name": "Partner",
        "max_days_ahead": "14",
        "max_active_bookings": "2",
        "min_notice_minutes": "0",
        "cancellation_deadline_hours": "1",
        "no_show_grace_minutes": "15",
        "organisation": hub.organisation.pk,
    }
    assert c.post(reverse("hub:group_edit", args=[hub.partner_group.pk]), data).status_code == 302
    hub.partner_group.refresh_from_db()
    assert hub.partner_group.max_days_ahead == 14 and hub.partner_group.organisation == hub.organisation
    data["max_days_ahead"] = "0"
    assert c.post(reverse("hub:group_edit", args=[hub.partner_group.pk]), data).status_code == 200


def test_qr_code_svg_links_to_check_in(hub, manager):
    c = client_for(HOST_A, manager)
    r = c.get(reverse("hub:resource_qr", args=[hub.desk.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml"
    # Our own output, not untrusted input.
    root = ElementTree.fromstring(r.content)  # noqa: S314
    assert root.tag.endswith("svg")
    html = c.get(reverse("hub:resource_sign", args=[hub.desk.pk])).content.decode()
    assert f"http://{HOST_A}{reverse('hub:qr_check_in', args=[hub.desk.checkin_token])}" in html
    assert 'alt="QR-Code zum Einchecken an Arbeitsplatz 01"' in html


def test_occupancy_shows_utilisation_with_constant_queries(hub, booker, manager):
    day = weekday_ahead()
    services.book(hub.desk2, booker, at(day, 8), at(day, 18))
    released = services.book(hub.desk, make_user("zweite@example.org"), at(day, 8), at(day, 13))
    services.release_no_shows(hub.municipality, now=at(day, 9))
    released.refresh_from_db()
    assert released.status == BookingStatus.RELEASED
    c = client_for(HOST_A, manager)
    url = reverse("hub:occupancy")

    def get() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as ctx:
            r = c.get(url, {"woche": day.isoformat()})
        return r.content.decode(), len(ctx.captured_queries)

    get()  # warm the host -> municipality cache
    html, n_few = get()
    desk2 = re.search(r"Arbeitsplatz 02</th>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r'kern-table__cell">([^<]*)<', desk2)
    # 5 days x 10 h open, 10 h booked = 20 %.
    assert cells[1:5] == ["50,0", "10,0", "20 %", "1"]
    desk = re.search(r"Arbeitsplatz 01</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r'kern-table__cell">([^<]*)<', desk)[-1] == "1"  # one no-show
    for i in range(20):
        Resource.objects.create(municipality=hub.municipality, group=hub.group, name=f"Platz {i}")
    _html, n_many = get()
    assert n_few == n_many
