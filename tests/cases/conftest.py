"""Fixtures of the case management tests: a small form of Zeitz, applications in every state."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from rathaus.cases import services
from rathaus.cases.models import ServiceSetting
from rathaus.core.accounts.models import Department, Role
from rathaus.core.context import ServiceContext
from rathaus.fim import services as fim
from rathaus.fim.models import FormDefinition, FormVersion
from tests.conftest import grant, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


def _field(fid: str, label: str, datentyp: str = "text", min_: int = 1) -> dict[str, Any]:
    return {
        "kind": "field",
        "id": fid,
        "version": "1.0",
        "name": label,
        "label": label,
        "help": "",
        "min": min_,
        "max": 1,
        "rules": [],
        "feldart": "input",
        "datentyp": datentyp,
        "codelist": None,
        "content": "",
        "media_types": [],
        "max_size": None,
        "max_length": 200,
    }


def definition(schema_id: str = "S99000001", title: str = "Sondernutzung Gehweg") -> dict[str, Any]:
    group = {
        "kind": "group",
        "id": "G1",
        "version": "1.0",
        "name": "Antragsteller",
        "label": "Angaben zur Person",
        "help": "",
        "min": 1,
        "max": 1,
        "rules": [],
        "children": [
            _field("F_NAME", "Familienname"),
            _field("F_VORNAME", "Vorname"),
            _field("F_MAIL", "E-Mail-Adresse"),
            _field("F_ZWECK", "Zweck der Nutzung", min_=0),
            _field("F_PLAN", "Lageplan", datentyp="file", min_=0),
        ],
    }
    return {
        "format": 1,
        "xdf_version": "2.0",
        "message": "stammdatenschema",
        "schema_id": schema_id,
        "version": "1.0",
        "name": title,
        "title": title,
        "description": "",
        "definition": "",
        "legal_basis": "",
        "leika": [],
        "schema_rules": [],
        "items": [group],
        "rules": [],
        "codelists": {},
    }


def make_form(muni: Any, schema_id: str = "S99000001", title: str = "Sondernutzung Gehweg") -> FormDefinition:
    form = FormDefinition.objects.create(
        municipality=muni, schema_id=schema_id, name=title, leika="99108001001000"
    )
    version = FormVersion.objects.create(
        municipality=muni,
        form=form,
        version_label="1.0",
        definition=definition(schema_id, title),
        source_hash=hashlib.sha256(schema_id.encode() + str(muni.pk).encode()).hexdigest(),
    )
    form.active_version = version
    form.save()
    return form


def answers(
    name: str = "Mustermann", first: str = "Erika", mail: str = "erika@example.org", plan: Any = ""
) -> dict[str, Any]:
    return {"G1": [{"F_NAME": name, "F_VORNAME": first, "F_MAIL": mail, "F_ZWECK": "Umzug", "F_PLAN": plan}]}


def apply(form: FormDefinition, *, user: Any = None, plan: Any = "", **kw: Any) -> Any:
    """Submit an application through the form engine's boundary; returns the Application."""
    draft, _token = fim.start_draft(form, user=user)
    draft.answers = answers(plan=plan, **kw)
    draft.save()
    sub = fim.submit(draft)
    return sub.application


def store_draft_file(muni: Any, name: str, data: bytes) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from rathaus.core.storage import private_storage

    path = private_storage().save(f"fim/{muni.pk}/test/{name}", ContentFile(data))
    return {"name": name, "path": path, "size": len(data)}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_ROOT = str(tmp_path / "private")
    return tmp_path / "media"


@pytest.fixture
def form_a(muni_a):
    muni_a.reference_prefix = "ZZ"
    muni_a.save()
    return make_form(muni_a)


@pytest.fixture
def dept_a(muni_a):
    return Department.objects.get_or_create(municipality=muni_a, name="Bürgerservice")[0]


@pytest.fixture
def setting_a(form_a, dept_a):
    return ServiceSetting.objects.create(municipality=form_a.municipality, form=form_a, department=dept_a)


@pytest.fixture
def clerk_a(muni_a, dept_a):
    """Staff of Zeitz in the department that handles form_a."""
    user = make_user("sachbearbeitung-a@example.org", mfa=True)
    m = grant(user, muni_a, Role.STAFF)
    m.departments.add(dept_a)
    return user


@pytest.fixture
def other_clerk_a(muni_a):
    user = make_user("ordnungsamt-a@example.org", mfa=True)
    m = grant(user, muni_a, Role.STAFF)
    m.departments.add(Department.objects.create(municipality=muni_a, name="Ordnungsamt"))
    return user


def staff_ctx(user: Any, muni: Any) -> ServiceContext:
    """A staff member acting in ``muni``: the context a view would build from the request."""
    return ServiceContext.for_user(user, muni)


__all__ = ["JPEG", "PDF", "PNG", "services"]
