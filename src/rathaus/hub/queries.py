"""Read paths of the Digital Hub: availability grids and the operators' occupancy figures.

Both read a fixed number of queries (resources, opening hours, closing days, bookings of the whole
range) and compute the grid in Python, so the cost in queries does not grow with the number of
resources or days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Booking, BookingStatus, BookingUnit, Location, Resource
from .services import BERLIN, DayHours, at, closed_days, hours_of, local, opening_on, units


def resources_of(location: Location) -> QuerySet[Resource]:
    return (
        Resource.objects.filter(group__location=location, is_active=True)
        .select_related("group__organisation")
        .order_by("kind", "name")
    )


def _bookings_by_resource(
    resources: list[Resource],
    start: datetime,
    end: datetime,
    statuses: tuple[str, ...] = (BookingStatus.CONFIRMED,),
) -> dict[int, list[tuple[datetime, datetime]]]:
    out: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    rows = Booking.objects.filter(
        resource__in=[r.pk for r in resources], status__in=statuses, starts_at__lt=end, ends_at__gt=start
    ).values_list("resource_id", "starts_at", "ends_at")
    for rid, s, e in rows:
        out[rid].append((s, e))
    return out


def _overlaps(busy: list[tuple[datetime, datetime]], s: datetime, e: datetime) -> bool:
    return any(bs < e and be > s for bs, be in busy)


@dataclass
class Cell:
    state: str  # free | partial | booked | closed | reserved
    label: str
    start: datetime | None = None  # the bookable unit a "free" cell links to
    end: datetime | None = None
    free_units: int = 0
    total_units: int = 0


@dataclass
class Row:
    resource: Resource
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Column:
    label: str
    day: date
    start: datetime | None = None  # hour columns of the day view
    end: datetime | None = None
    note: str = ""  # e.g. closing-day reason


@dataclass
class Grid:
    location: Location
    view: str  # day | week | month
    first: date
    last: date
    columns: list[Column]
    rows: list[Row]


def _range(view: str, day: date) -> tuple[date, date]:
    """The days a view shows: the day; its month; or seven days starting at ``day`` (the week view
    starts at the chosen day, by default today, so it never opens on days that are already over)."""
    if view == "day":
        return day, day
    if view == "month":
        first = day.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return first, nxt - timedelta(days=1)
    return day, day + timedelta(days=6)


def availability(
    location: Location, view: str, day: date, *, now: datetime, organisations: Collection[int] = ()
) -> Grid:
    """The grid of ``view`` around ``day``. ``organisations``: the ids of the viewer's organisations;
    resources reserved for another organisation show "reserviert für …" instead of free units."""
    first, last = _range(view, day)
    resources = list(resources_of(location))
    grid = _availability(location, view, day, first, last, resources, now)
    return _mark_reserved(grid, organisations)


def _mark_reserved(grid: Grid, organisations: Collection[int]) -> Grid:
    """Open cells of resources the viewer may not book become "reserved", without a booking link."""
    for row in grid.rows:
        group = row.resource.group
        if group.organisation_id is None or group.organisation_id in organisations:
            continue
        label = _("reserviert für %(org)s") % {"org": group.organisation}
        row.cells = [cell if cell.state == "closed" else Cell("reserved", label) for cell in row.cells]
    return grid


def _availability(
    location: Location,
    view: str,
    day: date,
    first: date,
    last: date,
    resources: list[Resource],
    now: datetime,
) -> Grid:
    hours = hours_of(location)
    closed = closed_days(location, first, last)
    start = at(first, time(0))
    end = at(last + timedelta(days=1), time(0))
    busy = _bookings_by_resource(resources, start, end)
    if view == "day":
        return _day_grid(location, day, resources, hours, closed, busy, now)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    columns = []
    openings: list[DayHours | str | None] = []
    for d in days:
        o = opening_on(d, hours, closed)
        openings.append(o)
        columns.append(Column(label=f"{d:%d.%m.}", day=d, note=o if isinstance(o, str) else ""))
    # Precomputed once: the labels, each day's units per kind of unit, the bookings per resource and day.
    closed_label, past_label, booked_label, free_label = _("geschlossen"), _("vorbei"), _("belegt"), _("frei")
    partial_label = _("%(free)s von %(total)s frei")
    by_day: dict[tuple[int, date], list[tuple[datetime, datetime]]] = defaultdict(list)
    for rid, spans in busy.items():
        for bs, be in spans:
            d = local(bs).date()
            while d <= local(be).date():
                by_day[(rid, d)].append((bs, be))
                d += timedelta(days=1)
    unit_cache: dict[tuple[str, int, date], list[tuple[datetime, datetime]]] = {}
    rows = []
    for r in resources:
        row = Row(r)
        for d, o in zip(days, openings, strict=True):
            if not isinstance(o, DayHours):
                row.cells.append(Cell("closed", closed_label))
                continue
            key = (r.booking_unit, r.slot_minutes, d)
            pieces = unit_cache.get(key)
            if pieces is None:
                pieces = unit_cache[key] = [(s, e) for s, e in units(r, o) if e > now]
            if not pieces:
                row.cells.append(Cell("closed", past_label))
                continue
            spans = by_day.get((r.pk, d), [])
            free = [(s, e) for s, e in pieces if not _overlaps(spans, s, e)] if spans else pieces
            if not free:
                cell = Cell("booked", booked_label)
            elif len(free) == len(pieces):
                cell = Cell("free", free_label, free[0][0], free[0][1])
            else:
                cell = Cell(
                    "partial",
                    partial_label % {"free": len(free), "total": len(pieces)},
                    free[0][0],
                    free[0][1],
                )
            cell.free_units, cell.total_units = len(free), len(pieces)
            row.cells.append(cell)
        rows.append(row)
    return Grid(location, view, first, last, columns, rows)


def _day_grid(
    location: Location,
    day: date,
    resources: list[Resource],
    hours: dict[int, tuple[time, time]],
    closed: dict[date, str],
    busy: dict[int, list[tuple[datetime, datetime]]],
    now: datetime,
) -> Grid:
    o = opening_on(day, hours, closed)
    if not isinstance(o, DayHours):
        note = o if isinstance(o, str) else ""
        return Grid(
            location,
            "day",
            day,
            day,
            [Column(_("ganzer Tag"), day, note=note)],
            [Row(r, [Cell("closed", _("geschlossen"))]) for r in resources],
        )
    columns = []
    t = o.opens
    while t < o.closes:
        t_end = min(t + timedelta(hours=1), o.closes)
        columns.append(Column(f"{local(t):%H:%M}", day, t, t_end))
        t = t_end
    rows = []
    for r in resources:
        row = Row(r)
        pieces = units(r, o)
        mine = busy.get(r.pk, [])
        for c in columns:
            assert c.start is not None and c.end is not None
            if c.end <= now:
                row.cells.append(Cell("closed", _("vorbei")))
                continue
            if not _overlaps(mine, c.start, c.end):
                # The unit a click books: the slot starting in this hour, or the (half) day containing it.
                unit = next(
                    (
                        (s, e)
                        for s, e in pieces
                        if s >= now
                        and not _overlaps(mine, s, e)
                        and (c.start <= s < c.end or s <= c.start < e)
                    ),
                    None,
                )
                if unit is not None:
                    row.cells.append(Cell("free", _("frei"), unit[0], unit[1]))
                else:
                    row.cells.append(Cell("partial", _("nicht buchbar")))
            else:
                # Confirmed bookings of one resource never overlap, so their pieces add up.
                covered = sum(
                    ((min(be, c.end) - max(bs, c.start)) for bs, be in mine if bs < c.end and be > c.start),
                    timedelta(0),
                )
                if covered >= c.end - c.start:
                    row.cells.append(Cell("booked", _("belegt")))
                else:
                    row.cells.append(Cell("partial", _("teilweise belegt")))
        rows.append(row)
    return Grid(location, "day", day, day, columns, rows)


# --- Occupancy (operators) ---------------------------------------------------------------------------


@dataclass
class Usage:
    resource: Resource
    open_hours: float = 0.0
    booked_hours: float = 0.0
    bookings: int = 0
    checked_in: int = 0
    no_shows: int = 0

    @property
    def utilisation(self) -> int:
        return round(100 * self.booked_hours / self.open_hours) if self.open_hours else 0


def occupancy(
    location_ids: list[int], monday: date, municipality_resources: QuerySet[Resource]
) -> list[Usage]:
    """Utilisation per resource for the week starting ``monday``: booked (incl. no-shows) / open hours."""
    resources = list(
        municipality_resources.filter(group__location_id__in=location_ids)
        .select_related("group__location")
        .prefetch_related("group__location__opening_hours")
        .order_by("group__location__name", "kind", "name")
    )
    days = [monday + timedelta(days=i) for i in range(7)]
    start, end = at(monday, time(0)), at(monday + timedelta(days=7), time(0))
    from .models import ClosingDay, OpeningHours

    closed_by_loc: dict[int, set[date]] = defaultdict(set)
    for loc_id, d in ClosingDay.objects.filter(
        location_id__in=location_ids, date__gte=monday, date__lte=days[-1]
    ).values_list("location_id", "date"):
        closed_by_loc[loc_id].add(d)
    hours_by_loc: dict[int, dict[int, tuple[time, time]]] = defaultdict(dict)
    for loc_id, wd, o, c in OpeningHours.objects.filter(location_id__in=location_ids).values_list(
        "location_id", "weekday", "opens", "closes"
    ):
        hours_by_loc[loc_id][wd] = (o, c)
    rows = Booking.objects.filter(
        resource__in=[r.pk for r in resources],
        status__in=[BookingStatus.CONFIRMED, BookingStatus.RELEASED],
        starts_at__lt=end,
        ends_at__gt=start,
    ).values_list("resource_id", "starts_at", "ends_at", "status", "checked_in_at")
    usage = {r.pk: Usage(r) for r in resources}
    for r in resources:
        loc = r.group.location_id
        for d in days:
            opening = opening_on(d, hours_by_loc[loc], dict.fromkeys(closed_by_loc[loc], ""))
            if isinstance(opening, DayHours):
                usage[r.pk].open_hours += (opening.closes - opening.opens).total_seconds() / 3600
    for rid, s, e, status, checked in rows:
        u = usage[rid]
        s, e = max(s, start), min(e, end)
        u.booked_hours += (e - s).total_seconds() / 3600
        u.bookings += 1
        if checked is not None:
            u.checked_in += 1
        if status == BookingStatus.RELEASED:
            u.no_shows += 1
    return list(usage.values())


def unit_is_day(resource: Resource) -> bool:
    return resource.booking_unit in (BookingUnit.DAY, BookingUnit.HALF_DAY)


__all__ = ["BERLIN", "Cell", "Column", "Grid", "Row", "Usage", "availability", "occupancy"]
