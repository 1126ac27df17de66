"""Read paths of the case management: who sees which applications, the inbox, the OZG dashboard."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from rathaus.core.accounts import permissions
from rathaus.core.accounts.models import Department, User
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import Municipality

from .models import DECIDED, OPEN, Application, Attachment, Status

PAGE_SIZE = 25
REFERENCE_RE = re.compile(r"^[A-Za-z]{1,4}-\d{1,4}(-\d{0,6})?$")
SORTS = {
    "eingang": "submitted_at",
    "-eingang": "-submitted_at",
    "frist": "due_date",
    "-frist": "-due_date",
    "aktenzeichen": "reference",
    "-aktenzeichen": "-reference",
    "status": "status",
}
DEFAULT_SORT = "-eingang"


def sees_all(ctx: ServiceContext) -> bool:
    return permissions.manages_module(ctx, "services")


def visible_applications(ctx: ServiceContext) -> QuerySet[Application]:
    """Staff see the applications of their departments; admins and OZG module managers all."""
    qs = Application.objects.for_tenant(ctx)
    if sees_all(ctx):
        return qs
    m = permissions.membership(ctx)
    if m is None:
        return qs.none()
    # The IDs as literals (one small query) let the planner use the inbox index on every database.
    ids = list(Department.objects.filter(members=m).values_list("pk", flat=True))
    return qs.filter(department_id__in=ids)


@dataclass(frozen=True)
class InboxFilter:
    service: int | None = None
    status: str = ""
    overdue: bool = False
    assignee: str = ""  # "me", "none" or a user id
    q: str = ""
    sort: str = DEFAULT_SORT


def parse_filter(params: Mapping[str, str]) -> InboxFilter:
    service = params.get("leistung", "")
    status = params.get("status", "")
    sort = params.get("sortierung", DEFAULT_SORT)
    return InboxFilter(
        service=int(service) if service.isdigit() else None,
        status=status if status in Status.values or status == "offen" else "",
        overdue=params.get("ueberfaellig") == "1",
        assignee=params.get("bearbeitung", "")[:20],
        q=params.get("q", "").strip()[:100],
        sort=sort if sort in SORTS else DEFAULT_SORT,
    )


def filtered(qs: QuerySet[Application], flt: InboxFilter, user: User | None) -> QuerySet[Application]:
    if flt.service:
        qs = qs.filter(form_id=flt.service)
    if flt.status == "offen":
        qs = qs.filter(status__in=OPEN)
    elif flt.status:
        qs = qs.filter(status=flt.status)
    if flt.overdue:
        qs = qs.filter(status__in=OPEN, due_date__lt=timezone.localdate())
    if flt.assignee == "me":
        qs = qs.filter(assignee=user)
    elif flt.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif flt.assignee.isdigit():
        qs = qs.filter(assignee_id=int(flt.assignee))
    if flt.q and REFERENCE_RE.match(flt.q):
        # A reference number (or its start): prefix search on the reference index only.
        prefix = flt.q.upper()
        qs = qs.filter(reference__startswith=prefix)
        if connection.vendor == "sqlite":  # SQLite's LIKE ignores the index; a range uses it
            qs = qs.filter(reference__gte=prefix, reference__lt=prefix + "~")
    elif flt.q:
        qs = qs.filter(Q(applicant_name__icontains=flt.q) | Q(reference__icontains=flt.q))
    return qs.order_by(SORTS[flt.sort], "-pk")


def inbox_page(ctx: ServiceContext, flt: InboxFilter, page: int | str = 1) -> Page[Application]:
    qs = filtered(visible_applications(ctx), flt, ctx.actor)
    qs = qs.select_related("department", "assignee").only(
        "pk",
        "metadata",
        "reference",
        "service_name",
        "status",
        "applicant_name",
        "submitted_at",
        "due_date",
        "channel",
        "department__name",
        "assignee__email",
        "assignee__display_name",
        "municipality_id",
    )
    return Paginator(qs, PAGE_SIZE).get_page(page)


def overdue_count(ctx: ServiceContext) -> int:
    return visible_applications(ctx).filter(status__in=OPEN, due_date__lt=timezone.localdate()).count()


def applications_of(user: User, municipality: Municipality) -> QuerySet[Application]:
    return Application.objects.for_tenant(municipality).filter(applicant=user).order_by("-submitted_at")


def services_with_applications(ctx: ServiceContext) -> list[tuple[int, str]]:
    from rathaus.fim import queries as fim_queries

    if ctx.municipality is None:  # as before: for_tenant() refuses a context without one
        raise TypeError("for_tenant() needs a Municipality or a request with one")
    return list(fim_queries.published_forms(ctx.municipality).order_by("name").values_list("pk", "name"))


def assignable_staff(ctx: ServiceContext) -> list[User]:
    """Everybody with a role in the municipality (one query)."""
    from rathaus.core.accounts.models import Membership

    members = Membership.objects.for_tenant(ctx).select_related("user").order_by("user__email")
    return [m.user for m in members]


# --- statistics (OZG dashboard, open data) --------------------------------------------------------


def month_start(d: date) -> date:
    return d.replace(day=1)


def last_months(n: int = 12, today: date | None = None) -> list[date]:
    today = today or timezone.localdate()
    months = []
    cur = month_start(today)
    for _ in range(n):
        months.append(cur)
        cur = month_start(cur - timedelta(days=1))
    return list(reversed(months))


def monthly_statistics(municipality: Municipality, months: int = 12) -> list[dict[str, Any]]:
    """Per month: applications received, decided, and the median processing days of those decided."""
    wanted = last_months(months)
    start = wanted[0]
    base = Application.objects.for_tenant(municipality)
    received = dict(
        base.filter(submitted_at__date__gte=start)
        .annotate(m=TruncMonth("submitted_at"))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    received = {(k.date() if hasattr(k, "date") else k): v for k, v in received.items()}
    durations: dict[date, list[float]] = {}
    for submitted, decided in base.filter(decided_at__date__gte=start, decided_at__isnull=False).values_list(
        "submitted_at", "decided_at"
    ):
        if decided is None:  # excluded by the filter; narrows the type
            continue
        key = month_start(timezone.localtime(decided).date())
        durations.setdefault(key, []).append((decided - submitted).total_seconds() / 86400)
    rows = []
    for m in wanted:
        d = durations.get(m, [])
        rows.append(
            {
                "month": m,
                "received": received.get(m, 0),
                "decided": len(d),
                "median_days": round(statistics.median(d), 1) if d else None,
            }
        )
    return rows


def median_processing_days(municipality: Municipality, days: int = 365) -> float | None:
    since = timezone.now() - timedelta(days=days)
    values = [
        (dec - sub).total_seconds() / 86400
        for sub, dec in Application.objects.for_tenant(municipality)
        .filter(decided_at__gte=since)
        .values_list("submitted_at", "decided_at")
        if dec is not None  # excluded by the filter; narrows the type
    ]
    return round(statistics.median(values), 1) if values else None


def applications_last_12_months(municipality: Municipality) -> int:
    since = timezone.now() - timedelta(days=365)
    return Application.objects.for_tenant(municipality).filter(submitted_at__gte=since).count()


def outcome_counts(municipality: Municipality) -> dict[str, int]:
    rows = (
        Application.objects.for_tenant(municipality)
        .filter(decided_at__isnull=False)
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {r["status"]: r["n"] for r in rows if r["status"] in DECIDED or r["status"] == Status.CLOSED}


def catalog_figures(municipality: Municipality) -> dict[str, Any]:
    """Service counts from the catalog (via catalog.queries): total, online, per Reifegrad / Themenfeld.

    Counted is what exists, not what a service claims: a service is online when it has an online form
    in Rathaus (a published FIM form with its LeiKa key, via fim.queries) or a link to an external
    online service; „vollständig online“ are those of them with Reifegrad 3 or 4. A service without
    an online offer counts at most as Reifegrad 1 (as its catalogue page shows it).
    """
    from rathaus.catalog import queries as catalog_queries
    from rathaus.fim import queries as fim_queries

    qs = catalog_queries.public_services(municipality, catalog_queries.ServiceFilter())
    model = qs.model
    form_keys = fim_queries.published_forms(municipality).exclude(leika="").values("leika")
    offer = ~Q(online_url="") | (~Q(leika="") & Q(leika__in=form_keys))
    counts = qs.order_by().aggregate(
        total=Count("pk"),
        online=Count("pk", filter=offer),
        fully=Count("pk", filter=offer & Q(reifegrad__gte=3)),
    )
    total, online = counts["total"], counts["online"]
    reifegrad_labels = dict(model._meta.get_field("reifegrad").flatchoices)
    themen_labels = dict(model._meta.get_field("themenfeld").flatchoices)
    shown = Case(
        When(~offer & Q(reifegrad__gte=2), then=Value(1)), default=F("reifegrad"), output_field=IntegerField()
    )
    by_level = dict(
        qs.order_by().annotate(level=shown).values("level").annotate(n=Count("pk")).values_list("level", "n")
    )
    by_field = dict(qs.order_by().values("themenfeld").annotate(n=Count("pk")).values_list("themenfeld", "n"))
    return {
        "total": total,
        "online": online,
        "fully_online": counts["fully"],
        "share_online": round(100 * online / total, 1) if total else None,
        "levels": [(str(reifegrad_labels[k]), by_level.get(k, 0)) for k in sorted(reifegrad_labels)],
        "fields": sorted(
            ((str(themen_labels.get(k, k)), n) for k, n in by_field.items()), key=lambda r: (-r[1], r[0])
        ),
    }


def share_online(municipality: Municipality) -> float | None:
    share: float | None = catalog_figures(municipality)["share_online"]
    return share


def last_change(municipality: Municipality) -> datetime | None:
    latest = Application.objects.for_tenant(municipality).order_by("-submitted_at").first()
    return latest.submitted_at if latest else None


def attachment_paths() -> Iterator[str]:
    """Storage names of every stored attachment (all municipalities): file migration checks them."""
    return Attachment.objects.exclude(path="").values_list("path", flat=True).iterator(chunk_size=2000)


def application_of_submission(submission: Any) -> Application | None:
    """The application a FIM submission became (other apps use this, e.g. rathaus.payments)."""
    return Application.objects.filter(submission=submission).select_related("form", "municipality").first()


def application_for(municipality: Municipality, pk: int) -> Application | None:
    """One application of this municipality by its id (or None)."""
    return Application.objects.filter(municipality=municipality, pk=pk).select_related("form").first()
