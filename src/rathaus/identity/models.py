"""SAML service provider per municipality, the identity providers it trusts (BundID, Mein
Unternehmenskonto), links of accounts to identities, the trust level per service, replay records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy.models import Municipality, TenantOwned


class Provider(models.TextChoices):
    BUNDID = "bundid", _("BundID")
    MUK = "muk", _("Mein Unternehmenskonto")


class Level(models.IntegerChoices):
    """Vertrauensniveau (eIDAS / TR-03107): STORK-QAA-Level-1…4 in the BundID AuthnRequest."""

    NONE = 0, _("keine Anmeldung nötig")
    BASIC = 1, _("niedrig (Basisregistrierung)")
    SUBSTANTIAL = 3, _("substantiell")
    HIGH = 4, _("hoch")


class ServiceProvider(models.Model):
    """The municipality's own SAML SP: its key pair (the private key only encrypted, never shown)."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("Kommune")
    )
    certificate = models.TextField(_("Zertifikat (PEM)"))
    private_key_encrypted = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SAML-Dienstanbieter")
        verbose_name_plural = _("SAML-Dienstanbieter")

    def __str__(self) -> str:
        return f"SP {self.municipality_id}"


class IdentityProvider(TenantOwned):
    """A trusted IdP (BundID or MUK) of one municipality, from its uploaded metadata."""

    provider = models.CharField(_("Anbieter"), max_length=10, choices=Provider.choices)
    entity_id = models.CharField(_("Entity-ID des Identitätsanbieters"), max_length=500)
    metadata_xml = models.TextField(_("Metadaten (XML)"))
    enabled = models.BooleanField(_("aktiv"), default=True)
    binding = models.CharField(
        _("Übertragung der Anfrage"),
        max_length=10,
        choices=[("redirect", _("HTTP-Redirect")), ("post", _("HTTP-POST"))],
        default="redirect",
    )
    allowed_methods = models.JSONField(_("erlaubte Anmeldeverfahren"), default=list, blank=True)
    display_name = models.CharField(_("Anzeigename für die BundID"), max_length=200, blank=True)
    online_service_id = models.CharField(_("Online-Dienst-ID"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Identitätsanbieter")
        verbose_name_plural = _("Identitätsanbieter")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "provider"], name="identity_idp_unique_provider")
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} ({self.entity_id})"


class IdentityLink(models.Model):
    """An account linked to an identity: BundID by bPK2, MUK by the person's persistent id."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_links"
    )
    provider = models.CharField(_("Anbieter"), max_length=10, choices=Provider.choices)
    subject = models.CharField(_("Kennung (bPK2 / Personen-ID)"), max_length=255)
    level = models.PositiveSmallIntegerField(_("zuletzt erreichtes Vertrauensniveau"), default=0)
    attributes = models.JSONField(_("zuletzt übermittelte Angaben"), default=dict, blank=True)
    linked_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Verknüpfte Identität")
        verbose_name_plural = _("Verknüpfte Identitäten")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="identity_link_unique_subject"),
            models.UniqueConstraint(fields=["user", "provider"], name="identity_link_one_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} #{self.user_id}"


class OrganisationLink(models.Model):
    """A business of Mein Unternehmenskonto linked to the Rathaus organisation account."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="identity_link"
    )
    identifier = models.CharField(_("Unternehmenskennung"), max_length=255, unique=True)
    linked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.identifier


class SeenAssertion(models.Model):
    """Replay protection: an assertion ID is accepted once (kept until it could no longer be valid)."""

    assertion_id = models.CharField(max_length=255, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.assertion_id


class ServiceRequirement(TenantOwned):
    """Per service (its FIM form): the trust level required and the identity kinds accepted."""

    form = models.OneToOneField(
        "fim.FormDefinition", on_delete=models.CASCADE, related_name="+", verbose_name=_("Formular")
    )
    level = models.PositiveSmallIntegerField(_("Vertrauensniveau"), choices=Level.choices, default=Level.NONE)
    accept_citizen = models.BooleanField(_("Bürgerinnen und Bürger (BundID)"), default=True)
    accept_business = models.BooleanField(_("Unternehmen (Mein Unternehmenskonto)"), default=False)
    lock_prefilled = models.BooleanField(
        _("übernommene Angaben sind nicht änderbar"),
        default=True,
        help_text=_("Angaben aus der BundID oder dem Unternehmenskonto können nicht geändert werden."),
    )
    field_mapping = models.JSONField(
        _("zusätzliche Zuordnung (FIM-Feld-ID → Merkmal)"), default=dict, blank=True
    )

    class Meta:
        verbose_name = _("Anmeldung für eine Leistung")
        verbose_name_plural = _("Anmeldung für Leistungen")


class ParkedResponse(models.Model):
    """A SAMLResponse POSTed across sites (the browser sends no SameSite=Lax session cookie with it):
    kept for a moment under a random key and taken up once by the same-site GET that follows."""

    key = models.CharField(max_length=64, unique=True)
    data = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.key[:8]
