"""The demo's own XDatenfelder 2.0 schemas: valid against the official XSD, imported by load_demo
without the public test data, and every form can be filled and submitted through the views."""

from __future__ import annotations

import hashlib
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import etree

from rathaus.core.storage import private_storage
from rathaus.fim import engine
from rathaus.fim.demo import DEMO_FORMS, DEMO_SCHEMAS, demo_forms, schema_files
from rathaus.fim.models import FormDefinition, FormSubmission, FormVersion
from tests.conftest import HOST_A, client_for
from tests.conftest import testdata_dir as shared_data

pytestmark = pytest.mark.django_db


def cmd() -> SimpleNamespace:
    return SimpleNamespace(stdout=StringIO())


def official_xsd(name: str) -> etree.XMLSchema:
    path = shared_data() / "fim" / "xsd" / "2.0" / name
    if not path.is_file():
        pytest.skip(f"official XDatenfelder 2.0 XSD not available: {path} (set RATHAUS_TESTDATA)")
    return etree.XMLSchema(etree.parse(str(path)))


def test_there_are_at_least_three_own_schemas_with_code_lists():
    assert len(schema_files()) >= 3
    assert {p.name.split("V", 1)[0] for p in schema_files()} == set(DEMO_FORMS)
    assert len(list(DEMO_SCHEMAS.glob("C*_genericode.xml"))) >= 3


@pytest.mark.parametrize("path", schema_files(), ids=lambda p: p.name)
def test_each_demo_schema_is_valid_against_the_official_xsd(path):
    schema = official_xsd("xdatenfelder.xsd")
    doc = etree.parse(str(path))
    assert schema.validate(doc), [str(e) for e in schema.error_log]


@pytest.mark.parametrize("path", sorted(DEMO_SCHEMAS.glob("C*_genericode.xml")), ids=lambda p: p.name)
def test_each_demo_code_list_is_valid_genericode(path):
    schema = official_xsd("genericode.xsd")
    doc = etree.parse(str(path))
    assert schema.validate(doc), [str(e) for e in schema.error_log]


def test_demo_schemas_are_not_copies_of_the_public_test_data():
    shared = shared_data() / "fim"
    if not shared.is_dir():
        pytest.skip(f"public FIM test data not available: {shared}")
    public = {hashlib.sha256(p.read_bytes()).hexdigest() for p in shared.rglob("*.xml")}
    ours = {hashlib.sha256(p.read_bytes()).hexdigest() for p in DEMO_SCHEMAS.glob("*.xml")}
    assert not public & ours


def test_demo_imports_three_published_forms_without_test_data_once(muni_a, settings, tmp_path):
    settings.RATHAUS_TESTDATA = str(tmp_path / "missing")
    demo_forms(cmd())
    demo_forms(cmd())
    forms = {f.schema_id: f for f in FormDefinition.objects.filter(municipality=muni_a)}
    assert set(forms) == set(DEMO_FORMS)
    assert FormVersion.objects.count() == len(DEMO_FORMS)
    for schema_id, form in forms.items():
        assert form.active_version is not None
        assert form.leika == DEMO_FORMS[schema_id]
        defn = form.active_version.definition
        # every demo schema has at least one rule the form engine turns into a condition
        assert engine.conditions(defn), schema_id
        kinds = set()

        def walk(nodes: list[dict[str, Any]], kinds: set[str] = kinds) -> None:
            for n in nodes:
                if n["kind"] == "group":
                    kinds.add("group")
                    walk(n["children"])
                else:
                    kinds.add("select" if n.get("codelist") else n["datentyp"])

        walk(defn["items"])
        assert {"group", "select", "date", "file"} <= kinds, schema_id


def _post_data(defn: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The demo answers as the POST data of each step (stored demo files become uploads)."""
    out = []
    for step in engine.steps(defn):
        data: dict[str, Any] = {}
        for name, value in engine.flatten(step, answers.get(step["id"])).items():
            if isinstance(value, dict):
                with private_storage().open(value["path"], "rb") as fh:
                    data[name] = SimpleUploadedFile(value["name"], fh.read(), "application/pdf")
            else:
                data[name] = value
        out.append(data)
    return out


@pytest.mark.parametrize(
    "key", ["demo-park-3", "demo-park-1", "demo-hund-2", "demo-gewerbe-1", "demo-gewerbe-2"]
)
def test_each_demo_form_can_be_filled_and_submitted_through_the_views(muni_a, settings, tmp_path, key):
    from django.utils import timezone

    from rathaus.cases.demo import APPLICATIONS, answers_for
    from rathaus.cases.models import Application

    settings.RATHAUS_TESTDATA = str(tmp_path / "missing")
    demo_forms(cmd())
    spec = next(a for a in APPLICATIONS if a.key == key)
    form = FormDefinition.objects.get(municipality=muni_a, schema_id=spec.schema_id)
    defn = form.active_version.definition
    steps = _post_data(defn, answers_for(muni_a, spec, timezone.localdate()))
    c = client_for(HOST_A)
    assert c.post(reverse("fim:form", kwargs={"pk": form.pk})).status_code == 302
    for n, data in enumerate(steps):
        response = c.post(reverse("fim:step", kwargs={"pk": form.pk, "step": n}), {**data, "next": "1"})
        assert response.status_code == 302, (n, response.context and response.context["step_form"].errors)
    review = reverse("fim:review", kwargs={"pk": form.pk})
    assert response.url == review
    assert spec.person.last in c.get(review).content.decode()
    assert c.post(review).status_code == 302
    sub = FormSubmission.objects.get()
    assert sub.form == form and sub.payload["schema_id"] == spec.schema_id
    app = Application.objects.get()
    assert app.applicant_name == spec.person.name
    files = [v for d in steps for v in d.values() if isinstance(v, SimpleUploadedFile)]
    assert app.attachments.count() == len(files)


def test_rule_of_the_demo_schema_makes_the_group_required(muni_a, settings, tmp_path):
    """Bewohnerparkausweis: a vehicle registered to someone else needs the Nutzungsberechtigung."""
    from django.utils import timezone

    from rathaus.cases.demo import APPLICATIONS, answers_for

    settings.RATHAUS_TESTDATA = str(tmp_path / "missing")
    demo_forms(cmd())
    spec = next(a for a in APPLICATIONS if a.key == "demo-park-3")
    form = FormDefinition.objects.get(municipality=muni_a, schema_id=spec.schema_id)
    defn = form.active_version.definition
    steps = _post_data(defn, answers_for(muni_a, spec, timezone.localdate()))
    c = client_for(HOST_A)
    c.post(reverse("fim:form", kwargs={"pk": form.pk}))
    for n, data in enumerate(steps[:-1]):
        c.post(reverse("fim:step", kwargs={"pk": form.pk, "step": n}), {**data, "next": "1"})
    last = len(steps) - 1
    empty = c.post(reverse("fim:step", kwargs={"pk": form.pk, "step": last}), {"next": "1"})
    assert empty.status_code == 200
    assert "G159900300__0__F159900301" in empty.context["step_form"].errors
