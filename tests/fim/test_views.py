"""Public multi-step form, drafts (users and guests), review, submission; staff import and preview."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rathaus.core.jobs.models import ImportJob
from rathaus.fim import queries, services
from rathaus.fim.models import Draft, FormDefinition, FormSubmission
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

from .conftest import bewohnerparken_path, fim_dir, require

pytestmark = pytest.mark.django_db

CONSENT = "_allgemein0__0__F00-4cb0dd14-629c-4661-9435-4e9eadc43e07"
PERSON = {
    "G05000496__0__F05000059": "Mustermann",
    "G05000496__0__F05000060": "Erika",
    "G05000496__0__F05000351": "1980-02-03",
    "G05000496__0__F05001354": "erika@example.org",
    "G05000496__0__G05000428__0__F00000053": "Schützenplatz",
    "G05000496__0__G05000428__0__F00000016": "1",
    "G05000496__0__G00000113__0__F00000054": "06712",
    "G05000496__0__G00000113__0__F00000035": "Zeitz",
    "G05000496__0__F05000523": "000",
}


def first_code(form, field_id):
    defn = form.active_version.definition

    def walk(nodes):
        for n in nodes:
            if n["kind"] == "group":
                found = walk(n["children"])
                if found:
                    return found
            elif n["id"] == field_id:
                return defn["codelists"][n["codelist"]]["items"]
        return None

    return walk(defn["items"])


def start(client, form):
    response = client.post(reverse("fim:form", kwargs={"pk": form.pk}))
    assert response.status_code == 302
    return response


def step_url(form, n):
    return reverse("fim:step", kwargs={"pk": form.pk, "step": n})


def fill_all(client, form):
    """Fill the Bewohnerparkausweis form: own vehicle, new permit (no holder step needed)."""
    codes = {
        fid: first_code(form, fid)[0][0]
        for fid in [
            "F00-4cb0dd14-629c-4661-9435-4e9eadc43e07",
            "F05001344",
            "F05000523",
            "F05001064",
            "F05001347",
            "F05001047",
        ]
    }
    PERSON["G05000496__0__F05000523"] = codes["F05000523"]
    steps = [
        {
            CONSENT: codes["F00-4cb0dd14-629c-4661-9435-4e9eadc43e07"],
            "_allgemein0__0__F05001344": codes["F05001344"],
        },
        PERSON,
        {
            "G05000493__0__F05001064": codes["F05001064"],
            "G05000493__0__F05001347": codes["F05001347"],
            "count__G05000493__0__G05000599": "0",
        },
        {
            "G05000477__0__F05000627": "ZZ-AB 123",
            "G05000477__0__F05001062": "1",
            "G05000477__0__F05001047": "01",
        },
    ]
    for n, data in enumerate(steps[:4]):
        response = client.post(step_url(form, n), {**data, "next": "1"})
        assert response.status_code == 302, (n, response.context and response.context["step_form"].errors)
    return response


def test_index_and_start_page(parken):
    c = client_for(HOST_A)
    assert parken.name in c.get(reverse("fim:index")).content.decode()
    page = c.get(reverse("fim:form", kwargs={"pk": parken.pk}))
    assert page.status_code == 200 and "Schritte" in page.content.decode()


def test_every_step_renders_with_progress(parken):
    c = client_for(HOST_A)
    start(c, parken)
    # Until the vehicle question is answered with "another holder", the holder step does not apply.
    for n in range(4):
        page = c.get(step_url(parken, n))
        assert page.status_code == 200
        assert f"Schritt {n + 1} von 4" in page.content.decode()
    skipped = c.get(step_url(parken, 4))
    assert skipped.status_code == 302 and skipped.url == reverse("fim:review", kwargs={"pk": parken.pk})
    vehicle = {"G05000477__0__F05000627": "ZZ-AB 123", "G05000477__0__F05001062": "1"}
    c.post(step_url(parken, 3), {**vehicle, "G05000477__0__F05001047": "02", "next": "1"})
    page = c.get(step_url(parken, 4))
    assert page.status_code == 200 and "Schritt 5 von 5" in page.content.decode()


def test_step_without_draft_redirects_to_start(parken):
    response = client_for(HOST_A).get(step_url(parken, 1))
    assert response.status_code == 302 and response.url == reverse("fim:form", kwargs={"pk": parken.pk})


def test_invalid_values_show_error_summary_naming_the_field(parken):
    c = client_for(HOST_A)
    start(c, parken)
    data = {
        **PERSON,
        "G05000496__0__G00000113__0__F00000054": "1234x",
        "G05000496__0__F05000351": "31.02.2000",
        "next": "1",
    }
    page = c.post(step_url(parken, 1), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-error-summary" in html
    assert 'href="#id_G05000496__0__G00000113__0__F00000054"' in html
    assert 'href="#id_G05000496__0__F05000351"' in html
    # the raw input survives the redisplay
    assert 'value="1234x"' in html


def test_full_walk_review_and_submit(parken, citizen):
    c = client_for(HOST_A, citizen)
    start(c, parken)
    response = fill_all(c, parken)
    assert response.url == reverse("fim:review", kwargs={"pk": parken.pk})
    review = c.get(response.url)
    assert "Mustermann" in review.content.decode() and "ZZ-AB 123" in review.content.decode()
    assert "03.02.1980" in review.content.decode() and "1980-02-03" not in review.content.decode()
    done = c.post(response.url)
    assert done.status_code == 302
    sub = FormSubmission.objects.get()
    assert sub.user == citizen and sub.version == parken.active_version
    answers = sub.payload["answers"]
    assert answers["G05000496"][0]["F05000059"] == "Mustermann"
    assert "G05000599" not in answers["G05000493"][0]  # new permit: the existing-permit group is off
    assert "G05000499" not in answers  # own vehicle: the holder step is off
    assert not Draft.objects.exists()
    page = c.get(done.url)
    assert sub.reference in page.content.decode()


def test_rule_makes_holder_required(parken):
    c = client_for(HOST_A)
    start(c, parken)
    fill_all(c, parken)
    # the vehicle belongs to someone else → the holder step (G05000499) becomes mandatory
    c.post(
        step_url(parken, 3),
        {
            "G05000477__0__F05000627": "ZZ-AB 123",
            "G05000477__0__F05001062": "1",
            "G05000477__0__F05001047": "02",
            "next": "1",
        },
    )
    page = c.post(step_url(parken, 4), {"next": "1"})
    assert page.status_code == 200 and "data-error-summary" in page.content.decode()
    review = c.post(reverse("fim:review", kwargs={"pk": parken.pk}))
    assert review.status_code == 200 and "Schritt 5" in review.content.decode()
    assert not FormSubmission.objects.exists()


def test_add_and_remove_group_without_javascript(parken):
    c = client_for(HOST_A)
    start(c, parken)
    group = "G05000493__0__G05000599"
    r = c.post(step_url(parken, 2), {f"count__{group}": "1", f"remove_{group}__0": "1"})
    assert r.status_code == 302
    page = c.get(step_url(parken, 2)).content.decode()
    assert f'name="add_{group}"' in page and "F05001346" not in page
    c.post(step_url(parken, 2), {f"count__{group}": "0", f"add_{group}": "1"})
    page = c.get(step_url(parken, 2)).content.decode()
    assert "G05000493__0__G05000599__0__F05001346" in page and f'name="remove_{group}__0"' in page


def test_guest_save_and_resume_by_mail(parken, django_capture_on_commit_callbacks):
    c = client_for(HOST_A)
    start(c, parken)
    c.post(step_url(parken, 1), {**PERSON, "save": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("fim:save", kwargs={"pk": parken.pk}), {"email": "gast@example.org"})
    assert r.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "English version" in body
    link = re.search(r"https?://\S+/formulare/fortsetzen/(\S+)/", body)
    assert link
    draft = Draft.objects.get()
    assert draft.token_hash and link.group(1) not in draft.token_hash  # only the hash is stored
    other = client_for(HOST_A)
    confirm = other.get(reverse("fim:resume", kwargs={"token": link.group(1)}))
    assert confirm.status_code == 200 and parken.name in confirm.content.decode()
    resumed = other.post(reverse("fim:resume", kwargs={"token": link.group(1)}))
    assert resumed.status_code == 302 and resumed.url == step_url(parken, 1)
    assert "Mustermann" in other.get(resumed.url).content.decode()
    assert client_for(HOST_A).get(reverse("fim:resume", kwargs={"token": "falsch"})).status_code == 404
    # the token does not work on another municipality's host
    assert client_for(HOST_B).get(reverse("fim:resume", kwargs={"token": link.group(1)})).status_code == 404


def test_user_drafts_listed_and_resumable(parken, citizen):
    c = client_for(HOST_A, citizen)
    start(c, parken)
    c.post(step_url(parken, 1), {**PERSON, "save": "1"})
    index = c.get(reverse("fim:index")).content.decode()
    draft = Draft.objects.get(user=citizen)
    assert reverse("fim:draft_resume", kwargs={"pk": draft.pk}) in index
    r = c.post(reverse("fim:draft_resume", kwargs={"pk": draft.pk}))
    assert r.status_code == 302
    other = make_user("andere@example.org")
    assert (
        client_for(HOST_A, other).post(reverse("fim:draft_resume", kwargs={"pk": draft.pk})).status_code
        == 404
    )


def test_draft_keeps_its_version_after_new_import(parken, citizen):
    c = client_for(HOST_A, citizen)
    start(c, parken)
    draft = Draft.objects.get()
    old_version = draft.version
    data = (
        bewohnerparken_path()
        .read_bytes()
        .replace(b"<xdf:version>1.0</xdf:version>", b"<xdf:version>1.1</xdf:version>", 1)
    )
    outcome = services.import_schema(
        parken.municipality,
        data,
        codelists=services.codelists_from_dir(bewohnerparken_path().parent, bewohnerparken_path()),
    )
    assert outcome.created and outcome.version != old_version
    draft.refresh_from_db()
    assert draft.version == old_version
    fill_all(c, parken)
    c.post(reverse("fim:review", kwargs={"pk": parken.pk}))
    assert FormSubmission.objects.get().version == old_version


def test_form_for_service(parken, muni_b):
    assert queries.form_for_service(parken.municipality, "99108001001000") == reverse(
        "fim:form", kwargs={"pk": parken.pk}
    )
    assert queries.form_for_service(muni_b, "99108001001000") is None
    assert queries.form_for_service(parken.municipality, "") is None


def test_other_municipality_cannot_open_form(parken, muni_b):
    assert client_for(HOST_B).get(reverse("fim:form", kwargs={"pk": parken.pk})).status_code == 404


# --- staff ---------------------------------------------------------------------------------------


def test_staff_pages_need_services_module(parken, staff_a, citizen, muni_a):
    url = reverse("fim:manage")
    assert client_for(HOST_A).get(url).status_code in (302, 401, 403)
    assert client_for(HOST_A, citizen).get(url).status_code == 403
    assert client_for(HOST_A, staff_a).get(url).status_code == 403
    manager = make_user("formulare@example.org", mfa=True)
    grant(manager, muni_a, "module_manager", ["services"])
    c = client_for(HOST_A, manager)
    assert c.get(url).status_code == 200
    preview = c.get(reverse("fim:preview", kwargs={"pk": parken.pk})).content.decode()
    assert "R05000281" in preview and "Pflichtangabe" in preview


def _codelists():
    folder = bewohnerparken_path().parent
    return [
        SimpleUploadedFile(p.name, p.read_bytes(), "text/xml")
        for p in sorted(folder.glob("C*_genericode.xml"))
    ]


def _post_import(client, capture, data):
    """POST the upload form and run the queued import job right away (as the worker would)."""
    with capture(execute=True):
        return client.post(reverse("fim:import"), data)


def test_upload_import_and_errors(admin_a, muni_a, django_capture_on_commit_callbacks):
    # The upload runs as an import job (rathaus.core.jobs.imports): what the upload page showed is
    # now on the job page.
    c = client_for(HOST_A, admin_a)
    schema = bewohnerparken_path().read_bytes()
    r = _post_import(
        c,
        django_capture_on_commit_callbacks,
        {"schema": SimpleUploadedFile("s.xml", schema, "text/xml"), "codelists": _codelists()},
    )
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("jobs:import_job", args=[job.pk])
    form = FormDefinition.objects.get(municipality=muni_a, schema_id="S05000058")
    assert job.kind == "fim.xdf" and job.status == "done" and job.file_name == "s.xml"
    assert job.result["created"] == 1 and job.result["url"] == reverse("fim:preview", kwargs={"pk": form.pk})
    page = c.get(r["Location"]).content.decode()
    assert "Neue Version" in page and f'href="{reverse("fim:preview", kwargs={"pk": form.pk})}"' in page
    assert form.active_version.source_name == "s.xml"
    bad = _post_import(
        c,
        django_capture_on_commit_callbacks,
        {"schema": SimpleUploadedFile("w.xml", require(fim_dir() / "schemas" / "WaBeKa.xml").read_bytes())},
    )
    assert bad.status_code == 302
    failed = ImportJob.objects.get(file_name="w.xml")
    assert failed.status == "failed" and "nicht unterstützt" in failed.message
    page = c.get(bad["Location"])
    assert page.status_code == 200 and "nicht unterstützt" in page.content.decode()
    assert 'id="import-result"' not in page.content.decode()
    not_xml = c.post(reverse("fim:import"), {"schema": SimpleUploadedFile("x.pdf", b"%PDF-1.4")})
    assert not_xml.status_code == 400 and "kein XML" in not_xml.content.decode()
    assert not ImportJob.objects.filter(file_name="x.pdf").exists()
    missing = _post_import(
        c, django_capture_on_commit_callbacks, {"schema": SimpleUploadedFile("m.xml", schema)}
    )
    job = ImportJob.objects.get(file_name="m.xml")
    assert job.status == "failed" and "fehlt" in job.message
    assert "fehlt" in c.get(missing["Location"]).content.decode()
    assert FormDefinition.objects.count() == 1 and form.versions.count() == 1


def test_upload_options_reach_the_job(admin_a, muni_a, django_capture_on_commit_callbacks):
    c = client_for(HOST_A, admin_a)
    _post_import(
        c,
        django_capture_on_commit_callbacks,
        {
            "schema": SimpleUploadedFile("s.xml", bewohnerparken_path().read_bytes()),
            "leika": "99050012104000",
            "allow_missing_codelists": "on",
        },
    )
    job = ImportJob.objects.get()
    form = FormDefinition.objects.get(municipality=muni_a)
    assert job.status == "done", job.message
    assert form.leika == "99050012104000" and form.active_version.warnings
    assert job.result["warnings"] == len(form.active_version.warnings)
    assert "in der Vorschau des Formulars" in job.message


def test_double_submit_of_a_schema_is_one_job(admin_a, muni_a, django_capture_on_commit_callbacks):
    c = client_for(HOST_A, admin_a)
    data = bewohnerparken_path().read_bytes()
    first = _post_import(
        c,
        django_capture_on_commit_callbacks,
        {"schema": SimpleUploadedFile("s.xml", data), "codelists": _codelists()},
    )
    second = c.post(
        reverse("fim:import"),
        {"schema": SimpleUploadedFile("s.xml", data), "codelists": _codelists()},
        follow=True,
    )
    assert ImportJob.objects.count() == 1 and second.redirect_chain[0][0] == first["Location"]
    assert "schon importiert" in second.content.decode()
    assert FormDefinition.objects.get().versions.count() == 1


def test_import_job_page_is_the_module_managers_only(
    admin_a, admin_b, staff_a, muni_a, django_capture_on_commit_callbacks
):
    c = client_for(HOST_A, admin_a)
    r = _post_import(
        c,
        django_capture_on_commit_callbacks,
        {
            "schema": SimpleUploadedFile("s.xml", bewohnerparken_path().read_bytes()),
            "codelists": _codelists(),
        },
    )
    url = r["Location"]
    manager = make_user("formulare@example.org", mfa=True)
    grant(manager, muni_a, "module_manager", ["services"])
    assert client_for(HOST_A, manager).get(url).status_code == 200
    assert client_for(HOST_A, staff_a).get(url).status_code == 403
    assert client_for(HOST_A, staff_a).post(reverse("fim:import"), {}).status_code == 403
    other = make_user("mobil@example.org", mfa=True)
    grant(other, muni_a, "module_manager", ["mobility"])
    assert client_for(HOST_A, other).get(url).status_code == 403
    assert client_for(HOST_B, admin_b).get(url).status_code == 404  # another municipality's job


def test_holder_step_with_file_uploads(parken, settings, tmp_path):
    settings.PRIVATE_ROOT = str(tmp_path)
    c = client_for(HOST_A)
    start(c, parken)
    fill_all(c, parken)
    c.post(
        step_url(parken, 3),
        {
            "G05000477__0__F05000627": "ZZ-AB 123",
            "G05000477__0__F05001062": "1",
            "G05000477__0__F05001047": "02",
            "next": "1",
        },
    )
    holder = {
        "G05000499__0__F05001243": "Halter",
        "G05000499__0__F05001244": "Hans",
        "G05000499__0__F05001245": "Markt",
        "G05000499__0__F05001246": "3",
        "G05000499__0__F05001247": "a",
        "G05000499__0__G05000554__0__F00000054": "06712",
        "G05000499__0__G05000554__0__F00000035": "Zeitz",
        "G05000499__0__F05001249": first_code(parken, "F05001249")[0][0],
        "G05000499__0__F05001355": "Bruder",
        "next": "1",
    }
    missing_files = c.post(step_url(parken, 4), holder)
    assert missing_files.status_code == 200
    assert 'href="#id_G05000499__0__F05001248"' in missing_files.content.decode()
    files = {
        "G05000499__0__F05001248": SimpleUploadedFile("vollmacht.pdf", b"%PDF-1.4 test", "application/pdf"),
        "G05000499__0__F05001045": SimpleUploadedFile("schein.pdf", b"%PDF-1.4 test", "application/pdf"),
    }
    ok = c.post(step_url(parken, 4), {**holder, **files})
    assert ok.status_code == 302, ok.context and ok.context["step_form"].errors
    assert c.post(reverse("fim:review", kwargs={"pk": parken.pk})).status_code == 302
    stored = FormSubmission.objects.get().payload["answers"]["G05000499"][0]["F05001248"]
    # The case management took the file over: the payload names the stored attachment and its hash.
    from rathaus.cases.models import Attachment

    att = Attachment.objects.get(pk=stored["attachment"])
    assert stored["name"] == "vollmacht.pdf" and (tmp_path / att.path).read_bytes() == b"%PDF-1.4 test"
    assert stored["sha256"] == hashlib.sha256(b"%PDF-1.4 test").hexdigest()


def test_list_pages_query_count(parken, admin_a, django_assert_max_num_queries):
    for i in range(5):
        services.import_schema(parken.municipality, minimal_schema(f"S{i}"))
    c = client_for(HOST_A, admin_a)
    with django_assert_max_num_queries(15):
        assert c.get(reverse("fim:manage")).status_code == 200
    with django_assert_max_num_queries(15):
        assert c.get(reverse("fim:index")).status_code == 200


def minimal_schema(schema_id: str) -> bytes:
    from tests.fim.test_importer import minimal

    return minimal().replace(b"<xdf:id>S1</xdf:id>", f"<xdf:id>{schema_id}</xdf:id>".encode())


def test_data_export_and_erasure(parken, citizen):
    c = client_for(HOST_A, citizen)
    start(c, parken)
    name, data = services.export_user_forms(citizen)
    assert name == "fim_forms" and len(data["drafts"]) == 1
    services.erase_user_forms(citizen)
    assert not Draft.objects.exists()


def test_upload_with_doctype_entity_is_refused_not_500(admin_a, muni_a):
    # A DOCTYPE is refused in the upload request already (a cheap check): 400, nothing queued.
    from .test_importer import ENTITY, LAUGHS, with_doctype

    c = client_for(HOST_A, admin_a)
    for doctype, ref in ((ENTITY, b"&e;"), (LAUGHS, b"&d;")):
        data = with_doctype(bewohnerparken_path().read_bytes(), doctype, ref)
        r = c.post(
            reverse("fim:import"),
            {"schema": SimpleUploadedFile("s.xml", data, "text/xml"), "codelists": _codelists()},
        )
        assert r.status_code == 400
        assert "DOCTYPE" in r.content.decode() and "Sicherheitsgründen" in r.content.decode()
    assert not FormDefinition.objects.exists() and not ImportJob.objects.exists()


def test_switching_back_to_own_vehicle_drops_the_holder_step(parken):
    """Issue 14: holder data typed while "another holder" was chosen is neither validated, nor shown
    on the review page, nor submitted once the vehicle is one's own again."""
    c = client_for(HOST_A)
    start(c, parken)
    fill_all(c, parken)
    vehicle = {"G05000477__0__F05000627": "ZZ-AB 123", "G05000477__0__F05001062": "WVWZZZ1JZXW000001"}
    r = c.post(step_url(parken, 3), {**vehicle, "G05000477__0__F05001047": "02", "next": "1"})
    assert r.url == step_url(parken, 4)
    # half a holder, saved as a draft (invalid: no first name, a bad postcode)
    c.post(
        step_url(parken, 4),
        {"G05000499__0__F05001243": "Zorbasinski", "G05000499__0__G05000554__0__F00000054": "x", "save": "1"},
    )
    r = c.post(step_url(parken, 3), {**vehicle, "G05000477__0__F05001047": "01", "next": "1"})
    assert r.url == reverse("fim:review", kwargs={"pk": parken.pk})
    assert c.get(step_url(parken, 4)).url == reverse("fim:review", kwargs={"pk": parken.pk})
    review = c.get(r.url).content.decode()
    assert "Zorbasinski" not in review and "Angaben zur Fahrzeughalterin" not in review
    assert c.post(r.url).status_code == 302
    answers = FormSubmission.objects.get().payload["answers"]
    assert "G05000499" not in answers
    assert answers["G05000477"][0]["F05001062"] == "WVWZZZ1JZXW000001"
