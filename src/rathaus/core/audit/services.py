"""Record audit events. Every write a person makes calls ``record``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from rathaus.core.accounts.models import User
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import Municipality

from .models import AuditEvent

_SKIP_FIELDS = {"password", "token_hash", "secret", "data"}


def _actor_label(user: User | None) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "Gast"
    return f"{user.email} (#{user.pk})"


def _object_repr(obj: models.Model) -> str:
    # A person's e-mail address (str() of a user) would outlive the account's deletion: the
    # trigger lets only actor_label be rewritten. Accounts are named by number instead.
    if isinstance(obj, get_user_model()):
        return f"Konto #{obj.pk}"
    return str(obj)[:200]


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [old, new]}; secrets are masked."""
    out: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = ["***", "***"] if key in _SKIP_FIELDS else [_plain(old), _plain(new)]
    return out


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    names = list(fields) if fields is not None else [f.attname for f in obj._meta.concrete_fields]
    return {name: _plain(getattr(obj, name, None)) for name in names}


def record(
    action: str,
    *,
    ctx: ServiceContext | None = None,
    actor: User | None = None,
    municipality: Municipality | None = None,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Write one audit event. The actor, municipality and client address come from ``ctx``;
    ``actor`` / ``municipality`` override them (a citizen's step, another tenant's object).
    A view passes ``ServiceContext.from_request(request)``; the request itself is not taken
    (docs/decisions/0025-service-context.md).
    """
    if ctx is not None:
        actor = actor if actor is not None else ctx.actor
        municipality = municipality if municipality is not None else ctx.municipality
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or _object_repr(obj)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        municipality=municipality,
        actor=actor if authenticated else None,
        actor_label=_actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        changes=changes or {},
        ip_address=ctx.client_address if ctx is not None else None,
    )


def pseudonymise_actor(user_id: int) -> None:
    """Called when an account is deleted: the trail stays, the e-mail address goes.

    This is the one sanctioned rewrite of audit rows (DSGVO Art. 17). The database triggers
    refuse UPDATE of every column except ``actor_label``, so the model guard is bypassed with
    a raw UPDATE of that column alone.
    """
    from django.db import connection

    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET actor_label = %s WHERE actor_id = %s",  # noqa: S608 - table name is ours
            [f"Gelöschtes Konto #{user_id}", user_id],
        )


def events_for(municipality: Municipality) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(municipality=municipality).only(
        "id", "created_at", "actor_label", "action", "object_type", "object_id", "object_repr", "changes"
    )


def iter_csv_rows(qs: models.QuerySet[AuditEvent]) -> Iterator[list[str]]:
    yield ["Zeitpunkt", "Person", "Aktion", "Objekttyp", "Objekt-ID", "Objekt", "Änderungen"]
    for ev in qs.iterator(chunk_size=2000):
        yield [
            ev.created_at.isoformat(),
            ev.actor_label,
            ev.action,
            ev.object_type,
            ev.object_id,
            ev.object_repr,
            json.dumps(ev.changes, ensure_ascii=False),
        ]
