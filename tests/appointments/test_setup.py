"""Staff setup pages of the Terminvergabe: create/edit/delete each kind, bad input, foreign ids,
permissions, and that a fresh setup makes the public booking page offer slots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rathaus.appointments.models import (
    Availability,
    BlockedDay,
    Counter,
    Location,
    OpeningHours,
    ServiceSetting,
)
from rathaus.core.accounts.models import Role
from rathaus.core.audit.models import AuditEvent
from tests.appointments.conftest import make_service
from tests.conftest import HOST_A, client_for, grant, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(muni_a):
    user = make_user("einrichtung@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["services"])
    return user


@pytest.fixture
def client(clerk):
    return client_for(HOST_A, clerk)


def new(kind: str) -> str:
    return reverse("appointments:setup_new", args=[kind])


def edit(kind: str, pk: int) -> str:
    return reverse("appointments:setup_edit", args=[kind, pk])


def delete(kind: str, pk: int) -> str:
    return reverse("appointments:setup_delete", args=[kind, pk])


def errors_of(response) -> str:
    assert response.status_code == 200
    assert "data-error-summary" in response.text
    return response.text


def make_location(client) -> Location:
    response = client.post(
        new("standort"),
        {
            "name": "Bürgerbüro Neu",
            "slug": "neu",
            "address": "Markt 1",
            "buffer_minutes": "5",
            "step_minutes": "15",
            "horizon_days": "30",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.text
    return Location.objects.get(slug="neu")


def test_full_setup_makes_the_booking_page_offer_slots(muni_a, clerk, client):
    location = make_location(client)
    assert (
        client.post(
            new("schalter"), {"location": location.pk, "name": "Schalter A", "is_active": "on"}
        ).status_code
        == 302
    )
    counter = Counter.objects.get(location=location)
    for day in range(7):
        r = client.post(
            new("oeffnungszeit"),
            {"location": location.pk, "weekday": day, "opens": "08:00", "closes": "12:00"},
        )
        assert r.status_code == 302
    service = make_service(muni_a, "Reisepass")
    r = client.post(
        new("leistung"),
        {
            "service": service.pk,
            "location": location.pk,
            "duration_minutes": "30",
            "max_quantity": "2",
            "lead_time_hours": "0",
            "is_bookable": "on",
        },
    )
    assert r.status_code == 302
    setting = ServiceSetting.objects.get(service=service)
    assert (setting.duration_minutes, setting.max_quantity, setting.municipality) == (30, 2, muni_a)
    for day in range(7):
        r = client.post(
            new("dienstzeit"),
            {
                "staff": clerk.pk,
                "counter": counter.pk,
                "weekday": day,
                "starts": "08:00",
                "ends": "12:00",
                "services": [setting.pk],
            },
        )
        assert r.status_code == 302
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert (
        client.post(
            new("schliesstag"),
            {"location": location.pk, "day": tomorrow.isoformat(), "reason": "Betriebsausflug"},
        ).status_code
        == 302
    )
    assert AuditEvent.objects.filter(action="appointments.setup.dienstzeit.created").count() == 7

    overview = client.get(reverse("appointments:setup"))
    assert overview.status_code == 200
    for text in ("Bürgerbüro Neu", "Schalter A", "Reisepass", "Betriebsausflug", "08:00–12:00"):
        assert text in overview.text

    public = client_for(HOST_A)
    start = public.get(reverse("appointments:start"))
    assert "Reisepass" in start.text
    times = public.get(reverse("appointments:times", args=["neu"]), {f"anzahl-{setting.pk}": "1"})
    assert times.status_code == 200
    day_after = timezone.localdate() + timedelta(days=2)
    assert f'value="{day_after.isoformat()}T08:00:00' in times.text
    assert f'value="{tomorrow.isoformat()}T' not in times.text  # the blocked day offers nothing


def test_edit_and_delete_each_kind(muni_a, office, clerk, client):
    loc = office["location"]
    r = client.post(
        edit("standort", loc.pk),
        {
            "name": "Bürgerbüro Altstadt",
            "slug": loc.slug,
            "buffer_minutes": "0",
            "step_minutes": "10",
            "horizon_days": "20",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    loc.refresh_from_db()
    assert (loc.name, loc.horizon_days) == ("Bürgerbüro Altstadt", 20)
    counter = office["counters"][1]
    assert client.get(edit("schalter", counter.pk)).status_code == 200
    assert (
        client.post(edit("schalter", counter.pk), {"location": loc.pk, "name": "Schalter Zwei"}).status_code
        == 302
    )
    counter.refresh_from_db()
    assert (counter.name, counter.is_active) == ("Schalter Zwei", False)
    hours = OpeningHours.objects.filter(location=loc, weekday=0).get()
    assert (
        client.post(
            edit("oeffnungszeit", hours.pk),
            {"location": loc.pk, "weekday": 0, "opens": "07:30", "closes": "12:00"},
        ).status_code
        == 302
    )
    hours.refresh_from_db()
    assert hours.opens.hour == 7
    setting = office["melde"]
    assert (
        client.post(
            edit("leistung", setting.pk),
            {
                "service": setting.service_id,
                "location": loc.pk,
                "duration_minutes": "25",
                "max_quantity": "1",
                "lead_time_hours": "4",
            },
        ).status_code
        == 302
    )
    setting.refresh_from_db()
    assert (setting.duration_minutes, setting.is_bookable) == (25, False)
    avail = Availability.objects.filter(counter=counter, weekday=3).get()
    assert (
        client.post(
            edit("dienstzeit", avail.pk),
            {
                "staff": avail.staff_id,
                "counter": counter.pk,
                "weekday": 3,
                "starts": "09:00",
                "ends": "11:00",
                "services": [setting.pk],
            },
        ).status_code
        == 302
    )
    avail.refresh_from_db()
    assert avail.starts.hour == 9 and list(avail.services.all()) == [setting]
    blocked = BlockedDay.objects.create(municipality=muni_a, location=loc, day=timezone.localdate())
    assert (
        client.post(
            edit("schliesstag", blocked.pk),
            {"location": loc.pk, "day": blocked.day.isoformat(), "reason": "Umzug"},
        ).status_code
        == 302
    )
    blocked.refresh_from_db()
    assert blocked.reason == "Umzug"

    for kind, obj in (
        ("schliesstag", blocked),
        ("dienstzeit", avail),
        ("oeffnungszeit", hours),
        ("schalter", counter),
        ("leistung", setting),
    ):
        assert client.post(delete(kind, obj.pk)).status_code == 302
        assert not type(obj).objects.filter(pk=obj.pk).exists(), kind
    assert client.post(delete("standort", loc.pk)).status_code == 302
    assert not Location.objects.filter(pk=loc.pk).exists()
    assert AuditEvent.objects.filter(action="appointments.setup.standort.deleted").exists()


def test_delete_refused_while_appointments_refer(muni_a, office, client):
    from rathaus.appointments import services
    from rathaus.appointments.queries import Choice
    from tests.appointments.conftest import at, ctx_for

    _appt, _ = services.request_appointment(
        office["location"],
        [Choice(office["ausweis"])],
        at(3, 9),
        name="P",
        email="p@example.org",
        ctx=ctx_for(muni_a),
    )
    response = client.post(delete("leistung", office["ausweis"].pk), follow=True)
    assert "solange Termine darauf verweisen" in response.text
    assert ServiceSetting.objects.filter(pk=office["ausweis"].pk).exists()
    assert Location.objects.filter(pk=office["location"].pk).exists()


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        (
            "oeffnungszeit",
            {"weekday": 1, "opens": "12:00", "closes": "08:00"},
            "Das Ende muss nach dem Beginn liegen",
        ),
        (
            "oeffnungszeit",
            {"weekday": 1, "opens": "11:00", "closes": "14:00"},
            "überschneidet sich mit einer anderen Öffnungszeit",
        ),
        ("oeffnungszeit", {"weekday": 1, "opens": "8 Uhr", "closes": "14:00"}, "Uhrzeit"),
        (
            "dienstzeit",
            {"weekday": 1, "starts": "12:00", "ends": "12:00"},
            "Das Ende muss nach dem Beginn liegen",
        ),
        ("dienstzeit", {"weekday": 1, "starts": "11:00", "ends": "13:00"}, "schon eine Dienstzeit"),
        (
            "leistung",
            {"duration_minutes": "0", "max_quantity": "1", "lead_time_hours": "0"},
            "Dauer je Vorgang",
        ),
        (
            "leistung",
            {"duration_minutes": "15", "max_quantity": "11", "lead_time_hours": "0"},
            "Höchstens gleichzeitig",
        ),
        (
            "standort",
            {
                "name": "Zweit",
                "slug": "buergerbuero",
                "buffer_minutes": "5",
                "step_minutes": "15",
                "horizon_days": "30",
            },
            "Kurznamen verwendet schon",
        ),
        ("schalter", {"name": "Schalter 1"}, "Schalter"),
        ("schliesstag", {"day": "31.02.2027"}, "Tag"),
    ],
)
def test_bad_input_is_a_clear_message(muni_a, office, client, kind, data, message):
    data = dict(data)
    if kind in ("oeffnungszeit", "schalter", "schliesstag", "leistung"):
        data["location"] = office["location"].pk
    if kind == "leistung":
        data["service"] = make_service(muni_a, "Beglaubigung").pk
    if kind == "dienstzeit":
        grant(office["staff"][0], muni_a, Role.STAFF)
        data.update(
            staff=office["staff"][0].pk, counter=office["counters"][1].pk, services=[office["melde"].pk]
        )
    before = (
        type(office["location"]).objects.count(),
        OpeningHours.objects.count(),
        Availability.objects.count(),
    )
    text = errors_of(client.post(new(kind), data))
    assert message in text
    assert (
        type(office["location"]).objects.count(),
        OpeningHours.objects.count(),
        Availability.objects.count(),
    ) == before


def test_foreign_ids_are_refused(muni_a, muni_b, office, office_b, client):
    # In the address: 404 for every kind.
    b = office_b
    foreign = {
        "standort": b["location"],
        "schalter": b["counters"][0],
        "leistung": b["ausweis"],
        "oeffnungszeit": OpeningHours.objects.filter(location=b["location"]).first(),
        "dienstzeit": Availability.objects.filter(counter=b["counters"][0]).first(),
        "schliesstag": BlockedDay.objects.create(
            municipality=muni_b, location=b["location"], day=timezone.localdate()
        ),
    }
    for kind, obj in foreign.items():
        assert client.get(edit(kind, obj.pk)).status_code == 404, kind
        assert client.post(edit(kind, obj.pk), {"name": "x"}).status_code == 404, kind
        assert client.post(delete(kind, obj.pk)).status_code == 404, kind
        assert type(obj).objects.filter(pk=obj.pk).exists()
    assert client.get(new("gibt-es-nicht")).status_code == 404
    # In the form: a clear message, nothing saved.
    grant(office["staff"][0], muni_a, Role.STAFF)
    text = errors_of(
        client.post(
            new("leistung"),
            {
                "service": b["ausweis"].service_id,
                "location": office["location"].pk,
                "duration_minutes": "15",
                "max_quantity": "1",
                "lead_time_hours": "0",
            },
        )
    )
    assert "nicht zu Ihrer Kommune" in text
    text = errors_of(client.post(new("schalter"), {"location": b["location"].pk, "name": "Fremd"}))
    assert "nicht zu Ihrer Kommune" in text
    text = errors_of(
        client.post(
            new("dienstzeit"),
            {
                "staff": office["staff"][0].pk,
                "counter": office["counters"][0].pk,
                "weekday": 1,
                "starts": "13:00",
                "ends": "14:00",
                "services": [b["melde"].pk],
            },
        )
    )
    assert "nicht zu Ihrer Kommune" in text
    assert not Counter.objects.filter(name="Fremd").exists()


def test_permissions(muni_a, office, citizen, admin_b):
    obj = office["counters"][0]
    urls = [reverse("appointments:setup"), new("schalter"), edit("schalter", obj.pk)]
    other = make_user("events@example.org", mfa=True)
    grant(other, muni_a, Role.MODULE_MANAGER, ["events"])
    no_mfa = make_user("ohne-mfa@example.org")
    grant(no_mfa, muni_a, Role.MODULE_MANAGER, ["services"])
    for url in urls:
        assert client_for(HOST_A).get(url).status_code == 302
        assert client_for(HOST_A, citizen).get(url).status_code == 403
        assert client_for(HOST_A, other).get(url).status_code == 403
        assert client_for(HOST_A, admin_b).get(url).status_code == 403
        assert client_for(HOST_A, no_mfa).get(url).status_code == 302  # to the MFA setup
    for user in (None, citizen, other, admin_b, no_mfa):
        client_for(HOST_A, user).post(delete("schalter", obj.pk))
        client_for(HOST_A, user).post(new("schalter"), {"location": office["location"].pk, "name": "Neu"})
    assert Counter.objects.filter(pk=obj.pk).exists()
    assert not Counter.objects.filter(name="Neu").exists()


def test_overview_query_count(muni_a, office, client, django_assert_max_num_queries):
    for n in range(3):
        extra = Location.objects.create(municipality=muni_a, name=f"Außenstelle {n}", slug=f"aussen-{n}")
        Counter.objects.create(municipality=muni_a, location=extra, name="S")
    with django_assert_max_num_queries(20):
        response = client.get(reverse("appointments:setup"))
    assert response.status_code == 200 and "Außenstelle 2" in response.text


def test_staff_dashboard_links_the_setup_for_the_role_only(muni_a, clerk, client):
    url = reverse("ui:staff_dashboard")
    assert reverse("appointments:setup") in client.get(url).text
    other = make_user("events2@example.org", mfa=True)
    grant(other, muni_a, Role.MODULE_MANAGER, ["events"])
    assert reverse("appointments:setup") not in client_for(HOST_A, other).get(url).text


def test_my_appointments_list_ics_and_cancel(muni_a, office, citizen, django_assert_max_num_queries):
    from rathaus.appointments import services
    from rathaus.appointments.models import Appointment, Status
    from rathaus.appointments.queries import Choice
    from tests.appointments.conftest import at, ctx_for

    mine, _ = services.request_appointment(
        office["location"],
        [Choice(office["ausweis"], 2)],
        at(3, 9),
        name="Bea",
        email=citizen.email,
        ctx=ctx_for(muni_a, citizen),
    )
    other, _ = services.request_appointment(
        office["location"],
        [Choice(office["melde"])],
        at(3, 10),
        name="Fremd",
        email="fremd@example.org",
        ctx=ctx_for(muni_a),
    )
    services.confirm(other, ctx=ctx_for(muni_a))
    client = client_for(HOST_A, citizen)
    url = reverse("appointments:mine")
    assert client_for(HOST_A).get(url).status_code == 302
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert "Personalausweis" in page.text and "Fremd" not in page.text
    assert client.get(reverse("appointments:my_ics", args=[mine.pk]))["Content-Type"].startswith(
        "text/calendar"
    )
    assert client.get(reverse("appointments:my_ics", args=[other.pk])).status_code == 404
    assert client.post(reverse("appointments:my_cancel", args=[other.pk])).status_code == 404
    assert client.post(reverse("appointments:my_cancel", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.status, other.status) == (Status.CANCELLED, Status.BOOKED)
    assert "keine anstehenden Termine" in client.get(url).text
    assert Appointment.objects.count() == 2
