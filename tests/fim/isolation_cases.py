"""FIM entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

import hashlib
from typing import Any

from rathaus.fim.models import Draft, FormDefinition, FormSubmission, FormVersion
from tests import isolation
from tests.conftest import make_user
from tests.isolation import Tenant


def definition(t: Tenant) -> dict[str, Any]:
    field = {
        "kind": "field",
        "id": "F1",
        "version": "1.0",
        "name": "Name",
        "label": t.marker("FIELD"),
        "help": "",
        "min": 1,
        "max": 1,
        "rules": [],
        "feldart": "input",
        "datentyp": "text",
        "codelist": None,
        "content": "",
        "media_types": [],
        "max_size": None,
        "max_length": 200,
    }
    group = {
        "kind": "group",
        "id": "G1",
        "version": "1.0",
        "name": "Gruppe",
        "label": t.marker("STEP"),
        "help": "",
        "min": 1,
        "max": 1,
        "rules": ["R1"],
        "children": [field],
    }
    return {
        "format": 1,
        "xdf_version": "2.0",
        "message": "stammdatenschema",
        "schema_id": f"S-{t.key}",
        "version": "1.0",
        "name": t.marker("FORM"),
        "title": t.marker("FORM"),
        "description": "",
        "definition": "",
        "legal_basis": "",
        "leika": [],
        "schema_rules": ["R1"],
        "items": [group],
        "rules": [{"id": "R1", "name": "Regel", "text": t.marker("RULE"), "script": "", "conditions": []}],
        "codelists": {},
    }


@isolation.seeder
def seed_fim(t: Tenant) -> None:
    muni = t.municipality
    form = FormDefinition.objects.create(municipality=muni, schema_id=f"S-{t.key}", name=t.marker("FORM"))
    version = FormVersion.objects.create(
        municipality=muni,
        form=form,
        version_label="1.0",
        definition=definition(t),
        source_hash=hashlib.sha256(t.key.encode()).hexdigest(),
    )
    form.active_version = version
    form.save()
    # A's admin has a draft and an earlier submission of the form (steps, review and confirmation).
    Draft.objects.create(
        municipality=muni,
        form=form,
        version=version,
        user=t.admin,
        answers={"G1": [{"F1": t.marker("DRAFT")}]},
    )
    FormSubmission.objects.create(
        municipality=muni,
        form=form,
        version=version,
        user=t.admin,
        payload={"answers": {"G1": [{"F1": t.marker("PAYLOAD")}]}},
        reference=t.marker("REF"),
    )
    applicant = t.add_user("fim_applicant", make_user(t.remember(f"antrag-{t.key.lower()}@example.org")))
    user_draft = Draft.objects.create(
        municipality=muni,
        form=form,
        version=version,
        user=applicant,
        answers={"G1": [{"F1": t.marker("USER-DRAFT")}]},
    )
    token = f"gast-token-{t.key}-0123456789abcdef"
    guest = Draft.objects.create(
        municipality=muni,
        form=form,
        version=version,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        answers={"G1": [{"F1": t.marker("GUEST-DRAFT")}]},
    )
    guest.raw_token = token  # type: ignore[attr-defined]
    t.add("fim.form", form)
    t.add("fim.user_draft", user_draft)
    t.add("fim.guest_draft", guest)


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


def step_data(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"G1__0__F1": "Geändert", "next": "1"}


def step_kwargs(form: Any) -> dict[str, Any]:
    return {"pk": form.pk, "step": 0}


isolation.object_url("fim:form", "fim.form", post=nothing, shows=["FORM"])
isolation.object_url("fim:step", "fim.form", kwargs=step_kwargs, post=step_data, shows=["FIELD", "DRAFT"])
isolation.object_url("fim:review", "fim.form", shows=["FIELD", "DRAFT"])
isolation.object_url("fim:save", "fim.form", shows=["FORM"])
isolation.object_url("fim:done", "fim.form", shows=["FORM", "REF"])
isolation.object_url(
    "fim:resume", "fim.guest_draft", kwargs=lambda d: {"token": d.raw_token}, post=nothing, shows=["FORM"]
)
isolation.object_url("fim:draft_resume", "fim.user_draft", user="fim_applicant", get=False, post=nothing)
isolation.object_url("fim:preview", "fim.form", shows=["FORM", "RULE", "FIELD"])
isolation.page("fim:index", shows=["FORM"])
isolation.page("fim:manage", shows=["FORM"])


# --- form designer (issue 18) -----------------------------------------------------------------------


@isolation.seeder
def seed_fim_designer(t: Tenant) -> None:
    from rathaus.fim import designer

    d = designer.create_design(t.municipality, title=t.marker("DESIGN"))
    d = designer.add_codelist(d, {"name": t.marker("DLIST"), "items": "01;Eins\n02;Zwei"})
    d = designer.add_group(d, {"label": t.marker("DSTEP")})
    d = designer.add_field(d, {"type": "text", "label": t.marker("DFIELD")}, d.definition["items"][0]["id"])
    t.add("fim.design", d)


def _design_field(d: Any) -> dict[str, Any]:
    return {"pk": d.pk, "node_id": d.definition["items"][0]["children"][0]["id"]}


def _design_group(d: Any) -> dict[str, Any]:
    return {"pk": d.pk, "node_id": d.definition["items"][0]["id"]}


isolation.page("fim:designs", shows=["DESIGN"])
isolation.object_url(
    "fim:design",
    "fim.design",
    post=lambda t, d: {"op": "step", "step-label": "Neuer Schritt"},
    shows=["DESIGN", "DFIELD", "DLIST"],
)
isolation.object_url(
    "fim:design_field",
    "fim.design",
    kwargs=_design_field,
    post=lambda t, d: {"field-type": "text", "field-label": "Geändert"},
    shows=["DFIELD"],
)
isolation.object_url(
    "fim:design_group",
    "fim.design",
    kwargs=_design_group,
    post=lambda t, d: {"group-label": "Geändert"},
    shows=["DSTEP"],
)
isolation.object_url(
    "fim:design_codelist",
    "fim.design",
    kwargs=lambda d: {"pk": d.pk, "index": 0},
    post=lambda t, d: {"codelist-name": "Geändert", "codelist-items": "01;A"},
    shows=["DLIST"],
)
isolation.object_url("fim:design_preview", "fim.design", shows=["DFIELD"])
isolation.object_url(
    "fim:design_preview_step", "fim.design", kwargs=lambda d: {"pk": d.pk, "step": 0}, shows=["DFIELD"]
)
isolation.object_url("fim:design_publish", "fim.design", get=False, post=nothing)
isolation.object_url("fim:design_export", "fim.design")
