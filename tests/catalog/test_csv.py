# ruff: noqa: E501 - CSV rows are kept on one line each
from __future__ import annotations

import csv
import io

import pytest

from rathaus.catalog import services
from rathaus.catalog.models import LifeSituation, Service
from rathaus.core.audit.models import AuditEvent
from tests.catalog.conftest import make_service

HEADER = "leika;name;summary;themenfeld;lebenslagen;synonyms;kosten;department;online_available;reifegrad;online_url"


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


GOOD = [
    "99102013104000;Hundesteuer – Anmeldung;Hund anmelden.;steuern-zoll;Haustier|Umzug;Hundemarke;Keine.;Kämmerei und Steuern;ja;3;https://example.org/hundesteuer",
    ";Fundsachen;Fundbüro der Stadt.;Recht & Ordnung;;Fundbüro, verloren;;;nein;1;",
    "99108001001000;Bewohnerparkausweis;Parken.;mobilitaet-reisen;umzug;Anwohnerparken;30,70 €;;ja;3;https://example.org/antrag",
]


def test_import_happy_path_with_bom(muni_a, dept_a, haustier_a, umzug_a, manager_a):
    result = services.import_csv(muni_a, csv_bytes(*GOOD, bom=True), actor=manager_a)
    assert (result.created, result.updated) == (3, 0)
    hund = Service.objects.get(municipality=muni_a, leika="99102013104000")
    assert hund.department == dept_a
    assert sorted(ls.name for ls in hund.life_situations.all()) == ["Haustier", "Umzug"]
    assert hund.online_available and hund.reifegrad == 3
    fund = Service.objects.get(municipality=muni_a, name="Fundsachen")
    assert fund.themenfeld == "recht-ordnung" and fund.leika == ""
    assert Service.objects.get(leika="99108001001000").online_url == "https://example.org/antrag"
    assert AuditEvent.objects.filter(action="catalog.csv_imported", municipality=muni_a).count() == 1
    assert hund.history.first().history_change_reason == "CSV-Import"


def test_import_updates_by_key_then_by_name(muni_a, haustier_a, umzug_a, dept_a):
    existing_key = make_service(muni_a, "Alter Name", leika="99102013104000")
    existing_name = make_service(muni_a, "Fundsachen", kosten="alt")
    result = services.import_csv(muni_a, csv_bytes(*GOOD))
    assert (result.created, result.updated) == (1, 2)
    existing_key.refresh_from_db()
    existing_name.refresh_from_db()
    assert existing_key.name == "Hundesteuer – Anmeldung"
    assert existing_name.summary == "Fundbüro der Stadt." and existing_name.kosten == ""
    assert Service.objects.for_tenant(muni_a).count() == 3
    # Importing the same file again changes nothing in the count.
    again = services.import_csv(muni_a, csv_bytes(*GOOD))
    assert (again.created, again.updated) == (0, 3)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("9910201310400;X;Kurz;umwelt;;;;;nein;1;", "leika"),
        (";;Kurz;umwelt;;;;;nein;1;", "name"),
        (";X;;umwelt;;;;;nein;1;", "summary"),
        (";X;Kurz;Raumfahrt;;;;;nein;1;", "themenfeld"),
        (";X;Kurz;umwelt;Mondlandung;;;;nein;1;", "lebenslagen"),
        (";X;Kurz;umwelt;;;;Raumfahrtamt;nein;1;", "department"),
        (";X;Kurz;umwelt;;;;;vielleicht;1;", "online_available"),
        (";X;Kurz;umwelt;;;;;nein;7;", "reifegrad"),
        (";X;Kurz;umwelt;;;;;nein;drei;", "reifegrad"),
        (";X;Kurz;umwelt;;;;;nein;1;javascript:alert(1)", "online_url"),
        (";X;Kurz;umwelt;;;;;nein;1", "-"),  # one field missing
    ],
)
def test_each_error_is_reported_with_row_and_column_and_nothing_is_imported(
    muni_a, haustier_a, umzug_a, dept_a, row, column
):
    data = csv_bytes(GOOD[0], row, GOOD[1])
    with pytest.raises(services.CsvImportError) as exc:
        services.import_csv(muni_a, data)
    assert [(e.row, e.column) for e in exc.value.errors] == [(3, column)]
    assert "Zeile 3" in str(exc.value.errors[0])
    assert not Service.objects.for_tenant(muni_a).exists()


def test_several_errors_in_several_rows(muni_a):
    data = csv_bytes(";X;;umwelt;;;;;nein;9;", ";Y;Kurz;umwelt;;;;;nein;1;", "123;Z;Kurz;mond;;;;;nein;1;")
    with pytest.raises(services.CsvImportError) as exc:
        services.import_csv(muni_a, data)
    assert sorted((e.row, e.column) for e in exc.value.errors) == [
        (2, "reifegrad"),
        (2, "summary"),
        (4, "leika"),
        (4, "themenfeld"),
    ]
    assert not Service.objects.for_tenant(muni_a).exists()


def test_duplicate_key_in_file(muni_a):
    data = csv_bytes(";X;Kurz;umwelt;;;;;nein;1;", ";x;Kurz;umwelt;;;;;nein;1;")
    with pytest.raises(services.CsvImportError) as exc:
        services.import_csv(muni_a, data)
    assert [(e.row, e.column) for e in exc.value.errors] == [(3, "name")]


def test_failure_while_saving_rolls_back_everything(muni_a, monkeypatch):
    calls = []
    original = services.save_service

    def flaky(service, **kwargs):
        calls.append(service.name)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(service, **kwargs)

    monkeypatch.setattr(services, "save_service", flaky)
    with pytest.raises(RuntimeError):
        services.import_csv(muni_a, csv_bytes(";A;Kurz;umwelt;;;;;nein;1;", ";B;Kurz;umwelt;;;;;nein;1;"))
    assert not Service.objects.for_tenant(muni_a).exists()


@pytest.mark.parametrize(
    ("header", "column"),
    [("name;summary", "themenfeld"), ("name;summary;themenfeld;farbe", "farbe")],
)
def test_bad_header(muni_a, header, column):
    with pytest.raises(services.CsvImportError) as exc:
        services.import_csv(muni_a, csv_bytes(header=header))
    assert (exc.value.errors[0].row, exc.value.errors[0].column) == (1, column)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # binary
        "name;summary;themenfeld\nÄrger;x;umwelt\n".encode("latin-1"),  # not UTF-8
        b"",
        b"x" * (services.MAX_CSV_BYTES + 1),
        b"name;summary;themenfeld\n\x01\x02;x;umwelt\n",  # control characters
    ],
)
def test_oversized_binary_or_non_utf8_refused(muni_a, data):
    with pytest.raises(services.CsvImportError):
        services.import_csv(muni_a, data)
    assert not Service.objects.for_tenant(muni_a).exists()


def test_export_round_trip(catalog_a, muni_a, muni_b):
    hund = catalog_a["hund"]
    hund.volltext = '- erste Zeile\n- zweite; mit Semikolon und "Anführungszeichen"\n=SUMME(A1)'
    services.save_service(hund)
    exported = services.export_csv(muni_a)
    assert exported.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == list(services.COLUMNS)
    assert len(rows) == 4
    assert any(cell.startswith("'-") for cell in rows[1] + rows[2] + rows[3])  # formula-safe
    before = {
        s.name: (s.leika, s.volltext, s.department_id, sorted(ls.slug for ls in s.life_situations.all()))
        for s in Service.objects.for_tenant(muni_a)
    }
    # Into an empty municipality with the same departments and life situations: the same catalog.
    from rathaus.core.accounts.models import Department

    Department.objects.create(municipality=muni_b, name="Kämmerei und Steuern")
    for ls in LifeSituation.objects.for_tenant(muni_a):
        services.get_or_create_life_situation(muni_b, ls.name)
    result = services.import_csv(muni_b, exported.encode("utf-8"))
    assert result.created == 3
    after = {
        s.name: (s.leika, s.volltext, sorted(ls.slug for ls in s.life_situations.all()))
        for s in Service.objects.for_tenant(muni_b)
    }
    assert {k: (v[0], v[1], v[3]) for k, v in before.items()} == after
    # And back into A: everything is an update, nothing changes.
    again = services.import_csv(muni_a, exported.encode("utf-8"))
    assert (again.created, again.updated) == (0, 3)
    hund.refresh_from_db()
    assert hund.volltext.endswith("=SUMME(A1)")


def test_export_guards_formulas_after_blanks_and_reads_them_back(catalog_a, muni_a):
    # issue 14.1: the core guard also catches a formula after leading blanks; import undoes it exactly
    hund = catalog_a["hund"]
    hund.summary = '  =HYPERLINK("http://x")'
    hund.synonyms = "'@cmd|calc"
    services.save_service(hund)
    rows = list(csv.reader(io.StringIO(services.export_csv(muni_a).lstrip("\ufeff")), delimiter=";"))
    row = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[1] == hund.name)
    assert row["summary"] == '\'  =HYPERLINK("http://x")' and row["synonyms"] == "''@cmd|calc"
    services.import_csv(muni_a, services.export_csv(muni_a).encode("utf-8"))
    hund.refresh_from_db()
    # the import strips blanks around cells (its own rule); the guard's apostrophe is gone again
    assert hund.summary == '=HYPERLINK("http://x")' and hund.synonyms == "'@cmd|calc"
