"""Operator dashboard of the Digital Hub: the figures, their tables and their charts.

Read-only. What it shows for a period (whole months or whole ISO weeks, at most ``MAX_DAYS``):

- utilisation of desks and rooms: confirmed booked hours within the opening hours divided by the
  bookable hours (opening hours of every open day x active resources), per resource kind and overall;
  released no-shows do not count as booked (the place was free again);
- no-show rate: released no-shows / bookings that have begun (confirmed or released);
- event registrations and attendance per month (events app, ``queries.stats_per_event``);
- consulting demand by topic and slot utilisation (consulting app, ``queries.demand_by_topic`` and
  ``queries.utilisation``).

The number of queries is fixed (hub: resources, opening hours, closing days, bookings; events: one;
consulting: two) whatever the number of resources, bookings or days; the rest is arithmetic here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathaus.consulting import queries as consulting_queries
from rathaus.core.tenancy.models import Municipality
from rathaus.events import queries as event_queries

from .models import Booking, BookingStatus, ClosingDay, OpeningHours, Resource, ResourceKind
from .services import at, local

MAX_DAYS = 366  # the longest period one can choose (before widening it to whole weeks or months)
MIN_YEAR, MAX_YEAR = 2000, 2100

MONTH, WEEK = "month", "week"
GRANULARITY_PARAMS = {"monat": MONTH, "woche": WEEK}

# --- Period ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """One month or one ISO week of the period (both days inclusive)."""

    first: date
    last: date
    label: str


@dataclass(frozen=True)
class Period:
    granularity: str  # MONTH | WEEK
    first: date  # inclusive, the first day of a month or a Monday
    last: date  # inclusive, the last day of a month or a Sunday

    @property
    def end(self) -> date:
        """The day after the period (exclusive bound)."""
        return self.last + timedelta(days=1)

    @property
    def param(self) -> str:
        return next(k for k, v in GRANULARITY_PARAMS.items() if v == self.granularity)

    def buckets(self) -> list[Bucket]:
        out = []
        d = self.first
        while d <= self.last:
            if self.granularity == MONTH:
                last = _month_end(d)
                label = date_format(d, "F Y")
            else:
                last = d + timedelta(days=6)
                year, week, _wd = d.isocalendar()
                label = _("KW %(week)s/%(year)s (%(first)s–%(last)s)") % {
                    "week": week,
                    "year": year,
                    "first": date_format(d, "d.m."),
                    "last": date_format(last, "d.m."),
                }
            out.append(Bucket(d, last, label))
            d = last + timedelta(days=1)
        return out

    def bucket_of(self, d: date) -> date:
        """The first day of the bucket that contains ``d``."""
        return d.replace(day=1) if self.granularity == MONTH else d - timedelta(days=d.weekday())


def _month_end(d: date) -> date:
    nxt = (d.replace(day=1) + timedelta(days=32)).replace(day=1)
    return nxt - timedelta(days=1)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def aligned(granularity: str, first: date, last: date) -> Period:
    """The period widened to whole months or whole ISO weeks."""
    if granularity == MONTH:
        return Period(MONTH, first.replace(day=1), _month_end(last))
    return Period(WEEK, first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday()))


def default_period(today: date, granularity: str = MONTH) -> Period:
    """Two months back to the end of next month; in weeks: four weeks back to three ahead."""
    if granularity == MONTH:
        return aligned(MONTH, _add_months(today, -2), _month_end(_add_months(today, 1)))
    return aligned(WEEK, today - timedelta(weeks=4), today + timedelta(weeks=3))


class PeriodForm(forms.Form):
    """The period selection of the dashboard (a GET form; also read by the CSV export)."""

    einteilung = forms.ChoiceField(
        label=gettext_lazy("Einteilung"),
        choices=[("monat", gettext_lazy("Monate")), ("woche", gettext_lazy("Wochen"))],
    )
    von = forms.DateField(
        label=gettext_lazy("Von"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Wird auf den Beginn der Woche oder des Monats erweitert."),
    )
    bis = forms.DateField(
        label=gettext_lazy("Bis"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Höchstens 366 Tage nach dem Beginn."),
    )

    def __init__(self, data: Any = None, *, today: date, **kwargs: Any) -> None:
        self.today = today
        default = default_period(today)
        initial = {"einteilung": "monat", "von": default.first, "bis": default.last}
        super().__init__(data, initial=initial, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        granularity = GRANULARITY_PARAMS.get(data.get("einteilung", ""), MONTH)
        default = default_period(self.today, granularity)
        for name in ("von", "bis"):
            value = data.get(name)
            if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
                self.add_error(
                    name,
                    _("Bitte wählen Sie ein Datum zwischen %(min)s und %(max)s.")
                    % {"min": MIN_YEAR, "max": MAX_YEAR},
                )
        if self.errors:
            return data
        first = data.get("von") or default.first
        last = data.get("bis") or default.last
        if last < first:
            self.add_error("bis", _("Das Ende darf nicht vor dem Beginn liegen."))
        elif (last - first).days + 1 > MAX_DAYS:
            self.add_error(
                "bis", _("Der Zeitraum darf höchstens %(days)s Tage umfassen.") % {"days": MAX_DAYS}
            )
        else:
            data["period"] = aligned(granularity, first, last)
        return data


def period_from(params: Any, today: date) -> tuple[PeriodForm, Period, bool]:
    """The form, the period to show and whether the input was valid (else: the default period)."""
    if not any(params.get(k) for k in ("einteilung", "von", "bis")):
        return PeriodForm(today=today), default_period(today), True
    data = {k: params.get(k) or "" for k in ("einteilung", "von", "bis")}
    data["einteilung"] = data["einteilung"] or "monat"
    form = PeriodForm(data, today=today)
    if form.is_valid():
        return form, form.cleaned_data["period"], True
    return form, default_period(today), False


# --- Hub: utilisation and no-shows ------------------------------------------------------------------

KIND_ORDER = [k.value for k in ResourceKind]
OVERALL = "overall"


@dataclass
class UsageRow:
    bucket: Bucket | None  # None: the whole period
    kind: str  # a ResourceKind value or OVERALL
    bookable_hours: float = 0.0
    booked_hours: float = 0.0

    @property
    def rate(self) -> float | None:
        return self.booked_hours / self.bookable_hours if self.bookable_hours else None

    @property
    def kind_label(self) -> str:
        return _("alle zusammen") if self.kind == OVERALL else str(ResourceKind(self.kind).label)


@dataclass
class NoShowRow:
    bucket: Bucket | None  # None: the whole period
    bookings: int = 0  # begun bookings, confirmed or released
    checked_in: int = 0
    no_shows: int = 0  # released because nobody checked in

    @property
    def rate(self) -> float | None:
        return self.no_shows / self.bookings if self.bookings else None


@dataclass
class HubFigures:
    usage: list[UsageRow]
    no_shows: list[NoShowRow]


def hub_figures(municipality: Municipality, period: Period, *, now: datetime) -> HubFigures:
    """Four queries: resources, opening hours, closing days, bookings of the period."""
    resources: list[tuple[int, str, int]] = list(
        Resource.objects.for_tenant(municipality)
        .filter(is_active=True, group__location__is_active=True)
        .values_list("pk", "kind", "group__location_id")
    )
    opening = _openings(municipality, period, sorted({loc_id for _pk, _kind, loc_id in resources}))
    start, end = at(period.first, time(0)), at(period.end, time(0))
    bookings = (
        Booking.objects.for_tenant(municipality)
        .filter(
            resource_id__in=[pk for pk, _kind, _loc in resources],
            status__in=[BookingStatus.CONFIRMED, BookingStatus.RELEASED],
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .values_list("resource_id", "starts_at", "ends_at", "status", "checked_in_at")
    )

    buckets = period.buckets()
    kinds_present = sorted({kind for _pk, kind, _loc in resources}, key=KIND_ORDER.index)
    usage = _empty_usage(buckets, kinds_present)

    def add(d: date, kind: str, bookable: float, booked: float) -> None:
        for key in (
            (period.bucket_of(d), kind),
            (period.bucket_of(d), OVERALL),
            (None, kind),
            (None, OVERALL),
        ):
            usage[key].bookable_hours += bookable
            usage[key].booked_hours += booked

    # Bookable hours: open hours of each day times the active resources of each kind at the location.
    count: dict[tuple[int, str], int] = defaultdict(int)
    for _pk, kind, loc_id in resources:
        count[(loc_id, kind)] += 1
    d = period.first
    while d <= period.last:
        for (loc_id, kind), n in count.items():
            o = opening(loc_id, d)
            if o is not None:
                add(d, kind, n * _hours(o[1] - o[0]), 0.0)
        d += timedelta(days=1)

    location_of = {pk: (loc_id, kind) for pk, kind, loc_id in resources}
    no_shows = {b.first if b else None: NoShowRow(b) for b in [*buckets, None]}
    for rid, s, e, status, checked_in_at in bookings:
        loc_id, kind = location_of[rid]
        if status == BookingStatus.CONFIRMED:
            # Booked hours: the part of the booking within the opening hours of each of its days.
            day = local(s).date()
            while day <= local(e).date():
                o = opening(loc_id, day)
                if o is not None and period.first <= day <= period.last:
                    overlap = min(e, o[1]) - max(s, o[0])
                    if overlap > timedelta(0):
                        add(day, kind, 0.0, _hours(overlap))
                day += timedelta(days=1)
        begun = local(s).date()
        if s <= now and period.first <= begun <= period.last:
            for key in (period.bucket_of(begun), None):
                row = no_shows[key]
                row.bookings += 1
                row.checked_in += checked_in_at is not None
                row.no_shows += status == BookingStatus.RELEASED
    return HubFigures(list(usage.values()), list(no_shows.values()))


def _openings(
    municipality: Municipality, period: Period, location_ids: list[int]
) -> Callable[[int, date], tuple[datetime, datetime] | None]:
    """Two queries (opening hours, closing days); returns opening(location, day) -> (open, close) or None."""
    hours: dict[int, dict[int, tuple[time, time]]] = defaultdict(dict)
    for loc_id, weekday, opens, closes in OpeningHours.objects.filter(
        location_id__in=location_ids
    ).values_list("location_id", "weekday", "opens", "closes"):
        hours[loc_id][weekday] = (opens, closes)
    closed = set(
        ClosingDay.objects.for_tenant(municipality)
        .filter(location_id__in=location_ids, date__gte=period.first, date__lte=period.last)
        .values_list("location_id", "date")
    )

    def opening(loc_id: int, d: date) -> tuple[datetime, datetime] | None:
        interval = hours[loc_id].get(d.weekday())
        if interval is None or (loc_id, d) in closed:
            return None
        return at(d, interval[0]), at(d, interval[1])

    return opening


def _empty_usage(buckets: list[Bucket], kinds_present: list[str]) -> dict[tuple[date | None, str], UsageRow]:
    """One row per bucket (and the total, None) and kind (and OVERALL), in display order."""
    usage: dict[tuple[date | None, str], UsageRow] = {}
    for b in [*buckets, None]:
        for kind in [*kinds_present, OVERALL]:
            usage[(b.first if b else None, kind)] = UsageRow(b, kind)
    return usage


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


# --- Events ---------------------------------------------------------------------------------------


@dataclass
class EventMonth:
    month: date
    label: str
    events: int = 0
    registered: int = 0
    waitlist: int = 0
    attended: int = 0

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.registered if self.registered else None


def event_figures(municipality: Municipality, period: Period) -> list[EventMonth]:
    """Events (not drafts) starting in the period, grouped by month of their start (one query)."""
    rows = event_queries.stats_per_event(
        municipality, since=at(period.first, time(0)), until=at(period.end, time(0))
    )
    months: dict[date, EventMonth] = {}
    for r in rows:
        month = local(r["starts_at"]).date().replace(day=1)
        m = months.get(month)
        if m is None:
            m = months[month] = EventMonth(month, date_format(month, "F Y"))
        m.events += 1
        m.registered += r["registered"]
        m.waitlist += r["waitlist"]
        m.attended += r["attended"]
    return [months[k] for k in sorted(months)]


# --- Consulting ---------------------------------------------------------------------------------


@dataclass
class TopicDemand:
    topic: str
    bookings: int
    share: float  # of all bookings in the period


@dataclass
class ConsultingFigures:
    by_topic: list[TopicDemand]
    by_month: list[tuple[str, str, int]]  # (month label, topic, bookings)
    slots: list[tuple[str, int, int, float]]  # (month label, offered, booked, rate)


def consulting_figures(municipality: Municipality, period: Period) -> ConsultingFigures:
    """Two queries of the consulting app: booked appointments per topic and month, slots per month."""
    demand = consulting_queries.demand_by_topic(municipality, period.first, period.end)
    totals: dict[str, int] = defaultdict(int)
    for row in demand:
        totals[row.topic] += row.bookings
    total = sum(totals.values())
    by_topic = [
        TopicDemand(topic, n, n / total)
        for topic, n in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ]
    by_month = [(date_format(r.month, "F Y"), r.topic, r.bookings) for r in demand]
    slots = [
        (date_format(r.month, "F Y"), r.offered, r.booked, r.rate)
        for r in consulting_queries.utilisation(municipality, period.first, period.end)
    ]
    return ConsultingFigures(by_topic, by_month, slots)


# --- Tables (HTML and CSV) and charts -------------------------------------------------------------

TEXT, INT, HOURS, PERCENT = "text", "int", "hours", "percent"


@dataclass
class Column:
    header: str
    kind: str = TEXT
    row_header: bool = False


@dataclass
class Table:
    key: str  # the CSV file's name in the URL
    caption: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    empty: str = ""

    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """Each cell as (text, is row header) for the HTML table."""
        return [
            [(display(v, c.kind), c.row_header) for v, c in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def csv_rows(self) -> list[list[str]]:
        out = [[c.header for c in self.columns]]
        out += [[csv_value(v, c.kind) for v, c in zip(row, self.columns, strict=True)] for row in self.rows]
        return out


def _decimal(value: float) -> str:
    # number_format cuts off further digits; round first (2/3 -> "66,7", not "66,6").
    return str(number_format(round(value, 1), 1))


def display(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == PERCENT:
        return f"{_decimal(100 * value)} %"
    if kind == HOURS:
        return _decimal(value)
    return str(value)


def csv_value(value: Any, kind: str) -> str:
    """Numbers with the decimal comma of the (German) locale; text as it is (core.exports guards it)."""
    if value is None:
        return ""
    if kind == PERCENT:
        return _decimal(100 * value)
    if kind == HOURS:
        return _decimal(value)
    return str(value)


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value in words, shown after the bar
    y: str  # coordinates are strings: templates would localise floats ("12,5")
    width: str
    label_y: str
    text_x: str
    fill: str


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    bars: list[Bar]
    height: str
    legend: list[tuple[str, str]] = field(default_factory=list)  # (fill, name)


CHART_WIDTH, LABEL_WIDTH, BAR_AREA, ROW, BAR = 720, 230, 330, 26, 18
FILLS = ["#004b87", "#6c3f99"]  # dark blue, purple: at least 3:1 against white (WCAG 1.4.11)


def chart(
    chart_id: str,
    title: str,
    items: list[tuple[str, float | None, str, int]],
    *,
    maximum: float | None = None,
    legend: list[str] | None = None,
) -> Chart:
    """A horizontal bar chart: items are (label, value, value text, series); the label only on the first
    bar of each group (series > 0 continue the group above)."""
    top = max([maximum or 0.0, *[v or 0.0 for _l, v, _t, _s in items]])
    bars = []
    for i, (label, value, text, series) in enumerate(items):
        y = i * ROW + 4
        width = BAR_AREA * (value or 0.0) / top if top else 0.0
        bars.append(
            Bar(
                label=_shorten(label) if series == 0 else "",
                text=text,
                y=str(y),
                width=f"{width:.1f}",
                label_y=str(y + BAR - 4),
                text_x=f"{LABEL_WIDTH + width + 6:.1f}",
                fill=FILLS[series % len(FILLS)],
            )
        )
    desc = _("Balkendiagramm mit %(n)s Werten. Alle Werte stehen in der Tabelle unter dem Diagramm.") % {
        "n": len(items)
    }
    return Chart(
        chart_id,
        title,
        desc,
        bars,
        str(len(items) * ROW + 8),
        [(FILLS[i % len(FILLS)], name) for i, name in enumerate(legend or [])],
    )


def _shorten(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _period_words(period: Period) -> str:
    return _("%(first)s bis %(last)s") % {
        "first": date_format(period.first, "j. F Y"),
        "last": date_format(period.last, "j. F Y"),
    }


@dataclass
class Section:
    id: str
    heading: str
    intro: str
    chart: Chart | None
    tables: list[Table]


def _hub_sections(figures: HubFigures, period: Period) -> list[Section]:
    words = _period_words(period)
    per = _("je Monat") if period.granularity == MONTH else _("je Woche")
    all_label = _("ganzer Zeitraum")
    usage = Table(
        "auslastung",
        _("Auslastung der Plätze und Räume %(per)s, %(period)s") % {"per": per, "period": words},
        [
            Column(_("Zeitraum"), row_header=True),
            Column(_("Art"), row_header=True),
            Column(_("Buchbare Stunden"), HOURS),
            Column(_("Gebuchte Stunden"), HOURS),
            Column(_("Auslastung"), PERCENT),
        ],
        [
            [
                u.bucket.label if u.bucket else all_label,
                u.kind_label,
                u.bookable_hours,
                u.booked_hours,
                u.rate,
            ]
            for u in figures.usage
        ],
        _("Keine buchbaren Plätze oder Räume."),
    )
    overall = [u for u in figures.usage if u.kind == OVERALL and u.bucket is not None]
    usage_chart = chart(
        "chart-auslastung",
        _("Auslastung aller Plätze und Räume %(per)s") % {"per": per},
        [(u.bucket.label, u.rate, display(u.rate, PERCENT), 0) for u in overall if u.bucket],
        maximum=1.0,
    )
    no_show = Table(
        "nicht-erschienen",
        _("Nicht erschienen %(per)s, %(period)s") % {"per": per, "period": words},
        [
            Column(_("Zeitraum"), row_header=True),
            Column(_("Begonnene Buchungen"), INT),
            Column(_("Eingecheckt"), INT),
            Column(_("Nicht erschienen (freigegeben)"), INT),
            Column(_("Quote nicht erschienen"), PERCENT),
        ],
        [
            [r.bucket.label if r.bucket else all_label, r.bookings, r.checked_in, r.no_shows, r.rate]
            for r in figures.no_shows
        ],
    )
    no_show_chart = chart(
        "chart-nicht-erschienen",
        _("Quote nicht erschienen %(per)s") % {"per": per},
        [(r.bucket.label, r.rate, display(r.rate, PERCENT), 0) for r in figures.no_shows if r.bucket],
        maximum=1.0,
    )
    return [
        Section(
            "auslastung",
            _("Auslastung der Plätze und Räume"),
            _(
                "Gebuchte Stunden innerhalb der Öffnungszeiten geteilt durch die buchbaren Stunden "
                "(Öffnungsstunden aller offenen Tage mal Zahl der buchbaren Plätze und Räume). "
                "Freigegebene Buchungen ohne Check-in zählen nicht als belegt."
            ),
            usage_chart,
            [usage],
        ),
        Section(
            "nicht-erschienen",
            _("Nicht erschienen"),
            _(
                "Anteil der Buchungen, die ohne Check-in freigegeben wurden, an allen schon begonnenen "
                "Buchungen (ohne Stornierungen)."
            ),
            no_show_chart,
            [no_show],
        ),
    ]


def _event_section(months: list[EventMonth], period: Period) -> Section:
    registered, attended = _("Anmeldungen"), _("anwesend")
    table = Table(
        "veranstaltungen",
        _("Anmeldungen und Teilnahme je Monat, %(period)s") % {"period": _period_words(period)},
        [
            Column(_("Monat"), row_header=True),
            Column(_("Veranstaltungen"), INT),
            Column(_("Anmeldungen"), INT),
            Column(_("Warteliste"), INT),
            Column(_("Anwesend"), INT),
            Column(_("Anwesenheitsquote"), PERCENT),
        ],
        [[m.label, m.events, m.registered, m.waitlist, m.attended, m.attendance_rate] for m in months],
        _("Keine Veranstaltungen in diesem Zeitraum."),
    )
    items: list[tuple[str, float | None, str, int]] = []
    for m in months:
        items.append((m.label, m.registered, f"{m.registered} {registered}", 0))
        items.append((m.label, m.attended, f"{m.attended} {attended}", 1))
    return Section(
        "veranstaltungen",
        _("Veranstaltungen und Kurse"),
        _(
            "Veranstaltungen (ohne Entwürfe) nach dem Monat ihres Beginns: bestätigte Anmeldungen, "
            "Warteliste und die beim Check-in als anwesend Erfassten."
        ),
        chart(
            "chart-veranstaltungen",
            _("Anmeldungen und Anwesende je Monat"),
            items,
            legend=[registered, attended],
        ),
        [table],
    )


def _consulting_section(figures: ConsultingFigures, period: Period) -> Section:
    words = _period_words(period)
    by_topic = Table(
        "beratung-themen",
        _("Gebuchte Beratungen nach Thema, %(period)s") % {"period": words},
        [Column(_("Thema"), row_header=True), Column(_("Buchungen"), INT), Column(_("Anteil"), PERCENT)],
        [[t.topic, t.bookings, t.share] for t in figures.by_topic],
        _("Keine gebuchten Beratungen in diesem Zeitraum."),
    )
    by_month = Table(
        "beratung-monate",
        _("Gebuchte Beratungen nach Monat und Thema, %(period)s") % {"period": words},
        [
            Column(_("Monat"), row_header=True),
            Column(_("Thema"), row_header=True),
            Column(_("Buchungen"), INT),
        ],
        [list(row) for row in figures.by_month],
        _("Keine gebuchten Beratungen in diesem Zeitraum."),
    )
    slots = Table(
        "beratung-termine",
        _("Angebotene und gebuchte Beratungstermine je Monat, %(period)s") % {"period": words},
        [
            Column(_("Monat"), row_header=True),
            Column(_("Angebotene Termine"), INT),
            Column(_("Gebuchte Termine"), INT),
            Column(_("Auslastung"), PERCENT),
        ],
        [list(row) for row in figures.slots],
        _("Keine Beratungstermine in diesem Zeitraum."),
    )
    return Section(
        "beratung",
        _("Beratung: Nachfrage nach Thema"),
        _("Gebuchte, nicht abgesagte Beratungstermine nach dem gewählten Thema."),
        chart(
            "chart-beratung",
            _("Gebuchte Beratungen nach Thema"),
            [(t.topic, t.bookings, str(t.bookings), 0) for t in figures.by_topic],
        ),
        [by_topic, by_month, slots],
    )


SectionBuilder = Callable[[Municipality, Period, datetime], list[Section]]

_BUILDERS: dict[str, SectionBuilder] = {
    "hub": lambda m, p, now: _hub_sections(hub_figures(m, p, now=now), p),
    "events": lambda m, p, now: [_event_section(event_figures(m, p), p)],
    "consulting": lambda m, p, now: [_consulting_section(consulting_figures(m, p), p)],
}
TABLE_SOURCES = {
    "auslastung": "hub",
    "nicht-erschienen": "hub",
    "veranstaltungen": "events",
    "beratung-themen": "consulting",
    "beratung-monate": "consulting",
    "beratung-termine": "consulting",
}


def sections(municipality: Municipality, period: Period, *, now: datetime) -> list[Section]:
    """Every section of the dashboard page (seven queries)."""
    return [s for build in _BUILDERS.values() for s in build(municipality, period, now)]


def table(municipality: Municipality, period: Period, key: str, *, now: datetime) -> Table | None:
    """One table for the CSV export, computing only the figures it needs; None for an unknown key."""
    source = TABLE_SOURCES.get(key)
    if source is None:
        return None
    for s in _BUILDERS[source](municipality, period, now):
        for t in s.tables:
            if t.key == key:
                return t
    return None  # pragma: no cover - every key of TABLE_SOURCES names a table of its source
