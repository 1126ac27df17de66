"""A survey's structure loaded in a constant number of queries, answer parsing and conditions.

Answer values (in drafts and in ``Response.data``), by question kind:

* single ``{"o": option_id, "t": other_text?}``; multiple ``{"o": [option_id, ...], "t": ...}``
* text_short / text_long ``{"t": str}``; date ``{"d": "YYYY-MM-DD"}``
* number / scale / yes_no ``{"n": int}`` (yes = 1, no = 0)
* matrix ``{"m": {"row_id": int}}``; ranking ``{"r": [option_id, ...]}`` (first = rank 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from .models import Condition, Kind, MatrixRow, Operator, Option, Page, Question, Survey

MAX_TEXT_SHORT = 300
MAX_TEXT_LONG = 5000


@dataclass
class Structure:
    survey: Survey
    pages: list[Page]
    questions: dict[int, Question] = field(default_factory=dict)
    by_page: dict[int, list[Question]] = field(default_factory=dict)
    options: dict[int, list[Option]] = field(default_factory=dict)
    rows: dict[int, list[MatrixRow]] = field(default_factory=dict)
    page_conditions: dict[int, list[Condition]] = field(default_factory=dict)
    question_conditions: dict[int, list[Condition]] = field(default_factory=dict)
    conditions: list[Condition] = field(default_factory=list)

    def ordered_questions(self) -> list[Question]:
        return [q for p in self.pages for q in self.by_page.get(p.pk, [])]

    def option_map(self) -> dict[int, Option]:
        return {o.pk: o for opts in self.options.values() for o in opts}


def load(survey: Survey) -> Structure:
    """Pages, questions, options, rows and conditions: five queries, whatever the survey's size."""
    pages = list(survey.pages.all())
    s = Structure(survey=survey, pages=pages)
    for q in Question.objects.filter(survey=survey).order_by("page__position", "page_id", "position", "id"):
        s.questions[q.pk] = q
        s.by_page.setdefault(q.page_id, []).append(q)
    for o in Option.objects.filter(question__survey=survey):
        s.options.setdefault(o.question_id, []).append(o)
    for r in MatrixRow.objects.filter(question__survey=survey):
        s.rows.setdefault(r.question_id, []).append(r)
    for c in Condition.objects.filter(survey=survey):
        s.conditions.append(c)
        if c.target_page_id:
            s.page_conditions.setdefault(c.target_page_id, []).append(c)
        else:
            s.question_conditions.setdefault(c.target_question_id or 0, []).append(c)
    return s


# --- Conditions -------------------------------------------------------------------------------------


def _holds(c: Condition, answers: Mapping[str, Any]) -> bool:
    value = answers.get(str(c.source_id))
    if c.operator == Operator.ANSWERED:
        return value is not None
    if c.operator == Operator.NOT_EQUALS:
        return not _equals(c, value)
    if value is None:
        return False
    if c.operator in (Operator.EQUALS, Operator.CONTAINS):
        return _equals(c, value)
    number = value.get("n")
    if number is None or c.value is None:
        return False
    if c.operator == Operator.AT_LEAST:
        return bool(number >= c.value)
    if c.operator == Operator.AT_MOST:
        return bool(number <= c.value)
    return False


def _equals(c: Condition, value: Mapping[str, object] | None) -> bool:
    if value is None:
        return False
    if c.option_id is not None:
        chosen = value.get("o", value.get("r"))
        if isinstance(chosen, list):
            return c.option_id in chosen
        return chosen == c.option_id
    return value.get("n") is not None and value.get("n") == c.value


def page_visible(s: Structure, page: Page, answers: Mapping[str, Any]) -> bool:
    return all(_holds(c, answers) for c in s.page_conditions.get(page.pk, []))


def visible_questions(s: Structure, page: Page, answers: Mapping[str, Any]) -> list[Question]:
    if not page_visible(s, page, answers):
        return []
    return [
        q
        for q in s.by_page.get(page.pk, [])
        if all(_holds(c, answers) for c in s.question_conditions.get(q.pk, []))
    ]


def visible_pages(s: Structure, answers: Mapping[str, Any]) -> list[Page]:
    return [p for p in s.pages if page_visible(s, p, answers) and s.by_page.get(p.pk)]


def prune(s: Structure, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answers to questions that are visible given the answers before them."""
    # Conditions refer only to questions on earlier pages (services.add_condition), so one pass in
    # page order sees every answer a condition needs; a hidden question's answer never counts.
    final: dict[str, Any] = {}
    for page in s.pages:
        for q in visible_questions(s, page, final):
            if str(q.pk) in answers:
                final[str(q.pk)] = answers[str(q.pk)]
    return final


# --- Parsing a page's POST --------------------------------------------------------------------------


def _int(raw: str | None) -> int | None:
    try:
        return int((raw or "").strip())
    except ValueError:
        return None


def parse(s: Structure, q: Question, post: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The value of one question from a POST (None = unanswered) and an error message or None."""
    name = f"q{q.pk}"
    options = {o.pk: o for o in s.options.get(q.pk, [])}
    value: dict[str, Any] | None = None
    if q.kind == Kind.SINGLE:
        oid = _int(post.get(name))
        if post.get(name):
            if oid not in options:
                return None, _("Bitte wählen Sie eine der angebotenen Antworten.")
            value = {"o": oid}
            if options[oid].is_other:
                other = (post.get(f"{name}_other") or "").strip()[:MAX_TEXT_SHORT]
                if not other:
                    return value, _("Bitte beschreiben Sie „Sonstiges“.")
                value["t"] = other
    elif q.kind == Kind.MULTIPLE:
        ids = []
        for raw in post.getlist(name):
            oid = _int(raw)
            if oid not in options:
                return None, _("Bitte wählen Sie nur angebotene Antworten.")
            if oid not in ids:
                ids.append(oid)
        if ids:
            value = {"o": sorted(ids, key=lambda i: (options[i].position, i))}
            if any(options[i].is_other for i in ids):
                other = (post.get(f"{name}_other") or "").strip()[:MAX_TEXT_SHORT]
                if not other:
                    return value, _("Bitte beschreiben Sie „Sonstiges“.")
                value["t"] = other
            if q.min_choices and len(ids) < q.min_choices:
                return value, _("Bitte wählen Sie mindestens %(n)s Antworten.") % {"n": q.min_choices}
            if q.max_choices and len(ids) > q.max_choices:
                return value, _("Bitte wählen Sie höchstens %(n)s Antworten.") % {"n": q.max_choices}
    elif q.kind in (Kind.TEXT_SHORT, Kind.TEXT_LONG):
        text = (post.get(name) or "").strip()
        limit = MAX_TEXT_SHORT if q.kind == Kind.TEXT_SHORT else MAX_TEXT_LONG
        if text:
            value = {"t": text}
            if len(text) > limit:
                return value, _("Bitte kürzen Sie Ihre Antwort auf höchstens %(n)s Zeichen.") % {"n": limit}
    elif q.kind == Kind.NUMBER:
        raw = (post.get(name) or "").strip()
        if raw:
            n = _int(raw)
            if n is None:
                return None, _("Bitte geben Sie eine ganze Zahl ein.")
            value = {"n": n}
            if q.min_value is not None and n < q.min_value:
                return value, _("Bitte geben Sie mindestens %(n)s ein.") % {"n": q.min_value}
            if q.max_value is not None and n > q.max_value:
                return value, _("Bitte geben Sie höchstens %(n)s ein.") % {"n": q.max_value}
    elif q.kind == Kind.DATE:
        raw = (post.get(name) or "").strip()
        if raw:
            try:
                value = {"d": date.fromisoformat(raw).isoformat()}
            except ValueError:
                return None, _("Bitte geben Sie ein Datum im Format JJJJ-MM-TT ein.")
    elif q.kind == Kind.SCALE:
        if post.get(name):
            n = _int(post.get(name))
            if n is None or not q.scale_min <= n <= q.scale_max:
                return None, _("Bitte wählen Sie einen Wert der Skala.")
            value = {"n": n}
    elif q.kind == Kind.YES_NO:
        raw = post.get(name)
        if raw:
            if raw not in ("1", "0"):
                return None, _("Bitte wählen Sie „Ja“ oder „Nein“.")
            value = {"n": int(raw)}
    elif q.kind == Kind.MATRIX:
        cells: dict[str, int] = {}
        rows = s.rows.get(q.pk, [])
        for r in rows:
            raw = post.get(f"{name}_r{r.pk}")
            if raw:
                n = _int(raw)
                if n is None or not q.scale_min <= n <= q.scale_max:
                    return None, _("Bitte wählen Sie einen Wert der Skala.")
                cells[str(r.pk)] = n
        if cells:
            value = {"m": cells}
            if q.required and len(cells) < len(rows):
                return value, _("Bitte beantworten Sie jede Zeile.")
    elif q.kind == Kind.RANKING:
        ranks: dict[int, int] = {}
        for oid in options:
            raw = post.get(f"{name}_o{oid}")
            if raw:
                n = _int(raw)
                if n is None or not 1 <= n <= len(options):
                    return None, _("Bitte wählen Sie einen gültigen Rang.")
                ranks[oid] = n
        if ranks:
            ordered = sorted(ranks, key=lambda oid: ranks[oid])
            value = {"r": ordered}
            if len(set(ranks.values())) != len(ranks):
                return value, _("Jeder Rang darf nur einmal vergeben werden.")
            if sorted(ranks.values()) != list(range(1, len(ranks) + 1)):
                return value, _("Bitte vergeben Sie die Ränge lückenlos ab 1.")
            if q.required and len(ranks) < len(options):
                return value, _("Bitte bringen Sie alle Antworten in eine Reihenfolge.")
    if value is None and q.required:
        return None, _("Bitte beantworten Sie diese Pflichtfrage.")
    return value, None


def check(s: Structure, q: Question, value: dict[str, Any] | None) -> str | None:
    """Validate a stored value again (services.submit trusts nothing from the session or an API)."""
    from django.http import QueryDict

    post = QueryDict(mutable=True)
    name = f"q{q.pk}"
    if value is not None:
        if "o" in value:
            ids = value["o"] if isinstance(value["o"], list) else [value["o"]]
            post.setlist(name, [str(i) for i in ids])
        if "t" in value:
            key = f"{name}_other" if q.kind in (Kind.SINGLE, Kind.MULTIPLE) else name
            post[key] = value["t"]
        if "n" in value:
            post[name] = str(value["n"])
        if "d" in value:
            post[name] = value["d"]
        for rid, n in (value.get("m") or {}).items():
            post[f"{name}_r{rid}"] = str(n)
        for rank, oid in enumerate(value.get("r") or [], start=1):
            post[f"{name}_o{oid}"] = str(rank)
    parsed, error = parse(s, q, post)
    if error is None and parsed != value:
        return _("Die Antwort ist ungültig.")
    return error


# --- Tally keys -------------------------------------------------------------------------------------


def answer_rows(q: Question, value: dict[str, Any]) -> list[tuple[int | None, int | None, int | None, str]]:
    """(option_id, row_id, number, text) rows of the Answer table for one answered question."""
    k = q.kind
    if k == Kind.SINGLE:
        return [(value["o"], None, None, value.get("t", ""))]
    if k == Kind.MULTIPLE:
        other = value.get("t", "")
        return [
            (oid, None, None, other if i == len(value["o"]) - 1 else "") for i, oid in enumerate(value["o"])
        ]
    if k in (Kind.TEXT_SHORT, Kind.TEXT_LONG):
        return [(None, None, None, value["t"])]
    if k == Kind.DATE:
        return [(None, None, None, value["d"])]
    if k in (Kind.NUMBER, Kind.SCALE, Kind.YES_NO):
        return [(None, None, value["n"], "")]
    if k == Kind.MATRIX:
        return [(None, int(rid), n, "") for rid, n in value["m"].items()]
    if k == Kind.RANKING:
        return [(oid, None, rank, "") for rank, oid in enumerate(value["r"], start=1)]
    return []


def tally_key(kind: str, option_id: int | None, row_id: int | None, number: int | None) -> str:
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        return f"o{option_id}"
    if kind == Kind.RANKING:
        return f"o{option_id}:v{number}"
    if kind == Kind.MATRIX:
        return f"r{row_id}:v{number}"
    if kind in (Kind.NUMBER, Kind.SCALE, Kind.YES_NO):
        return f"v{number}"
    return ""  # text and date: only the answered count


def tally_keys(q: Question, value: dict[str, Any]) -> list[str]:
    keys = ["a"]  # answered
    for option_id, row_id, number, _text in answer_rows(q, value):
        key = tally_key(q.kind, option_id, row_id, number)
        if key:
            keys.append(key)
    return keys
