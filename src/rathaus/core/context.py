"""Who is acting, for which municipality, through which channel: the context every service takes.

Services never see the HTTP request. A view builds the context from its request, a background
task, a management command, a webhook or the API build their own, so the same use case runs the
same way from every entry point (and a test needs no faked request)::

    ctx = ServiceContext.from_request(request)           # views
    ctx = ServiceContext.for_task(municipality)          # django_tasks workers
    ctx = ServiceContext.for_command(municipality)       # management commands
    ctx = ServiceContext.system(municipality)            # automatic steps (deadlines, imports)
    ctx = ServiceContext.for_user(user, municipality)    # tests, webhooks acting for a known person

``core.audit.services.record(action, ctx=ctx, ...)`` takes the actor, the municipality and the
client address from it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from rathaus.core.accounts.models import User
    from rathaus.core.tenancy.models import Municipality

Channel = Literal["web", "api", "task", "command", "webhook", "system"]


@dataclass(frozen=True)
class ServiceContext:
    """Immutable description of one call into the services.

    ``actor`` is the signed-in person (None for a visitor or the system); ``municipality`` is the
    tenant the call acts for (None only for platform-wide work); ``client_address`` is the caller's
    IP address where there is one; ``channel`` says how the call arrived; ``request_id`` ties the
    audit trail to the logs.
    """

    actor: User | None = None
    municipality: Municipality | None = None
    client_address: str | None = None
    channel: Channel = "system"
    request_id: str = ""
    # scheme://host[:port] the request arrived at, for links in mails (see tenancy.services.public_url)
    origin: str = ""
    # Per-call memo (e.g. the actor's membership); not part of equality.
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)

    # -- constructors --------------------------------------------------------------------------

    @classmethod
    def from_request(cls, request: HttpRequest, *, channel: Channel = "web") -> ServiceContext:
        """The context of a view's request: one per request and user (a view that logs the person
        out gets a fresh one), sharing the membership the permission decorator already looked up."""
        from rathaus.core.ratelimit import client_ip

        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        memo = getattr(request, "_rathaus_ctx", None)
        if memo is not None and memo.actor is actor and memo.channel == channel:
            return memo  # type: ignore[no-any-return]
        cache: dict[str, Any] = {}
        if hasattr(request, "_rathaus_membership"):
            cache["membership"] = request._rathaus_membership
        ctx = cls(
            actor=actor,
            municipality=getattr(request, "municipality", None),
            client_address=client_ip(request) or None,
            channel=channel,
            request_id=str(getattr(request, "request_id", "") or ""),
            origin=_origin(request),
            cache=cache,
        )
        request._rathaus_ctx = ctx  # type: ignore[attr-defined]
        return ctx

    @classmethod
    def for_user(
        cls, user: User | None, municipality: Municipality | None, *, channel: Channel = "web"
    ) -> ServiceContext:
        """A known person acting without an HTTP request (tests, webhooks, imports on behalf)."""
        actor = user if user is not None and user.is_authenticated else None
        return cls(actor=actor, municipality=municipality, channel=channel, request_id=_new_id())

    @classmethod
    def for_task(cls, municipality: Municipality | None, *, actor: User | None = None) -> ServiceContext:
        return cls(actor=actor, municipality=municipality, channel="task", request_id=_new_id())

    @classmethod
    def for_command(cls, municipality: Municipality | None, *, actor: User | None = None) -> ServiceContext:
        return cls(actor=actor, municipality=municipality, channel="command", request_id=_new_id())

    @classmethod
    def system(cls, municipality: Municipality | None = None) -> ServiceContext:
        return cls(municipality=municipality, channel="system", request_id=_new_id())

    # -- helpers -------------------------------------------------------------------------------

    @property
    def user(self) -> User | AnonymousUser:
        """The actor, or Django's anonymous user: what ``request.user`` would be."""
        if self.actor is not None:
            return self.actor
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser()

    @property
    def is_authenticated(self) -> bool:
        return self.actor is not None

    def for_municipality(self, municipality: Municipality | None) -> ServiceContext:
        """The same actor and channel acting for another municipality (platform-wide work)."""
        return replace(self, municipality=municipality, cache={})


def _origin(request: HttpRequest) -> str:
    try:
        return str(request.build_absolute_uri("/")).rstrip("/")
    except Exception:  # a host Django refuses: no origin, links use the municipality's domain
        return ""


def _new_id() -> str:
    return uuid.uuid4().hex
