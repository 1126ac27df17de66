"""Demo: Zeitz applications for the Bewohnerparkausweis in every state, mapped to the Bürgerservice,
so that sachbearbeitung@zeitz.example finds a filled inbox (skipped without the FIM demo form)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from rathaus.core.accounts.models import Department, User
from rathaus.core.tenancy.models import Municipality
from rathaus.demo.registry import demo_step
from rathaus.fim.models import FormDefinition, FormSubmission

from . import services
from .models import Application, Message, MessageKind, ServiceSetting, Status, StatusEvent

DEPARTMENT = "Bürgerservice und Einwohnermeldeamt"
# (key, family name, first name, street, days ago, path of states, query text)
APPLICATIONS: list[tuple[str, str, str, str, int, list[str], str]] = [
    ("demo-1", "Schulze", "Anna", "Schützenplatz", 1, [], ""),
    ("demo-2", "Krause", "Thomas", "Rahnestraße", 4, [Status.IN_REVIEW], ""),
    (
        "demo-3",
        "Weber",
        "Jana",
        "Altmarkt",
        9,
        [Status.IN_REVIEW, Status.QUERY],
        "Bitte reichen Sie eine Kopie der Zulassungsbescheinigung Teil I nach.",
    ),
    ("demo-4", "Hoffmann", "Peter", "Brüderstraße", 45, [Status.IN_REVIEW], ""),
    ("demo-5", "Richter", "Sabine", "Domherrenstraße", 20, [Status.IN_REVIEW, Status.APPROVED], ""),
    ("demo-6", "Neumann", "Lukas", "Steinstraße", 60, [Status.IN_REVIEW, Status.REJECTED, Status.CLOSED], ""),
    ("demo-7", "Becker", "Marie", "Wendische Straße", 12, [Status.WITHDRAWN], ""),
]


def _answers(last: str, first: str, street: str) -> dict[str, Any]:
    return {
        "G05000496": [
            {
                "F05000059": last,
                "F05000060": first,
                "F05001354": f"{first.lower()}.{last.lower()}@example.org",
                "G05000428": [{"F00000053": street, "F00000016": "3"}],
                "G00000113": [{"F00000054": "06712", "F00000035": "Zeitz"}],
            }
        ],
        "G05000477": [{"F05000627": "BLK-" + last[:2].upper() + " 12"}],
    }


@demo_step(400)
def zeitz_applications(cmd: Any) -> None:
    zeitz = Municipality.objects.filter(slug="zeitz").first()
    form = FormDefinition.objects.filter(municipality=zeitz, schema_id="S05000058").first() if zeitz else None
    if zeitz is None or form is None or form.active_version is None:
        cmd.stdout.write("Antrags-Demo übersprungen: Formular Bewohnerparkausweis fehlt.")
        return
    dept = Department.objects.filter(municipality=zeitz, name=DEPARTMENT).first()
    setting, _ = ServiceSetting.objects.get_or_create(
        municipality=zeitz,
        form=form,
        defaults={
            "department": dept,
            "deadline_days": 14,
            "retention_days": 730,
            "decision_template": (
                "Sehr geehrte/r {name},\n\nüber Ihren Antrag auf einen Bewohnerparkausweis vom {eingang} "
                "(Aktenzeichen {aktenzeichen}) haben wir entschieden: {entscheidung}.\n\n{begruendung}\n\n"
                "Der Ausweis gilt ein Jahr ab Ausstellung.\n\n"
                "Mit freundlichen Grüßen\n{kommune}\nBürgerservice"
            ),
        },
    )
    citizen = User.objects.filter(email="buerger@zeitz.example").first()
    clerk = User.objects.filter(email="sachbearbeitung@zeitz.example").first()
    version = form.active_version
    now = timezone.now()
    for key, last, first, street, days, path, query in APPLICATIONS:
        if Application.objects.filter(municipality=zeitz, idempotency_key=key).exists():
            continue
        with transaction.atomic():
            at = now - timedelta(days=days)
            ref = services.allocate_reference(zeitz, timezone.localdate(at).year)
            user = citizen if key in ("demo-3", "demo-5") else None
            sub = FormSubmission.objects.create(
                municipality=zeitz,
                form=form,
                version=version,
                payload={
                    "schema_id": form.schema_id,
                    "schema_version": version.definition.get("version", ""),
                    "form_version_id": version.pk,
                    "answers": _answers(last, first, street),
                },
                reference=ref,
                idempotency_key=key,
                user=user,
                email=user.email if user else "",
            )
            app = Application.objects.create(
                municipality=zeitz,
                reference=ref,
                form=form,
                service_name=form.name[:300],
                submission=sub,
                idempotency_key=key,
                applicant=user,
                applicant_name=f"{first} {last}",
                applicant_email=user.email if user else f"{first.lower()}.{last.lower()}@example.org",
                department=setting.department,
                assignee=clerk if path else None,
                submitted_at=at,
                due_date=timezone.localdate(at) + timedelta(days=setting.deadline_days),
            )
            StatusEvent.objects.create(
                municipality=zeitz, application=app, to_status=Status.RECEIVED, by_applicant=True
            )
            before: str = Status.RECEIVED
            for step in path:
                StatusEvent.objects.create(
                    municipality=zeitz,
                    application=app,
                    from_status=before,
                    to_status=step,
                    actor=clerk,
                    by_applicant=step == Status.WITHDRAWN,
                )
                before = step
            app.status = before
            if before in (Status.APPROVED, Status.REJECTED, Status.PARTIAL, Status.CLOSED):
                app.decided_at = at + timedelta(days=5)
                outcome = Status.REJECTED if Status.REJECTED in path else Status.APPROVED
                app.decision_text = services.render_decision(
                    app, outcome, "Die Angaben wurden geprüft.", setting.decision_template
                )
                Message.objects.create(
                    municipality=zeitz,
                    application=app,
                    kind=MessageKind.DECISION,
                    author=clerk,
                    body=app.decision_text,
                )
            if before in (Status.CLOSED, Status.WITHDRAWN):
                app.closed_at = at + timedelta(days=6)
            app.save()
            if query:
                Message.objects.create(
                    municipality=zeitz, application=app, kind=MessageKind.QUERY, author=clerk, body=query
                )
