"""Intake API: create, upload, submit, events; idempotency keys; tenant scoping; FIT-Connect metadata."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest

from rathaus.cases.models import Application, Attachment, Status
from rathaus.core.accounts.services import create_api_token
from tests.conftest import HOST_A, HOST_B, client_for
from tests.conftest import testdata_dir as _testdata_dir

from .conftest import PDF, PNG, answers, make_form

pytestmark = pytest.mark.django_db

BASE = "/api/v1/submissions"


@pytest.fixture
def token_a(form_a, setting_a):
    return create_api_token(form_a.municipality, "Fachverfahren", None)[1]


def call(method, path, token, host=HOST_A, body=None, raw=None, **headers):
    c = client_for(host)
    kw = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    kw.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    if raw is not None:
        return getattr(c, method)(path, data=raw, content_type="application/octet-stream", **kw)
    if body is not None:
        return getattr(c, method)(path, data=json.dumps(body), content_type="application/json", **kw)
    return getattr(c, method)(path, **kw)


def metadata(atts):
    return {
        "contentStructure": {
            "data": {
                "hash": {"type": "sha512", "content": "0" * 128},
                "submissionSchema": {
                    "schemaUri": "urn:xoev-de:fim:schema:S99000001",
                    "mimeType": "application/json",
                },
            },
            "attachments": [
                {
                    "hash": {"type": "sha512", "content": hashlib.sha512(data).hexdigest()},
                    "purpose": "attachment",
                    "filename": name,
                    "mimeType": "application/pdf",
                    "attachmentId": att_id,
                }
                for att_id, name, data in atts
            ],
        },
        "publicServiceType": {"identifier": "urn:de:fim:leika:leistung:99108001001000"},
        "replyChannel": {"eMail": {"address": "system@example.org"}},
    }


def full_flow(token, service="S99000001", data=PDF):
    created = call("post", BASE, token, body={"service": service, "attachments": [{"filename": "plan.pdf"}]})
    assert created.status_code == 201, created.content
    body = created.json()
    sid, slot = body["submissionId"], body["attachments"][0]
    up = call("put", slot["uploadUrl"], token, raw=data)
    assert up.status_code == 200, up.content
    assert up.json()["sha256"] == hashlib.sha256(data).hexdigest()
    sub = call(
        "post",
        f"{BASE}/{sid}/submit",
        token,
        body={"data": answers(), "metadata": metadata([(slot["attachmentId"], "plan.pdf", data)])},
    )
    return sid, sub


def test_full_flow_lands_in_inbox(token_a, form_a, clerk_a):
    sid, sub = full_flow(token_a)
    assert sub.status_code == 200, sub.content
    app = Application.objects.get()
    assert sub.json()["reference"] == app.reference and app.channel == "api"
    assert app.department is not None and app.applicant_email == "system@example.org"
    assert app.attachments.get().sha256 == hashlib.sha256(PDF).hexdigest()
    from django.urls import reverse

    assert app.reference in client_for(HOST_A, clerk_a).get(reverse("cases:inbox")).content.decode()
    events = call("get", f"{BASE}/{sid}/events", token_a)
    assert events.status_code == 200 and [e["status"] for e in events.json()] == ["eingegangen"]


def test_requires_token(form_a, setting_a):
    assert client_for(HOST_A).post(BASE, data="{}", content_type="application/json").status_code == 401


def test_forged_upload_refused(token_a):
    created = call(
        "post", BASE, token_a, body={"service": "S99000001", "attachments": [{"filename": "a.pdf"}]}
    ).json()
    r = call("put", created["attachments"][0]["uploadUrl"], token_a, raw=b"MZ not a pdf")
    assert r.status_code == 422 and "erlaubten Typ" in r.json()["detail"]
    assert not Attachment.objects.exclude(path="").exists()


def test_oversize_upload_refused(token_a, setting_a):
    setting_a.max_attachment_mb = 1
    setting_a.save()
    created = call(
        "post", BASE, token_a, body={"service": "S99000001", "attachments": [{"filename": "a.pdf"}]}
    ).json()
    r = call("put", created["attachments"][0]["uploadUrl"], token_a, raw=PDF + b"0" * (1024 * 1024 + 1))
    assert r.status_code == 422 and "zu groß" in r.json()["detail"]


def test_submit_validation(token_a):
    created = call(
        "post", BASE, token_a, body={"service": "S99000001", "attachments": [{"filename": "a.pdf"}]}
    ).json()
    sid, slot = created["submissionId"], created["attachments"][0]
    # attachment not uploaded yet
    r = call("post", f"{BASE}/{sid}/submit", token_a, body={"data": answers(), "metadata": metadata([])})
    assert r.status_code == 409
    call("put", slot["uploadUrl"], token_a, raw=PDF)
    # invalid data (missing mandatory field)
    bad = answers()
    bad["G1"][0]["F_NAME"] = ""
    r = call(
        "post",
        f"{BASE}/{sid}/submit",
        token_a,
        body={"data": bad, "metadata": metadata([(slot["attachmentId"], "a.pdf", PDF)])},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("F_NAME")
    # wrong hash in metadata
    r = call(
        "post",
        f"{BASE}/{sid}/submit",
        token_a,
        body={"data": answers(), "metadata": metadata([(slot["attachmentId"], "a.pdf", PNG)])},
    )
    assert r.status_code == 422 and "Hash" in r.json()["detail"]
    # malformed metadata (schema violation): 422 from the pydantic model
    r = call(
        "post",
        f"{BASE}/{sid}/submit",
        token_a,
        body={"data": answers(), "metadata": {"contentStructure": {}}},
    )
    assert r.status_code == 422
    assert not Application.objects.exists()


def test_idempotency_key(token_a):
    body = {"service": "S99000001", "attachments": []}
    r1 = call("post", BASE, token_a, body=body, **{"Idempotency-Key": "k-1"})
    r2 = call("post", BASE, token_a, body=body, **{"Idempotency-Key": "k-1"})
    assert r1.status_code == r2.status_code == 201 and r1.json() == r2.json()
    r3 = call(
        "post",
        BASE,
        token_a,
        body={"service": "S99000001", "attachments": [{"filename": "x.pdf"}]},
        **{"Idempotency-Key": "k-1"},
    )
    assert r3.status_code == 409
    sid = r1.json()["submissionId"]
    sbody = {"data": answers(), "metadata": metadata([])}
    s1 = call("post", f"{BASE}/{sid}/submit", token_a, body=sbody, **{"Idempotency-Key": "s-1"})
    s2 = call("post", f"{BASE}/{sid}/submit", token_a, body=sbody, **{"Idempotency-Key": "s-1"})
    assert s1.status_code == s2.status_code == 200 and s1.json() == s2.json()
    # without a key, a repeated submit still returns the same application
    s3 = call("post", f"{BASE}/{sid}/submit", token_a, body=sbody)
    assert s3.json()["reference"] == s1.json()["reference"]
    assert Application.objects.count() == 1


def test_other_municipality_submission_is_404(token_a, muni_b, form_a):
    sid, _sub = full_flow(token_a)
    form_b = make_form(muni_b, "S99000002")
    token_b = create_api_token(muni_b, "B", None)[1]
    # B's token on B's host: A's submission does not exist
    assert call("get", f"{BASE}/{sid}/events", token_b, host=HOST_B).status_code == 404
    assert (
        call(
            "post", f"{BASE}/{sid}/submit", token_b, host=HOST_B, body={"data": {}, "metadata": metadata([])}
        ).status_code
        == 404
    )
    # A's token on B's host is no token at all
    assert call("get", f"{BASE}/{sid}/events", token_a, host=HOST_B).status_code == 401
    # B cannot use A's form
    assert call("post", BASE, token_b, host=HOST_B, body={"service": "S99000001"}).status_code == 404
    assert call("post", BASE, token_b, host=HOST_B, body={"service": form_b.schema_id}).status_code == 201
    assert call("get", f"{BASE}/{uuid.uuid4()}/events", token_a).status_code == 404


def test_submit_metadata_valid_against_official_schema(token_a):
    jsonschema = pytest.importorskip("jsonschema")
    path = _testdata_dir() / "fitconnect" / "metadata.schema.v1.0.0.json"
    if not path.exists():
        pytest.skip(f"FIT-Connect schema not available: {path} (set RATHAUS_TESTDATA)")
    validator = jsonschema.Draft202012Validator(
        json.loads(path.read_text()), format_checker=jsonschema.FormatChecker()
    )
    sample = metadata([(str(uuid.uuid4()), "a.pdf", PDF)])
    validator.validate(sample)  # what our clients send is what FIT-Connect defines
    full_flow(token_a)
    app = Application.objects.get()
    validator.validate(app.metadata)  # what we stored
    from rathaus.cases import services

    validator.validate(services.fitconnect_metadata(app))  # what we export
    sid = str(app.intake.pk)
    exported = call("get", f"{BASE}/{sid}", token_a)
    assert exported.status_code == 200 and exported.json()["reference"] == app.reference
    validator.validate(exported.json()["metadata"])


def test_openapi_documents_the_intake(form_a):
    schema = client_for(HOST_A).get("/api/openapi.json").json()
    assert f"{BASE}" in schema["paths"] and f"{BASE}/{{submission_id}}/submit" in schema["paths"]
    assert Status.RECEIVED


def test_upload_above_django_memory_limit_within_service_limit(token_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    created = call(
        "post", BASE, token_a, body={"service": "S99000001", "attachments": [{"filename": "a.pdf"}]}
    )
    big = PDF + b"0" * 5000
    r = call("put", created.json()["attachments"][0]["uploadUrl"], token_a, raw=big)
    assert r.status_code == 200, r.content
    assert r.json()["size"] == len(big)
