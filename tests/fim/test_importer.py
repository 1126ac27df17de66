"""Importer: real schemas, synthetic files, errors store nothing, warnings, versions, command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rathaus.fim import services
from rathaus.fim.importers.xdf import XdfImportError, codelists_from_dir, parse_conditions, parse_xdf
from rathaus.fim.models import FormDefinition, FormVersion

from .conftest import bewohnerparken_path, fim_dir, require

pytestmark = pytest.mark.django_db

MINIMAL_V2 = """<?xml version="1.0" encoding="UTF-8"?>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2">
<xdf:header><xdf:nachrichtID>1</xdf:nachrichtID><xdf:erstellungszeitpunkt>2024-01-01T00:00:00Z</xdf:erstellungszeitpunkt></xdf:header>
<xdf:stammdatenschema><xdf:identifikation><xdf:id>S1</xdf:id><xdf:version>{version}</xdf:version></xdf:identifikation>
<xdf:name>{name}</xdf:name>
<xdf:struktur><xdf:anzahl>1:1</xdf:anzahl><xdf:enthaelt><xdf:datenfeldgruppe>
<xdf:identifikation><xdf:id>G1</xdf:id><xdf:version>1.0</xdf:version></xdf:identifikation><xdf:name>Gruppe</xdf:name>
<xdf:struktur><xdf:anzahl>1:1</xdf:anzahl><xdf:enthaelt><xdf:datenfeld>
<xdf:identifikation><xdf:id>F1</xdf:id><xdf:version>1.0</xdf:version></xdf:identifikation><xdf:name>Name</xdf:name>
<xdf:feldart><code>input</code></xdf:feldart><xdf:datentyp><code>text</code></xdf:datentyp>
</xdf:datenfeld>{extra}</xdf:enthaelt></xdf:struktur></xdf:datenfeldgruppe></xdf:enthaelt></xdf:struktur>
</xdf:stammdatenschema></xdf:xdatenfelder.stammdatenschema.0102>"""


def minimal(version: str = "1.0", name: str = "Test", extra: str = "") -> bytes:
    return MINIMAL_V2.format(version=version, name=name, extra=extra).encode()


def xsd_dir() -> Path:
    return require(fim_dir() / "xsd")


def test_bewohnerparken_imports_with_codelists(muni_a):
    outcome = services.import_file(bewohnerparken_path(), muni_a)
    defn = outcome.version.definition
    assert outcome.created
    assert defn["schema_id"] == "S05000058" and defn["xdf_version"] == "2.0"
    assert outcome.counts == {"fields": 33, "groups": 8, "rules": 2, "codelists": 6}
    assert "99108001001000" in defn["leika"]
    staaten = next(c for c in defn["codelists"].values() if "staat" in c["uri"])
    assert len(staaten["items"]) == 197
    # Rule R05000281 becomes a machine-readable "require" condition.
    rule = next(r for r in defn["rules"] if r["id"] == "R05000281")
    assert rule["conditions"] == [
        {"action": "require", "targets": ["G05000499"], "field": "F05001047", "equals": "02"}
    ]
    assert outcome.form.leika == "99108001001000"


def test_same_file_twice_creates_no_new_version(muni_a):
    services.import_file(bewohnerparken_path(), muni_a)
    again = services.import_file(bewohnerparken_path(), muni_a)
    assert not again.created
    assert FormVersion.objects.count() == 1


def test_blaue_karte_needs_codelists_or_explicit_permission(muni_a):
    path = require(fim_dir() / "schemas" / "BlaueKarte.xml")
    with pytest.raises(XdfImportError, match=r"Codeliste .*C00000001.* fehlt"):
        services.import_file(path, muni_a)
    assert not FormDefinition.objects.exists()
    outcome = services.import_file(path, muni_a, allow_missing_codelists=True)
    assert outcome.counts["fields"] == 88
    assert any("fehlt" in w for w in outcome.warnings)
    dts = set()

    def walk(nodes):
        for n in nodes:
            if n["kind"] == "group":
                walk(n["children"])
            else:
                dts.add(n["datentyp"])

    walk(outcome.version.definition["items"])
    assert {"num_currency", "file", "bool", "date"} <= dts
    only_if = [c for r in outcome.version.definition["rules"] for c in r["conditions"]]
    assert {"action": "only_if", "targets": ["F00001028"], "field": "F00001027", "equals": "true"} in only_if


def test_wabeka_is_unsupported_and_nothing_stored(muni_a):
    path = require(fim_dir() / "schemas" / "WaBeKa.xml")
    with pytest.raises(XdfImportError, match=r"XDatenfelder 1 .*nicht unterstützt"):
        services.import_file(path, muni_a)
    assert not FormDefinition.objects.exists() and not FormVersion.objects.exists()


SYNTHETIC = {
    "v2/data-field-rule.xml": None,
    "v2/data-group-rule.xml": None,
    "v2/label.xml": None,
    "v2/minimal.xml": None,
    "v2/rule.xml": None,
    "v2/simple.xml": None,
    "v2/select.xml": "Codeliste urn:de:example (C123) fehlt",
    "v2/duplicate-optional-value.xml": "Doppeltes Element <xdf:beschreibung>",
    "v2/duplicate-required-value.xml": "Doppeltes Element <xdf:name>",
    "v2/unknown-namespace.xml": "Unbekannter Namensraum",
    "v3/simple.xml": None,
    "v3/input.xml": None,
    "v3/duplicate-id-node.xml": "Doppeltes Element <xdf:id>",
    "v3/empty-id-node.xml": "Leere ID",
    "v3/missing-id-node.xml": "Element <xdf:id> fehlt",
    "v3/invalid-freigabestatus.xml": "Ungültiger Freigabestatus „10“",
    "v3/unexpected-node.xml": "Unerwartetes Element <xdf:unknown>",
    "v3/unknown-namespace.xml": "Unbekannter Namensraum",
}


def test_every_synthetic_file_is_listed():
    folder = require(fim_dir() / "synthetic")
    found = {str(p.relative_to(folder)) for p in folder.rglob("*.xml")}
    assert found == set(SYNTHETIC)


@pytest.mark.parametrize(("name", "error"), sorted(SYNTHETIC.items()))
def test_synthetic(muni_a, name, error):
    path = require(fim_dir() / "synthetic" / name)
    if error is None:
        outcome = services.import_file(path, muni_a)
        assert outcome.created
        assert FormVersion.objects.filter(pk=outcome.version.pk).exists()
    else:
        with pytest.raises(XdfImportError) as exc:
            services.import_file(path, muni_a)
        assert error in str(exc.value)
        assert not FormDefinition.objects.exists()


def test_v3_input_keeps_praezisierung_attributes():
    path = require(fim_dir() / "synthetic" / "v3" / "input.xml")
    defn = parse_xdf(path.read_bytes()).definition
    field = defn["items"][0]["children"][0]
    assert (field["min_length"], field["max_length"], field["min_value"], field["max_value"]) == (
        0,
        1,
        "0",
        "1",
    )
    assert defn["xdf_version"] == "3.0.0"


def test_malformed_xml_names_the_problem(muni_a):
    with pytest.raises(XdfImportError, match="Fehlerhaftes XML"):
        services.import_schema(muni_a, b"<xdf:kaputt")
    assert not FormDefinition.objects.exists()


def test_duplicate_sibling_ids_refused():
    field = (
        "<xdf:datenfeld><xdf:identifikation><xdf:id>F1</xdf:id><xdf:version>1.0</xdf:version></xdf:identifikation>"
        "<xdf:name>Name</xdf:name><xdf:feldart><code>input</code></xdf:feldart>"
        "<xdf:datentyp><code>text</code></xdf:datentyp></xdf:datenfeld>"
    )
    with pytest.raises(XdfImportError, match="Doppelte ID F1"):
        parse_xdf(minimal(extra=field))


def test_latin_pattern_violation_is_a_warning_not_an_error():
    result = parse_xdf(minimal(name="Antrag \u4e2d\u6587"), xsd_dir=xsd_dir())
    assert any("latinchars" in w for w in result.warnings)
    assert result.definition["name"] == "Antrag \u4e2d\u6587"


def test_without_xsd_import_says_so(tmp_path):
    result = parse_xdf(minimal(), xsd_dir=None)
    assert any("XSD-Prüfung übersprungen" in w for w in result.warnings)
    result = parse_xdf(minimal(), xsd_dir=tmp_path)
    assert any("XSD-Prüfung übersprungen" in w for w in result.warnings)


def test_xsd_dir_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("RATHAUS_FIM_XSD_DIR", str(tmp_path))
    assert services.xsd_dir() == tmp_path
    monkeypatch.setenv("RATHAUS_FIM_XSD_DIR", str(tmp_path / "fehlt"))
    assert services.xsd_dir() is None


def test_codelists_parsed_namespace_agnostically():
    folder = bewohnerparken_path().parent
    files = codelists_from_dir(folder, exclude=bewohnerparken_path())
    assert len(files) == 6


def test_free_text_rule_stays_free_text():
    assert parse_conditions("Mindestens eine Angabe ist erforderlich.") == []


def test_new_import_is_new_version(muni_a):
    first = services.import_schema(muni_a, minimal("1.0"), source_name="a.xml")
    second = services.import_schema(muni_a, minimal("1.1", name="Test neu"), source_name="b.xml")
    assert second.created and second.form == first.form
    second.form.refresh_from_db()
    assert second.form.active_version == second.version
    assert FormVersion.objects.filter(form=first.form).count() == 2
    with pytest.raises(ValueError, match="immutable"):
        first.version.save()


def test_command_prints_summary(muni_a):
    out = StringIO()
    call_command("import_xdf", str(bewohnerparken_path()), "--municipality", "zeitz", stdout=out)
    text = out.getvalue()
    assert "Felder: 33" in text and "Gruppen: 8" in text and "Regeln: 2" in text and "Codelisten: 6" in text


def test_command_fails_non_zero(muni_a):
    with pytest.raises(CommandError, match="nicht unterstützt"):
        call_command("import_xdf", str(require(fim_dir() / "schemas" / "WaBeKa.xml")), stdout=StringIO())
    with pytest.raises(CommandError, match=r"Ungültiger LeiKa"):
        call_command("import_xdf", str(bewohnerparken_path()), "--service", "123", stdout=StringIO())
    assert not FormDefinition.objects.exists()


# --- hostile XML (issue 14, probe point 4) ---------------------------------------------------------

ENTITY = b'<!DOCTYPE x [<!ENTITY e "Bewohner">]>\n'
LAUGHS = (
    b'<!DOCTYPE x [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n'
)
EXTERNAL = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'


def with_doctype(data: bytes, doctype: bytes, ref: bytes = b"&e;") -> bytes:
    head, sep, rest = data.partition(b"?>")
    return head + sep + b"\n" + doctype + rest.replace(b"<xdf:name>", b"<xdf:name>" + ref, 1)


@pytest.mark.parametrize(
    ("doctype", "ref"), [(ENTITY, b"&e;"), (LAUGHS, b"&d;"), (EXTERNAL, b"&e;"), (b"<!DOCTYPE x>\n", b"")]
)
def test_doctype_and_entities_refused_before_parsing(muni_a, doctype, ref):
    data = with_doctype(bewohnerparken_path().read_bytes(), doctype, ref)
    codelists = codelists_from_dir(bewohnerparken_path().parent, bewohnerparken_path())
    with pytest.raises(XdfImportError, match="DOCTYPE"):
        parse_xdf(data, codelists=codelists, xsd_dir=xsd_dir())
    with pytest.raises(XdfImportError, match="DOCTYPE"):
        services.import_schema(muni_a, data, codelists=codelists)
    assert not FormDefinition.objects.exists() and not FormVersion.objects.exists()


def test_doctype_in_utf16_file_refused():
    data = with_doctype(minimal(), ENTITY).replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
    with pytest.raises(XdfImportError, match="DOCTYPE"):
        parse_xdf(b"\xff\xfe" + data.decode().encode("utf-16-le"))


def test_doctype_in_codelist_refused():
    folder = bewohnerparken_path().parent
    codelists = codelists_from_dir(folder, bewohnerparken_path())
    name = next(n for n in codelists if n.startswith("C05000073"))
    head, sep, rest = codelists[name].partition(b"?>")
    codelists[name] = head + sep + b"\n" + ENTITY + rest
    with pytest.raises(XdfImportError, match=f"Codeliste {name}.*DOCTYPE"):
        parse_xdf(bewohnerparken_path().read_bytes(), codelists=codelists)


def test_command_refuses_doctype(muni_a, tmp_path):
    folder = bewohnerparken_path().parent
    for p in folder.glob("C*_genericode.xml"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    target = tmp_path / "S05000058V1.0_xdf2.xml"
    target.write_bytes(with_doctype(bewohnerparken_path().read_bytes(), ENTITY))
    with pytest.raises(CommandError, match="DOCTYPE"):
        call_command("import_xdf", str(target), "--municipality", "zeitz", stdout=StringIO())
    assert not FormVersion.objects.exists()
