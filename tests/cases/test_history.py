"""The applicant's history shows human events: no SHA-256 hashes, no doubled labels ("Rückfrage
(Rückfrage)"); the staff case page keeps the hashes."""

from __future__ import annotations

import re

from django.urls import reverse

from rathaus.cases import services
from rathaus.cases.models import Application, Status, StatusEvent
from tests.conftest import HOST_A, client_for

from .conftest import PDF, PNG, apply, staff_ctx, store_draft_file


def _walk_through_query(app, clerk, citizen, muni):
    ctx = staff_ctx(clerk, muni)
    services.start_review(app, ctx=ctx)
    services.ask(app, "Bitte den Lageplan nachreichen.", ctx=ctx)
    services.answer_query(app, "Anbei.", files=[("plan.png", PNG)], actor=citizen)
    services.decide(app, Status.APPROVED, "", ctx=ctx)
    app.refresh_from_db()
    return app


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_citizen_history_is_human(form_a, setting_a, clerk_a, citizen, muni_a):
    app = _walk_through_query(apply(form_a, user=citizen), clerk_a, citizen, muni_a)
    hashes = [a.sha256 for a in app.attachments.all()]
    assert len(hashes) == 2 and all(hashes)  # the answer's attachment and the Bescheid
    page = client_for(HOST_A, citizen).get(reverse("cases:detail", kwargs={"pk": app.pk})).content.decode()
    text = _text(page)
    for digest in hashes:
        assert digest not in page
    assert "SHA-256" not in page
    assert "Rückfrage (Rückfrage)" not in text and "(Antwort)" not in text
    assert "Rückfrage der Verwaltung" in text
    assert "Ihre Antwort auf die Rückfrage ist eingegangen" in text
    assert "Bescheid erlassen: bewilligt" in text
    assert "Antrag eingegangen" in text


def test_guest_history_is_human_and_legacy_notes_are_not_shown(
    form_a, setting_a, clerk_a, muni_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        app = apply(form_a)
    token = mailoutbox[0].body.split("/antraege/zugang/")[1].split("/")[0]
    app = _walk_through_query(app, clerk_a, None, muni_a)
    # an event written by an earlier version, with the label repeated in its note
    StatusEvent.objects.filter(application=app, to_status=Status.QUERY).update(note="Rückfrage")
    page = client_for(HOST_A).get(reverse("cases:guest", kwargs={"token": token})).content.decode()
    assert "Rückfrage (Rückfrage)" not in _text(page)
    assert "Rückfrage der Verwaltung" in _text(page)
    for digest in app.attachments.values_list("sha256", flat=True):
        assert digest not in page


def test_services_write_no_generated_notes(form_a, setting_a, clerk_a, citizen, muni_a):
    app = _walk_through_query(apply(form_a, user=citizen), clerk_a, citizen, muni_a)
    assert list(app.events.exclude(note="").values_list("note", flat=True)) == []


def test_staff_case_page_keeps_hashes_and_names_the_actor(form_a, setting_a, clerk_a, citizen, muni_a):
    plan = store_draft_file(muni_a, "plan.pdf", PDF)
    app = _walk_through_query(apply(form_a, user=citizen, plan=plan), clerk_a, citizen, muni_a)
    c = client_for(HOST_A, clerk_a)
    page = c.get(reverse("cases:case", kwargs={"pk": app.pk})).content.decode()
    assert app.attachments.get(kind="antrag").sha256 in page
    own = client_for(HOST_A, citizen).get(reverse("cases:detail", kwargs={"pk": app.pk})).content.decode()
    assert "plan.pdf" in own and app.attachments.get(kind="antrag").sha256 not in own
    text = _text(page)
    assert "Antwort auf die Rückfrage eingegangen" in text and "Rückfrage (Rückfrage)" not in text
    assert "sachbearbeitung-a@example.org" in text


def test_staff_recorded_withdrawal_reads_as_such(form_a, setting_a, clerk_a, citizen):
    app = apply(form_a, user=citizen)
    c = client_for(HOST_A, clerk_a)
    c.post(reverse("cases:case_action", kwargs={"pk": app.pk}), {"action": "withdraw"})
    assert Application.objects.get(pk=app.pk).status == Status.WITHDRAWN
    page = client_for(HOST_A, citizen).get(reverse("cases:detail", kwargs={"pk": app.pk})).content.decode()
    assert "Rücknahme von der Verwaltung erfasst" in _text(page)
