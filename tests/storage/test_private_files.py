"""Private files live apart from public media and are served only through access-checked views."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from rathaus.cases import services
from rathaus.cases.models import Attachment, Status
from rathaus.core.accounts.models import Role
from rathaus.core.storage import PrivateFileSystemStorage, file_response, private_storage
from tests.cases.conftest import PDF, apply, staff_ctx, store_draft_file
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

pytestmark = pytest.mark.django_db


def files_under(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


@pytest.fixture
def app_with_files(form_a, setting_a, citizen, clerk_a, muni_a):
    """An application with an uploaded plan and a decision letter (both private)."""
    app = apply(form_a, user=citizen, plan=store_draft_file(muni_a, "plan.pdf", PDF))
    services.start_review(app, ctx=staff_ctx(clerk_a, muni_a))
    services.decide(app, Status.APPROVED, "Alles vorhanden.", ctx=staff_ctx(clerk_a, muni_a))
    return app


def test_uploads_and_letters_are_stored_in_private_root_never_under_media_root(app_with_files, settings):
    atts = list(app_with_files.attachments.all())
    assert {a.kind for a in atts} == {"antrag", "bescheid"}
    for att in atts:
        assert att.path.startswith(f"cases/{app_with_files.municipality_id}/")
        assert (Path(settings.PRIVATE_ROOT) / att.path).is_file()
        assert not (Path(settings.MEDIA_ROOT) / att.path).exists()
    assert files_under(settings.MEDIA_ROOT) == []


def test_form_engine_uploads_go_to_private_storage(form_a, setting_a, citizen, settings):
    c = client_for(HOST_A, citizen)
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert c.post(reverse("fim:form", kwargs={"pk": form_a.pk})).status_code == 302
    step = c.post(
        reverse("fim:step", kwargs={"pk": form_a.pk, "step": 0}),
        {
            "G1__0__F_NAME": "Mustermann",
            "G1__0__F_VORNAME": "Erika",
            "G1__0__F_MAIL": "erika@example.org",
            "G1__0__F_ZWECK": "Umzug",
            "G1__0__F_PLAN": SimpleUploadedFile("plan.pdf", PDF, "application/pdf"),
            "next": "1",
        },
    )
    assert step.status_code == 302
    stored = files_under(Path(settings.PRIVATE_ROOT) / "fim")
    assert len(stored) == 1 and stored[0].read_bytes() == PDF
    assert files_under(settings.MEDIA_ROOT) == []


def test_private_storage_has_no_url():
    with pytest.raises(ValueError):
        private_storage().url("cases/1/x")
    with pytest.raises(ValueError):
        PrivateFileSystemStorage(base_url="/media/").url("cases/1/x")


def test_public_media_path_never_serves_private_files(app_with_files, muni_a, settings):
    settings.ROOT_URLCONF = "tests.storage.urls_serve_media"
    logo = default_storage.save("logos/wappen.png", ContentFile(b"\x89PNG public"))
    c = client_for(HOST_A)
    served = c.get(f"/media/{logo}")
    assert served.status_code == 200 and b"".join(served.streaming_content) == b"\x89PNG public"
    for att in app_with_files.attachments.all():
        assert c.get(f"/media/{att.path}").status_code == 404
        # climbing out of MEDIA_ROOT is refused (400 SuspiciousFileOperation or 404), never served
        assert c.get(f"/media/../private/{att.path}").status_code in (400, 404)
        assert c.get(f"/media/%2e%2e/private/{att.path}").status_code in (400, 404)


def test_private_root_inside_media_root_is_refused(tmp_path):
    env = {
        **os.environ,
        "RATHAUS_MEDIA_ROOT": str(tmp_path / "media"),
        "RATHAUS_PRIVATE_ROOT": str(tmp_path / "media" / "private"),
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    run = subprocess.run(
        [sys.executable, "-c", "import rathaus.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0 and "must lie outside RATHAUS_MEDIA_ROOT" in run.stderr
    env["RATHAUS_PRIVATE_ROOT"] = str(tmp_path / "private")
    ok = subprocess.run(
        [sys.executable, "-c", "import rathaus.settings"], env=env, capture_output=True, check=False
    )
    assert ok.returncode == 0, ok.stderr


def test_downloads_are_access_checked_per_role(
    app_with_files, citizen, clerk_a, other_clerk_a, muni_a, muni_b
):
    app = app_with_files
    plan = app.attachments.get(kind="antrag")
    own = reverse("cases:document", kwargs={"pk": app.pk, "att": plan.pk})
    staff = reverse("cases:case_document", kwargs={"pk": app.pk, "att": plan.pk})

    response = client_for(HOST_A, citizen).get(own)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and "plan.pdf" in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "application/pdf"

    assert client_for(HOST_A, clerk_a).get(staff).status_code == 200
    # another citizen, staff of another department, staff and admin of another municipality: 404
    assert client_for(HOST_A, make_user("nachbar@example.org")).get(own).status_code == 404
    assert client_for(HOST_A, other_clerk_a).get(staff).status_code == 404
    staff_b = make_user("staff-b@example.org", mfa=True)
    grant(staff_b, muni_b, Role.ADMIN)
    assert client_for(HOST_B, staff_b).get(staff).status_code == 404
    assert client_for(HOST_B, citizen).get(own).status_code == 404
    assert client_for(HOST_A, staff_b).get(staff).status_code in (403, 404)
    # anonymous: to the login page, no file
    anonymous = client_for(HOST_A).get(own)
    assert anonymous.status_code == 302 and "/konto/" in anonymous["Location"]
    # an attachment of this application under another application's URL: 404
    other = apply(app.form, user=citizen)
    assert (
        client_for(HOST_A, citizen)
        .get(reverse("cases:document", kwargs={"pk": other.pk, "att": plan.pk}))
        .status_code
        == 404
    )


def test_missing_private_file_is_404(app_with_files, citizen, settings):
    plan = app_with_files.attachments.get(kind="antrag")
    (Path(settings.PRIVATE_ROOT) / plan.path).unlink()
    url = reverse("cases:document", kwargs={"pk": app_with_files.pk, "att": plan.pk})
    assert client_for(HOST_A, citizen).get(url).status_code == 404
    from django.http import Http404

    with pytest.raises(Http404):
        file_response(private_storage(), "", filename="x", content_type=None)


def _to_media(att: Attachment, settings) -> Path:
    """Put an attachment back where installations before the private storage kept it."""
    src, dst = Path(settings.PRIVATE_ROOT) / att.path, Path(settings.MEDIA_ROOT) / att.path
    dst.parent.mkdir(parents=True, exist_ok=True)
    src.rename(dst)
    return dst


def test_move_private_files_dry_run_move_resume_and_idempotent(app_with_files, muni_a, settings, capsys):
    atts = list(app_with_files.attachments.all())
    old = [_to_media(a, settings) for a in atts]
    draft_file = Path(settings.MEDIA_ROOT) / "fim" / str(muni_a.pk) / "abc" / "ausweis.pdf"
    draft_file.parent.mkdir(parents=True)
    draft_file.write_bytes(PDF)
    logo = default_storage.save("logos/wappen.png", ContentFile(b"public"))

    call_command("move_private_files", "--dry-run")
    assert all(p.exists() for p in old) and files_under(Path(settings.PRIVATE_ROOT) / "cases") == []
    assert "dry run" in capsys.readouterr().out

    # an interrupted earlier run left a truncated copy of the first file at the target
    partial = Path(settings.PRIVATE_ROOT) / atts[0].path
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"%PDF-trunc")

    call_command("move_private_files")
    out = capsys.readouterr().out
    assert "kopiert/copied 2" in out and "ersetzt/replaced 1" in out and "source removed 3" in out
    for att in atts:
        att.refresh_from_db()  # the names in the database stay valid
        assert private_storage().open(att.path).read() == services.read_attachment(att)
        assert not (Path(settings.MEDIA_ROOT) / att.path).exists()
    assert (Path(settings.PRIVATE_ROOT) / "fim" / str(muni_a.pk) / "abc" / "ausweis.pdf").read_bytes() == PDF
    assert not draft_file.exists()
    assert default_storage.exists(logo)  # public media stays
    assert partial.read_bytes() != b"%PDF-trunc"

    call_command("move_private_files")
    assert "kopiert/copied 0" in capsys.readouterr().out


def test_move_private_files_reports_missing_references(app_with_files, settings):
    plan = app_with_files.attachments.get(kind="antrag")
    (Path(settings.PRIVATE_ROOT) / plan.path).unlink()
    with pytest.raises(CommandError):
        call_command("move_private_files")


def test_private_files_are_not_readable_by_other_users_of_the_machine(app_with_files, settings):
    for att in app_with_files.attachments.all():
        path = Path(settings.PRIVATE_ROOT) / att.path
        assert path.stat().st_mode & 0o777 == 0o640
        assert path.parent.stat().st_mode & 0o777 == 0o750


def test_every_local_file_location_is_listed_for_the_backup(settings):
    from rathaus.core.storage import local_file_locations

    found = local_file_locations()
    assert found["default"] == Path(settings.MEDIA_ROOT).resolve()
    assert found["private"] == Path(settings.PRIVATE_ROOT).resolve()
    assert {"heritage_media", "mobility"} <= set(found)
