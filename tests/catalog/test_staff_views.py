from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rathaus.catalog import services
from rathaus.catalog.models import Service
from rathaus.core.accounts.models import Role
from rathaus.core.jobs.models import ImportJob
from tests.conftest import HOST_A, client_for, grant, make_user

STAFF_URLS = ["catalog:manage", "catalog:manage_create", "catalog:manage_import", "catalog:manage_export"]


def form_data(**overrides):
    data = {
        "name": "Fundsachen",
        "leika": "",
        "summary": "Das Fundbüro nimmt Fundsachen an.",
        "themenfeld": "recht-ordnung",
        "synonyms": "Fundbüro",
        "volltext": "",
        "voraussetzungen": "",
        "unterlagen": "- Ausweis",
        "kosten": "",
        "fristen": "",
        "bearbeitungsdauer": "",
        "rechtsgrundlagen": "",
        "hinweise": "",
        "department": "",
        "contact": "",
        "opening_hours": "",
        "reifegrad": "1",
        "online_url": "",
        "is_published": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", STAFF_URLS)
def test_staff_pages_need_the_module(muni_a, citizen, staff_a, name):
    assert client_for(HOST_A).get(reverse(name)).status_code == 302  # to login
    assert client_for(HOST_A, citizen).get(reverse(name)).status_code == 403
    assert client_for(HOST_A, staff_a).get(reverse(name)).status_code == 403
    other = make_user("events-a@example.org", mfa=True)
    grant(other, muni_a, Role.MODULE_MANAGER, ["events"])
    assert client_for(HOST_A, other).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", STAFF_URLS)
def test_staff_pages_open_for_manager_and_admin(muni_a, manager_a, admin_a, name):
    assert client_for(HOST_A, manager_a).get(reverse(name)).status_code == 200
    assert client_for(HOST_A, admin_a).get(reverse(name)).status_code == 200


def test_manager_without_mfa_is_sent_to_mfa(muni_a):
    user = make_user("ohne-mfa@example.org")
    grant(user, muni_a, Role.MODULE_MANAGER, ["services"])
    response = client_for(HOST_A, user).get(reverse("catalog:manage"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_create_edit_and_history(muni_a, manager_a, umzug_a, dept_a):
    client = client_for(HOST_A, manager_a)
    response = client.post(
        reverse("catalog:manage_create"),
        form_data(life_situations=[umzug_a.pk], department=dept_a.pk, leika="99102013104000"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    service = Service.objects.get(municipality=muni_a, name="Fundsachen")
    assert list(service.life_situations.all()) == [umzug_a]
    response = client.post(
        reverse("catalog:manage_edit", args=[service.pk]),
        form_data(kosten="5 €", life_situations=[umzug_a.pk], leika="99102013104000"),
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.kosten == "5 €" and service.department is None
    history = client.get(reverse("catalog:manage_history", args=[service.pk]))
    assert history.status_code == 200
    html = history.content.decode()
    assert "Kosten" in html and "5 €" in html and manager_a.email in html
    assert "Kämmerei und Steuern →" in html  # department shown by name
    assert "→ Umzug" in html  # life situations by name
    listing = client.get(reverse("catalog:manage")).content.decode()
    assert "Fundsachen" in listing and "99102013104000" in listing


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("leika", "123"),
        ("name", ""),
        ("reifegrad", "7"),
        ("themenfeld", "mond"),
        ("online_url", "javascript:alert(1)"),
    ],
)
def test_invalid_form_shows_errors(muni_a, manager_a, field, value):
    response = client_for(HOST_A, manager_a).post(
        reverse("catalog:manage_create"), form_data(**{field: value})
    )
    assert response.status_code == 400
    assert not Service.objects.for_tenant(muni_a).exists()


def test_form_refuses_department_of_b(muni_a, manager_a, dept_b):
    response = client_for(HOST_A, manager_a).post(
        reverse("catalog:manage_create"), form_data(department=dept_b.pk)
    )
    assert response.status_code == 400
    assert not Service.objects.for_tenant(muni_a).exists()


def test_duplicate_leika_in_form(muni_a, manager_a):
    client = client_for(HOST_A, manager_a)
    assert client.post(reverse("catalog:manage_create"), form_data(leika="99102013104000")).status_code == 302
    response = client.post(reverse("catalog:manage_create"), form_data(name="Anders", leika="99102013104000"))
    assert response.status_code == 400


def test_import_view_reports_rows_and_imports_nothing(muni_a, manager_a, django_capture_on_commit_callbacks):
    # The rows are checked in an import job (rathaus.core.jobs.imports); its page lists the errors.
    client = client_for(HOST_A, manager_a)
    bad = "name;summary;themenfeld;reifegrad\nFundsachen;Fundbüro;recht-ordnung;1\nX;Kurz;umwelt;9\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("catalog:manage_import"), {"file": SimpleUploadedFile("l.csv", bad, "text/csv")}
        )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/verwaltung/importe/{job.pk}/" and job.status == "failed"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "es wurde nichts importiert" in html and ">3<" in html and ">reifegrad<" in html
    assert not Service.objects.for_tenant(muni_a).exists()
    good = "name;summary;themenfeld\nFundsachen;Fundbüro;recht-ordnung\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("catalog:manage_import"), {"file": SimpleUploadedFile("l.csv", good, "text/csv")}
        )
    assert response.status_code == 302
    assert Service.objects.for_tenant(muni_a).count() == 1
    html = client.get(response["Location"]).content.decode()
    assert "1 Leistungen angelegt" in html and 'http-equiv="refresh"' not in html
    assert reverse("catalog:manage") in html


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary\xff", b"x" * (services.MAX_CSV_BYTES + 10)])
def test_import_view_refuses_binary_and_oversized(muni_a, manager_a, content):
    response = client_for(HOST_A, manager_a).post(
        reverse("catalog:manage_import"), {"file": SimpleUploadedFile("l.csv", content, "text/csv")}
    )
    assert response.status_code == 400
    assert not Service.objects.for_tenant(muni_a).exists()


def test_export_view(catalog_a, manager_a, service_b):
    response = client_for(HOST_A, manager_a).get(reverse("catalog:manage_export"))
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffleika;name;")
    assert "Bewohnerparkausweis" in text and "Musterstadt" not in text


def test_staff_edit_of_b_is_404(service_b, manager_a):
    client = client_for(HOST_A, manager_a)
    assert client.get(reverse("catalog:manage_edit", args=[service_b.pk])).status_code == 404
    assert client.get(reverse("catalog:manage_history", args=[service_b.pk])).status_code == 404
    assert client.post(reverse("catalog:manage_edit", args=[service_b.pk]), form_data()).status_code == 404
    service_b.refresh_from_db()
    assert service_b.name == "Hundesteuer Musterstadt"


def test_staff_entry_on_dashboard(muni_a, manager_a):
    html = client_for(HOST_A, manager_a).get("/verwaltung/").content.decode()
    assert reverse("catalog:manage") in html
