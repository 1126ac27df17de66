"""Public API of the digital collection for writes: objects, workflow, versions, images, collections.

Every function is one transaction and records an audit event. What OAI-PMH harvests changes only
through here: each change of a harvested object sets its ``datestamp``; withdrawing or deleting a
published object leaves a ``Tombstone`` (OAI-PMH ``deletedRecord=persistent``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathaus.core.accounts.models import User
from rathaus.core.audit import services as audit
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.models import Municipality

from . import edtf, media, search_index
from .models import (
    RIGHTS_URIS,
    Collection,
    FacetKind,
    FacetValue,
    HeritageObject,
    ImageStatus,
    ObjectImage,
    ObjectType,
    Status,
    Tombstone,
)

if TYPE_CHECKING:
    from django.core.files.storage import Storage

    from rathaus.core.backup.registry import FileRef

EDITABLE_FIELDS = [
    "inventory_number",
    "object_type",
    "title_de",
    "title_en",
    "description",
    "actors",
    "dating",
    "places",
    "materials",
    "techniques",
    "dimensions",
    "subjects",
    "institution",
    "institution_isil",
    "provenance",
    "credit_line",
    "metadata_rights",
    "image_rights",
]
LIST_FIELDS = ("actors", "places", "materials", "techniques", "dimensions", "subjects")
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.REVIEW},
    Status.REVIEW: {Status.DRAFT, Status.PUBLISHED},
    Status.PUBLISHED: {Status.DRAFT},
}
# What the button that makes a transition says: an action, not the target status (issue 14).
TRANSITION_ACTIONS: dict[tuple[str, str], Any] = {
    (Status.DRAFT, Status.REVIEW): gettext_lazy("Zur Prüfung einreichen"),
    (Status.REVIEW, Status.DRAFT): gettext_lazy("Zurück in Bearbeitung geben"),
    (Status.REVIEW, Status.PUBLISHED): gettext_lazy("Veröffentlichen"),
    (Status.PUBLISHED, Status.DRAFT): gettext_lazy("Veröffentlichung zurücknehmen"),
}
GND_RE = re.compile(r"^https?://d-nb\.info/gnd/[0-9X\-]+/?$")
URI_RE = re.compile(r"^https?://\S+$")


class ObjectError(Exception):
    """Invalid metadata: ``errors`` maps field names to messages (German, shown as they are)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# --- Metadata ----------------------------------------------------------------------------------


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _terms(items: Any, field: str, errors: dict[str, str]) -> list[dict[str, str]]:
    out = []
    for item in items or []:
        if isinstance(item, str):
            item = {"label": item}
        label = _text(item.get("label"), 300)
        uri = _text(item.get("uri"), 300)
        if not label:
            continue
        if uri and not URI_RE.match(uri):
            errors[field] = _("„%(uri)s“ ist keine gültige URI (http:// oder https://).") % {"uri": uri}
        out.append({"label": label, "uri": uri} if uri else {"label": label})
    return out


def clean_metadata(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check object metadata; raises ObjectError with every problem found."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    out["inventory_number"] = _text(data.get("inventory_number"), 100)
    if not out["inventory_number"]:
        errors["inventory_number"] = _("Die Inventarnummer fehlt.")
    out["object_type"] = _text(data.get("object_type"), 20)
    if out["object_type"] not in ObjectType.values:
        errors["object_type"] = _("Unbekannte Objektart „%(v)s“.") % {"v": out["object_type"]}
    out["title_de"] = _text(data.get("title_de"), 500)
    if not out["title_de"]:
        errors["title_de"] = _("Der Titel fehlt.")
    out["title_en"] = _text(data.get("title_en"), 500)
    out["description"] = str(data.get("description") or "").strip()
    actors = []
    for a in data.get("actors") or []:
        name = _text(a.get("name"), 300)
        if not name:
            continue
        gnd = _text(a.get("gnd"), 200)
        if gnd and not GND_RE.match(gnd):
            errors["actors"] = _("„%(v)s“ ist keine GND-URI (https://d-nb.info/gnd/…).") % {"v": gnd}
        actor = {"name": name, "role": _text(a.get("role"), 100) or _("Hersteller/in")}
        if gnd:
            actor["gnd"] = gnd
        actors.append(actor)
    out["actors"] = actors
    out["dating"] = _text(data.get("dating"), 100)
    out["date_earliest"] = out["date_latest"] = None
    if out["dating"]:
        span = edtf.try_parse(out["dating"])
        if span is None:
            errors["dating"] = _(
                "Die Datierung „%(v)s“ wird nicht verstanden (z. B. 1600, um 1600, 159X, 1600/1650, 16. Jh.)."
            ) % {"v": out["dating"]}
        else:
            out["date_earliest"], out["date_latest"] = span.earliest, span.latest
    for field in ("places", "materials", "techniques", "subjects"):
        out[field] = _terms(data.get(field), field, errors)
    dims = []
    for d in data.get("dimensions") or []:
        if isinstance(d, str):
            d = {"type": "", "value": d, "unit": ""}
        value = _text(d.get("value"), 50)
        if value:
            dims.append({"type": _text(d.get("type"), 60), "value": value, "unit": _text(d.get("unit"), 20)})
    out["dimensions"] = dims
    for field in ("institution", "credit_line"):
        out[field] = _text(data.get(field), 300)
    out["institution_isil"] = _text(data.get("institution_isil"), 40)
    out["provenance"] = str(data.get("provenance") or "").strip()
    for field, default in (
        ("metadata_rights", "http://creativecommons.org/publicdomain/zero/1.0/"),
        ("image_rights", "http://creativecommons.org/licenses/by/4.0/"),
    ):
        value = _text(data.get(field), 200).replace("https://", "http://") or default
        if value not in RIGHTS_URIS:
            errors[field] = _(
                "„%(v)s“ ist keine erlaubte Rechteangabe (CC- oder rightsstatements.org-URI)."
            ) % {"v": value}
        out[field] = value
    if errors:
        raise ObjectError(errors)
    return out


def search_text_of(obj: HeritageObject) -> str:
    parts: list[str] = [
        obj.inventory_number,
        obj.title_de,
        obj.title_en,
        obj.description,
        obj.dating,
        obj.institution,
        obj.provenance,
        str(obj.get_object_type_display()),
    ]
    parts += [a.get("name", "") + " " + a.get("role", "") for a in obj.actors or []]
    for field in ("places", "materials", "techniques", "subjects"):
        parts += [t.get("label", "") for t in getattr(obj, field) or []]
    return " ".join(p for p in parts if p).lower()


def facet_rows(obj: HeritageObject, collections: Iterable[tuple[str, str]] = ()) -> list[FacetValue]:
    """Every facet value of an object; ``collections`` are (set spec, title) incl. the ancestors."""
    rows: list[FacetValue] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, label: str, value: str = "") -> None:
        value = (value or label)[:300]
        if (kind, value) in seen or not label:
            return
        seen.add((kind, value))
        rows.append(
            FacetValue(
                object=obj,
                municipality_id=obj.municipality_id,
                published=obj.is_published,
                facet=kind,
                value=value,
                label=label[:300],
            )
        )

    add(FacetKind.TYPE, obj.object_type)
    add(FacetKind.LICENCE, obj.image_rights)
    if obj.date_earliest is not None:
        start = (obj.date_earliest // 100) * 100
        add(FacetKind.CENTURY, f"{start}–{start + 99}", str(start))
    for spec, title in collections:
        add(FacetKind.COLLECTION, title, spec)
    for a in obj.actors or []:
        add(FacetKind.CREATOR, a.get("name", ""), a.get("gnd", ""))
    for kind, field in (
        (FacetKind.PLACE, "places"),
        (FacetKind.MATERIAL, "materials"),
        (FacetKind.TECHNIQUE, "techniques"),
        (FacetKind.SUBJECT, "subjects"),
    ):
        for t in getattr(obj, field) or []:
            add(kind, t.get("label", ""), t.get("uri", ""))
    return rows


def collection_facets(obj: HeritageObject) -> list[tuple[str, str]]:
    """(set spec, title) of the object's public collections and of all their ancestors."""
    specs: set[str] = set()
    for spec in obj.collections.filter(is_public=True).values_list("set_spec", flat=True):
        parts = spec.split(":")
        specs.update(":".join(parts[: i + 1]) for i in range(len(parts)))
    if not specs:
        return []
    return list(
        Collection.objects.filter(
            municipality_id=obj.municipality_id, set_spec__in=specs, is_public=True
        ).values_list("set_spec", "title_de")
    )


def _refresh_derived(obj: HeritageObject) -> None:
    """Facet rows and the site-wide search entry follow the object."""
    FacetValue.objects.filter(object=obj).delete()
    FacetValue.objects.bulk_create(facet_rows(obj, collection_facets(obj)))
    from . import search_provider

    search_provider.index_object(obj)
    if obj.is_published:  # drafts are not in the public search: their edits need no rebuild
        search_index.mark_changed(obj.municipality_id)


def _set_specs(obj: HeritageObject) -> str:
    specs = list(obj.collections.values_list("set_spec", flat=True))
    return "|" + "|".join(specs) + "|" if specs else ""


def _tombstone(obj: HeritageObject, now: Any) -> None:
    Tombstone.objects.update_or_create(
        municipality_id=obj.municipality_id,
        public_id=obj.public_id,
        defaults={"datestamp": now, "inventory_number": obj.inventory_number, "set_specs": _set_specs(obj)},
    )


def save_object(
    municipality: Municipality,
    data: dict[str, Any],
    *,
    obj: HeritageObject | None = None,
    collections: Iterable[Collection] | None = None,
    ctx: ServiceContext | None = None,
    actor: User | None = None,
    reason: str = "",
    audited: bool = True,
) -> HeritageObject:
    """Create or update an object (a new version in its history); raises ObjectError."""
    clean = clean_metadata(data)
    with transaction.atomic():
        duplicate = HeritageObject.objects.for_tenant(municipality).filter(
            inventory_number=clean["inventory_number"]
        )
        if obj is not None:
            duplicate = duplicate.exclude(pk=obj.pk)
        if duplicate.exists():
            raise ObjectError({"inventory_number": _("Diese Inventarnummer ist bereits vergeben.")})
        created = obj is None
        if obj is None:
            obj = HeritageObject(municipality=municipality)
        before = {f: getattr(obj, f) for f in EDITABLE_FIELDS} if not created else {}
        for key, value in clean.items():
            setattr(obj, key, value)
        obj.search_text = search_text_of(obj)
        obj.datestamp = timezone.now()
        if reason:
            obj._change_reason = reason  # type: ignore[attr-defined]  # simple-history
        obj.save()
        if collections is not None:
            obj.collections.set([c for c in collections if c.municipality_id == municipality.pk])
        _refresh_derived(obj)
        changes = {
            f: [str(before.get(f)), str(getattr(obj, f))]
            for f in EDITABLE_FIELDS
            if not created and before.get(f) != getattr(obj, f)
        }
        if audited:
            audit.record(
                "heritage.object.created" if created else "heritage.object.changed",
                ctx=ctx,
                actor=actor,
                municipality=municipality,
                obj=obj,
                changes=changes,
            )
    return obj


def transition(
    obj: HeritageObject, to: str, *, ctx: ServiceContext | None = None, actor: User | None = None
) -> None:
    """Workflow step (draft → review → published; back to draft). Raises ObjectError if not allowed."""
    if to not in TRANSITIONS.get(obj.status, set()):
        raise ObjectError({"status": _("Dieser Statuswechsel ist nicht möglich.")})
    caller = obj
    with transaction.atomic():
        obj = HeritageObject.objects.select_for_update().get(pk=obj.pk)
        if to not in TRANSITIONS.get(obj.status, set()):
            raise ObjectError({"status": _("Dieser Statuswechsel ist nicht möglich.")})
        now = timezone.now()
        was_published = obj.is_published
        previous = obj.status
        obj.status = to
        obj.datestamp = now
        if to == Status.PUBLISHED:
            obj.published_at = now
            Tombstone.objects.filter(municipality_id=obj.municipality_id, public_id=obj.public_id).delete()
        elif was_published:
            _tombstone(obj, now)
        obj._change_reason = f"{previous} → {to}"  # type: ignore[attr-defined]
        obj.save()
        FacetValue.objects.filter(object=obj).update(published=obj.is_published)
        from . import search_provider

        search_provider.index_object(obj)
        if was_published or obj.is_published:
            search_index.mark_changed(obj.municipality_id)
        audit.record(
            "heritage.object.status",
            ctx=ctx,
            actor=actor,
            municipality=obj.municipality,
            obj=obj,
            changes={"status": [previous, to]},
        )
    caller.status, caller.datestamp, caller.published_at = obj.status, obj.datestamp, obj.published_at


def set_collections(
    obj: HeritageObject,
    collections: Iterable[Collection],
    *,
    ctx: ServiceContext | None = None,
    actor: User | None = None,
) -> None:
    with transaction.atomic():
        obj.collections.set([c for c in collections if c.municipality_id == obj.municipality_id])
        HeritageObject.objects.filter(pk=obj.pk).update(datestamp=timezone.now())
        _refresh_derived(obj)
        audit.record(
            "heritage.object.collections",
            ctx=ctx,
            actor=actor,
            municipality=obj.municipality,
            obj=obj,
        )


def delete_object(
    obj: HeritageObject, *, ctx: ServiceContext | None = None, actor: User | None = None
) -> None:
    with transaction.atomic():
        if obj.is_published:
            _tombstone(obj, timezone.now())
        image_ids = list(obj.images.values_list("image_id", flat=True))
        from . import search_provider

        search_provider.remove_object(obj)
        audit.record("heritage.object.deleted", ctx=ctx, actor=actor, municipality=obj.municipality, obj=obj)
        muni_id = obj.municipality_id
        was_published = obj.is_published
        obj.delete()
        if was_published:
            search_index.mark_changed(muni_id)

        def remove_files() -> None:
            for image_id in image_ids:
                media.remove_image_files(muni_id, image_id)

        transaction.on_commit(remove_files)


def restore_version(
    obj: HeritageObject, history_id: int, *, ctx: ServiceContext | None = None, actor: User | None = None
) -> HeritageObject:
    """Bring back the metadata of an earlier version (status and collections stay); a new version."""
    old = obj.history.filter(history_id=history_id).first()
    if old is None:
        raise ObjectError({"version": _("Diese Version gibt es nicht.")})
    data = {f: getattr(old, f) for f in EDITABLE_FIELDS}
    return save_object(
        obj.municipality,
        data,
        obj=obj,
        ctx=ctx,
        actor=actor,
        reason=_("Wiederhergestellt aus Version vom %(d)s")
        % {"d": timezone.localtime(old.history_date).strftime("%d.%m.%Y %H:%M")},
    )


def version_diff(obj: HeritageObject, history_id: int) -> list[tuple[str, Any, Any]]:
    """(field label, old, new) of one version against the one before it."""
    record = obj.history.filter(history_id=history_id).first()
    if record is None:
        raise ObjectError({"version": _("Diese Version gibt es nicht.")})
    previous = record.prev_record
    if previous is None:
        return [(_label(f), "", getattr(record, f)) for f in EDITABLE_FIELDS if getattr(record, f)]
    delta = record.diff_against(previous, included_fields=[*EDITABLE_FIELDS, "status"])
    return [(_label(c.field), c.old, c.new) for c in delta.changes]


def _label(field: str) -> str:
    return str(getattr(HeritageObject._meta.get_field(field), "verbose_name", field))


# --- Collections -------------------------------------------------------------------------------


def save_collection(
    municipality: Municipality,
    data: dict[str, Any],
    *,
    coll: Collection | None = None,
    ctx: ServiceContext | None = None,
    actor: User | None = None,
) -> Collection:
    with transaction.atomic():
        created = coll is None
        coll = coll or Collection(municipality=municipality)
        for key in ("slug", "title_de", "title_en", "description", "level", "is_public"):
            if key in data:
                setattr(coll, key, data[key])
        if "parent" in data:
            parent = data["parent"]
            if parent is not None and parent.municipality_id != municipality.pk:
                parent = None
            coll.parent = parent
        coll.set_spec = coll.compute_set_spec()
        coll.save()
        # Children's set specs follow a renamed or moved parent; facets of the objects follow.
        for child in coll.children.all():
            save_collection(municipality, {}, coll=child, ctx=ctx, actor=actor)
        if not created:
            for obj in coll.heritage_objects.all():
                _refresh_derived(obj)
        audit.record(
            "heritage.collection.created" if created else "heritage.collection.changed",
            ctx=ctx,
            actor=actor,
            municipality=municipality,
            obj=coll,
        )
    return coll


# --- Images ------------------------------------------------------------------------------------


def add_image(
    obj: HeritageObject,
    stream: IO[bytes],
    *,
    size: int | None,
    name: str,
    alt_text: str,
    caption: str = "",
    rights: str | None = None,
    photographer: str = "",
    ctx: ServiceContext | None = None,
    actor: User | None = None,
    tile_now: bool = False,
) -> ObjectImage:
    """Store an uploaded image (checked by content and size) and queue its tiling (or tile it now)."""
    if not alt_text.strip():
        raise media.MediaError(_("Bitte geben Sie einen Alternativtext an."))
    rights = rights or obj.image_rights
    if rights not in RIGHTS_URIS:
        raise media.MediaError(_("Unbekannte Rechteangabe."))
    image = ObjectImage(municipality_id=obj.municipality_id, object=obj)
    checked = media.store_original(obj.municipality_id, image.image_id, stream, size)
    try:
        with transaction.atomic():
            image.original = f"{obj.municipality_id}/{image.image_id}/original.{checked.ext}"
            image.original_name = name[:300]
            image.mime_type = checked.mime_type
            image.width, image.height = checked.width, checked.height
            image.alt_text = alt_text.strip()[:500]
            image.caption = caption.strip()[:500]
            image.rights = rights
            image.photographer = photographer.strip()[:200]
            image.order = obj.images.count()
            image.save()
            audit.record(
                "heritage.image.added", ctx=ctx, actor=actor, municipality=obj.municipality, obj=image
            )
            if not tile_now:
                from .tasks import tile_image

                transaction.on_commit(lambda: tile_image.enqueue(image.pk))
    except BaseException:
        media.remove_image_files(obj.municipality_id, image.image_id)
        raise
    if tile_now:
        image = tile(image)
    return image


def tile(image: ObjectImage) -> ObjectImage:
    """Build the tile pyramid of one image (called by the background task)."""
    try:
        width, height = media.build_derivatives(image.municipality_id, image.image_id, image.original)
    except Exception as exc:  # libvips errors of every kind end as a visible failed state
        ObjectImage.objects.filter(pk=image.pk).update(status=ImageStatus.FAILED, error=str(exc)[:2000])
        raise
    with transaction.atomic():
        ObjectImage.objects.filter(pk=image.pk).update(
            width=width, height=height, status=ImageStatus.READY, error=""
        )
        updated = HeritageObject.objects.filter(pk=image.object_id)
        updated.update(has_image=True, datestamp=timezone.now())
        if updated.filter(status=Status.PUBLISHED).exists():
            search_index.mark_changed(image.municipality_id)
    image.refresh_from_db()
    return image


def delete_image(image: ObjectImage, *, ctx: ServiceContext | None = None, actor: User | None = None) -> None:
    with transaction.atomic():
        obj = image.object
        muni_id, image_id = image.municipality_id, image.image_id
        audit.record("heritage.image.deleted", ctx=ctx, actor=actor, municipality=obj.municipality, obj=image)
        image.delete()
        has = obj.images.filter(status=ImageStatus.READY).exists()
        HeritageObject.objects.filter(pk=obj.pk).update(has_image=has, datestamp=timezone.now())
        if obj.is_published:
            search_index.mark_changed(muni_id)
        transaction.on_commit(lambda: media.remove_image_files(muni_id, image_id))


def pyramid_bundles(src: Storage) -> Iterable[tuple[str, list[str], str]]:
    """The pyramid of every tiled image, for the manifests ``migrate_files`` writes (ADR 0021)."""
    rows = ObjectImage.objects.filter(status=ImageStatus.READY).values_list("municipality_id", "image_id")
    for muni_id, image_id in rows.iterator():
        base = media.image_base(muni_id, image_id)
        if src.exists(f"{base}/{media.PYRAMID}"):
            yield base, [media.PYRAMID], f"{base}/{media.PYRAMID_MANIFEST}"


def file_references() -> Iterable[FileRef]:
    """Every file a row of the digital collection names: each image's original (master) and, once
    tiled, its pyramid (for ``manage.py check_files`` and the restore check)."""
    from rathaus.core.backup.registry import FileRef

    rows = ObjectImage.objects.values_list("pk", "municipality_id", "image_id", "original", "status")
    root = media.media_root()
    local = media.is_local()
    store = media.heritage_storage()
    for pk, muni_id, image_id, original, status in rows.iterator():
        owner = f"heritage.ObjectImage {pk}"
        if original:
            yield FileRef(owner, "original", (root / original).is_file() if local else store.exists(original))
        if status == ImageStatus.READY:
            pyramid = f"{media.image_base(muni_id, image_id)}/{media.PYRAMID}"
            yield FileRef(
                owner,
                "pyramid",
                (media.image_dir(muni_id, image_id) / "pyramid.tif").is_file()
                if local
                else store.exists(pyramid),
            )
