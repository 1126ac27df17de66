"""Pages: list with filters and constant queries, detail with JSON-LD, registration flows, staff pages."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rathaus.core.accounts.models import Role
from rathaus.events import services
from rathaus.events.models import Event, EventStatus, EventType, Registration, RegistrationStatus
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

from .conftest import make_event

pytestmark = pytest.mark.django_db
R = RegistrationStatus


def jsonld(html: str) -> dict:
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert m, "no JSON-LD script"
    return json.loads(m.group(1))


# --- List ----------------------------------------------------------------------------------------


def test_list_shows_only_listed_upcoming_events_of_this_municipality(muni_a, muni_b):
    make_event(muni_a, title="Öffentlich")
    make_event(muni_a, title="Entwurf", status=EventStatus.DRAFT)
    make_event(muni_a, title="Intern", is_public=False)
    make_event(muni_a, title="Vorbei", days=-5)
    make_event(muni_a, title="Abgesagt", status=EventStatus.CANCELLED)
    make_event(muni_b, title="Musterstadt")
    html = client_for(HOST_A).get("/veranstaltungen/").content.decode()
    assert "Öffentlich" in html and "Abgesagt" in html
    for hidden in ("Entwurf", "Intern", "Vorbei", "Musterstadt"):
        assert hidden not in html


def test_list_filters(muni_a):
    make_event(muni_a, title="Kurs Tabellen", event_type=EventType.COURSE, tags=("Office",), days=10)
    make_event(
        muni_a,
        title="Frühstück Handwerk",
        event_type=EventType.EVENT,
        tags=("Wirtschaft",),
        for_citizens=False,
        for_businesses=True,
        days=20,
    )
    make_event(
        muni_a, title="Sprechstunde Senioren", event_type=EventType.CONSULTATION, tags=("Senioren",), days=30
    )
    c = client_for(HOST_A)

    def titles(query: str) -> list[str]:
        html = c.get(f"/veranstaltungen/?{query}").content.decode()
        return [t for t in ("Kurs Tabellen", "Frühstück Handwerk", "Sprechstunde Senioren") if t in html]

    assert titles("art=kurs") == ["Kurs Tabellen"]
    assert titles("zielgruppe=unternehmen") == ["Frühstück Handwerk"]
    assert titles("zielgruppe=buerger") == ["Kurs Tabellen", "Sprechstunde Senioren"]
    assert titles("schlagwort=senioren") == ["Sprechstunde Senioren"]
    day = (timezone.localdate() + timedelta(days=20)).isoformat()
    assert titles(f"von={day}&bis={day}") == ["Frühstück Handwerk"]
    assert titles("q=Handwerk") == ["Frühstück Handwerk"]
    assert titles("q=Tabellen") == ["Kurs Tabellen"]
    # bad input: ignored field, error shown, never a 500
    response = c.get("/veranstaltungen/?art=unsinn&von=kein-datum&schlagwort=gibtsnicht")
    assert response.status_code == 200
    assert len(titles("art=unsinn")) == 3
    bad = c.get("/veranstaltungen/?von=2026-05-10&bis=2026-05-01").content.decode()
    assert "Das Enddatum liegt vor dem Startdatum." in bad


def test_list_paginates_and_query_count_is_constant(muni_a, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the queries of rendering, not of the shared page cache
    c = client_for(HOST_A)
    for n in range(3):
        make_event(muni_a, title=f"Veranstaltung {n}", tags=("A", "B"), days=n + 1)
    c.get("/veranstaltungen/")  # warm caches (tenant lookup)
    with CaptureQueriesContext(connection) as few:
        assert c.get("/veranstaltungen/").status_code == 200
    for n in range(3, 45):
        event = make_event(muni_a, title=f"Veranstaltung {n}", tags=(f"T{n}", "B"), days=n + 1)
        services.register(event, name="x", email=f"p{n}@example.org", user=make_user(f"p{n}@example.org"))
    with CaptureQueriesContext(connection) as many:
        response = c.get("/veranstaltungen/")
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 6
    html = response.content.decode()
    assert "Seite 1 von 3" in html
    page3 = c.get("/veranstaltungen/?seite=3").content.decode()
    assert "Veranstaltung 44" in page3 and "Veranstaltung 0<" not in page3
    assert c.get("/veranstaltungen/?seite=999").status_code == 200


# --- Detail --------------------------------------------------------------------------------------


def test_detail_has_valid_json_ld(muni_a):
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    course = make_event(
        muni_a,
        title='Kurs </script><script>alert("x")</script>',
        event_type=EventType.COURSE,
        dates=[(start + timedelta(weeks=w), start + timedelta(weeks=w, hours=2)) for w in range(4)],
        online_url="https://meet.example.org/kurs",
        for_businesses=True,
    )
    response = client_for(HOST_A).get(f"/veranstaltungen/{course.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    data = jsonld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert data["name"] == course.title
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert len(data["subEvent"]) == 4
    assert data["startDate"].endswith(("+01:00", "+02:00"))
    assert data["remainingAttendeeCapacity"] == 3
    assert {a["audienceType"] for a in data["audience"]} == {"Bürgerinnen und Bürger", "Unternehmen"}
    # the online link is for registered people only (e-mails, detail page after registration)
    assert "meet.example.org" not in html
    user = make_user("kurs@example.org")
    services.register(course, name="K", email=user.email, user=user)
    assert (
        "meet.example.org" in client_for(HOST_A, user).get(f"/veranstaltungen/{course.pk}/").content.decode()
    )


def test_detail_of_draft_and_other_municipality_is_404(muni_a, muni_b):
    draft = make_event(muni_a, status=EventStatus.DRAFT)
    other = make_event(muni_b)
    c = client_for(HOST_A)
    assert c.get(f"/veranstaltungen/{draft.pk}/").status_code == 404
    assert c.get(f"/veranstaltungen/{other.pk}/").status_code == 404
    assert client_for(HOST_B).get(f"/veranstaltungen/{other.pk}/").status_code == 200
    unlisted = make_event(muni_a, title="Intern", is_public=False)
    assert c.get(f"/veranstaltungen/{unlisted.pk}/").status_code == 200  # reachable by link


# --- Registration --------------------------------------------------------------------------------


def test_guest_registration_flow_through_the_pages(muni_a, django_capture_on_commit_callbacks):
    event = make_event(muni_a, capacity=1)
    c = client_for(HOST_A)
    assert c.get(f"/veranstaltungen/{event.pk}/anmelden/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            f"/veranstaltungen/{event.pk}/anmelden/", {"name": "Erika Muster", "email": "erika@example.org"}
        )
    assert r.status_code == 302
    reg = Registration.objects.get(email="erika@example.org")
    assert reg.status == R.PENDING
    link = re.search(r"https?://\S+/bestaetigen/\S+/", mail.outbox[-1].body).group(0)
    path = link.split(HOST_A, 1)[1]
    assert c.get(path).status_code == 200  # a link scanner's GET confirms nothing
    assert Registration.objects.get(pk=reg.pk).status == R.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(path).status_code == 302
    assert Registration.objects.get(pk=reg.pk).status == R.REGISTERED
    cancel = re.search(r"https?://\S+/stornieren/\S+/", mail.outbox[-1].body).group(0).split(HOST_A, 1)[1]

    # a second person lands on the waiting list
    other = client_for(HOST_A, make_user("zweite@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        other.post(f"/veranstaltungen/{event.pk}/anmelden/")
    assert Registration.objects.get(email="zweite@example.org").status == R.WAITLIST
    assert "Warteliste (Platz 1)" in other.get(f"/veranstaltungen/{event.pk}/").content.decode()

    # the guest cancels by link; the waiting list moves up and is told so
    assert "Jetzt stornieren" in c.get(cancel).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(cancel).status_code == 302
    assert Registration.objects.get(pk=reg.pk).status == R.CANCELLED
    assert Registration.objects.get(email="zweite@example.org").status == R.REGISTERED
    assert mail.outbox[-1].to == ["zweite@example.org"]
    assert "nachgerückt" in mail.outbox[-1].body
    # the old link now only shows the cancelled state
    assert "bereits storniert" in c.get(cancel).content.decode()


def test_guest_form_errors_and_honeypot(event_a):
    c = client_for(HOST_A)
    r = c.post(f"/veranstaltungen/{event_a.pk}/anmelden/", {"name": "", "email": "kein-mail"})
    assert r.status_code == 400
    assert "Bitte korrigieren Sie" in r.content.decode()
    r = c.post(
        f"/veranstaltungen/{event_a.pk}/anmelden/",
        {"name": "Bot", "email": "bot@example.org", "website": "x"},
    )
    assert r.status_code == 302
    assert not Registration.objects.exists()


def test_closed_registration_page_and_post(muni_a):
    event = make_event(muni_a, registration_closes_at=timezone.now() - timedelta(hours=1))
    c = client_for(HOST_A)
    assert (
        "Die Anmeldung ist geschlossen." in c.get(f"/veranstaltungen/{event.pk}/anmelden/").content.decode()
    )
    r = c.post(f"/veranstaltungen/{event.pk}/anmelden/", {"name": "Zu spät", "email": "spaet@example.org"})
    assert r.status_code == 409
    assert not Registration.objects.exists()


def test_register_for_other_municipalitys_event_is_404(event_a, event_b):
    c = client_for(HOST_A)
    r = c.post(f"/veranstaltungen/{event_b.pk}/anmelden/", {"name": "Fremd", "email": "fremd@example.org"})
    assert r.status_code == 404
    assert not Registration.objects.exists()


def test_bad_and_foreign_tokens_show_invalid_link_page(event_a, event_b):
    c = client_for(HOST_A)
    for path in ("/veranstaltungen/bestaetigen/unsinn/", "/veranstaltungen/stornieren/unsinn/"):
        r = c.get(path)
        assert r.status_code == 404 and "Link ungültig" in r.content.decode()
        assert c.post(path).status_code == 404
    reg = services.register(event_b, name="B", email="b@example.org").registration
    foreign = f"/veranstaltungen/stornieren/{services.link_token(reg, 'cancel')}/"
    assert c.post(foreign).status_code == 404
    assert Registration.objects.get(pk=reg.pk).status == R.PENDING


def test_double_submit_gives_one_registration(event_a):
    c = client_for(HOST_A, make_user("doppel@example.org"))
    for _ in range(3):
        assert c.post(f"/veranstaltungen/{event_a.pk}/anmelden/").status_code == 302
    assert Registration.objects.filter(event=event_a).count() == 1


def test_guest_rate_limit(event_a):
    c = client_for(HOST_A)
    codes = [
        c.post(
            f"/veranstaltungen/{event_a.pk}/anmelden/", {"name": "x", "email": f"r{n}@example.org"}
        ).status_code
        for n in range(12)
    ]
    assert codes[:10] == [302] * 10 and codes[10:] == [429, 429]


def test_my_registrations_and_cancel(event_a, event_b):
    user = make_user("meine@example.org")
    services.register(event_a, name="Ich", email=user.email, user=user)
    services.register(event_b, name="Ich", email=user.email, user=user)
    c = client_for(HOST_A, user)
    html = c.get("/veranstaltungen/meine-anmeldungen/").content.decode()
    assert event_a.title in html and event_b.title not in html
    own = Registration.objects.get(event=event_a)
    foreign = Registration.objects.get(event=event_b)
    assert c.post(f"/veranstaltungen/meine-anmeldungen/{foreign.pk}/stornieren/").status_code == 404
    other = client_for(HOST_A, make_user("andere@example.org"))
    assert other.post(f"/veranstaltungen/meine-anmeldungen/{own.pk}/stornieren/").status_code == 404
    assert Registration.objects.get(pk=own.pk).status == R.REGISTERED
    assert c.post(f"/veranstaltungen/meine-anmeldungen/{own.pk}/stornieren/").status_code == 302
    assert Registration.objects.get(pk=own.pk).status == R.CANCELLED
    assert client_for(HOST_A).get("/veranstaltungen/meine-anmeldungen/").status_code == 302


# --- Staff -------------------------------------------------------------------------------------


def event_form(**over):
    start = (timezone.localtime() + timedelta(days=10)).replace(hour=17, minute=0, second=0, microsecond=0)
    data = {
        "title": "Kurs: Grundlagen der Tabellenkalkulation",
        "event_type": "kurs",
        "summary": "Vier Abende",
        "description": "",
        "first_start": start.strftime("%Y-%m-%dT%H:%M"),
        "first_end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "more_dates": "\n".join(f"{(start + timedelta(weeks=w)):%d.%m.%Y} 17:00-19:00" for w in range(1, 4)),
        "organiser": "Digital Hub Zeitz",
        "organiser_email": "",
        "venue": "Digital Hub Zeitz",
        "address": "Altmarkt 16, 06712 Zeitz",
        "online_url": "",
        "accessibility": "Stufenlos",
        "target_groups": ["buerger", "verwaltung"],
        "tag_names": "Weiterbildung, Office, Office",
        "capacity": "10",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "is_public": "on",
        "status": "published",
    }
    data.update(over)
    return data


def test_manager_creates_a_course_with_four_dates(muni_a, manager_a):
    c = client_for(HOST_A, manager_a)
    assert c.get("/veranstaltungen/verwaltung/neu/").status_code == 200
    r = c.post("/veranstaltungen/verwaltung/neu/", event_form())
    assert r.status_code == 302, r.content.decode()[:3000]
    event = Event.objects.get()
    assert event.dates.count() == 4
    assert event.for_citizens and event.for_administration and not event.for_businesses
    assert sorted(t.slug for t in event.tags.all()) == ["office", "weiterbildung"]
    assert event.ends_at - event.starts_at > timedelta(weeks=3)
    assert event.created_by == manager_a
    # edit form round-trips the dates
    html = c.get(f"/veranstaltungen/verwaltung/{event.pk}/").content.decode()
    assert "17:00-19:00" in html


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"first_end": ""}, "Dieses Feld ist zwingend erforderlich."),
        ({"more_dates": "morgen früh"}, "ist kein Termin im Format"),
        ({"more_dates": "31.02.2026 10:00-11:00"}, "ist kein gültiges Datum"),
        ({"more_dates": "01.03.2026 12:00-11:00"}, "Das Ende muss nach dem Beginn liegen"),
        ({"venue": "", "address": "", "online_url": ""}, "Bitte geben Sie einen Ort"),
        ({"capacity": "0"}, "Plätze"),
        ({"target_groups": []}, "Zielgruppen"),
        (
            {"registration_opens_at": "2026-05-02T10:00", "registration_closes_at": "2026-05-01T10:00"},
            "nach ihrem Beginn",
        ),
        ({"tag_names": ",".join(f"t{n}" for n in range(11))}, "Höchstens 10 Schlagwörter"),
    ],
)
def test_event_form_bad_input(muni_a, manager_a, over, message):
    r = client_for(HOST_A, manager_a).post("/veranstaltungen/verwaltung/neu/", event_form(**over))
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not Event.objects.exists()


def test_staff_pages_need_the_events_module(muni_a, event_a, citizen, staff_a, editor_a, admin_a, manager_a):
    urls = [
        "/veranstaltungen/verwaltung/",
        "/veranstaltungen/verwaltung/neu/",
        "/veranstaltungen/verwaltung/auswertung/",
        f"/veranstaltungen/verwaltung/{event_a.pk}/",
        f"/veranstaltungen/verwaltung/{event_a.pk}/anmeldungen/",
        f"/veranstaltungen/verwaltung/{event_a.pk}/anmeldungen.csv",
        f"/veranstaltungen/verwaltung/{event_a.pk}/anmeldungen.xlsx",
    ]
    for url in urls:
        assert client_for(HOST_A).get(url).status_code == 302  # to login
        for user in (citizen, staff_a, editor_a):
            assert client_for(HOST_A, user).get(url).status_code == 403, (url, user)
        for user in (admin_a, manager_a):
            assert client_for(HOST_A, user).get(url).status_code == 200, (url, user)
    no_mfa = make_user("ohne-mfa@example.org")
    grant(no_mfa, muni_a, Role.MODULE_MANAGER, ["events"])
    assert "/konto/2fa/" in client_for(HOST_A, no_mfa).get(urls[0])["Location"]


def test_manager_of_a_is_refused_on_b(event_b, manager_a):
    c = client_for(HOST_B, manager_a)
    assert c.get("/veranstaltungen/verwaltung/").status_code == 403
    assert c.get(f"/veranstaltungen/verwaltung/{event_b.pk}/anmeldungen/").status_code == 403


def test_attendee_list_exports_and_check_in(muni_a, manager_a):
    event = make_event(muni_a, capacity=2)
    for n, name in enumerate(["Anna Alt", '=HYPERLINK("http://x")', "Carla Cordes"]):
        user = make_user(f"t{n}@example.org")
        services.register(event, name=name, email=user.email, user=user)
    services.register(event, name="Unbestätigt", email="pending@example.org")
    c = client_for(HOST_A, manager_a)
    html = c.get(f"/veranstaltungen/verwaltung/{event.pk}/anmeldungen/").content.decode()
    assert "Anna Alt" in html and "Carla Cordes" in html and "Unbestätigt" in html

    response = c.get(f"/veranstaltungen/verwaltung/{event.pk}/anmeldungen.csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Name", "E-Mail", "Status"]
    names = [r[0] for r in rows[1:]]
    assert "Anna Alt" in names and '\'=HYPERLINK("http://x")' in names
    waiting = next(r for r in rows[1:] if r[0] == "Carla Cordes")
    assert waiting[2] == "Warteliste" and waiting[5] == "1"

    from openpyxl import load_workbook

    xlsx = c.get(f"/veranstaltungen/verwaltung/{event.pk}/anmeldungen.xlsx")
    ws = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert values[0][0] == event.title and values[1][0] == "Name"
    assert {"Anna Alt", "Carla Cordes", "Unbestätigt"} <= {v[0] for v in values[2:]}
    assert all(not str(v[0]).startswith("=") for v in values[2:])

    anna = Registration.objects.get(name="Anna Alt")
    r = c.post(f"/veranstaltungen/verwaltung/anmeldung/{anna.pk}/anwesenheit/", {"attended": "1"})
    assert r.status_code == 302
    assert Registration.objects.get(pk=anna.pk).attended_at is not None
    carla = Registration.objects.get(name="Carla Cordes")
    c.post(f"/veranstaltungen/verwaltung/anmeldung/{carla.pk}/anwesenheit/", {"attended": "1"})
    assert Registration.objects.get(pk=carla.pk).attended_at is None  # waiting list cannot check in

    # organiser cancels a seat holder: Carla moves up
    r = c.post(f"/veranstaltungen/verwaltung/anmeldung/{anna.pk}/stornieren/")
    assert r.status_code == 302
    assert Registration.objects.get(pk=carla.pk).status == R.REGISTERED


def test_checkin_of_other_municipality_is_404(event_b, manager_a, admin_a):
    reg = services.register(
        event_b, name="B", email="b@example.org", user=make_user("b@example.org")
    ).registration
    c = client_for(HOST_A, admin_a)
    assert (
        c.post(f"/veranstaltungen/verwaltung/anmeldung/{reg.pk}/anwesenheit/", {"attended": "1"}).status_code
        == 404
    )
    assert c.post(f"/veranstaltungen/verwaltung/anmeldung/{reg.pk}/stornieren/").status_code == 404
    assert c.get(f"/veranstaltungen/verwaltung/{event_b.pk}/anmeldungen.csv").status_code == 404
    reg.refresh_from_db()
    assert reg.status == R.REGISTERED and reg.attended_at is None


def test_home_page_links_to_events(muni_a):
    html = client_for(HOST_A).get("/").content.decode()
    assert "Veranstaltungen und Kurse" in html and reverse("events:list") in html


def test_api_lists_upcoming_public_events(muni_a, muni_b):
    make_event(muni_a, title="API-Workshop", tags=("Open Data",))
    make_event(muni_b, title="Fremd")
    data = client_for(HOST_A).get("/api/v1/events?tag=open-data").json()
    assert [e["title"] for e in data] == ["API-Workshop"]
    assert data[0]["free_seats"] == 3 and data[0]["tags"] == ["Open Data"]
