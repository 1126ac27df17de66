"""Pages of consulting: list, booking, my appointments, advisor management; permissions and bad input."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rathaus.consulting import services
from rathaus.consulting.models import Advisor, Booking, Mode, Slot, Topic
from tests.conftest import HOST_A, HOST_B, client_for, make_user
from tests.consulting.conftest import make_slot, make_topic
from tests.factories import AdvisorFactory

pytestmark = pytest.mark.django_db

NEED = "Ich möchte die Online-Ausweisfunktion einrichten."


# --- Public list -------------------------------------------------------------------------------------


def test_list_shows_free_slots_only(slot, advisor, topic, citizen, muni_b):
    booked = make_slot(advisor, [topic], in_hours=100)
    services.book(booked, citizen, topic, NEED)
    make_slot(advisor, [topic], in_hours=-5)  # past
    withdrawn = make_slot(advisor, [topic], in_hours=120)
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.save()
    foreign = AdvisorFactory(municipality=muni_b, display_name="Fremde Beraterin")
    make_slot(foreign, [make_topic(muni_b)])

    response = client_for(HOST_A).get(reverse("consulting:slot_list"))
    assert response.status_code == 200
    assert list(response.context["slots"]) == [slot]
    html = response.content.decode()
    assert reverse("consulting:book", args=[slot.pk]) in html
    assert "Fremde Beraterin" not in html
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert html.count("<h1") == 1


def test_list_filters_by_topic_and_date(advisor, topic, topic2):
    a = make_slot(advisor, [topic], in_hours=48)
    b = make_slot(advisor, [topic2], in_hours=24 * 10)
    c = make_slot(advisor, [topic, topic2], in_hours=24 * 20)
    client = client_for(HOST_A)
    url = reverse("consulting:slot_list")
    assert list(client.get(url, {"thema": topic.pk}).context["slots"]) == [a, c]
    day = timezone.localtime(b.starts_at).date()
    assert list(client.get(url, {"von": day.isoformat(), "bis": day.isoformat()}).context["slots"]) == [b]
    assert list(client.get(url, {"thema": topic2.pk, "von": day.isoformat()}).context["slots"]) == [b, c]


@pytest.mark.parametrize(
    "params",
    [
        {"thema": "999999"},
        {"thema": "abc"},
        {"von": "kein-datum"},
        {"von": "2030-01-02", "bis": "2030-01-01"},
    ],
)
def test_list_with_bad_filters_shows_errors_not_500(slot, params):
    response = client_for(HOST_A).get(reverse("consulting:slot_list"), params)
    assert response.status_code == 200
    assert "kern-error" in response.content.decode()


def test_list_refuses_topic_of_other_municipality(slot, muni_b):
    foreign = make_topic(muni_b, "fremd", "Fremdes Thema")
    response = client_for(HOST_A).get(reverse("consulting:slot_list"), {"thema": foreign.pk})
    assert response.status_code == 200
    assert response.context["form"].errors  # not a valid choice on A
    assert "Fremdes Thema" not in response.content.decode()


def test_list_query_count_is_constant(advisor, topic, topic2, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the queries of rendering, not of the shared page cache
    client = client_for(HOST_A)
    url = reverse("consulting:slot_list")
    make_slot(advisor, [topic], in_hours=30)
    client.get(url)  # warm the tenant cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(30):
        other = AdvisorFactory(municipality=advisor.municipality, display_name=f"Beratung {i}")
        make_slot(other, [topic, topic2], in_hours=40 + i)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["slots"]) == 31
    assert len(many.captured_queries) == len(few.captured_queries)


def test_portal_entry_on_home_page(muni_a):
    html = client_for(HOST_A).get("/").content.decode()
    assert "Beratung zur Digitalisierung" in html
    assert reverse("consulting:slot_list") in html


# --- Booking through the form ---------------------------------------------------------------------------


def test_anonymous_sees_the_guest_form(slot):
    response = client_for(HOST_A).get(reverse("consulting:book", args=[slot.pk]))
    assert response.status_code == 200
    assert (
        "Ihre E-Mail-Adresse" in response.content.decode() and "Termin anfragen" in response.content.decode()
    )


def test_citizen_books_through_the_form(slot, topic, citizen, django_capture_on_commit_callbacks):
    client = client_for(HOST_A, citizen)
    url = reverse("consulting:book", args=[slot.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Thomas Wendler" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"topic": topic.pk, "need": NEED})
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consulting:booking", args=[booking.pk])
    assert booking.user == citizen and booking.need == NEED
    assert len(mail.outbox) == 2
    mine = client.get(reverse("consulting:my_bookings")).content.decode()
    assert "Thomas Wendler" in mine and "Online-Ausweis und BundID" in mine


def test_second_person_gets_a_clean_refusal(slot, topic, citizen, citizen2):
    services.book(slot, citizen, topic, NEED)
    client = client_for(HOST_A, citizen2)
    url = reverse("consulting:book", args=[slot.pk])
    assert "schon vergeben" in client.get(url).content.decode()
    response = client.post(url, {"topic": topic.pk, "need": NEED})
    assert response.status_code == 409
    assert "schon vergeben" in response.content.decode()
    assert Booking.objects.count() == 1


def test_past_slot_page_and_post(advisor, topic, citizen):
    past = make_slot(advisor, [topic], in_hours=-1)
    client = client_for(HOST_A, citizen)
    url = reverse("consulting:book", args=[past.pk])
    assert "in der Vergangenheit" in client.get(url).content.decode()
    response = client.post(url, {"topic": topic.pk, "need": NEED})
    assert response.status_code == 400 and not Booking.objects.exists()


@pytest.mark.parametrize(
    ("need", "message"),
    [("", "Bitte beschreiben Sie kurz Ihr Anliegen."), ("x" * 1001, "höchstens 1000 Zeichen")],
)
def test_bad_need_is_shown_in_the_form(slot, topic, citizen, need, message):
    response = client_for(HOST_A, citizen).post(
        reverse("consulting:book", args=[slot.pk]), {"topic": topic.pk, "need": need}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Booking.objects.exists()


def test_topic_not_in_slot_is_refused_by_the_form(slot, topic2, citizen):
    response = client_for(HOST_A, citizen).post(
        reverse("consulting:book", args=[slot.pk]), {"topic": topic2.pk, "need": NEED}
    )
    assert response.status_code == 400 and not Booking.objects.exists()


def test_unverified_account_cannot_book(slot, topic, unverified):
    client = client_for(HOST_A, unverified)
    url = reverse("consulting:book", args=[slot.pk])
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in client.get(url).content.decode()
    response = client.post(url, {"topic": topic.pk, "need": NEED})
    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_slot_of_other_municipality_is_404(citizen, muni_b):
    foreign_advisor = AdvisorFactory(municipality=muni_b, display_name="B")
    foreign_topic = make_topic(muni_b)
    foreign = make_slot(foreign_advisor, [foreign_topic])
    client = client_for(HOST_A, citizen)
    url = reverse("consulting:book", args=[foreign.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"topic": foreign_topic.pk, "need": NEED}).status_code == 404
    assert not Booking.objects.exists()
    # ... and on B's own host it works.
    assert client_for(HOST_B, citizen).get(url).status_code == 200


# --- My appointments -------------------------------------------------------------------------------------


def test_booking_detail_ics_cancel(slot, topic, citizen, django_capture_on_commit_callbacks):
    booking = services.book(slot, citizen, topic, NEED)
    client = client_for(HOST_A, citizen)
    detail = client.get(reverse("consulting:booking", args=[booking.pk])).content.decode()
    assert NEED in detail and "Termin absagen" in detail

    ics = client.get(reverse("consulting:booking_ics", args=[booking.pk]))
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(ics.content)
    event = next(iter(cal.walk("VEVENT")))
    assert event.decoded("dtstart") == slot.starts_at
    assert str(event.decoded("dtstart").tzinfo) == "Europe/Berlin"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("consulting:booking_cancel", args=[booking.pk]))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert any("abgesagt" in m.subject for m in mail.outbox)


def test_cancel_after_deadline_shows_message(advisor, topic, citizen):
    booking = services.book(make_slot(advisor, [topic], in_hours=3), citizen, topic, NEED)
    client = client_for(HOST_A, citizen)
    detail = client.get(reverse("consulting:booking", args=[booking.pk])).content.decode()
    assert "Termin absagen" not in detail
    response = client.post(reverse("consulting:booking_cancel", args=[booking.pk]), follow=True)
    assert "nur bis 24 Stunden vor dem Termin" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "active"


def test_cancel_is_post_only(slot, topic, citizen):
    booking = services.book(slot, citizen, topic, NEED)
    response = client_for(HOST_A, citizen).get(reverse("consulting:booking_cancel", args=[booking.pk]))
    assert response.status_code == 405


def test_rebook_through_the_form(advisor, topic, citizen):
    old = make_slot(advisor, [topic], in_hours=72)
    new = make_slot(advisor, [topic], in_hours=100)
    booking = services.book(old, citizen, topic, NEED)
    client = client_for(HOST_A, citizen)
    url = reverse("consulting:booking_rebook", args=[booking.pk])
    page = client.get(url)
    assert list(page.context["form"].fields["slot"].queryset) == [new]
    response = client.post(url, {"slot": new.pk})
    assert response.status_code == 302
    assert Booking.objects.get(status="active").slot == new


def test_rebook_to_forged_slot_is_refused(advisor, topic, citizen, muni_b):
    booking = services.book(make_slot(advisor, [topic]), citizen, topic, NEED)
    foreign = make_slot(AdvisorFactory(municipality=muni_b, display_name="B"), [make_topic(muni_b)])
    response = client_for(HOST_A, citizen).post(
        reverse("consulting:booking_rebook", args=[booking.pk]), {"slot": foreign.pk}
    )
    assert response.status_code == 400
    assert Booking.objects.get().slot_id == booking.slot_id


def test_other_persons_booking_is_404(slot, topic, citizen, citizen2):
    booking = services.book(slot, citizen, topic, NEED)
    client = client_for(HOST_A, citizen2)
    for name in ("consulting:booking", "consulting:booking_ics", "consulting:booking_rebook"):
        assert client.get(reverse(name, args=[booking.pk])).status_code == 404
    assert client.post(reverse("consulting:booking_cancel", args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == "active"


def test_own_booking_via_other_municipalitys_host_is_404(slot, topic, citizen, muni_b):
    booking = services.book(slot, citizen, topic, NEED)
    client = client_for(HOST_B, citizen)
    assert client.get(reverse("consulting:booking", args=[booking.pk])).status_code == 404
    assert client.get(reverse("consulting:my_bookings")).content.decode().count(NEED) == 0


# --- Advisors and managers -------------------------------------------------------------------------------


def _publish_data(advisor, topic, **extra):
    day = (timezone.localdate() + timedelta(days=7)).isoformat()
    data = {
        "advisor": advisor.pk,
        "day": day,
        "start": "10:00",
        "duration": "60",
        "mode": "on_site",
        "location": "Digital Hub Zeitz",
        "topics": [topic.pk],
        "weeks": "4",
    }
    data.update(extra)
    return data


def test_manager_publishes_a_series_for_a_named_advisor(advisor, topic, hub_manager):
    client = client_for(HOST_A, hub_manager)
    assert client.get(reverse("consulting:publish")).status_code == 200
    response = client.post(reverse("consulting:publish"), _publish_data(advisor, topic))
    assert response.status_code == 302
    assert Slot.objects.filter(advisor=advisor).count() == 4


def test_publish_bad_input_in_the_form(advisor, topic, hub_manager):
    client = client_for(HOST_A, hub_manager)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    for data in (
        _publish_data(advisor, topic, day=yesterday),
        _publish_data(advisor, topic, weeks="13"),
        _publish_data(advisor, topic, topics=[]),
        _publish_data(advisor, topic, duration="7"),
    ):
        response = client.post(reverse("consulting:publish"), data)
        assert response.status_code == 400, data
    assert not Slot.objects.exists()


def test_advisor_manages_only_his_own_slots(own_advisor, advisor, advisor_user, topic, citizen):
    own = make_slot(own_advisor, [topic])
    other = make_slot(advisor, [topic], in_hours=80)
    booking = services.book(own, citizen, topic, NEED)
    client = client_for(HOST_A, advisor_user)
    page = client.get(reverse("consulting:manage"))
    assert page.status_code == 200
    assert list(page.context["slots"]) == [own]
    assert NEED in page.content.decode() and citizen.email in page.content.decode()
    # Publishing: only himself as advisor.
    assert client.post(reverse("consulting:publish"), _publish_data(advisor, topic)).status_code == 400
    assert client.post(reverse("consulting:publish"), _publish_data(own_advisor, topic)).status_code == 302
    # Another advisor's slot: 404.
    assert client.post(reverse("consulting:slot_withdraw", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.withdrawn_at is None
    # His own booking: may cancel it.
    assert client.post(reverse("consulting:advisor_booking_cancel", args=[booking.pk])).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_advisor_without_mfa_is_sent_to_mfa_setup(muni_a, topic):
    user = make_user("ohne-mfa@example.org")
    AdvisorFactory(municipality=muni_a, display_name="Ohne MFA", user=user)
    response = client_for(HOST_A, user).get(reverse("consulting:manage"))
    assert response.status_code == 302 and "2fa" in response["Location"]


@pytest.mark.parametrize(
    "name",
    [
        "consulting:manage",
        "consulting:publish",
        "consulting:advisors",
        "consulting:topics",
        "consulting:report",
    ],
)
def test_citizen_is_refused_management_pages(citizen, muni_a, name):
    assert client_for(HOST_A, citizen).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ["consulting:advisors", "consulting:topics", "consulting:report"])
def test_advisor_is_refused_manager_pages(own_advisor, advisor_user, name):
    assert client_for(HOST_A, advisor_user).get(reverse(name)).status_code == 403


def test_portal_manager_is_not_a_hub_manager(editor_a):
    assert client_for(HOST_A, editor_a).get(reverse("consulting:manage")).status_code == 403


def test_advisor_of_a_is_nobody_on_b(own_advisor, advisor_user, muni_b):
    assert client_for(HOST_B, advisor_user).get(reverse("consulting:manage")).status_code == 403


def test_manager_creates_topic_and_advisor_with_account(hub_manager, muni_a, advisor_user):
    client = client_for(HOST_A, hub_manager)
    response = client.post(
        reverse("consulting:topics"),
        {
            "name": "Sicherheit im Netz",
            "name_en": "Online security",
            "slug": "sicherheit",
            "description": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Topic.objects.get(slug="sicherheit").municipality == muni_a
    dup = client.post(reverse("consulting:topics"), {"name": "X", "slug": "sicherheit", "is_active": "on"})
    assert dup.status_code == 400
    response = client.post(
        reverse("consulting:advisors"),
        {
            "display_name": "Sandra Köhler",
            "organisation": "Stadt Zeitz",
            "bio": "",
            "email": "",
            "account_email": advisor_user.email,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Advisor.objects.get(display_name="Sandra Köhler").user == advisor_user
    unknown = client.post(
        reverse("consulting:advisors"),
        {"display_name": "Niemand", "account_email": "gibt-es-nicht@example.org", "is_active": "on"},
    )
    assert unknown.status_code == 400


def test_manager_cannot_edit_advisor_or_topic_of_b(hub_manager, muni_b):
    foreign = AdvisorFactory(municipality=muni_b, display_name="B-Beraterin")
    foreign_topic = make_topic(muni_b)
    client = client_for(HOST_A, hub_manager)
    assert client.get(reverse("consulting:advisor_edit", args=[foreign.pk])).status_code == 404
    assert (
        client.post(
            reverse("consulting:advisor_edit", args=[foreign.pk]),
            {"display_name": "Übernommen", "is_active": "on"},
        ).status_code
        == 404
    )
    assert client.get(reverse("consulting:topic_edit", args=[foreign_topic.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.display_name == "B-Beraterin"


def test_report_page_shows_demand_and_utilisation(slot, topic, citizen, hub_manager):
    services.book(slot, citizen, topic, NEED)
    response = client_for(HOST_A, hub_manager).get(reverse("consulting:report"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Online-Ausweis und BundID" in html and "100 %" in html


def test_topic_names_in_english_with_language_cookie(slot, topic):
    from django.conf import settings

    client = client_for(HOST_A)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("consulting:slot_list")).content.decode()
    assert "Online ID card" in html
    assert "Online ID card" not in client_for(HOST_A).get(reverse("consulting:slot_list")).content.decode()


def test_staff_dashboard_links_to_consulting_for_hub_managers(hub_manager, staff_a):
    url = reverse("consulting:manage")
    assert url in client_for(HOST_A, hub_manager).get("/verwaltung/").content.decode()
    assert url not in client_for(HOST_A, staff_a).get("/verwaltung/").content.decode()


# --- The contact the form of consultation needs (issue 14) -----------------------------------------


def test_phone_consultation_asks_for_a_number_and_the_advisor_sees_it(
    advisor, topic, citizen, hub_manager, django_capture_on_commit_callbacks
):
    slot = make_slot(advisor, [topic], mode=Mode.PHONE, location="Wir rufen Sie an")
    client = client_for(HOST_A, citizen)
    url = reverse("consulting:book", args=[slot.pk])
    page = client.get(url).content.decode()
    assert 'type="tel"' in page and "Telefonnummer" in page
    r = client.post(url, {"topic": topic.pk, "need": NEED})
    assert r.status_code == 400 and "Bitte geben Sie eine Telefonnummer an" in r.content.decode()
    r = client.post(url, {"topic": topic.pk, "need": NEED, "phone": "ruf mich an"})
    assert r.status_code == 400 and "gültige Telefonnummer" in r.content.decode()
    assert not Booking.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, {"topic": topic.pk, "need": NEED, "phone": "03441 123456"})
    booking = Booking.objects.get()
    assert r.status_code == 302 and booking.contact_phone == "03441 123456"
    to_advisor = next(m for m in mail.outbox if m.to == [advisor.email])
    assert "03441 123456" in to_advisor.body
    to_person = next(m for m in mail.outbox if m.to == [citizen.email])
    assert "Wir rufen Sie an unter: 03441 123456" in to_person.body
    assert "03441 123456" in client.get(reverse("consulting:booking", args=[booking.pk])).content.decode()
    event = next(
        iter(
            icalendar.Calendar.from_ical(
                client.get(reverse("consulting:booking_ics", args=[booking.pk])).content
            ).walk("VEVENT")
        )
    )
    assert "03441 123456" in str(event.get("description"))
    manage = client_for(HOST_A, hub_manager).get(reverse("consulting:manage")).content.decode()
    assert 'href="tel:03441123456"' in manage and "03441 123456" in manage


def test_online_consultation_asks_for_the_address_of_the_link(
    advisor, topic, citizen, django_capture_on_commit_callbacks
):
    slot = make_slot(advisor, [topic], mode=Mode.ONLINE, location="Video")
    client = client_for(HOST_A, citizen)
    url = reverse("consulting:book", args=[slot.pk])
    page = client.get(url).content.decode()
    assert 'type="email"' in page and f'value="{citizen.email}"' in page and 'type="tel"' not in page
    r = client.post(url, {"topic": topic.pk, "need": NEED, "email": ""})
    assert r.status_code == 400 and "an die wir den Link zur Videoberatung senden" in r.content.decode()
    r = client.post(url, {"topic": topic.pk, "need": NEED, "email": "kein-at"})
    assert r.status_code == 400 and "gültige E-Mail-Adresse" in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, {"topic": topic.pk, "need": NEED, "email": "video@example.org"})
    assert r.status_code == 302 and Booking.objects.get().contact_email == "video@example.org"
    to_advisor = next(m for m in mail.outbox if m.to == [advisor.email])
    assert "video@example.org" in to_advisor.body


def test_on_site_consultation_asks_for_no_contact(slot, topic, citizen):
    client = client_for(HOST_A, citizen)
    url = reverse("consulting:book", args=[slot.pk])
    page = client.get(url).content.decode()
    assert 'type="tel"' not in page and 'name="email"' not in page
    r = client.post(url, {"topic": topic.pk, "need": NEED, "phone": "03441 123456"})
    assert r.status_code == 302
    assert (Booking.objects.get().contact_phone, Booking.objects.get().contact_email) == ("", "")


def test_rebook_form_to_a_phone_slot_needs_a_number(advisor, topic, citizen):
    old = make_slot(advisor, [topic], in_hours=72)
    new = make_slot(advisor, [topic], in_hours=100, mode=Mode.PHONE)
    booking = services.book(old, citizen, topic, NEED)
    client = client_for(HOST_A, citizen)
    url = reverse("consulting:booking_rebook", args=[booking.pk])
    r = client.post(url, {"slot": new.pk, "phone": ""})
    assert r.status_code == 400 and "Bitte geben Sie eine Telefonnummer an" in r.content.decode()
    r = client.post(url, {"slot": new.pk, "phone": "0345 987654"})
    assert r.status_code == 302 and Booking.objects.get(status="active").contact_phone == "0345 987654"
