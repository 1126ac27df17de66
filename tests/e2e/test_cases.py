"""Anträge in a real browser: a citizen applies, staff ask a question (Rückfrage), the citizen answers,
staff approve, the citizen sees the decision; axe-core on every page."""

from __future__ import annotations

import pytest

from rathaus.cases.models import Application, ServiceSetting, Status
from rathaus.core.accounts.models import Department, Role
from tests.cases.conftest import make_form
from tests.conftest import make_user
from tests.e2e.conftest import Site, assert_accessible, assert_not_error_page, login, staff_user

pytestmark = pytest.mark.e2e


def check(page, heading: str | None = None) -> None:
    assert_not_error_page(page)
    if heading:
        assert page.get_by_role("heading", level=1).inner_text() == heading
    assert_accessible(page)


def test_apply_query_answer_approve(page, new_page, site: Site, tmp_path, settings):
    settings.PRIVATE_ROOT = str(tmp_path)
    form = make_form(site.muni_a)
    dept = Department.objects.create(municipality=site.muni_a, name="Bürgerservice")
    ServiceSetting.objects.create(municipality=site.muni_a, form=form, department=dept)
    citizen = make_user("e2e-buerger@example.org")
    clerk = staff_user(site, "e2e-sachbearbeitung@example.org", role=Role.STAFF)
    clerk.memberships.get().departments.add(dept)

    # Citizen applies
    login(page, site, citizen)
    page.goto(site.a(f"/formulare/{form.pk}/"))
    check(page, form.name)
    page.get_by_role("button", name="Antrag starten").click()
    check(page)
    page.get_by_label("Familienname").fill("Mustermann")
    page.get_by_label("Vorname").fill("Erika")
    page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    page.get_by_label("Lageplan").set_input_files(
        files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}]
    )
    page.get_by_role("button", name="Weiter zur Übersicht").click()
    check(page, "Angaben prüfen")
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    check(page, "Antrag eingereicht")
    app = Application.objects.get()
    assert app.reference in page.content()
    page.get_by_role("link", name="Stand des Antrags ansehen").click()
    check(page, f"Antrag {app.reference}")
    page.goto(site.a("/antraege/"))
    check(page, "Meine Anträge")

    # Staff: inbox (the case is overdue: warning and marker are checked by axe too), case, Rückfrage
    Application.objects.filter(pk=app.pk).update(due_date="2020-01-31")
    staff = new_page()
    login(staff, site, clerk)
    staff.goto(site.a("/antraege/verwaltung/"))
    check(staff, "Posteingang Anträge")
    assert "Bearbeitungsfrist überschritten" in staff.content()
    staff.get_by_role("link", name=app.reference).click()
    check(staff, f"Vorgang {app.reference}")
    staff.get_by_label("Rückfrage an die Antragstellerin / den Antragsteller").fill("Für welche Tage genau?")
    staff.get_by_role("button", name="Rückfrage senden").click()
    check(staff)
    app.refresh_from_db()
    assert app.status == Status.QUERY

    # Citizen answers
    page.goto(site.a(f"/antraege/{app.pk}/"))
    check(page)
    assert "Für welche Tage genau?" in page.content()
    page.get_by_label("Ihre Antwort").fill("Vom 1. bis 3. Dezember.")
    page.get_by_role("button", name="Antwort senden").click()
    check(page)
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW

    # Staff approve
    staff.reload()
    check(staff)
    assert "Vom 1. bis 3. Dezember." in staff.content()
    # a refusal without reasons is refused with the error beside the field
    staff.get_by_label("entschieden: abgelehnt").check()
    staff.get_by_role("button", name="Vorschau des Bescheids").click()
    check(staff)
    assert "Eine Ablehnung oder teilweise Bewilligung muss begründet werden" in staff.content()
    staff.get_by_label("entschieden: bewilligt").check()
    staff.get_by_label("Begründung").fill("Die Voraussetzungen liegen vor.")
    staff.get_by_role("button", name="Vorschau des Bescheids").click()
    check(staff)
    preview = staff.content()
    assert "Guten Tag Erika Mustermann," in preview and "Rechtsbehelfsbelehrung" in preview
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW  # the preview changes nothing
    staff.get_by_role("button", name="Bescheid erlassen").click()
    check(staff)
    app.refresh_from_db()
    assert app.status == Status.APPROVED

    # Citizen sees the decision
    page.reload()
    check(page)
    assert "entschieden: bewilligt" in page.content()
    assert "Die Voraussetzungen liegen vor." in page.content()
    assert page.get_by_role("link", name=f"Bescheid-{app.reference}.pdf").count() >= 1
    # the history speaks plainly: no hashes, no "Rückfrage (Rückfrage)"
    content = page.content()
    assert "SHA-256" not in content and "Rückfrage (Rückfrage)" not in content
    assert "Rückfrage der Verwaltung" in content and "Bescheid erlassen: bewilligt" in content


def test_guest_link_dashboard_and_settings_pages(page, new_page, site: Site, tmp_path, settings):
    settings.PRIVATE_ROOT = str(tmp_path)
    form = make_form(site.muni_a)
    # Guest applies without an account and follows the secret link
    page.goto(site.a(f"/formulare/{form.pk}/"))
    page.get_by_role("button", name="Antrag starten").click()
    page.get_by_label("Familienname").fill("Gast")
    page.get_by_label("Vorname").fill("Gabi")
    page.get_by_label("E-Mail-Adresse").fill("gabi@example.org")
    page.get_by_role("button", name="Weiter zur Übersicht").click()
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    check(page, "Antrag eingereicht")
    link = page.get_by_label("Link zu Ihrem Antrag").input_value()
    assert "/antraege/zugang/" in link
    guest = new_page()
    guest.goto(link)
    app = Application.objects.get()
    check(guest, f"Antrag {app.reference}")
    guest.get_by_role("button", name="Antrag zurücknehmen").click()
    check(guest)
    assert "zurückgezogen" in guest.content()
    # Public OZG dashboard
    page.goto(site.a("/ozg-dashboard/"))
    check(page, "OZG-Dashboard")
    # Admin: service settings
    admin = new_page()
    login(admin, site, staff_user(site, "e2e-admin-cases@example.org"))
    admin.goto(site.a("/antraege/verwaltung/leistungen/"))
    check(admin, "Leistungen: Zuständigkeit, Fristen, Aufbewahrung")
    assert form.name in admin.content(), admin.content()[-3000:]
    admin.goto(site.a(f"/antraege/verwaltung/leistungen/{form.pk}/"))
    check(admin, form.name)
    admin.get_by_role("button", name="Speichern").click()
    check(admin)
    admin.goto(site.a("/antraege/verwaltung/bescheide/"))
    check(admin, "Briefkopf und Rechtsbehelfsbelehrung der Bescheide")
    admin.get_by_label("Zeichnung").fill("Im Auftrag")
    admin.get_by_role("button", name="Speichern").click()
    check(admin)
    admin.goto(site.a(f"/antraege/verwaltung/{app.pk}/"))
    check(admin, f"Vorgang {app.reference}")
