from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest
from django.urls import reverse

from rathaus.cases.demo import APPLICATIONS, DEPARTMENT, zeitz_applications
from rathaus.cases.models import Application, Status
from rathaus.core.accounts.models import Department, Role
from rathaus.fim.demo import bewohnerparkausweis
from tests.conftest import HOST_A, client_for, grant, make_user
from tests.fim.conftest import bewohnerparken_path

pytestmark = pytest.mark.django_db


def cmd() -> SimpleNamespace:
    return SimpleNamespace(stdout=StringIO())


def test_demo_applications_once_and_visible_to_the_department(muni_a, settings):
    settings.RATHAUS_TESTDATA = str(bewohnerparken_path().parents[3])
    dept = Department.objects.create(municipality=muni_a, name=DEPARTMENT)
    clerk = make_user("sachbearbeitung@zeitz.example", mfa=True)
    grant(clerk, muni_a, Role.STAFF).departments.add(dept)
    bewohnerparkausweis(cmd())
    zeitz_applications(cmd())
    refs = set(Application.objects.values_list("reference", flat=True))
    zeitz_applications(cmd())
    assert set(Application.objects.values_list("reference", flat=True)) == refs
    assert len(refs) == len(APPLICATIONS)
    assert {Status.RECEIVED, Status.QUERY, Status.APPROVED, Status.CLOSED, Status.WITHDRAWN} <= set(
        Application.objects.values_list("status", flat=True)
    )
    page = client_for(HOST_A, clerk).get(reverse("cases:inbox")).content.decode()
    assert all(r in page for r in refs)
    app = Application.objects.filter(status=Status.QUERY).get()
    assert client_for(HOST_A, clerk).get(reverse("cases:case", kwargs={"pk": app.pk})).status_code == 200


def test_demo_skips_without_form(muni_a):
    c = cmd()
    zeitz_applications(c)
    assert "übersprungen" in c.stdout.getvalue()
