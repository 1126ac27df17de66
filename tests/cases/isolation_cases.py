"""Case management entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone

from rathaus.cases import services
from rathaus.cases.models import (
    ApiIntake,
    Application,
    Attachment,
    LetterSettings,
    Message,
    MessageKind,
    Note,
    ServiceSetting,
    StatusEvent,
)
from rathaus.core.accounts.models import Department, Membership
from rathaus.fim.models import FormDefinition, FormSubmission, FormVersion
from tests import isolation
from tests.conftest import make_user
from tests.isolation import Tenant

PDF = b"%PDF-1.4\n%%EOF\n"


@isolation.seeder
def seed_cases(t: Tenant) -> None:
    from tests.cases.conftest import definition

    muni = t.municipality
    form = FormDefinition.objects.create(
        municipality=muni, schema_id=f"S-CASES-{t.key}", name=t.marker("CASE-FORM")
    )
    version = FormVersion.objects.create(
        municipality=muni,
        form=form,
        version_label="1.0",
        definition=definition(f"S-CASES-{t.key}", t.marker("CASE-FORM")),
        source_hash=hashlib.sha256(f"cases-{t.key}".encode()).hexdigest(),
    )
    form.active_version = version
    form.save()
    dept = Department.objects.create(municipality=muni, name=t.marker("CASE-DEPT"))
    ServiceSetting.objects.create(municipality=muni, form=form, department=dept)
    applicant = t.add_user(
        "case_applicant", make_user(t.remember(f"antragsteller-{t.key.lower()}@example.org"))
    )
    ref = f"{t.key}{t.key}-2026-000001"
    sub = FormSubmission.objects.create(
        municipality=muni,
        form=form,
        version=version,
        payload={"answers": {"G1": [{"F_NAME": t.marker("CASE-NAME")}]}},
        reference=ref,
        user=applicant,
    )
    raw, digest = services.new_guest_token()
    app = Application.objects.create(
        municipality=muni,
        reference=t.remember(ref),
        form=form,
        service_name=t.marker("CASE-SERVICE"),
        submission=sub,
        idempotency_key=f"iso-{t.key}",
        applicant=applicant,
        applicant_name=t.marker("CASE-APPLICANT"),
        guest_token_hash=digest,
        department=dept,
        submitted_at=timezone.now(),
        due_date=timezone.localdate(),
    )
    app.raw_token = raw  # type: ignore[attr-defined]
    StatusEvent.objects.create(municipality=muni, application=app, to_status="eingegangen")
    Message.objects.create(
        municipality=muni, application=app, kind=MessageKind.QUERY, body=t.marker("CASE-QUERY")
    )
    Note.objects.create(municipality=muni, application=app, body=t.marker("CASE-NOTE"))
    staged = services.StagedFiles(muni.pk)
    att = services.store_attachment(
        staged,
        municipality_id=muni.pk,
        name=t.marker("CASE-FILE") + ".pdf",
        data=PDF,
        media_type="application/pdf",
        application=app,
    )
    LetterSettings.objects.create(
        municipality=muni,
        authority=t.marker("LETTER-AUTHORITY"),
        legal_remedy="Widerspruch: " + t.marker("LETTER-REMEDY"),
    )
    intake = ApiIntake.objects.create(municipality=muni, form=form)
    Attachment.objects.create(municipality=muni, intake=intake, name="slot.pdf")
    # A's admin sees all; Membership for the admin exists already (role admin).
    assert Membership.objects.filter(municipality=muni, user=t.admin).exists()
    t.add("cases.form", form)
    t.add("cases.application", app)
    t.add("cases.attachment", att)
    t.add("cases.intake", intake)


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


def note(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"action": "note", "body": "Vermerk"}


def setting_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "department": "",
        "deadline_days": "20",
        "retention_days": "400",
        "max_attachment_mb": "5",
        "max_attachments": "4",
        "allowed_types": ["application/pdf"],
        "decision_template": "",
    }


def withdraw(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"action": "withdraw"}


def doc(a: Any) -> dict[str, Any]:
    return {"pk": a.application_id, "att": a.pk}


applicant = "case_applicant"
isolation.object_url(
    "cases:detail", "cases.application", user=applicant, post=withdraw, shows=["CASE-SERVICE", "CASE-QUERY"]
)
isolation.object_url("cases:receipt", "cases.application", user=applicant)
isolation.object_url("cases:document", "cases.attachment", kwargs=doc, user=applicant)
isolation.object_url(
    "cases:guest",
    "cases.application",
    kwargs=lambda a: {"token": a.raw_token},
    post=withdraw,
    shows=["CASE-SERVICE"],
)
isolation.object_url("cases:guest_receipt", "cases.application", kwargs=lambda a: {"token": a.raw_token})
isolation.object_url(
    "cases:guest_document",
    "cases.attachment",
    kwargs=lambda a: {"token": a.application.raw_token, "att": a.pk},
)
isolation.object_url(
    "cases:case", "cases.application", shows=["CASE-SERVICE", "CASE-APPLICANT", "CASE-NOTE", "CASE-NAME"]
)
isolation.object_url("cases:case_action", "cases.application", get=False, post=note)
isolation.object_url("cases:case_receipt", "cases.application")
isolation.object_url("cases:case_export", "cases.application", shows=["CASE-NAME"])
isolation.object_url("cases:case_document", "cases.attachment", kwargs=doc)
isolation.object_url("cases:setting_edit", "cases.form", post=setting_form, shows=["CASE-FORM"])
# Token-authenticated API operations: a session (A's admin, citizen) is no credential (401); token
# scoping per municipality is tested in tests/cases/test_api.py.
isolation.object_url(
    "api:upload_attachment",
    "cases.intake",
    kwargs=lambda i: {"submission_id": i.pk, "attachment_id": i.attachments.first().pk},
    get=False,
    admin_denied={401},
)
for name in ("api:submit", "api:events", "api:submission_export"):
    isolation.object_url(
        name, "cases.intake", kwargs=lambda i: {"submission_id": i.pk}, get=False, admin_denied={401}
    )
isolation.page("cases:inbox", shows=["CASE-SERVICE", "CASE-APPLICANT"])
isolation.page("cases:settings", shows=["CASE-FORM", "CASE-DEPT"])
isolation.page("cases:mine")
isolation.page("cases:letter_settings", shows=["LETTER-AUTHORITY", "LETTER-REMEDY"])
isolation.page("ozg_dashboard")
