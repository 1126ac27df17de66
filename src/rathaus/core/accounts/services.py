"""Public API of the accounts app: tokens, roles, DSGVO export and deletion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import Municipality

from .models import ApiToken, Department, Membership, Organisation, OrganisationMembership, User

# --- API tokens ---------------------------------------------------------------------------------


def create_api_token(municipality: Municipality, name: str, created_by: User | None) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the raw secret, which is never stored or shown again."""
    raw, prefix, digest = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            municipality=municipality, name=name, prefix=prefix, token_hash=digest, created_by=created_by
        )
        audit.record("api_token.created", actor=created_by, municipality=municipality, obj=token)
    return token, raw


def revoke_api_token(token: ApiToken, actor: User | None) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record("api_token.revoked", actor=actor, municipality=token.municipality, obj=token)


def api_tokens_of(municipality: Municipality) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_tenant(municipality).select_related("created_by").order_by("-created_at")


def api_token_or_404(ctx: ServiceContext, pk: int) -> ApiToken:
    from rathaus.core.tenancy.services import tenant_object_or_404

    return tenant_object_or_404(ApiToken, ctx, pk=pk)


def authenticate_token(raw: str, municipality: Municipality | None) -> ApiToken | None:
    """The active token of this municipality matching ``raw``; a token never works for another one."""
    if not raw or municipality is None:
        return None
    token = (
        ApiToken.objects.filter(
            token_hash=ApiToken.hash(raw), municipality=municipality, revoked_at__isnull=True
        )
        .select_related("municipality")
        .first()
    )
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


# --- Roles ----------------------------------------------------------------------------------------


def grant_role(
    municipality: Municipality,
    user: User,
    role: str,
    *,
    modules: list[str] | None = None,
    departments: list[Department] | None = None,
    actor: User | None = None,
) -> Membership:
    with transaction.atomic():
        m, _created = Membership.objects.update_or_create(
            municipality=municipality, user=user, defaults={"role": role, "modules": modules or []}
        )
        if departments is not None:
            m.departments.set(departments)
        audit.record(
            "membership.granted",
            actor=actor,
            municipality=municipality,
            obj=m,
            object_repr=f"Konto #{user.pk}: {m.get_role_display()}",  # no e-mail address (DSGVO)
            changes={"role": [None, role], "modules": [None, modules or []]},
        )
    return m


def departments_of(user: User, municipality: Municipality) -> list[Department]:
    return list(Department.objects.filter(municipality=municipality, members__user=user).distinct())


def is_member_of_organisation(user: User, organisation_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return OrganisationMembership.objects.filter(user=user, organisation_id=organisation_id).exists()


def register_organisation(user: User, name: str) -> Organisation:
    """A business account creates its organisation and represents it."""
    with transaction.atomic():
        org = Organisation.objects.create(name=name[:200], kind="business")
        OrganisationMembership.objects.create(organisation=org, user=user, is_representative=True)
        audit.record("organisation.registered", actor=user, obj=org)
    return org


def organisations_of(user: User) -> list[Organisation]:
    return list(Organisation.objects.filter(members=user)) if user.is_authenticated else []


# --- DSGVO: export (Art. 15/20) and deletion (Art. 17) -------------------------------------------

# Each module registers a callable user -> (section name, JSON-serialisable data).
DataExporter = Callable[[User], tuple[str, Any]]
DataEraser = Callable[[User], None]
_exporters: list[DataExporter] = []
_erasers: list[DataEraser] = []


def register_data_exporter(fn: DataExporter) -> DataExporter:
    _exporters.append(fn)
    return fn


def register_data_eraser(fn: DataEraser) -> DataEraser:
    _erasers.append(fn)
    return fn


def export_user_data(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "account_type": user.account_type,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
        ),
        "organisations": [
            {"name": om.organisation.name, "representative": om.is_representative}
            for om in OrganisationMembership.objects.filter(user=user).select_related("organisation")
        ],
        "roles": [
            {"municipality": m.municipality.name, "role": m.role, "modules": m.modules}
            for m in Membership.objects.filter(user=user).select_related("municipality")
        ],
    }
    for exporter in _exporters:
        section, payload = exporter(user)
        data[section] = payload
    return data


def delete_account(user: User, ctx: ServiceContext | None = None) -> None:
    """Erase the account and everything personal; audit rows keep a pseudonym."""
    user_id = user.pk
    with transaction.atomic():
        for eraser in _erasers:
            eraser(user)
        audit.record(
            "account.deleted",
            ctx=ctx,
            actor=None,
            object_type="accounts.user",
            object_id=str(user_id),
            object_repr=f"Konto #{user_id}",
        )
        user.delete()
        audit.pseudonymise_actor(user_id)


# --- accounts from a login provider (BundID, Mein Unternehmenskonto) ------------------------------


def create_account_without_password(email: str, display_name: str, account_type: str = "person") -> User:
    """An account created by an identity provider's login: no password (it logs in there)."""
    user = User.objects.create_user(email, None, display_name=display_name[:150], account_type=account_type)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def email_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def join_organisation(user: User, organisation_id: int, *, representative: bool = False) -> None:
    OrganisationMembership.objects.get_or_create(
        organisation_id=organisation_id, user=user, defaults={"is_representative": representative}
    )


def has_staff_role(user: User) -> bool:
    """Staff and platform admins log in with password and second factor only."""
    return bool(user.is_superuser or user.is_staff or Membership.objects.filter(user=user).exists())
