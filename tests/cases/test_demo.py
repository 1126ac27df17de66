from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest
from django.urls import reverse

from rathaus.cases.demo import APPLICATIONS, CITIZEN_EMAIL, DEPARTMENT, KIM, zeitz_applications
from rathaus.cases.models import Application, Status
from rathaus.core.accounts.models import Department, Role
from rathaus.fim.demo import DEMO_FORMS, demo_forms
from rathaus.fim.models import FormSubmission
from tests.conftest import HOST_A, client_for, grant, make_user

pytestmark = pytest.mark.django_db


def cmd() -> SimpleNamespace:
    return SimpleNamespace(stdout=StringIO())


def test_demo_applications_once_and_visible_to_the_department(muni_a, settings, tmp_path):
    settings.RATHAUS_TESTDATA = str(tmp_path / "missing")
    dept = Department.objects.create(municipality=muni_a, name=DEPARTMENT)
    clerk = make_user("sachbearbeitung@zeitz.example", mfa=True)
    grant(clerk, muni_a, Role.STAFF).departments.add(dept)
    citizen = make_user(CITIZEN_EMAIL)
    demo_forms(cmd())
    zeitz_applications(cmd())
    refs = set(Application.objects.values_list("reference", flat=True))
    zeitz_applications(cmd())
    assert set(Application.objects.values_list("reference", flat=True)) == refs
    assert len(refs) == len(APPLICATIONS)
    # applications of every demo form, in every state
    assert set(Application.objects.values_list("form__schema_id", flat=True)) == set(DEMO_FORMS)
    assert {Status.RECEIVED, Status.QUERY, Status.APPROVED, Status.CLOSED, Status.WITHDRAWN} <= set(
        Application.objects.values_list("status", flat=True)
    )
    page = client_for(HOST_A, clerk).get(reverse("cases:inbox")).content.decode()
    assert all(r in page for r in refs)
    app = Application.objects.filter(status=Status.QUERY).get()
    assert client_for(HOST_A, clerk).get(reverse("cases:case", kwargs={"pk": app.pk})).status_code == 200
    # the citizen account's own applications: its name, its address, its e-mail
    own = Application.objects.filter(applicant=citizen)
    assert own.count() == sum(1 for a in APPLICATIONS if a.own) >= 2
    for a in own:
        assert a.applicant_name == KIM.name and a.applicant_email == CITIZEN_EMAIL
        answers = str(a.submission.payload["answers"])
        assert KIM.last in answers and KIM.street in answers
    # every other application belongs to a guest under another name
    others = Application.objects.exclude(applicant=citizen)
    assert others.count() == len(APPLICATIONS) - own.count()
    assert not others.filter(applicant__isnull=False).exists()
    assert not others.filter(applicant_name=KIM.name).exists()
    for sub in FormSubmission.objects.exclude(user=citizen):
        assert KIM.street not in str(sub.payload)  # Kim's address only in Kim's applications


def test_demo_skips_without_forms(muni_a):
    c = cmd()
    zeitz_applications(c)
    assert "übersprungen" in c.stdout.getvalue()
    assert not Application.objects.exists()
