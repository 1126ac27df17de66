"""Pages: web submission through the form engine, Meine Anträge, guest link, staff inbox and case."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rathaus.cases import services
from rathaus.cases.models import Application, Status
from rathaus.core.audit.models import AuditEvent
from rathaus.fim.models import FormSubmission
from tests.conftest import HOST_A, HOST_B, client_for
from tests.exports import csv_rows, csv_text

from .conftest import PDF, PNG, apply, make_form, staff_ctx

pytestmark = pytest.mark.django_db


def web_apply(client, form, name="Mustermann"):
    assert client.post(reverse("fim:form", kwargs={"pk": form.pk})).status_code == 302
    step = client.post(
        reverse("fim:step", kwargs={"pk": form.pk, "step": 0}),
        {
            "G1__0__F_NAME": name,
            "G1__0__F_VORNAME": "Erika",
            "G1__0__F_MAIL": "erika@example.org",
            "G1__0__F_ZWECK": "Umzug",
            "G1__0__F_PLAN": __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                "plan.pdf", PDF, "application/pdf"
            ),
            "next": "1",
        },
    )
    assert step.status_code == 302, step.content.decode()[:2000]
    review = client.get(reverse("fim:review", kwargs={"pk": form.pk}))
    key = re.search(r'name="submit_key" value="([^"]+)"', review.content.decode()).group(1)
    return review, key


def test_web_flow_double_click_gives_one_application(form_a, setting_a, citizen):
    c = client_for(HOST_A, citizen)
    _, key = web_apply(c, form_a)
    url = reverse("fim:review", kwargs={"pk": form_a.pk})
    first = c.post(url, {"submit_key": key})
    second = c.post(url, {"submit_key": key})
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == reverse("cases:confirmation")
    assert Application.objects.count() == 1 and FormSubmission.objects.count() == 1
    page = c.get(first.url)
    app = Application.objects.get()
    assert app.reference in page.content.decode()
    assert app.attachments.get().name == "plan.pdf"


def test_guest_flow_link_on_confirmation(form_a, setting_a):
    c = client_for(HOST_A)
    _, key = web_apply(c, form_a)
    done = c.post(reverse("fim:review", kwargs={"pk": form_a.pk}), {"submit_key": key})
    page = c.get(done.url).content.decode()
    token = re.search(r"/antraege/zugang/([^/]+)/", page).group(1)
    app = Application.objects.get()
    assert app.guest_token_hash and token not in app.guest_token_hash
    detail = client_for(HOST_A).get(reverse("cases:guest", kwargs={"token": token}))
    assert detail.status_code == 200 and app.reference in detail.content.decode()
    receipt = client_for(HOST_A).get(reverse("cases:guest_receipt", kwargs={"token": token}))
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")


def test_guest_link_secrecy(form_a, setting_a, muni_b):
    c = client_for(HOST_A)
    _, key = web_apply(c, form_a)
    done = c.post(reverse("fim:review", kwargs={"pk": form_a.pk}), {"submit_key": key})
    token = re.search(r"/antraege/zugang/([^/]+)/", c.get(done.url).content.decode()).group(1)
    wrong = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    assert client_for(HOST_A).get(reverse("cases:guest", kwargs={"token": wrong})).status_code == 404
    assert client_for(HOST_A).get(reverse("cases:guest", kwargs={"token": "kurz"})).status_code == 404
    # the right token on another municipality's host: 404
    assert client_for(HOST_B).get(reverse("cases:guest", kwargs={"token": token})).status_code == 404
    # the hash itself is no token
    app = Application.objects.get()
    assert (
        client_for(HOST_A).get(reverse("cases:guest", kwargs={"token": app.guest_token_hash})).status_code
        == 404
    )


def test_citizen_list_detail_withdraw(form_a, setting_a, citizen):
    app = apply(form_a, user=citizen)
    c = client_for(HOST_A, citizen)
    assert app.reference in c.get(reverse("cases:mine")).content.decode()
    page = c.get(reverse("cases:detail", kwargs={"pk": app.pk}))
    assert page.status_code == 200 and "Antrag zurücknehmen" in page.content.decode()
    assert c.post(reverse("cases:detail", kwargs={"pk": app.pk}), {"action": "withdraw"}).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN
    assert "Antrag zurücknehmen" not in c.get(reverse("cases:detail", kwargs={"pk": app.pk})).content.decode()


def test_other_citizen_cannot_see(form_a, setting_a, citizen):
    from tests.conftest import make_user

    app = apply(form_a, user=citizen)
    other = client_for(HOST_A, make_user("andere@example.org"))
    assert other.get(reverse("cases:detail", kwargs={"pk": app.pk})).status_code == 404
    assert other.get(reverse("cases:receipt", kwargs={"pk": app.pk})).status_code == 404


def test_answer_query_with_attachment_via_page(form_a, setting_a, citizen, clerk_a, muni_a):
    app = apply(form_a, user=citizen)
    services.ask(app, "Bitte Foto nachreichen.", ctx=staff_ctx(clerk_a, muni_a))
    c = client_for(HOST_A, citizen)
    url = reverse("cases:detail", kwargs={"pk": app.pk})
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = c.post(
        url,
        {
            "action": "answer",
            "antwort-body": "hier",
            "antwort-attachments": SimpleUploadedFile("f.png", b"GIF89a....", "image/png"),
        },
    )
    assert bad.status_code == 200 and "erlaubten Typ" in bad.content.decode()
    app.refresh_from_db()
    assert app.status == Status.QUERY
    ok = c.post(
        url,
        {
            "action": "answer",
            "antwort-body": "hier",
            "antwort-attachments": SimpleUploadedFile("f.png", PNG, "image/png"),
        },
    )
    assert ok.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW and app.messages.filter(from_applicant=True).count() == 1


def test_staff_see_only_their_departments(form_a, setting_a, clerk_a, other_clerk_a, admin_a, muni_a):
    app = apply(form_a)
    own = client_for(HOST_A, clerk_a)
    other = client_for(HOST_A, other_clerk_a)
    assert app.reference in own.get(reverse("cases:inbox")).content.decode()
    assert app.reference not in other.get(reverse("cases:inbox")).content.decode()
    assert other.get(reverse("cases:case", kwargs={"pk": app.pk})).status_code == 404
    assert (
        other.post(reverse("cases:case_action", kwargs={"pk": app.pk}), {"action": "review"}).status_code
        == 404
    )
    assert own.get(reverse("cases:case", kwargs={"pk": app.pk})).status_code == 200
    assert app.reference in client_for(HOST_A, admin_a).get(reverse("cases:inbox")).content.decode()
    # staff without the OZG module cannot configure
    assert own.get(reverse("cases:settings")).status_code == 403


def test_citizen_has_no_inbox(form_a, citizen):
    assert client_for(HOST_A, citizen).get(reverse("cases:inbox")).status_code == 403


def test_staff_workflow_through_actions(form_a, setting_a, clerk_a, citizen):
    app = apply(form_a, user=citizen)
    c = client_for(HOST_A, clerk_a)
    url = reverse("cases:case_action", kwargs={"pk": app.pk})
    assert c.post(url, {"action": "assign", "assignee": clerk_a.pk}).status_code == 302
    assert c.post(url, {"action": "note", "body": "Telefonisch nachgefragt."}).status_code == 302
    assert c.post(url, {"action": "deadline", "due_date": "2030-01-31"}).status_code == 302
    assert c.post(url, {"action": "query", "body": "Wie lange?"}).status_code == 302
    # illegal: deciding while waiting for the answer
    c.post(url, {"action": "decide", "outcome": "bewilligt"})
    app.refresh_from_db()
    assert app.status == Status.QUERY and app.assignee == clerk_a and str(app.due_date) == "2030-01-31"
    services.answer_query(app, "Zwei Tage.", actor=citizen)
    assert c.post(url, {"action": "decide", "outcome": "bewilligt", "reasons": "Passt."}).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    att = app.attachments.get(kind="bescheid")
    doc = c.get(reverse("cases:case_document", kwargs={"pk": app.pk, "att": att.pk}))
    assert doc.status_code == 200 and b"".join(doc.streaming_content).startswith(b"%PDF")
    citizen_doc = client_for(HOST_A, citizen).get(
        reverse("cases:document", kwargs={"pk": app.pk, "att": att.pk})
    )
    assert citizen_doc.status_code == 200
    assert c.post(url, {"action": "close"}).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.CLOSED
    actions = set(AuditEvent.objects.filter(object_id=str(app.pk)).values_list("action", flat=True))
    assert {
        "cases.assigned",
        "cases.note",
        "cases.deadline",
        "cases.query",
        "cases.decided",
        "cases.status",
    } <= actions
    page = c.get(reverse("cases:case", kwargs={"pk": app.pk})).content.decode()
    assert "Telefonisch nachgefragt." in page
    # internal notes never reach the applicant
    assert (
        "Telefonisch"
        not in client_for(HOST_A, citizen)
        .get(reverse("cases:detail", kwargs={"pk": app.pk}))
        .content.decode()
    )


def test_inbox_filters_search_sort(form_a, setting_a, admin_a, clerk_a):
    a1 = apply(form_a, name="Albrecht")
    a2 = apply(form_a, name="Zimmermann")
    Application.objects.filter(pk=a1.pk).update(due_date="2000-01-01")
    c = client_for(HOST_A, admin_a)
    url = reverse("cases:inbox")
    page = c.get(url, {"q": "Zimmer"}).content.decode()
    assert a2.reference in page and a1.reference not in page
    page = c.get(url, {"q": a1.reference}).content.decode()
    assert a1.reference in page and a2.reference not in page
    page = c.get(url, {"ueberfaellig": "1"}).content.decode()
    assert a1.reference in page and a2.reference not in page and "überfällig" in page
    assert "1 offener Antrag hat die Bearbeitungsfrist überschritten" in c.get(url).content.decode()
    page = c.get(url, {"sortierung": "aktenzeichen"}).content.decode()
    assert page.index(a1.reference) < page.index(a2.reference)
    page = c.get(url, {"sortierung": "-aktenzeichen"}).content.decode()
    assert page.index(a2.reference) < page.index(a1.reference)
    services.assign(a2, admin_a, ctx=staff_ctx(admin_a, form_a.municipality))
    page = c.get(url, {"bearbeitung": "me"}).content.decode()
    assert a2.reference in page and a1.reference not in page
    page = c.get(url, {"status": "in_pruefung"}).content.decode()
    assert a1.reference not in page


def test_inbox_constant_query_count(form_a, setting_a, clerk_a, django_assert_num_queries, settings):
    settings.PAGE_CACHE_SECONDS = 0  # measure rendering, not the signed-in page cache
    c = client_for(HOST_A, clerk_a)
    apply(form_a)
    c.get(reverse("cases:inbox"))  # warm caches (tenant host, session)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert c.get(reverse("cases:inbox")).status_code == 200
    for i in range(30):
        apply(form_a, name=f"Person {i}")
    with django_assert_num_queries(len(few.captured_queries)):
        assert c.get(reverse("cases:inbox")).status_code == 200


def test_settings_by_module_manager(form_a, admin_a, dept_a):
    c = client_for(HOST_A, admin_a)
    assert form_a.name in c.get(reverse("cases:settings")).content.decode()
    url = reverse("cases:setting_edit", kwargs={"pk": form_a.pk})
    r = c.post(
        url,
        {
            "department": dept_a.pk,
            "deadline_days": "14",
            "retention_days": "365",
            "max_attachment_mb": "5",
            "max_attachments": "3",
            "allowed_types": ["application/pdf"],
            "decision_template": "Az. {aktenzeichen}",
        },
    )
    assert r.status_code == 302
    setting = services.setting_for(form_a)
    assert (
        setting.department == dept_a
        and setting.deadline_days == 14
        and setting.allowed_types == ["application/pdf"]
    )
    assert AuditEvent.objects.filter(action="cases.setting.created").exists()
    bad = c.post(
        url, {"deadline_days": "0", "retention_days": "x", "max_attachment_mb": "500", "max_attachments": "1"}
    )
    assert bad.status_code == 200
    assert services.setting_for(form_a).deadline_days == 14  # nothing stored from the invalid form


def test_export_json_is_valid_fitconnect_metadata(form_a, setting_a, admin_a):
    import json

    jsonschema = pytest.importorskip("jsonschema")
    from tests.conftest import testdata_dir

    schema_path = testdata_dir() / "fitconnect" / "metadata.schema.v1.0.0.json"
    if not schema_path.exists():
        pytest.skip(f"FIT-Connect schema not available: {schema_path} (set RATHAUS_TESTDATA)")
    from .conftest import store_draft_file

    app = apply(form_a, plan=store_draft_file(form_a.municipality, "plan.pdf", PDF))
    r = client_for(HOST_A, admin_a).get(reverse("cases:case_export", kwargs={"pk": app.pk}))
    doc = json.loads(r.content)
    schema = json.loads(schema_path.read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.validate(doc["metadata"])
    assert doc["data"]["answers"]["G1"][0]["F_NAME"] == "Mustermann"
    assert doc["metadata"]["contentStructure"]["attachments"][0]["attachmentId"] == str(
        app.attachments.get().pk
    )
    # a broken document is refused by the same validator (the test can fail)
    broken = dict(doc["metadata"], contentStructure={"attachments": [{"hash": {"type": "md5"}}]})
    assert list(validator.iter_errors(broken))


def test_dashboard_and_csv(form_a, setting_a, clerk_a, muni_a):
    app = apply(form_a)
    ctx = staff_ctx(clerk_a, muni_a)
    services.start_review(app, ctx=ctx)
    services.decide(app, Status.APPROVED, "", ctx=ctx)
    c = client_for(HOST_A)
    page = c.get(reverse("ozg_dashboard"))
    assert page.status_code == 200 and "Reifegrad" in page.content.decode()
    text = csv_text(c.get(reverse("ozg_dashboard_csv")))
    rows = csv_rows(text)
    assert rows[0][:2] == ["monat", "antraege_eingegangen"] and rows[-1][1] == "1"
    assert "Mustermann" not in text


def test_figures_registered(form_a, setting_a, muni_a):
    from rathaus.core import figures

    apply(form_a)
    values = {
        i.key: v
        for i, v in figures.compute_all(muni_a, ["cases.applications_12_months", "cases.share_online"])
    }
    assert values["cases.applications_12_months"] == 1
    assert figures.dataset_source("cases.monthly_applications") is not None


def test_other_municipality_form_cannot_be_configured(form_a, admin_b, muni_b):
    c = client_for(HOST_B, admin_b)
    assert c.get(reverse("cases:setting_edit", kwargs={"pk": form_a.pk})).status_code == 404
    form_b = make_form(muni_b, "S99000002")
    assert c.get(reverse("cases:setting_edit", kwargs={"pk": form_b.pk})).status_code == 200


def test_attachment_to_an_unwritable_storage_gives_a_clear_page_and_stores_nothing(
    form_a, setting_a, citizen, clerk_a, muni_a, settings, tmp_path
):
    # issue 14.7: a file where PRIVATE_ROOT should be (ENOTDIR even for root)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rathaus.cases.models import Attachment

    app = apply(form_a, user=citizen)
    services.ask(app, "Bitte Foto nachreichen.", ctx=staff_ctx(clerk_a, muni_a))
    before = Attachment.objects.count()
    blocker = tmp_path / "datei"
    blocker.write_text("x")
    settings.PRIVATE_ROOT = blocker / "private"
    r = client_for(HOST_A, citizen).post(
        reverse("cases:detail", kwargs={"pk": app.pk}),
        {
            "action": "answer",
            "antwort-body": "hier",
            "antwort-attachments": SimpleUploadedFile("f.png", PNG, "image/png"),
        },
    )
    assert r.status_code == 503 and "Dateispeicher des Servers" in r.content.decode()
    app.refresh_from_db()
    assert app.status == Status.QUERY and not app.messages.filter(from_applicant=True).exists()
    assert Attachment.objects.count() == before
