"""Writes of the service catalog: save a service, import and export the catalog as CSV.

Every write is transactional and audited; the search index follows every change.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rathaus.core import exports
from rathaus.core.accounts.models import Department
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.jobs.models import ImportJob
from rathaus.core.tenancy.models import Municipality

from . import queries, search_provider
from .models import MODULE_FIELDS, LifeSituation, Reifegrad, Service, Themenfeld, leika_validator

if TYPE_CHECKING:
    from rathaus.core.accounts.models import User

# --- Saving one service ------------------------------------------------------------------------

AUDITED_FIELDS = (
    "leika",
    "name",
    "summary",
    "themenfeld",
    "synonyms",
    *MODULE_FIELDS,
    "department_id",
    "contact",
    "opening_hours",
    "online_available",
    "reifegrad",
    "online_url",
    "is_published",
)


def online_offer(service: Service) -> str:
    """Where the service can be applied for online: its form in Rathaus (found by the LeiKa key through
    ``rathaus.fim.queries.form_for_service``) or the external link; "" when there is neither."""
    return (
        queries.online_form_url(service.municipality, service.leika, service.pk) or service.online_url or ""
    )


def online_claim_errors(service: Service, *, has_offer: bool | None = None) -> dict[str, str]:
    """What the service claims about online access must follow from what exists (issue 14).

    An OZG-Reifegrad from 2 („Formular online“) up and „online verfügbar“ need an online offer: a
    published online form with the service's LeiKa key or a link to an external online service.
    Returns {field: message}; empty when the claims hold.
    """
    if service.reifegrad < Reifegrad.FORMULAR and not service.online_available:
        return {}  # claims nothing online: no need to look for an offer
    if has_offer is None:
        has_offer = bool(online_offer(service))
    if has_offer:
        return {}
    errors: dict[str, str] = {}
    if service.reifegrad >= Reifegrad.FORMULAR:
        errors["reifegrad"] = _(
            "Der OZG-Reifegrad „%(level)s“ setzt ein Online-Angebot voraus: ein veröffentlichtes "
            "Online-Formular mit dem Leistungsschlüssel dieser Leistung oder einen Link zum Online-Antrag. "
            "Ohne beides ist höchstens Reifegrad 1 (Information online) möglich."
        ) % {"level": Reifegrad(service.reifegrad).label}
    if service.online_available:
        errors["online_available"] = _(
            "„Online verfügbar“ setzt ein veröffentlichtes Online-Formular mit dem Leistungsschlüssel "
            "dieser Leistung oder einen Link zum Online-Antrag voraus."
        )
    return errors


def _snapshot(service: Service) -> dict[str, Any]:
    return {name: getattr(service, name) for name in AUDITED_FIELDS}


def save_service(
    service: Service,
    *,
    life_situations: Iterable[LifeSituation] | None = None,
    actor: User | None = None,
    ctx: ServiceContext | None = None,
    reason: str = "",
) -> Service:
    """Validate and store a service (new or changed); ``life_situations`` None keeps them as they are.

    Raises ValidationError for invalid values, a department or life situation of another municipality
    and a LeiKa key already used in this municipality.
    """
    muni_id = service.municipality_id
    department = service.department if service.department_id is not None else None
    if department is not None and department.municipality_id != muni_id:
        raise ValidationError({"department": _("Der Fachbereich gehört nicht zu dieser Kommune.")})
    situations = list(life_situations) if life_situations is not None else None
    if situations is not None and any(s.municipality_id != muni_id for s in situations):
        raise ValidationError({"life_situations": _("Die Lebenslage gehört nicht zu dieser Kommune.")})
    service.full_clean(exclude=["life_situations"])
    has_offer = bool(online_offer(service))
    claims = online_claim_errors(service, has_offer=has_offer)
    if claims:
        raise ValidationError(claims)
    # „online verfügbar“ follows from the offer: set when a form or link exists (and refused above without).
    service.online_available = has_offer
    with transaction.atomic():
        before = None
        if service.pk:
            old = Service.objects.filter(pk=service.pk, municipality_id=muni_id).first()
            before = _snapshot(old) if old else None
        if reason:
            service._change_reason = reason  # simple-history
        service.save()
        if situations is not None:
            service.life_situations.set(situations)
        after = _snapshot(service)
        changes = {
            k: [str(before[k]) if before else "", str(v)]
            for k, v in after.items()
            if before is None or before[k] != v
        }
        if situations is not None:
            changes["life_situations"] = ["", ", ".join(s.name for s in situations)]
        audit.record(
            "catalog.service.created" if before is None else "catalog.service.updated",
            ctx=ctx,
            actor=actor,
            municipality=service.municipality,
            obj=service,
            changes=changes,
        )
        search_provider.sync(service)
    return service


def get_or_create_life_situation(municipality: Municipality, name: str, order: int = 100) -> LifeSituation:
    situation, _created = LifeSituation.objects.get_or_create(
        municipality=municipality,
        slug=slugify(name.replace("ß", "ss"))[:100] or "lebenslage",
        defaults={"name": name.strip()[:100], "order": order},
    )
    return situation


def add_life_situation(
    municipality: Municipality,
    name: str,
    order: int,
    *,
    actor: User | None,
    ctx: ServiceContext | None = None,
) -> LifeSituation:
    """A new Lebenslage; refuses an empty name or one that exists already (by name or short name)."""
    name = (name or "").strip()[:100]
    slug = slugify(name.replace("ß", "ss"))[:100]
    if not name or not slug:
        raise ValidationError(_("Bitte geben Sie einen Namen an."))
    with transaction.atomic():
        existing = LifeSituation.objects.filter(municipality=municipality)
        if existing.filter(slug=slug).exists() or existing.filter(name__iexact=name).exists():
            raise ValidationError(_("Diese Lebenslage gibt es bereits."))
        situation = LifeSituation.objects.create(municipality=municipality, name=name, slug=slug, order=order)
        audit.record(
            "catalog.life_situation.created",
            ctx=ctx,
            actor=actor,
            municipality=municipality,
            obj=situation,
        )
    return situation


# --- CSV import / export -----------------------------------------------------------------------

MAX_CSV_BYTES = 2 * 1024 * 1024  # 2 MiB: about 1,000 fully described services
MAX_CSV_ROWS = 2000
DELIMITER = exports.DELIMITER
LIST_SEPARATOR = "|"  # between several Lebenslagen in one cell

COLUMNS = (
    "leika",
    "name",
    "summary",
    "themenfeld",
    "lebenslagen",
    "synonyms",
    *MODULE_FIELDS,
    "department",
    "contact",
    "opening_hours",
    "online_available",
    "reifegrad",
    "online_url",
    "published",
)
REQUIRED_COLUMNS = ("name", "summary", "themenfeld")
TRUE_VALUES = {"ja", "j", "1", "true", "wahr", "x", "yes"}
FALSE_VALUES = {"nein", "n", "0", "false", "falsch", "", "no"}


@dataclass(frozen=True)
class RowError:
    row: int  # line of the file, the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return _("Zeile %(row)s, Spalte „%(column)s“: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class CsvImportError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    services: list[Service] = field(default_factory=list)


def decode_csv(data: bytes) -> str:
    """The file as text, or CsvImportError when it is too large, binary or not UTF-8.

    The encoding rule is the platform's one (``rathaus.core.jobs.imports.decode_csv``).
    """
    if len(data) > MAX_CSV_BYTES:
        raise CsvImportError(
            [
                RowError(
                    0, "-", _("Die Datei ist größer als %(mb)s MB.") % {"mb": MAX_CSV_BYTES // (1024 * 1024)}
                )
            ]
        )
    try:
        return imports.decode_csv(data)
    except imports.ImportFailed as exc:
        raise CsvImportError([RowError(0, "-", exc.message)]) from None


def _themenfeld(value: str) -> str | None:
    value = value.strip()
    for key, label in Themenfeld.choices:
        if value.lower() in (key, str(label).lower()):
            return key
    return None


def _bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v in TRUE_VALUES:
        return True
    if v in FALSE_VALUES:
        return False
    return None


def _read_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The checked header and the non-empty rows with their line numbers."""
    reader = csv.reader(io.StringIO(decode_csv(data), newline=""), delimiter=DELIMITER)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise CsvImportError([RowError(1, "-", _("Die Datei ist leer."))]) from None
    except csv.Error as exc:
        raise CsvImportError([RowError(1, "-", str(exc))]) from None
    errors = [RowError(1, h, _("Unbekannte Spalte.")) for h in header if h not in COLUMNS]
    errors += [RowError(1, c, _("Pflichtspalte fehlt.")) for c in REQUIRED_COLUMNS if c not in header]
    if len(set(header)) != len(header):
        errors.append(RowError(1, "-", _("Eine Spalte kommt doppelt vor.")))
    if errors:
        raise CsvImportError(errors)
    rows: list[tuple[int, list[str]]] = []
    try:
        for line, raw in enumerate(reader, start=2):
            if line - 1 > MAX_CSV_ROWS:
                raise CsvImportError([RowError(line, "-", _("Mehr als %(n)s Zeilen.") % {"n": MAX_CSV_ROWS})])
            if any(cell.strip() for cell in raw):
                rows.append((line, raw))
    except csv.Error as exc:
        raise CsvImportError([RowError(reader.line_num, "-", str(exc))]) from None
    return header, rows


class _Plan:
    """What the rows of one file resolve against, and what they have claimed so far."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        self.departments = {d.name.lower(): d for d in Department.objects.for_tenant(municipality)}
        situations = {s.name.lower(): s for s in LifeSituation.objects.for_tenant(municipality)}
        situations.update({s.slug: s for s in situations.values()})
        self.situations = situations
        existing = list(Service.objects.for_tenant(municipality))
        self.by_leika = {s.leika: s for s in existing if s.leika}
        self.by_name: dict[str, list[Service]] = {}
        for s in existing:
            self.by_name.setdefault(s.name.lower(), []).append(s)
        self.url_ok = URLValidator(schemes=["http", "https"])
        self.seen_keys: dict[str, int] = {}
        self.seen_names: dict[str, int] = {}
        self.planned: list[tuple[Service, list[LifeSituation] | None, bool]] = []


class _Row:
    """One data row being checked: its cells, the parsed values and the problems found."""

    def __init__(self, line: int, cells: dict[str, str]) -> None:
        self.line = line
        self.cells = cells
        self.values: dict[str, Any] = {}
        self.errors: list[RowError] = []

    def cell(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def err(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))


def _check_key_and_name(row: _Row, plan: _Plan) -> None:
    leika, name = row.cell("leika").replace(" ", ""), row.cell("name")
    row.values.update(leika=leika, name=name)
    if leika:
        try:
            leika_validator(leika)
        except ValidationError:
            row.err("leika", _("Der Leistungsschlüssel (LeiKa) besteht aus 14 Ziffern und beginnt mit 99."))
        if leika in plan.seen_keys:
            row.err(
                "leika", _("Derselbe Schlüssel steht schon in Zeile %(n)s.") % {"n": plan.seen_keys[leika]}
            )
        plan.seen_keys.setdefault(leika, row.line)
    if not name:
        row.err("name", _("Pflichtfeld ist leer."))
    elif len(name) > 200:
        row.err("name", _("Höchstens 200 Zeichen."))
    if not leika and name:
        if name.lower() in plan.seen_names:
            row.err(
                "name", _("Derselbe Name steht schon in Zeile %(n)s.") % {"n": plan.seen_names[name.lower()]}
            )
        plan.seen_names.setdefault(name.lower(), row.line)


def _check_texts(row: _Row, plan: _Plan) -> None:
    summary = row.cell("summary")
    row.values["summary"] = summary
    if not summary:
        row.err("summary", _("Pflichtfeld ist leer."))
    elif len(summary) > 400:
        row.err("summary", _("Höchstens 400 Zeichen."))
    row.values["themenfeld"] = _themenfeld(row.cells.get("themenfeld", ""))
    if row.values["themenfeld"] is None:
        row.err("themenfeld", _("Unbekanntes OZG-Themenfeld."))
    row.values["department"] = None
    if row.cell("department"):
        row.values["department"] = plan.departments.get(row.cell("department").lower())
        if row.values["department"] is None:
            row.err("department", _("Unbekannter Fachbereich „%(v)s“.") % {"v": row.cell("department")})


def _check_lists_and_flags(row: _Row, plan: _Plan) -> None:
    life: list[LifeSituation] | None = None
    if "lebenslagen" in row.cells:
        life = []
        for part in (p.strip() for p in row.cells["lebenslagen"].split(LIST_SEPARATOR)):
            if not part:
                continue
            found = plan.situations.get(part.lower())
            if found is None:
                row.err("lebenslagen", _("Unbekannte Lebenslage „%(v)s“.") % {"v": part})
            else:
                life.append(found)
    row.values["life"] = life
    flags: dict[str, bool] = {}
    for column in ("online_available", "published"):
        if column in row.cells:
            value = _bool(row.cells[column])
            if value is None:
                row.err(column, _("Erlaubt sind ja oder nein."))
            else:
                flags[column] = value
    row.values["flags"] = flags


def _check_numbers_and_links(row: _Row, plan: _Plan) -> None:
    reifegrad = None
    if row.cell("reifegrad"):
        try:
            reifegrad = int(row.cell("reifegrad"))
        except ValueError:
            reifegrad = -1
        if not 0 <= reifegrad <= 4:
            row.err("reifegrad", _("Der Reifegrad ist eine Zahl von 0 bis 4."))
    row.values["reifegrad"] = reifegrad
    url = row.cell("online_url")
    row.values["online_url"] = url
    if url:
        try:
            plan.url_ok(url)
        except ValidationError:
            row.err("online_url", _("Keine gültige Internetadresse (http:// oder https://)."))


def _matching_services(row: _Row, plan: _Plan) -> list[Service]:
    leika, name = row.values["leika"], row.values["name"].lower()
    if leika and leika in plan.by_leika:
        return [plan.by_leika[leika]]
    if leika:  # a service entered without key gets the key from the file
        return [s for s in plan.by_name.get(name, []) if not s.leika]
    return plan.by_name.get(name, [])


def _apply(service: Service, row: _Row, is_new: bool) -> None:
    v = row.values
    service.leika = v["leika"] if v["leika"] or is_new else service.leika
    service.name = v["name"]
    service.summary = v["summary"]
    service.themenfeld = v["themenfeld"] or ""
    for column in ("synonyms", *MODULE_FIELDS, "contact", "opening_hours"):
        if column in row.cells:
            setattr(service, column, row.cells[column].strip())
    if "department" in row.cells:
        service.department = v["department"]
    if "online_available" in v["flags"]:
        service.online_available = v["flags"]["online_available"]
    if "published" in v["flags"]:
        service.is_published = v["flags"]["published"]
    if v["reifegrad"] is not None:
        service.reifegrad = v["reifegrad"]
    if "online_url" in row.cells:
        service.online_url = v["online_url"]


def _plan_row(row: _Row, plan: _Plan) -> list[RowError]:
    """Check one row and, when it is good, add the service it creates or updates to the plan."""
    for check in (_check_key_and_name, _check_texts, _check_lists_and_flags, _check_numbers_and_links):
        check(row, plan)
    if row.errors:
        return row.errors
    matches = _matching_services(row, plan)
    if len(matches) > 1:
        return [RowError(row.line, "name", _("Mehrere Leistungen tragen diesen Namen."))]
    is_new = not matches
    service = matches[0] if matches else Service(municipality=plan.municipality)
    _apply(service, row, is_new)
    try:
        service.full_clean(exclude=["life_situations"])
    except ValidationError as exc:
        return [RowError(row.line, c, m) for c, messages in exc.message_dict.items() for m in messages]
    claims = online_claim_errors(service)
    if claims:
        return [RowError(row.line, column, m) for column, m in claims.items()]
    plan.planned.append((service, row.values["life"], is_new))
    return []


def plan_import(municipality: Municipality, data: bytes, progress: imports.Progress | None = None) -> _Plan:
    """Read and check the whole file; raises CsvImportError with every problem found."""
    header, rows = _read_rows(data)
    if progress is not None:
        progress.start(len(rows))
    plan = _Plan(municipality)
    errors: list[RowError] = []
    for line, raw in rows:
        if len(raw) != len(header):
            errors.append(
                RowError(
                    line,
                    "-",
                    _("%(got)s Felder statt %(want)s (Trennzeichen ist das Semikolon).")
                    % {"got": len(raw), "want": len(header)},
                )
            )
        else:
            cells = {h: exports.unguard(v) for h, v in zip(header, raw, strict=True)}
            errors += _plan_row(_Row(line, cells), plan)
        if progress is not None:
            progress.advance()
    if errors:
        raise CsvImportError(errors)
    return plan


def import_csv(
    municipality: Municipality,
    data: bytes,
    *,
    actor: User | None = None,
    ctx: ServiceContext | None = None,
    progress: imports.Progress | None = None,
) -> ImportResult:
    """Create or update services from a CSV file (docs/catalog.md); all rows or none.

    A row updates the service with the same LeiKa key, or, where the row has no key, the one with
    the same name. Raises CsvImportError with every problem found (row number and column). Progress
    is reported while the rows are checked; the writes are one transaction.
    """
    plan = plan_import(municipality, data, progress)
    result = ImportResult()
    with transaction.atomic():
        for service, life, is_new in plan.planned:
            save_service(service, life_situations=life, actor=actor, ctx=ctx, reason="CSV-Import")
            result.services.append(service)
            if is_new:
                result.created += 1
            else:
                result.updated += 1
        audit.record(
            "catalog.csv_imported",
            ctx=ctx,
            actor=actor,
            municipality=municipality,
            changes={"created": result.created, "updated": result.updated},
            object_type="catalog.service",
        )
    return result


def run_import_job(
    ctx: ServiceContext, job: ImportJob, data: bytes, progress: imports.Progress
) -> tuple[str, dict[str, int]]:
    """The importer of ``catalog.csv`` jobs (registered in apps.py)."""
    assert ctx.municipality is not None
    try:
        result = import_csv(ctx.municipality, data, ctx=ctx, progress=progress)
    except CsvImportError as exc:
        raise imports.ImportFailed(
            _("Die Datei enthält %(n)s Fehler; es wurde nichts importiert.") % {"n": len(exc.errors)},
            [
                imports.problem(e.message, e.row or None, "" if e.column == "-" else e.column)
                for e in exc.errors
            ],
        ) from None
    message = _("Import abgeschlossen: %(c)s Leistungen angelegt, %(u)s aktualisiert.") % {
        "c": result.created,
        "u": result.updated,
    }
    return message, {"created": result.created, "updated": result.updated}


def export_rows(municipality: Municipality) -> Iterable[list[str]]:
    yield list(COLUMNS)
    qs = (
        Service.objects.for_tenant(municipality)
        .select_related("department")
        .prefetch_related("life_situations")
        .order_by("name", "pk")
    )
    for s in qs:
        values = {
            "leika": s.leika,
            "name": s.name,
            "summary": s.summary,
            "themenfeld": s.themenfeld,
            "lebenslagen": LIST_SEPARATOR.join(ls.name for ls in s.life_situations.all()),
            "department": s.department.name if s.department else "",
            "online_available": "ja" if s.online_available else "nein",
            "reifegrad": str(s.reifegrad),
            "published": "ja" if s.is_published else "nein",
        }
        yield [values[c] if c in values else str(getattr(s, c)) for c in COLUMNS]


def export_csv(municipality: Municipality) -> str:
    """The whole catalogue as CSV text (the core convention, which the import reads back)."""
    return exports.csv_text(export_rows(municipality))


# The catalogue's CSV import as a background job (core.jobs.imports), declared in apps.py.
IMPORTER = imports.Importer(
    kind="catalog.csv",
    module="services",
    run=run_import_job,
    back_url_name="catalog:manage",
    start_url_name="catalog:manage_import",
    max_bytes=MAX_CSV_BYTES,
)
