"""Public API of the portal: legal pages, notices, accessibility feedback, module entries."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import get_language
from markdown_it import MarkdownIt

from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.tasks import send_email_after_commit
from rathaus.core.tenancy.models import Municipality

from .entries import PortalEntry as PortalEntry  # re-exported: the public names stay here
from .entries import StaffEntry as StaffEntry
from .models import AccessibilityFeedback, LegalPage, LegalPageKind, Notice

# CommonMark with raw HTML switched off: editors write Markdown, nobody can inject markup.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


def render_markdown(text: str) -> str:
    return str(_md.render(text or ""))


_entries: dict[str, PortalEntry] = {}


def register_portal_entry(entry: PortalEntry) -> None:
    """Each module declares its entry points in its apps.py (ADR 0014); the loader registers them."""
    _entries[entry.key] = entry


def portal_entries() -> list[PortalEntry]:
    return sorted(_entries.values(), key=lambda e: (e.order, e.key))


_staff_entries: dict[str, StaffEntry] = {}


def register_staff_entry(entry: StaffEntry) -> None:
    _staff_entries[entry.url_name] = entry


def staff_entries_for(ctx: ServiceContext) -> list[StaffEntry]:
    from rathaus.core.accounts import permissions

    staff = permissions.is_staff_member(ctx)
    return [
        e
        for e in sorted(_staff_entries.values(), key=lambda e: (e.order, e.url_name))
        if (e.all_staff and staff) or permissions.manages_module(ctx, e.module)
    ]


def home_notices(municipality: Municipality, limit: int = 5) -> list[dict[str, Any]]:
    """The latest published notices. Not cached here: the page (anonymous) and the shared fragment
    (signed in) are, under the "ui" generation that every notice write bumps in its transaction; a
    data cache dropped after the commit would let a page of the new generation show old notices."""
    english = (get_language() or "de").startswith("en")
    return [
        {
            "pk": n.pk,
            "title": (n.title_en if english and n.title_en else n.title),
            "teaser": (n.teaser_en if english and n.teaser_en else n.teaser),
            "published_at": n.published_at,
            "is_official": n.is_official,
        }
        for n in Notice.objects.for_tenant(municipality).published()[:limit]
    ]


def home_context(municipality: Municipality) -> dict[str, Any]:
    return {"notices": home_notices(municipality), "entries": portal_entries()}


def legal_page(municipality: Municipality, kind: str) -> LegalPage | None:
    return LegalPage.objects.for_tenant(municipality).filter(kind=kind).first()


def legal_body_html(page: LegalPage | None) -> str:
    if page is None:
        return ""
    english = (get_language() or "de").startswith("en")
    return render_markdown(page.body_en if english and page.body_en else page.body_de)


def save_legal_page(
    municipality: Municipality, kind: str, data: dict[str, Any], ctx: ServiceContext
) -> LegalPage:
    if kind not in LegalPageKind.values:
        raise ValueError(kind)
    with transaction.atomic():
        page = LegalPage.objects.select_for_update().filter(municipality=municipality, kind=kind).first()
        before = audit.snapshot(page, ["body_de", "body_en", "video_url"]) if page else {}
        if page is None:
            page = LegalPage(municipality=municipality, kind=kind)
        for field in ("body_de", "body_en", "video_url"):
            setattr(page, field, data.get(field, ""))
        page.updated_by = ctx.actor
        page.save()
        after = audit.snapshot(page, ["body_de", "body_en", "video_url"])
        audit.record(
            "legal_page.saved",
            ctx=ctx,
            municipality=municipality,
            obj=page,
            changes=audit.diff(before, after),
        )
    from . import search_provider

    search_provider.index_legal_page(page)
    return page


_NOTICE_FIELDS = ["title", "title_en", "teaser", "teaser_en", "body", "is_official", "published_at"]


def save_notice(notice: Notice, ctx: ServiceContext) -> Notice:
    created = notice.pk is None
    with transaction.atomic():
        before = {} if created else audit.snapshot(Notice.objects.get(pk=notice.pk), _NOTICE_FIELDS)
        if created:
            notice.created_by = ctx.actor
        notice.save()
        audit.record(
            "notice.created" if created else "notice.updated",
            ctx=ctx,
            municipality=notice.municipality,
            obj=notice,
            changes=audit.diff(before, audit.snapshot(notice, _NOTICE_FIELDS)),
        )
    from . import search_provider

    search_provider.index_notice(notice)
    return notice


def delete_notice(notice: Notice, ctx: ServiceContext) -> None:
    from . import search_provider

    muni = notice.municipality
    with transaction.atomic():
        audit.record("notice.deleted", ctx=ctx, municipality=muni, obj=notice)
        search_provider.remove_notice(notice)
        notice.delete()


def submit_accessibility_feedback(
    municipality: Municipality, data: dict[str, Any], ctx: ServiceContext | None = None
) -> AccessibilityFeedback:
    with transaction.atomic():
        fb = AccessibilityFeedback.objects.create(
            municipality=municipality,
            page_url=data.get("page_url", ""),
            message=data["message"],
            email=data.get("email", ""),
        )
        audit.record("accessibility_feedback.submitted", ctx=ctx, municipality=municipality, obj=fb)
    recipient = municipality.accessibility_contact_email or municipality.email
    if recipient:
        body = render_to_string(
            "ui/email/accessibility_feedback.txt", {"fb": fb, "municipality": municipality}
        )
        send_email_after_commit(
            f"Barrierefreiheit: neue Rückmeldung / accessibility feedback ({municipality.name})",
            body,
            [recipient],
            reply_to=[fb.email] if fb.email else None,
        )
    return fb


_MUNICIPALITY_FIELDS = [
    "official_name",
    "address",
    "phone",
    "email",
    "website",
    "opening_hours",
    "accessibility_contact_email",
    "brand_colour",
    "logo_alt",
]


def save_municipality_settings(form: Any, ctx: ServiceContext) -> Municipality:
    """Save the admin's settings form (contact, theme, logo) with an audit record."""
    with transaction.atomic():
        before = audit.snapshot(Municipality.objects.get(pk=form.instance.pk), _MUNICIPALITY_FIELDS)
        muni: Municipality = form.save()
        audit.record(
            "municipality.settings_saved",
            ctx=ctx,
            municipality=muni,
            obj=muni,
            changes=audit.diff(before, audit.snapshot(muni, _MUNICIPALITY_FIELDS)),
        )
    return muni
