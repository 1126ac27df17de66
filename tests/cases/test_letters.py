"""Decision letters (Bescheide) as lawful German administrative acts: address block, salutation from
the applicant's data, mandatory reasons for (partial) refusals, the municipality's
Rechtsbehelfsbelehrung, preview before sending, letterhead settings for municipality admins."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.urls import reverse

from rathaus.cases import letters, services
from rathaus.cases.forms import DecisionForm, SettingForm
from rathaus.cases.models import DEFAULT_LEGAL_REMEDY, Application, LetterSettings, Message, Status
from rathaus.core.audit.models import AuditEvent
from rathaus.core.storage import private_storage
from rathaus.fim import services as fim
from rathaus.fim.models import FormDefinition, FormVersion
from tests.conftest import HOST_A, HOST_B, client_for

from .conftest import _field, apply, definition, staff_ctx
from .pdftext import pdf_text

pytestmark = pytest.mark.django_db


def flat(text: str) -> str:
    return " ".join(text.split())


def address_form(muni: Any) -> FormDefinition:
    """A form whose applicant group has Anrede, Doktorgrad and a postal address."""
    defn = definition("S99000002", "Sondernutzung mit Anschrift")
    defn["items"][0]["children"] = [
        _field("F_ANREDE", "Anrede", min_=0),
        _field("F_GRAD", "Doktorgrad", min_=0),
        _field("F_NAME", "Familienname"),
        _field("F_VORNAME", "Vorname"),
        _field("F_STR", "Straße", min_=0),
        _field("F_NR", "Hausnummer", min_=0),
        _field("F_PLZ", "Postleitzahl", min_=0),
        _field("F_ORT", "Ort", min_=0),
        _field("F_MAIL", "E-Mail-Adresse"),
    ]
    form = FormDefinition.objects.create(municipality=muni, schema_id="S99000002", name=defn["name"])
    version = FormVersion.objects.create(
        municipality=muni,
        form=form,
        version_label="1.0",
        definition=defn,
        source_hash=hashlib.sha256(b"S99000002" + str(muni.pk).encode()).hexdigest(),
    )
    form.active_version = version
    form.save()
    return form


def apply_with_address(form: FormDefinition, anrede: str = "Frau", grad: str = "", **kw: Any) -> Application:
    draft, _token = fim.start_draft(form, user=kw.get("user"))
    draft.answers = {
        "G1": [
            {
                "F_ANREDE": anrede,
                "F_GRAD": grad,
                "F_NAME": kw.get("name", "Mustermann"),
                "F_VORNAME": kw.get("first", "Erika"),
                "F_STR": "Musterweg",
                "F_NR": "5a",
                "F_PLZ": "06712",
                "F_ORT": "Zeitz",
                "F_MAIL": "erika@example.org",
            }
        ]
    }
    draft.save()
    return fim.submit(draft).application


@pytest.fixture
def address_app(muni_a, dept_a, clerk_a):
    muni_a.reference_prefix = "ZZ"
    muni_a.save()
    form = address_form(muni_a)
    services.save_setting(
        services.setting_for(form).__class__(municipality=muni_a, form=form, department=dept_a),
        ctx=staff_ctx(clerk_a, muni_a),
    )
    app = apply_with_address(form)
    services.start_review(app, ctx=staff_ctx(clerk_a, muni_a))
    return app


# --- reasons are mandatory for (partial) refusals -------------------------------------------------


@pytest.mark.parametrize("outcome", [Status.REJECTED, Status.PARTIAL])
def test_service_refuses_refusal_without_reasons(outcome, form_a, setting_a, clerk_a, muni_a):
    app = apply(form_a)
    ctx = staff_ctx(clerk_a, muni_a)
    services.start_review(app, ctx=ctx)
    for reasons in ("", "   \n "):
        with pytest.raises(services.MissingReasons):
            services.decide(app, outcome, reasons, ctx=ctx)
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW and app.decided_at is None and app.decision_text == ""
    assert not app.attachments.filter(kind="bescheid").exists()
    assert not Message.objects.filter(application=app).exists()
    assert not AuditEvent.objects.filter(action="cases.decided").exists()
    # an approval needs none (§ 39 Abs. 2 Nr. 1 VwVfG)
    services.decide(app, Status.APPROVED, "", ctx=ctx)
    assert Application.objects.get(pk=app.pk).status == Status.APPROVED


def test_decision_form_requires_reasons_for_refusal():
    form = DecisionForm({"outcome": Status.REJECTED, "reasons": ""})
    assert not form.is_valid() and "§ 39 VwVfG" in form.errors["reasons"][0]
    assert not DecisionForm({"outcome": Status.PARTIAL, "reasons": " "}).is_valid()
    assert DecisionForm({"outcome": Status.APPROVED, "reasons": ""}).is_valid()
    assert DecisionForm({"outcome": Status.REJECTED, "reasons": "Kein Bedarf."}).is_valid()


def test_case_page_shows_the_form_error_and_changes_nothing(form_a, setting_a, clerk_a, muni_a):
    app = apply(form_a)
    services.start_review(app, ctx=staff_ctx(clerk_a, muni_a))
    c = client_for(HOST_A, clerk_a)
    url = reverse("cases:case_action", kwargs={"pk": app.pk})
    for action in ("decide", "preview"):
        response = c.post(url, {"action": action, "outcome": Status.REJECTED, "reasons": ""})
        assert response.status_code == 400
        page = response.content.decode()
        assert "Eine Ablehnung oder teilweise Bewilligung muss begründet werden" in page
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW and not app.attachments.exists()


# --- the letter ------------------------------------------------------------------------------------


def test_pdf_is_a_lawful_letter(address_app, clerk_a, muni_a):
    clerk_a.display_name = "Petra Sachbearbeiterin"
    clerk_a.save()
    att = services.decide(
        address_app,
        Status.REJECTED,
        "Der Gehweg ist zu schmal für eine Sondernutzung.",
        ctx=staff_ctx(clerk_a, muni_a),
    )
    text = pdf_text(private_storage().open(att.path).read())
    lines = text.splitlines()
    one = flat(text)
    # letterhead: authority, department, address
    assert lines[0] == "Stadt Zeitz" and "Bürgerservice" in lines and "Markt 1" in lines
    # address block from the applicant's answers
    assert "Frau Erika Mustermann" in lines and "Musterweg 5a" in lines and "06712 Zeitz" in lines
    assert "Stadt Zeitz · Rathaus · Markt 1 · 00000 Zeitz" in lines  # return line
    # reference, place and date, subject, salutation, decision, reasons, remedy, signature
    assert address_app.reference in one and "Ihr Antrag vom" in one
    assert any(line.startswith("Zeitz, ") for line in lines)
    assert (
        f"Bescheid über Ihren Antrag „Sondernutzung mit Anschrift“ (Aktenzeichen {address_app.reference})"
        in one
    )
    assert "Sehr geehrte Frau Mustermann," in lines
    assert "Der Antrag wird abgelehnt" in one
    assert "Begründung" in lines and "Der Gehweg ist zu schmal für eine Sondernutzung." in one
    assert "Rechtsbehelfsbelehrung" in lines
    assert "innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden" in one
    assert "Stadt Zeitz, Rathaus, Markt 1, 00000 Zeitz" in one  # issuing authority in the remedy
    assert "Mit freundlichen Grüßen" in lines and "Petra Sachbearbeiterin" in lines
    assert "Sehr geehrte/r" not in one
    # the stored text and the Postfach message are the same letter
    address_app.refresh_from_db()
    assert "Sehr geehrte Frau Mustermann," in address_app.decision_text
    assert "Rechtsbehelfsbelehrung" in address_app.messages.get(kind="bescheid").body


def test_configured_letterhead_and_remedy_per_municipality(address_app, clerk_a, muni_a, muni_b):
    LetterSettings.objects.create(
        municipality=muni_b, authority="Stadt Musterstadt", legal_remedy="Klage beim VG Musterstadt."
    )
    LetterSettings.objects.create(
        municipality=muni_a,
        authority="Stadt Zeitz – Der Oberbürgermeister",
        place="Zeitz (Elster)",
        signature="Im Auftrag",
        legal_remedy="Gegen diesen Bescheid ist binnen eines Monats Widerspruch bei {behoerde} möglich.",
    )
    letter = services.build_letter(
        address_app, Status.PARTIAL, "Nur für zwei Tage.", author=staff_ctx(clerk_a, muni_a).actor
    )
    one = flat(pdf_text(letter.pdf()))
    assert "Stadt Zeitz – Der Oberbürgermeister" in one and "Zeitz (Elster), " in one
    assert "binnen eines Monats Widerspruch bei Stadt Zeitz – Der Oberbürgermeister möglich." in one
    assert "Klage beim VG Musterstadt" not in one and "Im Auftrag" in one
    assert "Der Antrag wird teilweise bewilligt" in one and "Nur für zwei Tage." in one


@pytest.mark.parametrize(
    ("anrede", "grad", "expected", "block"),
    [
        ("Frau", "Dr.", "Sehr geehrte Frau Dr. Mustermann,", "Frau Dr. Erika Mustermann"),
        ("Herr", "", "Sehr geehrter Herr Mustermann,", "Herrn Erika Mustermann"),
        ("männlich", "", "Sehr geehrter Herr Mustermann,", "Herrn Erika Mustermann"),
        ("divers", "", "Guten Tag Erika Mustermann,", "Erika Mustermann"),
        ("", "", "Guten Tag Erika Mustermann,", "Erika Mustermann"),
    ],
)
def test_salutation_from_the_applicant_data(anrede, grad, expected, block, muni_a):
    app = apply_with_address(address_form(muni_a), anrede=anrede, grad=grad)
    rec = letters.recipient_of(app)
    assert rec.greeting == expected
    assert rec.address_lines[0] == block and rec.address_complete


def test_neutral_salutation_without_salutation_field(form_a, setting_a):
    app = apply(form_a)
    rec = letters.recipient_of(app)
    assert rec.greeting == "Guten Tag Erika Mustermann," and not rec.address_complete
    app.submission = None
    app.applicant_name = ""
    assert letters.recipient_of(app).greeting == "Guten Tag,"


def test_template_placeholders_inside_the_letter(form_a, setting_a, muni_a):
    app = apply(form_a)
    text = services.render_decision(
        app, Status.APPROVED, "Begründung X", "Az. {aktenzeichen} für {name}: {entscheidung}. {unbekannt}"
    )
    assert f"Az. {app.reference} für Erika Mustermann: Der Antrag wird bewilligt. {{unbekannt}}" in text
    assert "Guten Tag Erika Mustermann," in text and "Begründung\nBegründung X" in text
    inline = services.render_decision(app, Status.REJECTED, "Zu spät.", "{entscheidung}, weil: {begruendung}")
    assert "Der Antrag wird abgelehnt, weil: Zu spät." in inline and "Begründung\nZu spät." not in inline


def test_service_template_refuses_old_salutation(form_a, muni_a):
    form = SettingForm(
        {
            "deadline_days": 30,
            "retention_days": 730,
            "max_attachment_mb": 10,
            "max_attachments": 10,
            "allowed_types": ["application/pdf"],
            "decision_template": "Sehr geehrte/r {name},\n\n{entscheidung}",
        },
        municipality=muni_a,
    )
    assert not form.is_valid() and "Anrede" in form.errors["decision_template"][0]


# --- preview -----------------------------------------------------------------------------------------


def test_staff_preview_before_sending(address_app, clerk_a):
    c = client_for(HOST_A, clerk_a)
    url = reverse("cases:case_action", kwargs={"pk": address_app.pk})
    data = {"outcome": Status.REJECTED, "reasons": "Der Gehweg ist zu schmal."}
    page = c.post(url, {**data, "action": "preview"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Vorschau des Bescheids (noch nicht erlassen)" in html and "Sehr geehrte Frau Mustermann," in html
    assert "Musterweg 5a" in html and "Rechtsbehelfsbelehrung" in html and 'value="decide"' in html
    pdf = c.post(url, {**data, "action": "preview_pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert "Der Gehweg ist zu schmal." in flat(pdf_text(pdf.content))
    address_app.refresh_from_db()
    assert address_app.status == Status.IN_REVIEW and not address_app.attachments.exists()
    assert not address_app.messages.exists()
    # the first page offers the preview, not yet the decision
    first = c.get(reverse("cases:case", kwargs={"pk": address_app.pk})).content.decode()
    assert 'value="preview"' in first and 'value="decide"' not in first
    assert c.post(url, {**data, "action": "decide"}).status_code == 302
    assert Application.objects.get(pk=address_app.pk).status == Status.REJECTED


def test_preview_of_another_municipalitys_case_is_404(address_app, admin_b):
    url = reverse("cases:case_action", kwargs={"pk": address_app.pk})
    data = {"outcome": Status.APPROVED, "reasons": ""}
    for action in ("preview", "preview_pdf", "decide"):
        assert client_for(HOST_B, admin_b).post(url, {**data, "action": action}).status_code == 404
    assert Application.objects.get(pk=address_app.pk).status == Status.IN_REVIEW


# --- letterhead settings page --------------------------------------------------------------------------


def test_letter_settings_only_for_municipality_admins(admin_a, admin_b, clerk_a, citizen, muni_a):
    url = reverse("cases:letter_settings")
    assert client_for(HOST_A).get(url).status_code in (302, 403)
    assert client_for(HOST_A, citizen).get(url).status_code == 403
    assert client_for(HOST_A, clerk_a).get(url).status_code == 403
    assert client_for(HOST_A, admin_b).get(url).status_code == 403  # admin of B has no rights in A
    c = client_for(HOST_A, admin_a)
    page = c.get(url)
    assert page.status_code == 200
    assert "innerhalb eines Monats nach Bekanntgabe Widerspruch" in page.content.decode()  # the default
    data = {
        "authority": "Stadt Zeitz – Der Oberbürgermeister",
        "address": "Altmarkt 1\n06712 Zeitz",
        "phone": "03441 83-0",
        "email": "buergerservice@zeitz.example",
        "website": "https://www.zeitz.de",
        "place": "Zeitz",
        "legal_remedy": DEFAULT_LEGAL_REMEDY,
        "closing": "Mit freundlichen Grüßen",
        "signature": "Im Auftrag",
    }
    assert c.post(url, {**data, "legal_remedy": "Bitte beachten Sie die Fristen."}).status_code == 200
    assert not LetterSettings.objects.exists()
    assert c.post(url, data).status_code == 302
    conf = LetterSettings.objects.get()
    assert conf.municipality == muni_a and conf.signature == "Im Auftrag"
    assert AuditEvent.objects.filter(action="cases.letter_settings.created").exists()
    assert c.post(url, {**data, "place": "Zeitz (Elster)"}).status_code == 302
    assert LetterSettings.objects.get().place == "Zeitz (Elster)"
    # B's admin edits B's settings on B's host, never A's
    assert client_for(HOST_B, admin_b).post(url, {**data, "authority": "Stadt B"}).status_code == 302
    assert LetterSettings.objects.get(municipality=muni_a).authority == data["authority"]
