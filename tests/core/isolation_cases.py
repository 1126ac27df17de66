"""Core platform entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

from typing import Any

from rathaus.core.accounts import services as accounts
from rathaus.core.accounts.models import Department
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.search import services as search
from rathaus.core.ui import services as ui
from rathaus.core.ui.models import LegalPage, Notice
from tests import isolation
from tests.isolation import Tenant


@isolation.seeder
def seed_core(t: Tenant) -> None:
    muni = t.municipality
    t.remember(muni.name)
    t.remember(muni.email)
    t.remember(t.admin.email)

    t.add("department", Department.objects.create(municipality=muni, name=t.marker("DEPARTMENT")))

    notice = Notice(
        municipality=muni,
        title=t.marker("NOTICE"),
        teaser=t.marker("NOTICE-TEASER"),
        body=t.marker("NOTICE-BODY"),
    )
    t.add("notice", ui.save_notice(notice, ServiceContext.for_user(t.admin, muni)))

    page = ui.save_legal_page(
        muni,
        "impressum",
        {"body_de": t.marker("LEGAL"), "body_en": "", "video_url": ""},
        ServiceContext.for_user(t.admin, muni),
    )
    t.add("legal_page", LegalPage.objects.get(pk=page.pk))

    token, raw = accounts.create_api_token(muni, t.marker("TOKEN"), t.admin)
    t.add("api_token", token)
    t.extra["api_token"] = raw

    t.add(
        "accessibility_feedback",
        ui.submit_accessibility_feedback(
            muni,
            {
                "page_url": f"/{t.marker('FEEDBACK-PAGE')}/",
                "message": t.marker("FEEDBACK"),
                "email": f"melder-{t.key.lower()}@example.org",
            },
        ),
    )

    t.add(
        "audit_event",
        audit.record(
            "isolation.marker",
            actor=t.admin,
            municipality=muni,
            object_type="tests.marker",
            object_id="1",
            object_repr=t.marker("AUDIT"),
        ),
    )

    t.add(
        "search_document",
        search.index(
            muni,
            search.Doc("isolation", "1", t.marker("SEARCH"), t.marker("SEARCH-BODY"), "/", "marker"),
        ),
    )


def notice_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "title": "Geänderte Meldung",
        "title_en": "",
        "teaser": "Geänderter Kurztext",
        "teaser_en": "",
        "body": "",
        "published_at": "2026-01-15T10:00",
    }


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


# --- Portal (rathaus.core.ui) ---------------------------------------------------------------------
isolation.object_url("ui:notice", "notice", shows=["NOTICE"])
isolation.object_url("ui:notice_edit", "notice", post=notice_form, shows=["NOTICE"])
isolation.object_url("ui:notice_delete", "notice", get=False, post=nothing)
isolation.object_url("ui:api_token_revoke", "api_token", get=False, post=nothing)
isolation.value_url("ui:legal", {"kind": "impressum"}, shows=["LEGAL"])
isolation.value_url("ui:language", {"code": "en"})  # sets a cookie and redirects; no data
isolation.value_url(
    "ui:legal_edit",
    {"kind": "impressum"},
    post=lambda t, obj: {"body_de": "Neues Impressum", "body_en": "", "video_url": ""},
    shows=["LEGAL"],
)

isolation.page("ui:home", shows=["NOTICE"])
isolation.page("ui:notice_list_staff", shows=["NOTICE"])
isolation.page("ui:feedback_list", shows=["FEEDBACK"])
isolation.page("ui:api_tokens", shows=["TOKEN"])

# --- Search and audit ------------------------------------------------------------------------------
isolation.page("search:search", query="q=MARKER", shows=["NOTICE", "SEARCH"])
isolation.page("search:search", query="q=Impressum", shows=["LEGAL"])
isolation.page("audit:list", shows=["AUDIT"])
isolation.page("audit:list", query="action=isolation", shows=["AUDIT"])
isolation.page("audit:csv", shows=["AUDIT", "NOTICE"])

# --- API (django-ninja) ---------------------------------------------------------------------------
isolation.page("api:notices", shows=["NOTICE"])
isolation.page("api:search_view", query="q=MARKER", shows=["NOTICE", "SEARCH"])
isolation.page("api:municipality")
