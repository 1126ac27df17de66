"""Files on object storage, against a real S3-protocol server (moto_server in its own process)."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import CommandError, call_command
from django.urls import reverse

from rathaus.cases import services
from rathaus.cases.models import Status
from rathaus.core import storage
from rathaus.core.accounts.models import Role
from tests.cases.conftest import PDF, apply, staff_ctx, store_draft_file
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

from .conftest import keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_on_s3(s3, form_a, setting_a, citizen, clerk_a, muni_a):
    app = apply(form_a, user=citizen, plan=store_draft_file(muni_a, "plan.pdf", PDF))
    services.start_review(app, ctx=staff_ctx(clerk_a, muni_a))
    services.decide(app, Status.APPROVED, "Alles vorhanden.", ctx=staff_ctx(clerk_a, muni_a))
    return app


def test_upload_is_stored_in_the_private_bucket(app_on_s3, s3, settings):
    atts = list(app_on_s3.attachments.all())
    assert len(atts) == 2
    stored = keys(s3["client"], s3["private"])
    for att in atts:
        assert att.path in stored
        body = s3["client"].get_object(Bucket=s3["private"], Key=att.path)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == att.sha256
    # nothing private in the public bucket, nothing on the local disk
    assert not any(k.startswith(("cases/", "fim/")) for k in keys(s3["client"], s3["public"]))
    assert not Path(settings.PRIVATE_ROOT, "cases").exists()
    assert not Path(settings.MEDIA_ROOT, "cases").exists()


def test_download_streams_through_the_access_checked_view(app_on_s3, citizen, clerk_a, other_clerk_a, muni_b):
    plan = app_on_s3.attachments.get(kind="antrag")
    own = reverse("cases:document", kwargs={"pk": app_on_s3.pk, "att": plan.pk})
    staff = reverse("cases:case_document", kwargs={"pk": app_on_s3.pk, "att": plan.pk})
    response = client_for(HOST_A, citizen).get(own)
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Length"] == str(len(PDF))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert client_for(HOST_A, clerk_a).get(staff).status_code == 200
    # another citizen, another department, another municipality: 404, nothing of the file
    assert client_for(HOST_A, make_user("nachbar@example.org")).get(own).status_code == 404
    assert client_for(HOST_A, other_clerk_a).get(staff).status_code == 404
    admin_b = make_user("admin-b@example.org", mfa=True)
    grant(admin_b, muni_b, Role.ADMIN)
    assert client_for(HOST_B, admin_b).get(staff).status_code == 404
    assert client_for(HOST_B, citizen).get(own).status_code == 404


def test_missing_object_is_404(app_on_s3, s3, citizen):
    plan = app_on_s3.attachments.get(kind="antrag")
    s3["client"].delete_object(Bucket=s3["private"], Key=plan.path)
    url = reverse("cases:document", kwargs={"pk": app_on_s3.pk, "att": plan.pk})
    assert client_for(HOST_A, citizen).get(url).status_code == 404


def test_redirect_delivery_gives_a_short_lived_signed_url_after_the_check(app_on_s3, s3, citizen, settings):
    settings.RATHAUS_PRIVATE_DELIVERY = "redirect"
    settings.RATHAUS_S3_SIGNED_URL_SECONDS = 45
    plan = app_on_s3.attachments.get(kind="antrag")
    own = reverse("cases:document", kwargs={"pk": app_on_s3.pk, "att": plan.pk})
    assert client_for(HOST_A, make_user("nachbar@example.org")).get(own).status_code == 404
    response = client_for(HOST_A, citizen).get(own)
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    url = response["Location"]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert url.startswith(s3["endpoint"]) and parts.path == f"/{s3['private']}/{plan.path}"
    assert query["X-Amz-Expires"] == ["45"] and query["X-Amz-Signature"][0]
    # signed now, so it expires 45 s from now (moto_server does not enforce the expiry itself; any
    # S3 service rejects the URL after X-Amz-Date + X-Amz-Expires)
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 300
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert "attachment" in query["response-content-disposition"][0]
    with urllib.request.urlopen(url) as signed:  # noqa: S310 - the S3 server answers the signed URL
        assert signed.read() == PDF
        assert signed.headers["Content-Disposition"].startswith("attachment")
    # the same object without a signature is refused by the server
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(f"{s3['endpoint']}{parts.path}")  # noqa: S310 - http to the test server
    assert denied.value.code == 403


def test_private_files_never_get_a_public_url(app_on_s3, s3):
    private = storage.private_storage()
    plan = app_on_s3.attachments.get(kind="antrag")
    url = private.url(plan.path)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=" in url
    # no object of the private bucket carries a grant for everyone
    for key in keys(s3["client"], s3["private"]):
        grants = s3["client"].get_object_acl(Bucket=s3["private"], Key=key)["Grants"]
        assert all("URI" not in g["Grantee"] for g in grants), grants
    # the pages of the application link only to the access-checked view, never to the bucket
    page = client_for(HOST_A, app_on_s3.applicant).get(reverse("cases:detail", kwargs={"pk": app_on_s3.pk}))
    assert page.status_code == 200
    assert s3["endpoint"] not in page.content.decode() and s3["private"] not in page.content.decode()


def test_public_media_in_the_public_bucket(s3):
    name = default_storage.save("logos/wappen.png", ContentFile(b"\x89PNG logo"))
    assert name in keys(s3["client"], s3["public"])
    url = default_storage.url(name)
    assert url.startswith(f"{s3['endpoint']}/{s3['public']}/logos/") and "X-Amz-Signature" not in url


def test_health_probe_covers_both_buckets(s3):
    assert storage.probe_all()["media"] is True and storage.probe_all()["private"] is True
    assert keys(s3["client"], s3["private"]) == set() and keys(s3["client"], s3["public"]) == set()


def test_migrate_files_to_s3_is_verified_resumable_and_idempotent(s3, settings, tmp_path, capsys, citizen):
    # a local installation: public media, private files, and old private files under MEDIA_ROOT
    media, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_ROOT)
    files = {
        media / "logos" / "wappen.png": b"\x89PNG logo",
        media / "opendata" / "1" / "abc" / "daten.csv": b"a;b\n1;2\n",
        media / "cases" / "1" / "old-attachment": b"%PDF old",
        private / "cases" / "1" / "new-attachment": b"%PDF new",
        private / "fim" / "1" / "x" / "ausweis.pdf": b"%PDF draft",
        media / ".health" / "probe-leftover": b"rathaus",
    }
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # an interrupted earlier run left a truncated object behind
    s3["client"].put_object(Bucket=s3["private"], Key="cases/1/new-attachment", Body=b"%PD")

    call_command("migrate_files", "--to", "s3", "--dry-run")
    assert "dry run" in capsys.readouterr().out
    assert keys(s3["client"], s3["public"]) == set()

    call_command("migrate_files", "--to", "s3")
    out = capsys.readouterr().out
    assert "kopiert/copied 4" in out and "ersetzt/replaced 1" in out and "failed 0" in out
    assert keys(s3["client"], s3["public"]) == {"logos/wappen.png", "opendata/1/abc/daten.csv"}
    assert keys(s3["client"], s3["private"]) == {
        "cases/1/old-attachment",
        "cases/1/new-attachment",
        "fim/1/x/ausweis.pdf",
    }
    for path, data in files.items():
        if ".health" in path.parts:
            continue
        rel = path.relative_to(media if media in path.parents else private).as_posix()
        bucket = s3["private"] if rel.startswith(("cases/", "fim/")) else s3["public"]
        assert s3["client"].get_object(Bucket=bucket, Key=rel)["Body"].read() == data
        assert path.exists()  # local files stay until the operator removes them

    call_command("migrate_files", "--to", "s3")  # again: nothing to copy
    out = capsys.readouterr().out
    assert "kopiert/copied 0" in out and "vorhanden/present 5" in out


def test_migrate_files_refuses_without_s3(settings):
    with pytest.raises(CommandError):
        call_command("migrate_files", "--to", "s3")


def test_migrate_files_reports_a_referenced_file_that_is_nowhere(
    s3, form_a, setting_a, citizen, muni_a, settings
):
    app = apply(form_a, user=citizen, plan=store_draft_file(muni_a, "plan.pdf", PDF))
    plan = app.attachments.get()
    s3["client"].delete_object(Bucket=s3["private"], Key=plan.path)
    with pytest.raises(CommandError):
        call_command("migrate_files", "--to", "s3")
    assert storages["private"].exists(plan.path) is False


def test_open_data_file_in_the_public_bucket_streams_through_the_download_view(s3, muni_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rathaus.opendata import services as opendata
    from tests.opendata.conftest import make_dataset

    ds = make_dataset(muni_a)
    data = b"baum;art\n1;Linde\n"
    dist = opendata.add_file(ds, SimpleUploadedFile("baeume.csv", data, "text/csv"), title="Bäume")
    assert dist.file.name in keys(s3["client"], s3["public"])
    assert not keys(s3["client"], s3["private"])
    response = client_for(HOST_A).get(reverse("opendata:download", kwargs={"pk": ds.pk, "dist_pk": dist.pk}))
    assert response.status_code == 200 and b"".join(response.streaming_content) == data
    assert response["Content-Length"] == str(len(data)) and response["X-Content-Type-Options"] == "nosniff"
    assert "Cache-Control" not in response or "no-store" not in response["Cache-Control"]
