"""Terminvergabe pages: the guest flow, bad input, permissions, the catalogue offer, the day list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from rathaus.appointments import services
from rathaus.appointments.models import Appointment, Status
from rathaus.appointments.queries import Choice
from rathaus.core.accounts.models import Role
from tests.appointments.conftest import at, ctx_for
from tests.conftest import HOST_A, client_for, grant, make_user

pytestmark = pytest.mark.django_db


def times_url(office) -> str:
    return reverse("appointments:times", args=[office["location"].slug])


def guest_post(office, when, **extra):
    data = {
        f"anzahl-{office['ausweis'].pk}": "2",
        f"anzahl-{office['melde'].pk}": "1",
        "start": when.isoformat(),
        "name": "Gabi Gast",
        "email": "gast@example.org",
    }
    data.update(extra)
    return data


def test_start_page_lists_bookable_services(client_a, office):
    response = client_a.get(reverse("appointments:start"))
    assert response.status_code == 200
    assert (
        "Personalausweis buergerbuero" in response.text and "Meldebescheinigung buergerbuero" in response.text
    )


def test_times_page_shows_free_times_and_what_to_bring(client_a, office):
    response = client_a.get(
        times_url(office), {f"anzahl-{office['ausweis'].pk}": "1", "ab": at(3, 8).date().isoformat()}
    )
    assert response.status_code == 200
    assert at(3, 8).isoformat() in response.text
    assert "biometrisches Passfoto" in response.text
    assert "Termin anfragen" in response.text


def test_guest_requests_confirms_manages_and_cancels(client_a, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(times_url(office), guest_post(office, at(3, 9)))
    assert response.status_code == 302 and response["Location"] == reverse("appointments:requested")
    appt = Appointment.objects.get()
    assert appt.status == Status.PENDING and appt.ends_at - appt.starts_at == timedelta(minutes=50)
    link = re.search(r"https?://[^/]+(/termine/bestaetigen/[^/\s]+/)", mail.outbox[0].body).group(1)
    # GET (a mail scanner following the link) books nothing
    assert client_a.get(link).status_code == 200
    appt.refresh_from_db()
    assert appt.status == Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(link)
    assert response.status_code == 302
    manage = response["Location"]
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED
    assert manage in mail.outbox[-1].body
    page = client_a.get(manage)
    assert page.status_code == 200 and "Termin absagen" in page.text
    ics = client_a.get(manage + "kalender.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    # the confirm link a second time (double submit): refused, nothing changes
    assert client_a.post(link).status_code == 409
    assert client_a.post(manage + "absagen/").status_code == 302
    appt.refresh_from_db()
    assert appt.status == Status.CANCELLED


def test_rebook_through_the_manage_link(client_a, office):
    ctx = ctx_for(office["location"].municipality)
    appt, _ = services.request_appointment(
        office["location"], [Choice(office["ausweis"])], at(3, 9), name="G", email="g@example.org", ctx=ctx
    )
    token = services.confirm(appt, ctx=ctx)
    url = reverse("appointments:rebook", args=[token])
    assert client_a.get(url).status_code == 200
    response = client_a.post(url, {"start": at(3, 10).isoformat()})
    assert response.status_code == 302
    assert Appointment.objects.get(status=Status.BOOKED).starts_at == at(3, 10)
    assert (
        client_a.get(reverse("appointments:manage", args=[token])).status_code == 200
    )  # old link: cancelled one
    assert client_a.post(url, {"start": "morgen"}).status_code in (302, 400)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"start": "kein-datum"}, 400),
        ({"start": "2026-01-01T09:00:00"}, 400),  # no time zone
        ({"email": "kaputt"}, 400),
        ({"name": ""}, 400),
        ({"website": "http://spam"}, 400),  # honeypot
    ],
)
def test_bad_input_is_a_clear_message(client_a, office, change, status):
    response = client_a.post(times_url(office), guest_post(office, at(3, 9), **change))
    assert response.status_code == status
    assert not Appointment.objects.exists()


def test_forged_and_foreign_ids_are_refused(client_a, office, office_b):
    # another municipality's service id is not read at all
    data = guest_post(office, at(3, 9))
    data = {k: v for k, v in data.items() if not k.startswith("anzahl-")}
    data[f"anzahl-{office_b['ausweis'].pk}"] = "1"
    response = client_a.post(times_url(office), data)
    assert response.status_code == 400 and "mindestens eine Leistung" in response.text
    # quantity above the limit, not a number
    assert (
        client_a.post(
            times_url(office), guest_post(office, at(3, 9), **{f"anzahl-{office['ausweis'].pk}": "9"})
        ).status_code
        == 400
    )
    assert (
        client_a.post(
            times_url(office), guest_post(office, at(3, 9), **{f"anzahl-{office['ausweis'].pk}": "x"})
        ).status_code
        == 400
    )
    # a time off the grid, a past time
    assert client_a.post(times_url(office), guest_post(office, at(3, 9, 3))).status_code == 409
    assert client_a.post(times_url(office), guest_post(office, at(-2, 9))).status_code == 400
    # another municipality's location, an unknown token
    assert client_a.get(reverse("appointments:times", args=["gibt-es-nicht"])).status_code == 404
    assert client_a.get(reverse("appointments:manage", args=["x" * 43])).status_code == 404
    assert client_a.post(reverse("appointments:cancel", args=["x" * 43])).status_code == 404
    assert not Appointment.objects.exists()


def test_requests_are_rate_limited(client_a, office):
    cache.clear()
    for n in range(10):
        client_a.post(times_url(office), guest_post(office, at(3, 9), email=f"bot{n}@example.org", name=""))
    response = client_a.post(times_url(office), guest_post(office, at(3, 9)))
    assert response.status_code == 429
    assert not Appointment.objects.exists()


def test_catalogue_page_offers_an_appointment_only_where_bookable(client_a, office):
    service = office["ausweis"].service
    response = client_a.get(reverse("catalog:detail", args=[service.pk]))
    assert "Termin vereinbaren" in response.text
    assert f"anzahl-{office['ausweis'].pk}=1" in response.text
    office["ausweis"].is_bookable = False
    office["ausweis"].save()
    assert "Termin vereinbaren" not in client_a.get(reverse("catalog:detail", args=[service.pk])).text


def test_day_list_permissions(muni_a, muni_b, office, citizen, admin_b):
    url = reverse("appointments:day_list")
    assert client_for(HOST_A).get(url).status_code == 302  # to the login
    assert client_for(HOST_A, citizen).get(url).status_code == 403
    other = make_user("events@example.org", mfa=True)
    grant(other, muni_a, Role.MODULE_MANAGER, ["events"])
    assert client_for(HOST_A, other).get(url).status_code == 403
    assert client_for(HOST_A, admin_b).get(url).status_code == 403


def test_day_list_shows_the_day_per_counter_and_marks_no_show(muni_a, office, django_assert_max_num_queries):
    clerk = make_user("clerk@example.org", mfa=True)
    grant(clerk, muni_a, Role.MODULE_MANAGER, ["services"])
    for n in range(6):
        appt, _ = services.request_appointment(
            office["location"],
            [Choice(office["ausweis"])],
            at(3, 8 + n // 2),
            name=f"Person {n}",
            email=f"p{n}@example.org",
            ctx=ctx_for(muni_a),
        )
        services.confirm(appt, ctx=ctx_for(muni_a))
    client = client_for(HOST_A, clerk)
    url = reverse("appointments:day_list") + f"?tag={at(3, 8).date().isoformat()}"
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    assert "Schalter 1" in response.text and "Schalter 2" in response.text and "Person 5" in response.text
    appt = Appointment.objects.filter(status=Status.BOOKED).first()
    assert client.post(reverse("appointments:no_show", args=[appt.pk])).status_code == 302
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED  # not before the start
    Appointment.objects.filter(pk=appt.pk).update(starts_at=at(0, 0))
    client.post(reverse("appointments:no_show", args=[appt.pk]))
    appt.refresh_from_db()
    assert appt.status == Status.NO_SHOW


def test_verified_account_books_directly(muni_a, office):
    from allauth.account.models import EmailAddress

    user = make_user("konto@example.org")
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    client = client_for(HOST_A, user)
    response = client.post(
        times_url(office), {f"anzahl-{office['melde'].pk}": "1", "start": at(3, 9).isoformat()}
    )
    assert response.status_code == 302 and "/termine/verwalten/" in response["Location"]
    assert Appointment.objects.get().user == user
