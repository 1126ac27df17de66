"""The form designer (issue 18): every element type and rule through to a submitted application,
the XDatenfelder 2.0 export (valid against the official XSD, re-imported identically), refused
designer input, versions and drafts, the change log, the catalogue link and permissions."""

from __future__ import annotations

import copy
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import etree

from rathaus.fim import designer, queries, services
from rathaus.fim.designer import DesignError
from rathaus.fim.importers.xdf import parse_xdf
from rathaus.fim.models import Draft, FormDesign, FormDesignChange, FormSubmission
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

from .conftest import bewohnerparken_path, fim_dir, require

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(muni_a):
    user = make_user("designer@example.org", mfa=True)
    grant(user, muni_a, "module_manager", ["services"])
    return user


def ids(design: FormDesign) -> dict[str, str]:
    """Label → id of every element of the design."""
    return {n["label"]: n["id"] for n in designer.walk(design.definition["items"])}


def build_full(muni, manager) -> FormDesign:
    """A form with every element type, a repeatable group, an optional group and both rule kinds."""
    d = designer.create_design(muni, title="Zuschuss für Vereine", actor=manager)
    d = designer.add_codelist(
        d, {"name": "Art des Vereins", "items": "01;Sportverein\n02;Kulturverein"}, actor=manager
    )
    key = next(iter(d.definition["codelists"]))
    d = designer.add_group(d, {"label": "Verein", "help": "Angaben zum Verein"}, actor=manager)
    step1 = d.definition["items"][0]["id"]
    add = lambda data, parent=step1: designer.add_field(d, data, parent, actor=manager)  # noqa: E731
    d = add(
        {"type": "text", "label": "Name des Vereins", "required": True, "min_length": 2, "max_length": 80}
    )
    d = add({"type": "text", "label": "Registernummer", "pattern": "VR [0-9]{1,6}", "help": "z. B. VR 1234"})
    d = add({"type": "date", "label": "Gründungsdatum", "required": True})
    d = add(
        {"type": "num_int", "label": "Mitglieder", "required": True, "min_value": "1", "max_value": "5000"}
    )
    d = add({"type": "num", "label": "Anteil Jugendliche in Prozent", "min_value": "0", "max_value": "100"})
    d = add({"type": "num_currency", "label": "Beantragter Betrag", "required": True, "max_value": "2500"})
    d = add({"type": "select", "label": "Art des Vereins", "required": True, "codelist": key})
    d = add({"type": "bool", "label": "Gemeinnützig"})
    d = add(
        {
            "type": "file",
            "label": "Freistellungsbescheid",
            "media_types": ["application/pdf"],
            "max_size_mb": 1,
        }
    )
    d = add({"type": "label", "label": "Hinweis", "content": "Bitte halten Sie die Satzung bereit."})
    d = designer.add_group(d, {"label": "Vorstand"}, actor=manager)
    step2 = d.definition["items"][1]["id"]
    d = designer.add_group(d, {"label": "Vorstandsmitglied", "min": 1, "max": 3}, parent=step2, actor=manager)
    d = designer.add_field(
        d, {"type": "text", "label": "Name", "required": True}, ids(d)["Vorstandsmitglied"], actor=manager
    )
    d = designer.add_group(d, {"label": "Kulturprogramm", "min": 0, "max": 1}, parent=step2, actor=manager)
    d = designer.add_field(
        d,
        {"type": "text", "label": "Geplante Veranstaltungen", "required": True},
        ids(d)["Kulturprogramm"],
        actor=manager,
    )
    i = ids(d)
    d = designer.add_rule(
        d,
        {
            "action": "require",
            "field": i["Art des Vereins"],
            "equals": "02",
            "targets": [i["Kulturprogramm"]],
        },
        actor=manager,
    )
    d = designer.add_rule(
        d,
        {"action": "only_if", "field": i["Gemeinnützig"], "targets": [i["Freistellungsbescheid"]]},
        actor=manager,
    )
    d = designer.update_meta(
        d,
        {
            "title": "Zuschuss für Vereine",
            "definition": "Vereine aus Zeitz beantragen hier einen Zuschuss.",
            "description": "",
            "legal_basis": "Richtlinie Vereinsförderung",
            "leika": "",
            "catalog_service_id": None,
        },
        actor=manager,
    )
    return d


def xsd(name: str) -> etree.XMLSchema:
    path = require(fim_dir() / "xsd" / "2.0" / name)
    return etree.XMLSchema(etree.parse(str(path)))


def step_url(form, n):
    return reverse("fim:step", kwargs={"pk": form.pk, "step": n})


# --- through to a submitted application -------------------------------------------------------------


def test_every_element_and_rule_through_to_submission(muni_a, manager, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    d = build_full(muni_a, manager)
    outcome = designer.publish(d, actor=manager)
    form = outcome.form
    assert outcome.created and form.active_version.version_label == "1.0"
    i = ids(d)
    s1, s2 = (n["id"] for n in d.definition["items"])
    c = client_for(HOST_A)
    assert c.post(reverse("fim:form", kwargs={"pk": form.pk})).status_code == 302
    page = c.get(step_url(form, 0)).content.decode()
    assert "Schritt 1 von 2" in page and "Bitte halten Sie die Satzung bereit." in page
    assert 'accept="application/pdf"' in page and "<fieldset" in page

    def f(label: str) -> str:
        return f"{s1}__0__{i[label]}"

    good = {
        f("Name des Vereins"): "TSV Zeitz",
        f("Registernummer"): "VR 1234",
        f("Gründungsdatum"): "1990-05-01",
        f("Mitglieder"): "120",
        f("Anteil Jugendliche in Prozent"): "33,5",
        f("Beantragter Betrag"): "1.500,50",
        f("Art des Vereins"): "02",
        f("Gemeinnützig"): "true",
        "next": "1",
    }
    # Constraints are checked server-side and named in the error summary.
    bad = {**good, f("Registernummer"): "1234", f("Mitglieder"): "0", f("Beantragter Betrag"): "3000"}
    r = c.post(step_url(form, 0), bad)
    assert r.status_code == 200
    html = r.content.decode()
    for label in ("Registernummer", "Mitglieder", "Beantragter Betrag"):
        assert f'href="#id_{f(label)}"' in html
    # A PNG where only PDF is allowed is refused by its content; a PDF over 1 MB by its size.
    png = SimpleUploadedFile("bescheid.pdf", b"\x89PNG\r\n\x1a\n0000", "application/pdf")
    r = c.post(step_url(form, 0), {**good, f("Freistellungsbescheid"): png})
    assert "keinen erlaubten Typ" in r.content.decode()
    big = SimpleUploadedFile("gross.pdf", b"%PDF-" + b"0" * (1024 * 1024), "application/pdf")
    r = c.post(step_url(form, 0), {**good, f("Freistellungsbescheid"): big})
    assert "höchstens 1 MB" in r.content.decode()
    pdf = SimpleUploadedFile("bescheid.pdf", b"%PDF-1.4 demo", "application/pdf")
    r = c.post(step_url(form, 0), {**good, f("Freistellungsbescheid"): pdf})
    assert r.status_code == 302, r.context and r.context["step_form"].errors

    # Step 2: "02 Kulturverein" makes the optional group Kulturprogramm required (rule 1).
    member = f"{s2}__0__{i['Vorstandsmitglied']}"
    culture = f"{s2}__0__{i['Kulturprogramm']}__0__{i['Geplante Veranstaltungen']}"
    r = c.post(step_url(form, 1), {f"{member}__0__{i['Name']}": "Erika Muster", "next": "1"})
    assert r.status_code == 200 and f'href="#id_{culture}"' in r.content.decode()
    # The repeatable group: add a second board member without JavaScript.
    r = c.post(step_url(form, 1), {f"{member}__0__{i['Name']}": "Erika Muster", f"add_{member}": "1"})
    assert r.status_code == 302
    assert f"{member}__1__{i['Name']}" in c.get(step_url(form, 1)).content.decode()
    r = c.post(
        step_url(form, 1),
        {
            f"count__{member}": "2",
            f"count__{s2}__0__{i['Kulturprogramm']}": "1",
            f"{member}__0__{i['Name']}": "Erika Muster",
            f"{member}__1__{i['Name']}": "Max Muster",
            culture: "Sommerfest",
            "next": "1",
        },
    )
    assert r.status_code == 302
    review = c.get(reverse("fim:review", kwargs={"pk": form.pk})).content.decode()
    assert "1.500,50" in review and "Kulturverein" in review and "01.05.1990" in review
    assert c.post(reverse("fim:review", kwargs={"pk": form.pk})).status_code == 302

    sub = FormSubmission.objects.get(form=form)
    answers = sub.payload["answers"]
    first = answers[s1][0]
    assert first[i["Name des Vereins"]] == "TSV Zeitz"
    assert first[i["Beantragter Betrag"]] == "1500.50"
    assert first[i["Mitglieder"]] == "120" and first[i["Gründungsdatum"]] == "1990-05-01"
    assert first[i["Gemeinnützig"]] == "true" and first[i["Freistellungsbescheid"]]["name"] == "bescheid.pdf"
    board = answers[s2][0][i["Vorstandsmitglied"]]
    assert [m[i["Name"]] for m in board] == ["Erika Muster", "Max Muster"]
    assert answers[s2][0][i["Kulturprogramm"]][0][i["Geplante Veranstaltungen"]] == "Sommerfest"
    # The case workflow took the application over, with the PDF as an attachment.
    from rathaus.cases.models import Application, Attachment

    app = Application.objects.get(submission=sub)
    assert app.municipality == muni_a
    assert Attachment.objects.filter(application=app, name="bescheid.pdf").exists()


def test_only_if_rule_switches_the_upload_off(muni_a, manager):
    d = build_full(muni_a, manager)
    form = designer.publish(d, actor=manager).form
    i = ids(d)
    payload = services.validate_answers(
        form.active_version,
        {
            d.definition["items"][0]["id"]: [
                {
                    i["Name des Vereins"]: "TSV",
                    i["Gründungsdatum"]: "2000-01-01",
                    i["Mitglieder"]: "5",
                    i["Beantragter Betrag"]: "10",
                    i["Art des Vereins"]: "01",
                    i["Gemeinnützig"]: "false",
                    i["Freistellungsbescheid"]: {"name": "x.pdf", "path": "x", "size": 1},
                }
            ],
            d.definition["items"][1]["id"]: [{i["Vorstandsmitglied"]: [{i["Name"]: "A"}]}],
        },
    )
    first = payload["answers"][d.definition["items"][0]["id"]][0]
    assert i["Freistellungsbescheid"] not in first  # switched off: not submitted
    assert i["Kulturprogramm"] not in payload["answers"][d.definition["items"][1]["id"]][0]


# --- export and round trip --------------------------------------------------------------------------


def test_export_validates_against_the_xsd_and_reimports_identically(muni_a, manager):
    d = build_full(muni_a, manager)
    version = designer.publish(d, actor=manager).version
    assert version.warnings == [] or all("übersprungen" in w for w in version.warnings)
    published = version.definition
    xml, files = designer.export_xdf(published)
    schema = xsd("xdatenfelder.xsd")
    assert schema.validate(etree.fromstring(xml)), schema.error_log
    gc = xsd("genericode.xsd")
    assert files and all(gc.validate(etree.fromstring(data)) for data in files.values()), gc.error_log
    again = parse_xdf(xml, codelists=files).definition
    assert again == published  # the importer reads back exactly the published structure
    # ... which is the design itself (the version number is set when publishing)
    assert {**d.definition, "version": published["version"]} == published
    # The download is a ZIP with the schema and its code lists.
    c = client_for(HOST_A, manager)
    r = c.get(reverse("fim:design_export", kwargs={"pk": d.pk}))
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert names[0].endswith("_xdf2.xml") and any(n.endswith("_genericode.xml") for n in names)


def test_baukasten_group_from_an_imported_schema(muni_a, manager):
    services.import_file(bewohnerparken_path(), muni_a)
    d = designer.create_design(muni_a, title="Antrag mit Adresse", actor=manager)
    d = designer.add_group(d, {"label": "Person"}, actor=manager)
    step = d.definition["items"][0]["id"]
    entries = designer.baukasten(muni_a)
    person = next(e for e in entries if e["node"]["id"] == "G05000496")
    d = designer.insert_baukasten(d, person["key"], step, actor=manager)
    placed = designer.find(d.definition, "G05000496")
    assert placed is not None and placed[0]["children"]
    assert d.definition["codelists"]  # the group's selects brought their code lists
    version = designer.publish(d, actor=manager).version
    xml, files = designer.export_xdf(version.definition)
    assert xsd("xdatenfelder.xsd").validate(etree.fromstring(xml))
    assert parse_xdf(xml, codelists=files).definition == version.definition
    # Placing it twice would double its ids: refused.
    with pytest.raises(DesignError, match="mehrfach"):
        designer.insert_baukasten(d, person["key"], step, actor=manager)


# --- refused input ------------------------------------------------------------------------------------


def test_invalid_designer_input_is_refused_with_a_message(muni_a, manager):
    d = build_full(muni_a, manager)
    before = copy.deepcopy(d.definition)
    step = d.definition["items"][0]["id"]
    i = ids(d)
    cases = [
        (
            lambda: designer.add_field(d, {"type": "text", "label": "X", "id": i["Mitglieder"]}, step),
            "mehrfach",
        ),
        (
            lambda: designer.add_rule(
                d, {"action": "require", "field": "F404", "equals": "01", "targets": [step]}
            ),
            "gibt es nicht",
        ),
        (
            lambda: designer.add_rule(
                d, {"action": "require", "field": i["Art des Vereins"], "equals": "09", "targets": [step]}
            ),
            "kein Code",
        ),
        (
            lambda: designer.add_rule(d, {"action": "only_if", "field": i["Mitglieder"], "targets": [step]}),
            "Ja/Nein",
        ),
        (
            lambda: designer.add_rule(
                d, {"action": "require", "field": i["Name des Vereins"], "equals": "x", "targets": [step]}
            ),
            "Auswahl- oder Ja/Nein-Feld",
        ),
        (lambda: designer.add_field(d, {"type": "select", "label": "Leer"}, step), "keine Codeliste"),
        (lambda: designer.add_codelist(d, {"name": "Leer", "items": "  \n"}), "mindestens einen Eintrag"),
        (lambda: designer.add_codelist(d, {"name": "Doppelt", "items": "01;A\n01;B"}), "mehrfach"),
        (
            lambda: designer.add_group(d, {"label": "G", "min": 3, "max": 2}, parent=step),
            "größer als die Höchstanzahl",
        ),
        (
            lambda: designer.add_field(
                d, {"type": "text", "label": "L", "min_length": 9, "max_length": 2}, step
            ),
            "Mindestlänge",
        ),
        (
            lambda: designer.add_field(
                d, {"type": "num", "label": "V", "min_value": "9", "max_value": "2"}, step
            ),
            "Mindestwert",
        ),
        (lambda: designer.add_field(d, {"type": "text", "label": "P", "pattern": "[a-"}, step), "Muster"),
        (lambda: designer.add_field(d, {"type": "text", "label": "Name ☃"}, step), "String.Latin"),
        (lambda: designer.add_field(d, {"type": "text", "label": "Z"}, "G404"), "gibt es nicht"),
        (lambda: designer.remove(d, i["Gemeinnützig"]), "Regel"),
    ]
    for fn, message in cases:
        with pytest.raises(DesignError, match=message):
            fn()
    d.refresh_from_db()
    assert d.definition == before  # nothing invalid was stored


def test_designer_pages_refuse_bad_input_with_a_message(muni_a, manager):
    d = build_full(muni_a, manager)
    c = client_for(HOST_A, manager)
    url = reverse("fim:design", kwargs={"pk": d.pk})
    i = ids(d)
    step = d.definition["items"][0]["id"]
    r = c.post(
        url,
        {
            "op": "field",
            "field-parent": step,
            "field-type": "text",
            "field-label": "Doppelt",
            "field-id": i["Mitglieder"],
        },
    )
    assert r.status_code == 400 and "kommt mehrfach vor" in r.content.decode()
    assert "data-error-summary" in r.content.decode()
    r = c.post(
        url, {"op": "field", "field-parent": step, "field-type": "select", "field-label": "Ohne Liste"}
    )
    assert r.status_code == 400 and "braucht eine Codeliste" in r.content.decode()
    r = c.post(
        url, {"op": "group", "group-parent": step, "group-label": "G", "group-min": "3", "group-max": "1"}
    )
    assert r.status_code == 400 and "Höchstanzahl" in r.content.decode()
    r = c.post(url, {"op": "codelist", "codelist-name": "Leer", "codelist-items": " "})
    assert r.status_code == 400
    r = c.post(url, {"op": "remove", "node": i["Gemeinnützig"]}, follow=True)
    assert "wird in Regel" in r.content.decode()
    r = c.post(url, {"op": "nonsense"})
    assert r.status_code == 404
    empty = designer.create_design(muni_a, title="Leer", actor=manager)
    r = c.post(reverse("fim:design_publish", kwargs={"pk": empty.pk}), follow=True)
    assert "noch keinen Schritt" in r.content.decode()
    assert empty.form.versions.count() == 0


# --- the browser-free staff flow: create, build, preview, publish --------------------------------------


def test_staff_build_preview_and_publish_through_the_pages(muni_a, manager):
    c = client_for(HOST_A, manager)
    r = c.post(reverse("fim:designs"), {"new-title": "Anmietung Bürgerhaus"})
    assert r.status_code == 302
    d = FormDesign.objects.get(municipality=muni_a)
    url = reverse("fim:design", kwargs={"pk": d.pk})
    assert (
        c.post(url, {"op": "step", "step-label": "Veranstaltung", "step-help": "Was planen Sie?"}).status_code
        == 302
    )
    step = FormDesign.objects.get(pk=d.pk).definition["items"][0]["id"]
    r = c.post(
        url, {"op": "codelist", "codelist-name": "Saal", "codelist-items": "01;Großer Saal\n02;Kleiner Saal"}
    )
    assert r.status_code == 302
    key = next(iter(FormDesign.objects.get(pk=d.pk).definition["codelists"]))
    for data in (
        {"field-type": "text", "field-label": "Anlass", "field-required": "on"},
        {"field-type": "date", "field-label": "Datum", "field-required": "on"},
        {"field-type": "select", "field-label": "Saal", "field-codelist": key, "field-required": "on"},
    ):
        r = c.post(url, {"op": "field", "field-parent": step, **data})
        assert r.status_code == 302, r.content.decode()[:3000]
    field_id = ids(FormDesign.objects.get(pk=d.pk))["Anlass"]
    r = c.post(
        reverse("fim:design_field", kwargs={"pk": d.pk, "node_id": field_id}),
        {
            "field-type": "text",
            "field-label": "Anlass der Veranstaltung",
            "field-required": "on",
            "field-max_length": "200",
        },
    )
    assert r.status_code == 302
    assert c.get(url).status_code == 200
    preview = c.get(reverse("fim:design_preview", kwargs={"pk": d.pk}))
    assert preview.status_code == 200 and "Anlass der Veranstaltung" in preview.content.decode()
    checked = c.post(reverse("fim:design_preview_step", kwargs={"pk": d.pk, "step": 0}), {})
    assert "data-error-summary" in checked.content.decode()
    r = c.post(reverse("fim:design_publish", kwargs={"pk": d.pk}), follow=True)
    assert "Version 1.0 veröffentlicht" in r.content.decode()
    form = FormDesign.objects.get(pk=d.pk).form
    assert form.active_version is not None
    assert client_for(HOST_A).get(reverse("fim:form", kwargs={"pk": form.pk})).status_code == 200
    log = list(FormDesignChange.objects.filter(design=d).order_by("pk").values_list("action", "actor_label"))
    assert [a for a, _who in log] == [
        "create",
        "add_step",
        "add_codelist",
        "add_field",
        "add_field",
        "add_field",
        "edit_field",
        "publish",
    ]
    assert all(who == "designer@example.org" for _a, who in log)
    page = c.get(url).content.decode()
    assert "Änderungsprotokoll" in page and "Feld " + field_id in page


def test_publish_makes_a_new_version_and_drafts_keep_theirs(muni_a, manager, citizen):
    d = build_full(muni_a, manager)
    form = designer.publish(d, actor=manager).form
    v1 = form.active_version
    draft, _token = services.start_draft(form, user=citizen)
    with pytest.raises(DesignError, match="nichts geändert"):
        designer.publish(d, actor=manager)
    d = designer.add_field(d, {"type": "text", "label": "Neu"}, d.definition["items"][0]["id"], actor=manager)
    outcome = designer.publish(d, actor=manager)
    form.refresh_from_db()
    assert outcome.version.version_label == "2.0" and form.active_version == outcome.version != v1
    assert Draft.objects.get(pk=draft.pk).version == v1


def test_catalog_service_offers_the_designed_form(muni_a, manager):
    from rathaus.catalog.models import Service
    from rathaus.catalog.services import online_offer

    service = Service.objects.create(
        municipality=muni_a, name="Anmietung Bürgerhaus", summary="Säle mieten", themenfeld="kultur-freizeit"
    )
    d = build_full(muni_a, manager)
    d = designer.update_meta(
        d, {"title": "Zuschuss für Vereine", "catalog_service_id": service.pk, "leika": ""}, actor=manager
    )
    assert online_offer(service) == ""  # not published yet
    form = designer.publish(d, actor=manager).form
    assert online_offer(service) == reverse("fim:form", kwargs={"pk": form.pk})
    assert queries.form_for_service(muni_a, "", service.pk) == reverse("fim:form", kwargs={"pk": form.pk})


# --- permissions -----------------------------------------------------------------------------------------


def test_designer_permissions(muni_a, muni_b, manager, staff_a, citizen):
    d = build_full(muni_a, manager)
    urls = [
        reverse("fim:designs"),
        reverse("fim:design", kwargs={"pk": d.pk}),
        reverse("fim:design_preview", kwargs={"pk": d.pk}),
        reverse("fim:design_export", kwargs={"pk": d.pk}),
        reverse("fim:design_field", kwargs={"pk": d.pk, "node_id": ids(d)["Mitglieder"]}),
    ]
    other = make_user("designer-b@example.org", mfa=True)
    grant(other, muni_b, "module_manager", ["services"])
    editor = make_user("portal-a@example.org", mfa=True)
    grant(editor, muni_a, "module_manager", ["portal"])
    for url in urls:
        assert client_for(HOST_A).get(url).status_code in (302, 401, 403)
        assert client_for(HOST_A, citizen).get(url).status_code == 403
        assert client_for(HOST_A, staff_a).get(url).status_code == 403
        assert client_for(HOST_A, editor).get(url).status_code == 403
        assert client_for(HOST_A, other).get(url).status_code == 403  # no role in Zeitz
    # Musterstadt's designer on Musterstadt's host does not find Zeitz's design.
    b = client_for(HOST_B, other)
    assert b.get(reverse("fim:designs")).status_code == 200
    assert b.get(reverse("fim:design", kwargs={"pk": d.pk})).status_code == 404
    assert b.post(reverse("fim:design_publish", kwargs={"pk": d.pk})).status_code == 404
    assert (
        b.post(
            reverse("fim:design", kwargs={"pk": d.pk}), {"op": "remove", "node": ids(d)["Mitglieder"]}
        ).status_code
        == 404
    )
    anon = client_for(HOST_A).post(reverse("fim:design_publish", kwargs={"pk": d.pk}))
    assert anon.status_code in (302, 401, 403)
    assert FormDesign.objects.get(pk=d.pk).form.versions.count() == 0


def test_designer_list_query_count(muni_a, manager, django_assert_max_num_queries):
    for n in range(5):
        designer.create_design(muni_a, title=f"Formular {n}", actor=manager)
    c = client_for(HOST_A, manager)
    c.get(reverse("fim:designs"))
    with django_assert_max_num_queries(15):
        assert c.get(reverse("fim:designs")).status_code == 200


def test_designer_edit_page_query_count(muni_a, manager, django_assert_max_num_queries):
    services.import_file(bewohnerparken_path(), muni_a)  # a Baukasten to offer
    d = build_full(muni_a, manager)
    c = client_for(HOST_A, manager)
    url = reverse("fim:design", kwargs={"pk": d.pk})
    c.get(url)
    with django_assert_max_num_queries(20):
        page = c.get(url)
    assert page.status_code == 200 and "G05000496" in page.content.decode()
