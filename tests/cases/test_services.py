"""Workflow, reference numbers, idempotency, attachments, withdrawal, retention, DSGVO."""

from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from rathaus.cases import services
from rathaus.cases.models import Application, Attachment, ReferenceCounter, Status, StatusEvent
from rathaus.core.audit.models import AuditEvent
from rathaus.core.storage import private_storage
from rathaus.fim import services as fim
from rathaus.fim.models import Draft, FormSubmission

from .conftest import JPEG, PDF, PNG, apply, staff_ctx, store_draft_file

pytestmark = pytest.mark.django_db

LEGAL = {
    ("eingegangen", "in_pruefung"),
    ("eingegangen", "rueckfrage"),
    ("eingegangen", "zurueckgezogen"),
    ("in_pruefung", "rueckfrage"),
    ("in_pruefung", "bewilligt"),
    ("in_pruefung", "abgelehnt"),
    ("in_pruefung", "teilweise"),
    ("in_pruefung", "zurueckgezogen"),
    ("rueckfrage", "in_pruefung"),
    ("rueckfrage", "zurueckgezogen"),
    ("bewilligt", "abgeschlossen"),
    ("abgelehnt", "abgeschlossen"),
    ("teilweise", "abgeschlossen"),
    ("zahlung_offen", "zurueckgezogen"),  # an unpaid application (rathaus.payments)
}
# Only the system (a confirmed payment) may make these, never staff or the applicant.
SYSTEM_ONLY = {("zahlung_offen", "eingegangen")}


def test_transition_table_is_the_documented_workflow():
    assert {(str(a), str(b)) for a, b in services.TRANSITIONS} == LEGAL | SYSTEM_ONLY
    for frm, to in SYSTEM_ONLY:
        assert not services.can_transition(frm, to, "staff")
        assert not services.can_transition(frm, to, "applicant")


@pytest.mark.parametrize(("frm", "to"), list(itertools.product(Status.values, Status.values)))
def test_every_transition_legal_or_refused(form_a, setting_a, clerk_a, frm, to):
    app = apply(form_a)
    Application.objects.filter(pk=app.pk).update(status=frm)
    app.refresh_from_db()
    before = StatusEvent.objects.filter(application=app).count()
    if (frm, to) in LEGAL:
        services.transition(app, to, actor=clerk_a)
        app.refresh_from_db()
        assert app.status == to
        assert StatusEvent.objects.filter(application=app).count() == before + 1
        assert AuditEvent.objects.filter(action="cases.status", object_id=str(app.pk)).exists()
    else:
        with pytest.raises(services.IllegalTransition):
            services.transition(app, to, actor=clerk_a)
        app.refresh_from_db()
        assert app.status == frm
        assert StatusEvent.objects.filter(application=app).count() == before


def test_applicant_may_only_withdraw_or_answer():
    for (frm, to), roles in services.TRANSITIONS.items():
        if "applicant" in roles:
            assert to in (Status.WITHDRAWN, Status.IN_REVIEW)
            if to == Status.IN_REVIEW:
                assert frm == Status.QUERY


def test_reference_numbers_per_municipality_and_year(form_a, muni_b):
    from .conftest import make_form

    muni_b.reference_prefix = "MS"
    muni_b.save()
    form_b = make_form(muni_b)
    a1, a2 = apply(form_a), apply(form_a)
    b1 = apply(form_b)
    year = timezone.localdate().year
    assert a1.reference == f"ZZ-{year}-000001" and a2.reference == f"ZZ-{year}-000002"
    assert b1.reference == f"MS-{year}-000001"
    # never reused: even after the newest application is gone the counter goes on
    a2.delete()
    assert apply(form_a).reference == f"ZZ-{year}-000003"
    assert services.allocate_reference(form_a.municipality, 2030) == "ZZ-2030-000001"
    assert ReferenceCounter.objects.get(municipality=form_a.municipality, year=year).last == 3


def test_submission_stores_payload_department_deadline_and_event(form_a, setting_a, citizen):
    app = apply(form_a, user=citizen)
    assert app.status == Status.RECEIVED and app.department == setting_a.department
    assert app.applicant == citizen and app.applicant_name == "Erika Mustermann"
    assert app.due_date == timezone.localdate(app.submitted_at) + timedelta(days=setting_a.deadline_days)
    assert app.submission.reference == app.reference
    assert app.submission.payload["answers"]["G1"][0]["F_NAME"] == "Mustermann"
    assert list(app.events.values_list("to_status", flat=True)) == ["eingegangen"]
    assert not Draft.objects.exists()
    assert AuditEvent.objects.filter(action="cases.submitted", object_id=str(app.pk)).exists()


def test_same_key_returns_same_application(form_a):
    draft, _ = fim.start_draft(form_a)
    from .conftest import answers

    draft.answers = answers()
    draft.save()
    first = fim.submit(draft)
    # a retry with the stale draft object (double click) and the same key
    again = fim.submit(draft, key=str(draft.submit_key))
    assert again.pk == first.pk
    assert Application.objects.count() == 1 and FormSubmission.objects.count() == 1


def test_database_refuses_two_applications_with_one_key(form_a):
    from django.db import IntegrityError, transaction

    app = apply(form_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            municipality=app.municipality,
            reference="ZZ-1999-000001",
            form=form_a,
            service_name="x",
            idempotency_key=app.idempotency_key,
            submitted_at=timezone.now(),
            due_date=timezone.localdate(),
        )


def test_attachment_taken_over_with_sha256(form_a, setting_a, django_capture_on_commit_callbacks):
    ref = store_draft_file(form_a.municipality, "plan.pdf", PDF)
    with django_capture_on_commit_callbacks(execute=True):
        app = apply(form_a, plan=ref)
    att = app.attachments.get()
    assert att.sha256 == hashlib.sha256(PDF).hexdigest() and att.media_type == "application/pdf"
    assert private_storage().open(att.path).read() == PDF
    assert not private_storage().exists(ref["path"])  # the draft's copy is gone after commit
    assert app.submission.payload["answers"]["G1"][0]["F_PLAN"]["attachment"] == str(att.pk)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("plan.pdf", b"MZ\x90\x00 this is an exe renamed to pdf"),
        ("foto.png", b"<html><script>alert(1)</script>"),
        ("leer.pdf", b""),
        ("gif.pdf", b"GIF89a" + b"\x00" * 20),
    ],
)
def test_forged_attachment_types_refused(form_a, setting_a, name, data):
    ref = store_draft_file(form_a.municipality, name, data)
    with pytest.raises(fim.SubmissionRejected):
        apply(form_a, plan=ref)
    assert not Application.objects.exists() and not FormSubmission.objects.exists()
    assert Draft.objects.count() == 1


def test_oversize_and_type_limits_per_form(form_a, setting_a):
    setting_a.max_attachment_mb = 1
    setting_a.allowed_types = ["application/pdf"]
    setting_a.save()
    big = store_draft_file(form_a.municipality, "gross.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(services.AttachmentRejected, match="zu groß"):
        apply(form_a, plan=big)
    png = store_draft_file(form_a.municipality, "bild.png", PNG)
    with pytest.raises(services.AttachmentRejected, match="erlaubten Typ"):
        apply(form_a, plan=png)
    assert not Application.objects.exists()


def test_sniff_knows_pdf_jpeg_png():
    assert services.sniff(PDF) == "application/pdf"
    assert services.sniff(JPEG) == "image/jpeg"
    assert services.sniff(PNG) == "image/png"
    assert services.sniff(b"MZ\x90\x00") is None  # a Windows program: no type the platform knows


def test_zip_is_recognised_and_refused_where_not_allowed(form_a, setting_a):
    # one sniffer for the whole platform (rathaus.core.uploads) knows ZIP; attachments allow PDF/JPEG/PNG
    assert services.sniff(b"PK\x03\x04" + b"\x00" * 12) == "application/zip"
    with pytest.raises(services.AttachmentRejected, match="erlaubten Typ"):
        services.check_attachment(setting_a, "archiv.zip", b"PK\x03\x04" + b"\x00" * 100)


def test_failure_after_writing_files_leaves_nothing(form_a, setting_a, monkeypatch, _media):
    ref = store_draft_file(form_a.municipality, "plan.pdf", PDF)

    def boom(staged):
        assert staged.paths and all(private_storage().exists(p) for p in staged.paths)
        raise RuntimeError("injected")

    # patched where it is used: the attachments module of the services package
    monkeypatch.setattr(services.attachments, "after_files_written", boom)
    with pytest.raises(RuntimeError, match="injected"):
        apply(form_a, plan=ref)
    assert not Application.objects.exists() and not Attachment.objects.exists()
    assert not FormSubmission.objects.exists()
    case_dir = Path(_media).parent / "private" / "cases"  # where attachments are written (ADR 0008)
    assert not case_dir.exists() or not any(p.is_file() for p in case_dir.rglob("*"))
    assert private_storage().exists(ref["path"])  # the draft keeps its file for a retry
    assert Draft.objects.count() == 1


def test_guest_token_is_stored_hashed_only(form_a, setting_a):
    draft, _ = fim.start_draft(form_a)
    from .conftest import answers

    draft.answers = answers()
    draft.save()
    sub = fim.submit(draft)
    raw = sub.guest_token
    app = sub.application
    assert len(raw) >= 40
    assert app.guest_token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(Application.objects.filter(pk=app.pk).values().get())
    assert services.application_for_guest(form_a.municipality, raw) == app
    assert (
        services.application_for_guest(form_a.municipality, raw[:-1] + ("A" if raw[-1] != "A" else "B"))
        is None
    )
    assert services.application_for_guest(form_a.municipality, "") is None


def test_withdrawal_until_decision(form_a, setting_a, citizen, clerk_a, muni_a):
    app = apply(form_a, user=citizen)
    services.withdraw(app, actor=citizen)
    assert app.status == Status.WITHDRAWN and app.closed_at is not None
    decided = apply(form_a, user=citizen)
    ctx = staff_ctx(clerk_a, muni_a)
    services.start_review(decided, ctx=ctx)
    services.decide(decided, Status.APPROVED, "Alles in Ordnung.", ctx=ctx)
    with pytest.raises(services.IllegalTransition):
        services.withdraw(decided, actor=citizen)


def test_query_answer_and_decision_letter(form_a, setting_a, citizen, clerk_a, muni_a, mailoutbox):
    app = apply(form_a, user=citizen)
    ctx = staff_ctx(clerk_a, muni_a)
    services.ask(app, "Bitte reichen Sie den Lageplan nach.", ctx=ctx)
    assert app.status == Status.QUERY
    services.answer_query(app, "Anbei der Plan.", files=[("plan.png", PNG)], actor=citizen)
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW
    assert app.attachments.filter(kind="nachricht").get().sha256 == hashlib.sha256(PNG).hexdigest()
    with pytest.raises(services.AttachmentRejected):
        services.ask(app, "Noch etwas?", ctx=ctx)
        services.answer_query(app, "kaputt", files=[("x.pdf", b"not a pdf")], actor=citizen)
    app.refresh_from_db()
    assert app.status == Status.QUERY  # the forged answer changed nothing
    services.answer_query(app, "Ok.", actor=citizen)
    att = services.decide(app, Status.PARTIAL, "Nur für zwei Tage.", ctx=ctx)
    app.refresh_from_db()
    assert app.status == Status.PARTIAL and app.decided_at
    data = private_storage().open(att.path).read()
    assert data.startswith(b"%PDF") and att.sha256 == hashlib.sha256(data).hexdigest()
    assert app.reference in app.decision_text and "teilweise" in app.decision_text
    services.close(app, ctx=ctx)
    assert app.status == Status.CLOSED
    assert {"cases.query", "cases.answered", "cases.decided"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_receipt_lists_answers_attachments_and_reference(form_a, setting_a):
    ref = store_draft_file(form_a.municipality, "plan.pdf", PDF)
    app = apply(form_a, plan=ref)
    pdf = services.receipt_pdf(app)
    assert pdf.startswith(b"%PDF")


def test_confirmation_mail_with_pdf(
    form_a, setting_a, citizen, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        app = apply(form_a, user=citizen)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert app.reference in mail.subject and "English version" in mail.body
    _name, content, mime = mail.attachments[0]
    assert mime == "application/pdf" and content.startswith(b"%PDF")


def test_guest_mail_contains_link_but_database_does_not(
    form_a, setting_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        app = apply(form_a)
    body = mailoutbox[0].body
    assert "/antraege/zugang/" in body
    token = body.split("/antraege/zugang/")[1].split("/")[0]
    assert services.application_for_guest(form_a.municipality, token) == app

    assert app.guest_token_hash != token


def test_retention_erases_personal_data_keeps_statistics(
    form_a, setting_a, citizen, clerk_a, muni_a, django_capture_on_commit_callbacks
):
    setting_a.retention_days = 30
    setting_a.save()
    ref = store_draft_file(form_a.municipality, "plan.pdf", PDF)
    old = apply(form_a, user=citizen, plan=ref)
    ctx = staff_ctx(clerk_a, muni_a)
    services.start_review(old, ctx=ctx)
    services.decide(old, Status.REJECTED, "Nicht zulässig.", ctx=ctx)
    services.close(old, ctx=ctx)
    young = apply(form_a, user=citizen)
    services.withdraw(young, actor=citizen)
    still_open = apply(form_a, user=citizen)
    Application.objects.filter(pk__in=[old.pk, still_open.pk]).update(
        closed_at=timezone.now() - timedelta(days=31)
    )
    paths = list(old.attachments.values_list("path", flat=True))
    assert paths and all(private_storage().exists(p) for p in paths)
    from rathaus.cases.tasks import erase_expired_cases

    with django_capture_on_commit_callbacks(execute=True):
        result = erase_expired_cases.enqueue()
    assert result.return_value == 1
    old.refresh_from_db()
    assert old.erased_at and old.applicant is None and old.applicant_name == "" and old.applicant_email == ""
    assert old.status == Status.CLOSED and old.decided_at and old.submitted_at and old.form_id == form_a.pk
    assert not old.attachments.exists() and not old.messages.exists()
    assert old.submission.payload["answers"] == {} and old.submission.email == ""
    assert not any(private_storage().exists(p) for p in paths)
    young.refresh_from_db()
    still_open.refresh_from_db()
    assert young.erased_at is None and still_open.erased_at is None
    assert AuditEvent.objects.filter(action="cases.erased", object_id=str(old.pk)).exists()
    assert services.erase_expired() == 0  # idempotent


def test_erase_command(form_a, setting_a, muni_a):
    from io import StringIO

    from django.core.management import call_command

    app = apply(form_a)
    services.withdraw(app)
    Application.objects.filter(pk=app.pk).update(closed_at=timezone.now() - timedelta(days=800))
    out = StringIO()
    call_command("erase_expired_cases", "--municipality", "zeitz", "--dry-run", stdout=out)
    assert "1" in out.getvalue()
    call_command("erase_expired_cases", "--municipality", "zeitz", stdout=out)
    app.refresh_from_db()
    assert app.erased_at is not None


def test_dsgvo_export_and_erase(form_a, setting_a, citizen):
    from rathaus.core.accounts.services import export_user_data

    app = apply(form_a, user=citizen)
    data = export_user_data(citizen)
    assert data["cases_applications"][0]["reference"] == app.reference
    services.erase_user_applications(citizen)
    app.refresh_from_db()
    assert app.applicant is None
