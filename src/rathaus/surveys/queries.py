"""Read paths: results (from tallies or from the Answer table), text answers, exports.

The results page makes a constant number of queries whatever the number of responses: structure
(5), tallies (1) and text answers (1 per free-text question); with a filter by answer 3 grouped
queries on ``Answer`` instead of the tallies; with a cross-tabulation one more grouped self-join.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from rathaus.core.ui import charts

from . import structure
from .models import CATEGORICAL_KINDS, Answer, Kind, Question, Response, Segment, Survey, Tally

TEXTS_PER_QUESTION = 50


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def fmt(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    return number_format(round(value, decimals), decimal_pos=decimals)


@dataclass
class Row:
    label: str
    count: int
    percent: float


@dataclass
class MatrixLine:
    label: str
    counts: list[int]
    answered: int
    mean: float | None


@dataclass
class CrossTab:
    columns: list[str]
    column_totals: list[int]
    lines: list[tuple[str, list[tuple[int, float]]]]


@dataclass
class QuestionResult:
    question: Question
    answered: int
    rows: list[Row] = field(default_factory=list)
    chart: Any = None
    mean: float | None = None
    matrix: list[MatrixLine] = field(default_factory=list)
    points: list[int] = field(default_factory=list)
    texts: list[Answer] = field(default_factory=list)
    cross: CrossTab | None = None

    @property
    def mean_display(self) -> str:
        return fmt(self.mean, 2)


@dataclass
class Filter:
    segment: str | None = None  # None = all
    question: Question | None = None  # only responses whose answer to this question ...
    key: str = ""  # ... has this tally key (e.g. "o12", "v1")
    by: Question | None = None  # cross-tabulate by this question

    @property
    def active(self) -> bool:
        return self.question is not None


@dataclass
class Results:
    survey: Survey
    total: int
    questions: list[QuestionResult]
    filter: Filter


def categories(s: structure.Structure, q: Question) -> list[tuple[str, str]]:
    """(tally key, label) of the answers of a categorical question (filters, cross-tabs, conditions)."""
    if q.kind in (Kind.SINGLE, Kind.MULTIPLE):
        return [(f"o{o.pk}", o.display_label) for o in s.options.get(q.pk, [])]
    if q.kind == Kind.YES_NO:
        return [("v1", _("Ja")), ("v0", _("Nein"))]
    if q.kind == Kind.SCALE:
        return [(f"v{n}", str(n)) for n in q.scale_points]
    return []


def _key_filter(key: str) -> Q:
    if key.startswith("o"):
        return Q(option_id=int(key[1:]))
    return Q(number=int(key[1:]))


def _counts(survey: Survey, flt: Filter) -> tuple[int, dict[tuple[int | None, str], int]]:
    counts: dict[tuple[int | None, str], int] = defaultdict(int)
    if flt.question is None:  # not flt.active
        qs = Tally.objects.filter(survey=survey)
        if flt.segment is not None:
            qs = qs.filter(segment=flt.segment)
        for qid, key, c in (
            qs.values("question_id", "key").annotate(c=Sum("count")).values_list("question_id", "key", "c")
        ):
            counts[(qid, key)] += c
        return counts.get((None, "n"), 0), counts
    kinds = {flt.question.pk: flt.question.kind}
    kinds.update(dict(Question.objects.filter(survey=survey).values_list("pk", "kind")))
    answers = _answers(survey, flt)
    for row in answers.values("question_id", "option_id", "row_id", "number").annotate(c=Count("id")):
        key = structure.tally_key(kinds[row["question_id"]], row["option_id"], row["row_id"], row["number"])
        if key:
            counts[(row["question_id"], key)] += row["c"]
    for row in answers.values("question_id").annotate(c=Count("response_id", distinct=True)):
        counts[(row["question_id"], "a")] = row["c"]
    total = _responses(survey, flt).count()
    return total, counts


def _responses(survey: Survey, flt: Filter) -> Any:
    qs = Response.objects.filter(survey=survey)
    if flt.segment is not None:
        qs = qs.filter(segment=flt.segment)
    if flt.question is not None:
        qs = qs.filter(
            pk__in=Answer.objects.filter(Q(question=flt.question) & _key_filter(flt.key)).values(
                "response_id"
            )
        )
    return qs


def _answers(survey: Survey, flt: Filter) -> Any:
    qs = Answer.objects.filter(survey=survey)
    if flt.segment is not None:
        qs = qs.filter(segment=flt.segment)
    if flt.question is not None:
        qs = qs.filter(
            response_id__in=Answer.objects.filter(Q(question=flt.question) & _key_filter(flt.key)).values(
                "response_id"
            )
        )
    return qs


def _cross(survey: Survey, flt: Filter, kinds: dict[int, str]) -> dict[tuple[int, str, str], int]:
    """Counts per (question, key, key of the by-question) in one grouped self-join."""
    by = flt.by
    assert by is not None
    sql = [
        "SELECT a.question_id, a.option_id, a.row_id, a.number, b.option_id, b.number, COUNT(*)",
        f"FROM {Answer._meta.db_table} a JOIN {Answer._meta.db_table} b",
        "ON b.response_id = a.response_id AND b.question_id = %s",
        "WHERE a.survey_id = %s",
    ]
    params: list[Any] = [by.pk, survey.pk]
    wanted = [qid for qid, kind in kinds.items() if kind in CATEGORICAL_KINDS]
    sql.append(f"AND a.question_id IN ({', '.join(['%s'] * len(wanted))})" if wanted else "AND 1 = 0")
    params.extend(wanted)
    if flt.segment is not None:
        sql.append("AND a.segment = %s")
        params.append(flt.segment)
    if flt.question is not None:
        inner = Answer.objects.filter(Q(question=flt.question) & _key_filter(flt.key)).values("response_id")
        inner_sql, inner_params = inner.query.sql_with_params()
        sql.append(f"AND a.response_id IN ({inner_sql})")
        params.extend(inner_params)
    sql.append("GROUP BY a.question_id, a.option_id, a.row_id, a.number, b.option_id, b.number")
    out: dict[tuple[int, str, str], int] = defaultdict(int)
    with connection.cursor() as cur:
        cur.execute(" ".join(sql), params)
        for qid, oid, rid, num, b_oid, b_num, c in cur.fetchall():
            key = structure.tally_key(kinds[qid], oid, rid, num)
            bkey = structure.tally_key(by.kind, b_oid, None, b_num)
            out[(qid, key, bkey)] += c
    return out


def _texts(survey: Survey, flt: Filter, public: bool, s: structure.Structure) -> dict[int, list[Answer]]:
    """The latest free-text answers (and "other" texts) per question: one query per text question,
    each an index range scan backwards on (question, response) that stops after TEXTS_PER_QUESTION rows
    (a window function over the whole Answer table would grow with the number of responses)."""
    out: dict[int, list[Answer]] = defaultdict(list)
    for q in s.ordered_questions():
        if q.kind in (Kind.TEXT_SHORT, Kind.TEXT_LONG):
            qs = _answers(survey, flt).filter(question=q)
        elif q.allow_other and q.kind in (Kind.SINGLE, Kind.MULTIPLE):
            other = [o.pk for o in s.options.get(q.pk, []) if o.is_other]
            qs = _answers(survey, flt).filter(question=q, option_id__in=other)
        else:
            continue
        qs = qs.exclude(text="")
        if public:
            qs = qs.filter(hidden=False)
        out[q.pk] = list(
            qs.order_by("-response_id").only("id", "question_id", "text", "hidden", "response_id")[
                :TEXTS_PER_QUESTION
            ]
        )
    return out


def results(
    survey: Survey, flt: Filter | None = None, *, public: bool = False, s: structure.Structure | None = None
) -> Results:
    flt = flt or Filter()
    s = s or structure.load(survey)
    total, counts = _counts(survey, flt)
    kinds = {q.pk: q.kind for q in s.questions.values()}
    cross = _cross(survey, flt, kinds) if flt.by is not None else None
    texts = _texts(survey, flt, public, s)
    out = []
    for q in s.ordered_questions():
        answered = counts.get((q.pk, "a"), 0)
        r = QuestionResult(question=q, answered=answered, texts=texts.get(q.pk, []))
        title = q.display_text
        if q.kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.YES_NO):
            for key, label in categories(s, q):
                c = counts.get((q.pk, key), 0)
                r.rows.append(Row(label, c, _pct(c, answered)))
            r.chart = charts.bar_chart(
                title,
                [(row.label, row.percent) for row in r.rows],
                unit="%",
                value_heading=_("Anteil"),
                decimals=1,
                maximum=100,
            )
        elif q.kind in (Kind.SCALE, Kind.NUMBER):
            values = sorted(
                (int(key[1:]), c) for (qid, key), c in counts.items() if qid == q.pk and key.startswith("v")
            )
            n = sum(c for _v, c in values)
            r.mean = sum(v * c for v, c in values) / n if n else None
            if q.kind == Kind.SCALE:
                by_value = dict(values)
                dist = [(p, by_value.get(p, 0)) for p in q.scale_points]
                for p, c in dist:
                    label = str(p)
                    if p == q.scale_min and q.scale_low_label:
                        label = f"{p} – {q.scale_low_label}"
                    elif p == q.scale_max and q.scale_high_label:
                        label = f"{p} – {q.scale_high_label}"
                    r.rows.append(Row(label, c, _pct(c, answered)))
            else:
                for label, c in _bins(values):
                    r.rows.append(Row(label, c, _pct(c, answered)))
            r.chart = charts.bar_chart(
                title, [(row.label, row.count) for row in r.rows], value_heading=_("Anzahl")
            )
        elif q.kind == Kind.MATRIX:
            r.points = q.scale_points
            for mrow in s.rows.get(q.pk, []):
                cells = [counts.get((q.pk, f"r{mrow.pk}:v{p}"), 0) for p in q.scale_points]
                n = sum(cells)
                mean = sum(p * c for p, c in zip(q.scale_points, cells, strict=True)) / n if n else None
                r.matrix.append(MatrixLine(mrow.display_label, cells, n, mean))
            r.chart = charts.bar_chart(
                title,
                [(m.label, m.mean) for m in r.matrix],
                value_heading=_("Mittelwert"),
                decimals=2,
                maximum=q.scale_max,
            )
        elif q.kind == Kind.RANKING:
            opts = s.options.get(q.pk, [])
            positions = range(1, len(opts) + 1)
            for o in opts:
                cells = [counts.get((q.pk, f"o{o.pk}:v{p}"), 0) for p in positions]
                n = sum(cells)
                mean = sum(p * c for p, c in zip(positions, cells, strict=True)) / n if n else None
                r.matrix.append(MatrixLine(o.display_label, cells, n, mean))
            r.points = list(positions)
            r.matrix.sort(key=lambda m: (m.mean is None, m.mean or 0))
            r.chart = charts.bar_chart(
                title,
                [(m.label, m.mean) for m in r.matrix],
                value_heading=_("mittlerer Rang"),
                decimals=2,
                maximum=len(opts) or 1,
            )
        if cross is not None and flt.by is not None and q.kind in CATEGORICAL_KINDS and q.pk != flt.by.pk:
            r.cross = _crosstab(s, q, flt.by, cross)
        out.append(r)
    return Results(survey=survey, total=total, questions=out, filter=flt)


def _bins(values: list[tuple[int, int]]) -> list[tuple[str, int]]:
    if len(values) <= 15:
        return [(str(v), c) for v, c in values]
    lo, hi = values[0][0], values[-1][0]
    width = max(1, -(-(hi - lo + 1) // 10))
    bins: dict[int, int] = defaultdict(int)
    for v, c in values:
        bins[(v - lo) // width] += c
    return [
        (f"{lo + i * width}–{lo + (i + 1) * width - 1}", bins.get(i, 0))
        for i in range(-(-(hi - lo + 1) // width))
    ]


def _crosstab(
    s: structure.Structure, q: Question, by: Question, cross: dict[tuple[int, str, str], int]
) -> CrossTab:
    cols = categories(s, by)
    totals = [cross.get((by.pk, key, key), 0) for key, _label in cols]
    lines = []
    for key, label in categories(s, q):
        cells = []
        for (bkey, _blabel), total in zip(cols, totals, strict=True):
            c = cross.get((q.pk, key, bkey), 0)
            cells.append((c, _pct(c, total)))
        lines.append((label, cells))
    return CrossTab(columns=[label for _k, label in cols], column_totals=totals, lines=lines)


# --- Exports ----------------------------------------------------------------------------------------


@dataclass
class Column:
    name: str
    question: Question
    label: str
    kind: str  # "value", "option", "other", "row", "rank"
    ref: int | None = None


def columns(s: structure.Structure) -> list[Column]:
    """One column per question, option (multiple choice, ranking), matrix row and "other" text."""
    cols: list[Column] = []
    for i, q in enumerate(s.ordered_questions(), start=1):
        code = f"F{i}"
        opts = s.options.get(q.pk, [])
        if q.kind == Kind.MULTIPLE:
            for j, o in enumerate(opts, start=1):
                cols.append(Column(f"{code}_{j}", q, f"{q.text}: {o.label}", "option", o.pk))
        elif q.kind == Kind.RANKING:
            for j, o in enumerate(opts, start=1):
                cols.append(Column(f"{code}_{j}", q, f"{q.text}: {o.label} (Rang)", "rank", o.pk))
        elif q.kind == Kind.MATRIX:
            for j, r in enumerate(s.rows.get(q.pk, []), start=1):
                cols.append(Column(f"{code}_{j}", q, f"{q.text}: {r.label}", "row", r.pk))
        else:
            cols.append(Column(code, q, q.text, "value"))
        if q.allow_other and q.kind in (Kind.SINGLE, Kind.MULTIPLE):
            cols.append(Column(f"{code}_sonst", q, f"{q.text}: {_('Sonstiges')} (Text)", "other"))
    return cols


def _cell(col: Column, value: dict[str, Any] | None, option_codes: dict[int, int]) -> Any:
    if value is None:
        return ""
    q = col.question
    if col.kind == "option":
        return 1 if col.ref in value.get("o", []) else 0
    if col.kind == "rank":
        r = value.get("r", [])
        return r.index(col.ref) + 1 if col.ref in r else ""
    if col.kind == "row":
        return value.get("m", {}).get(str(col.ref), "")
    if col.kind == "other":
        return value.get("t", "")
    if q.kind == Kind.SINGLE:
        return option_codes.get(value["o"], "")
    if "n" in value:
        return value["n"]
    if "d" in value:
        return value["d"]
    return value.get("t", "")


HEAD = ["id", "datum", "segment"]


def export_rows(
    survey: Survey, s: structure.Structure, chunk_size: int = 2000
) -> Iterator[Sequence[int | str]]:
    """The header and one list per response, streamed from ``Response.data`` in chunks."""
    cols = columns(s)
    option_codes = {o.pk: j for opts in s.options.values() for j, o in enumerate(opts, start=1)}
    keys = [str(c.question.pk) for c in cols]
    yield HEAD + [c.name for c in cols]
    rows = (
        Response.objects.filter(survey=survey)
        .order_by("id")
        .values_list("id", "submitted_on", "segment", "data")
    )
    for pk, day, segment, data in rows.iterator(chunk_size=chunk_size):
        row: list[int | str] = [pk, day.isoformat() if isinstance(day, date) else "", segment]
        yield row + [_cell(c, data.get(k), option_codes) for c, k in zip(cols, keys, strict=True)]


def codebook(s: structure.Structure) -> Iterator[list[str]]:
    """Variable, question, type, value, meaning — one line per code."""
    yield ["variable", "frage", "typ", "wert", "bedeutung"]
    yield ["id", _("laufende Nummer der Antwort"), "", "", ""]
    yield ["datum", _("Tag der Teilnahme (anonymisiert: Monatsanfang)"), "date", "", ""]
    for seg in Segment:
        yield ["segment", _("Art der Teilnahme"), "text", seg.value, str(seg.label)]
    for col in columns(s):
        q = col.question
        base = [col.name, col.label, q.kind]
        if col.kind == "option":
            yield [*base, "1", _("ausgewählt")]
            yield [*base, "0", _("nicht ausgewählt")]
        elif col.kind == "rank":
            yield [*base, "1…n", _("Rang (1 = wichtigste)")]
        elif col.kind in ("row",) or q.kind == Kind.SCALE:
            for p in q.scale_points:
                label = (
                    q.scale_low_label if p == q.scale_min else q.scale_high_label if p == q.scale_max else ""
                )
                yield [*base, str(p), label]
        elif q.kind == Kind.SINGLE and col.kind == "value":
            for j, o in enumerate(s.options.get(q.pk, []), start=1):
                yield [*base, str(j), o.label]
        elif q.kind == Kind.YES_NO:
            yield [*base, "1", _("Ja")]
            yield [*base, "0", _("Nein")]
        else:
            yield [*base, "", ""]
        # empty cell = not answered or not shown (condition)


def aggregated_rows(surveys: list[Survey]) -> Iterator[list[int | str | float]]:
    """Open data: counts per answer of published, closed surveys (no single responses)."""
    yield (
        [
            "umfrage_id",
            "umfrage",
            "frage_nr",
            "frage",
            "typ",
            "antwort",
            "anzahl",
            "anteil_prozent",
            "antworten_gesamt",
        ]
    )
    for survey in surveys:
        res = results(survey, public=True)
        for i, qr in enumerate(res.questions, start=1):
            q = qr.question
            if qr.rows:
                for row in qr.rows:
                    yield (
                        [
                            survey.pk,
                            survey.title,
                            i,
                            q.text,
                            q.kind,
                            row.label,
                            row.count,
                            row.percent,
                            qr.answered,
                        ]
                    )
            if not qr.rows and not qr.matrix:
                yield (
                    [
                        survey.pk,
                        survey.title,
                        i,
                        q.text,
                        q.kind,
                        _("(beantwortet)"),
                        qr.answered,
                        "",
                        qr.answered,
                    ]
                )
            for m in qr.matrix:
                yield (
                    [
                        survey.pk,
                        survey.title,
                        i,
                        q.text,
                        q.kind,
                        f"{m.label} (Mittelwert)",
                        m.answered,
                        fmt(m.mean, 2),
                        qr.answered,
                    ]
                )
