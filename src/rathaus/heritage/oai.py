"""OAI-PMH 2.0 data provider (one repository per municipality, at /oai on its host).

Records: published objects plus tombstones of withdrawn/deleted ones (``deletedRecord=persistent``).
Order and paging: keyset on (datestamp, public_id). A resumption token carries that position, the
cursor, the completeListSize and the *snapshot time* of the first request as the effective
``until``: objects changed during a harvest move behind the snapshot and are picked up by the
next incremental harvest, so a list never repeats or skips a record that stayed unchanged.
Tokens are signed (HMAC, django.core.signing) and expire after TOKEN_TTL.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import signing
from django.db.models import Q
from django.utils import timezone
from lxml import etree

from rathaus.core.tenancy.models import Municipality

from . import lido
from .models import Collection, HeritageObject, ImageStatus, ObjectImage, Status, Tombstone

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI = f"{{{OAI_NS}}}"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
PAGE_SIZE = 200
TOKEN_TTL = timedelta(hours=24)
TOKEN_SALT = "rathaus.heritage.oai"  # noqa: S105 - a signing salt, not a secret
VERBS = ("Identify", "ListMetadataFormats", "ListSets", "ListIdentifiers", "ListRecords", "GetRecord")
ARGS: dict[str, tuple[set[str], set[str], str | None]] = {
    # verb: (required, optional, exclusive)
    "Identify": (set(), set(), None),
    "ListMetadataFormats": (set(), {"identifier"}, None),
    "ListSets": (set(), set(), "resumptionToken"),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), None),
}
FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", lido.OAI_DC_NS),
    "lido": (lido.LIDO_XSD, lido.LIDO_NS),
}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
HOST_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+$")


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Repo:
    municipality: Municipality
    base_url: str  # …/oai
    site: str  # scheme://host
    host: str  # repository identifier (primary host of the municipality)
    institution: str
    collections: dict[int, Any] | None = None  # public collections, loaded once per request

    def identifier(self, public_id: str) -> str:
        return f"oai:{self.host}:{public_id}"

    def public_id(self, identifier: str) -> str | None:
        prefix = f"oai:{self.host}:"
        return identifier[len(prefix) :] if identifier.startswith(prefix) else None


def _fmt(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date(value: str, *, end: bool) -> tuple[datetime, str]:
    if _DAY.match(value):
        try:
            d = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise OaiError("badArgument", f"illegal date {value!r}") from None
        return (d + timedelta(days=1) if end else d), "day"
    if _SECONDS.match(value):
        try:
            d = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise OaiError("badArgument", f"illegal date {value!r}") from None
        return (d + timedelta(seconds=1) if end else d), "seconds"
    raise OaiError("badArgument", f"illegal date {value!r} (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)")


# --- XML envelope ------------------------------------------------------------------------------


def _envelope(repo: Repo, params: dict[str, str], *, echo: bool) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(OAI + "OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
    etree.SubElement(root, OAI + "responseDate").text = _fmt(timezone.now())
    req = etree.SubElement(root, OAI + "request")
    req.text = repo.base_url
    if echo:
        for k, v in params.items():
            req.set(k, v)
    return root, req


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, OAI + tag)
    if text is not None:
        el.text = text
    return el


def error_response(repo: Repo, params: dict[str, str], errors: list[OaiError]) -> bytes:
    echo = not any(e.code in ("badVerb", "badArgument") for e in errors)
    root, _req = _envelope(repo, params, echo=echo)
    for e in errors:
        el = _sub(root, "error", e.message)
        el.set("code", e.code)
    return _serialise(root)


def _serialise(root: etree._Element, records: list[bytes] | None = None) -> bytes:
    body = bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    if not records:
        return body
    out: list[bytes] = []
    rest = body
    for i, rec in enumerate(records):
        head, _sep, rest = rest.partition((_MARK % i).encode())
        out += [head, rec]
    out.append(rest)
    return b"".join(out)


# --- Dispatcher --------------------------------------------------------------------------------


# Characters XML 1.0 cannot carry: an argument with one can be neither echoed nor named in a message.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def handle(repo: Repo, query: dict[str, list[str]]) -> tuple[bytes, int]:
    """The OAI-PMH response for the request arguments (each name → its list of values)."""
    if any(
        _NOT_XML.search(name) or any(_NOT_XML.search(v) for v in values) for name, values in query.items()
    ):
        error = OaiError("badArgument", "an argument contains characters that XML does not allow")
        return error_response(repo, {}, [error]), 200
    params = {k: v[0] for k, v in query.items() if v}
    try:
        verb_values = query.get("verb", [])
        if len(verb_values) != 1 or verb_values[0] not in VERBS:
            raise OaiError("badVerb", "missing, repeated or illegal verb")
        verb = verb_values[0]
        _check_args(verb, query)
        body = {
            "Identify": identify,
            "ListMetadataFormats": list_metadata_formats,
            "ListSets": list_sets,
            "ListIdentifiers": list_headers,
            "ListRecords": list_headers,
            "GetRecord": get_record,
        }[verb](repo, params)
        return body, 200
    except OaiError as e:
        return error_response(repo, params, [e]), 200


def _check_args(verb: str, query: dict[str, list[str]]) -> None:
    required, optional, exclusive = ARGS[verb]
    names = set(query) - {"verb"}
    for name, values in query.items():
        if len(values) > 1:
            raise OaiError("badArgument", f"argument {name!r} repeated")
    if exclusive and exclusive in names:
        if names != {exclusive}:
            raise OaiError("badArgument", f"{exclusive} is an exclusive argument")
        return
    illegal = names - required - optional
    if illegal:
        raise OaiError("badArgument", f"illegal argument(s): {', '.join(sorted(illegal))}")
    missing = required - names
    if missing:
        raise OaiError("badArgument", f"missing argument(s): {', '.join(sorted(missing))}")


def _published(repo: Repo) -> Any:
    return HeritageObject.objects.for_tenant(repo.municipality).filter(status=Status.PUBLISHED)


def identify(repo: Repo, params: dict[str, str]) -> bytes:
    root, _req = _envelope(repo, params, echo=True)
    el = _sub(root, "Identify")
    _sub(el, "repositoryName", f"{repo.institution} – Digitale Sammlung")
    _sub(el, "baseURL", repo.base_url)
    _sub(el, "protocolVersion", "2.0")
    _sub(el, "adminEmail", repo.municipality.email or f"sammlung@{repo.host}")
    first_obj = _published(repo).order_by("datestamp").values_list("datestamp", flat=True).first()
    first_tomb = (
        Tombstone.objects.for_tenant(repo.municipality)
        .order_by("datestamp")
        .values_list("datestamp", flat=True)
        .first()
    )
    stamps = [d for d in (first_obj, first_tomb) if d is not None]
    earliest = min(stamps) if stamps else repo.municipality.created_at
    _sub(el, "earliestDatestamp", _fmt(earliest))
    _sub(el, "deletedRecord", "persistent")
    _sub(el, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    if HOST_RE.match(repo.host):
        desc = _sub(el, "description")
        oid = etree.SubElement(desc, f"{{{ID_NS}}}oai-identifier", nsmap={None: ID_NS})
        oid.set(f"{{{XSI}}}schemaLocation", f"{ID_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd")
        for tag, text in (
            ("scheme", "oai"),
            ("repositoryIdentifier", repo.host),
            ("delimiter", ":"),
            ("sampleIdentifier", repo.identifier("abcdefghjk")),
        ):
            etree.SubElement(oid, f"{{{ID_NS}}}{tag}").text = text
    return _serialise(root)


def list_metadata_formats(repo: Repo, params: dict[str, str]) -> bytes:
    identifier = params.get("identifier")
    if identifier is not None:
        public_id = repo.public_id(identifier)
        if public_id is None or not _published(repo).filter(public_id=public_id).exists():
            if (
                public_id
                and Tombstone.objects.for_tenant(repo.municipality).filter(public_id=public_id).exists()
            ):
                # A deleted record: nothing is disseminated for it any more.
                raise OaiError("noMetadataFormats", "the item is deleted; no metadata formats are available")
            raise OaiError("idDoesNotExist", f"unknown identifier {identifier!r}")
    root, _req = _envelope(repo, params, echo=True)
    el = _sub(root, "ListMetadataFormats")
    for prefix, (schema, ns) in FORMATS.items():
        mf = _sub(el, "metadataFormat")
        _sub(mf, "metadataPrefix", prefix)
        _sub(mf, "schema", schema)
        _sub(mf, "metadataNamespace", ns)
    return _serialise(root)


def list_sets(repo: Repo, params: dict[str, str]) -> bytes:
    if "resumptionToken" in params:
        raise OaiError("badResumptionToken", "ListSets returns the complete list; no tokens are issued")
    sets = list(Collection.objects.for_tenant(repo.municipality).filter(is_public=True).order_by("set_spec"))
    if not sets:
        raise OaiError("noSetHierarchy", "this repository has no sets")
    root, _req = _envelope(repo, params, echo=True)
    el = _sub(root, "ListSets")
    for c in sets:
        s = _sub(el, "set")
        _sub(s, "setSpec", c.set_spec)
        _sub(s, "setName", c.title_de)
    return _serialise(root)


@dataclass
class PageExtras:
    """Collections and ready images of one page of objects, in two queries (no per-object lookups)."""

    collections: dict[int, list[Any]]
    images: dict[int, list[Any]]


def _public_collections(repo: Repo) -> dict[int, Collection]:
    if repo.collections is None:
        repo.collections = {
            c.pk: c for c in Collection.objects.for_tenant(repo.municipality).filter(is_public=True)
        }
    return repo.collections


def _extras(repo: Repo, ids: list[int], with_images: bool) -> PageExtras:
    colls = _public_collections(repo)
    by_obj: dict[int, list[Any]] = defaultdict(list)
    through = HeritageObject.collections.through
    for oid, cid in through.objects.filter(heritageobject_id__in=ids).values_list(
        "heritageobject_id", "collection_id"
    ):
        if cid in colls:
            by_obj[oid].append(colls[cid])
    images: dict[int, list[Any]] = defaultdict(list)
    if with_images:
        for img in ObjectImage.objects.filter(object_id__in=ids, status=ImageStatus.READY).order_by(
            "order", "pk"
        ):
            images[img.object_id].append(img)
    return PageExtras(by_obj, images)


def _record_context(repo: Repo, obj: HeritageObject, extras: PageExtras) -> lido.Context:
    return lido.Context(
        base=repo.site,
        institution=repo.institution,
        images=extras.images.get(obj.pk, []),
        collections=extras.collections.get(obj.pk, []),
    )


def _header(
    parent: etree._Element,
    repo: Repo,
    public_id: str,
    datestamp: datetime,
    specs: list[str],
    deleted: bool = False,
) -> None:
    h = _sub(parent, "header")
    if deleted:
        h.set("status", "deleted")
    _sub(h, "identifier", repo.identifier(public_id))
    _sub(h, "datestamp", _fmt(datestamp))
    for s in specs:
        _sub(h, "setSpec", s)


_MARK = "@@oai-record-%d@@"


def _metadata(
    parent: etree._Element,
    repo: Repo,
    obj: HeritageObject,
    prefix: str,
    extras: PageExtras,
    records: list[bytes],
) -> None:
    """A <metadata> element holding a marker; the record itself is serialised on its own and spliced
    in by _serialise (moving finished lxml subtrees between documents is slow, ~10 ms a record)."""
    _sub(parent, "metadata", _MARK % len(records))
    ctx = _record_context(repo, obj, extras)
    if prefix == "lido":
        records.append(lido.lido_bytes(obj, ctx))
    else:
        records.append(lido.dc_bytes(obj, ctx))


def _object_specs(obj: HeritageObject, extras: PageExtras) -> list[str]:
    return [c.set_spec for c in extras.collections.get(obj.pk, [])]


def get_record(repo: Repo, params: dict[str, str]) -> bytes:
    prefix = params["metadataPrefix"]
    public_id = repo.public_id(params["identifier"])
    obj = None
    tomb = None
    if public_id:
        obj = _published(repo).filter(public_id=public_id).first()
        if obj is None:
            tomb = Tombstone.objects.for_tenant(repo.municipality).filter(public_id=public_id).first()
    if obj is None and tomb is None:
        raise OaiError("idDoesNotExist", f"unknown identifier {params['identifier']!r}")
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"metadataPrefix {prefix!r} is not supported")
    root, _req = _envelope(repo, params, echo=True)
    records: list[bytes] = []
    rec = _sub(_sub(root, "GetRecord"), "record")
    if obj is not None:
        extras = _extras(repo, [obj.pk], with_images=True)
        _header(rec, repo, obj.public_id, obj.datestamp, _object_specs(obj, extras))
        _metadata(rec, repo, obj, prefix, extras, records)
    else:
        assert tomb is not None
        _header(
            rec,
            repo,
            tomb.public_id,
            tomb.datestamp,
            [s for s in tomb.set_specs.split("|") if s],
            deleted=True,
        )
    return _serialise(root, records)


# --- Lists with resumption tokens --------------------------------------------------------------


@dataclass
class ListState:
    verb: str
    prefix: str
    set_spec: str | None
    from_: datetime | None
    until: datetime  # exclusive upper bound (snapshot time or the request's until)
    after_stamp: datetime | None
    after_id: str
    cursor: int
    total: int | None

    def token(self, municipality_id: int) -> str:
        payload = {
            "m": municipality_id,
            "v": self.verb,
            "p": self.prefix,
            "s": self.set_spec,
            "f": self.from_.isoformat() if self.from_ else None,
            "u": self.until.isoformat(),
            "a": self.after_stamp.isoformat() if self.after_stamp else None,
            "i": self.after_id,
            "c": self.cursor,
            "n": self.total,
        }
        return signing.dumps(payload, salt=TOKEN_SALT, compress=True)


def _state_from_token(token: str, verb: str, municipality_id: int) -> ListState:
    try:
        p = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_TTL)
    except signing.SignatureExpired:
        raise OaiError("badResumptionToken", "the resumptionToken has expired") from None
    except signing.BadSignature:
        raise OaiError("badResumptionToken", "the resumptionToken is invalid") from None
    if not isinstance(p, dict) or p.get("m") != municipality_id or p.get("v") != verb:
        raise OaiError("badResumptionToken", "the resumptionToken does not belong to this request")
    try:
        return ListState(
            verb=verb,
            prefix=p["p"],
            set_spec=p["s"],
            from_=datetime.fromisoformat(p["f"]) if p["f"] else None,
            until=datetime.fromisoformat(p["u"]),
            after_stamp=datetime.fromisoformat(p["a"]) if p["a"] else None,
            after_id=p["i"],
            cursor=int(p["c"]),
            total=p["n"],
        )
    except (KeyError, TypeError, ValueError):
        raise OaiError("badResumptionToken", "the resumptionToken is invalid") from None


def _state_from_args(repo: Repo, verb: str, params: dict[str, str]) -> ListState:
    prefix = params["metadataPrefix"]
    from_ = until = None
    gran_f = gran_u = None
    if "from" in params:
        from_, gran_f = _parse_date(params["from"], end=False)
    if "until" in params:
        until, gran_u = _parse_date(params["until"], end=True)
    if gran_f and gran_u and gran_f != gran_u:
        raise OaiError("badArgument", "from and until must have the same granularity")
    if from_ and until and from_ >= until:
        raise OaiError("badArgument", "from must not be later than until")
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"metadataPrefix {prefix!r} is not supported")
    set_spec = params.get("set")
    if set_spec is not None:
        colls = Collection.objects.for_tenant(repo.municipality).filter(is_public=True)
        if not colls.exists():
            raise OaiError("noSetHierarchy", "this repository has no sets")
        if not colls.filter(set_spec=set_spec).exists():
            raise OaiError("noRecordsMatch", f"no set {set_spec!r}")
    now = timezone.now()
    snapshot = min(until, now) if until else now
    return ListState(
        verb=verb,
        prefix=prefix,
        set_spec=set_spec,
        from_=from_,
        until=snapshot,
        after_stamp=None,
        after_id="",
        cursor=0,
        total=None,
    )


def _filtered(repo: Repo, st: ListState) -> tuple[Any, Any]:
    objs = _published(repo).filter(datestamp__lt=st.until)
    tombs = Tombstone.objects.for_tenant(repo.municipality).filter(datestamp__lt=st.until)
    if st.from_:
        objs = objs.filter(datestamp__gte=st.from_)
        tombs = tombs.filter(datestamp__gte=st.from_)
    if st.set_spec:
        spec = st.set_spec
        objs = objs.filter(
            pk__in=HeritageObject.collections.through.objects.filter(
                Q(collection__set_spec=spec) | Q(collection__set_spec__startswith=spec + ":"),
                collection__is_public=True,
            ).values("heritageobject_id")
        )
        tombs = tombs.filter(Q(set_specs__contains=f"|{spec}|") | Q(set_specs__contains=f"|{spec}:"))
    return objs, tombs


def list_headers(repo: Repo, params: dict[str, str]) -> bytes:
    verb = params.get("verb", "ListRecords")
    if "resumptionToken" in params:
        st = _state_from_token(params["resumptionToken"], verb, repo.municipality.pk)
    else:
        st = _state_from_args(repo, verb, params)
    objs, tombs = _filtered(repo, st)
    if st.total is None:
        st.total = objs.count() + tombs.count()
    if st.after_stamp is not None:
        # The ">=" is redundant for the result but lets the index range start at the last page's
        # datestamp: without it every page scans from the beginning (slower the deeper the harvest).
        after = Q(datestamp__gte=st.after_stamp) & (
            Q(datestamp__gt=st.after_stamp) | Q(datestamp=st.after_stamp, public_id__gt=st.after_id)
        )
        objs, tombs = objs.filter(after), tombs.filter(after)
    objs = objs.order_by("datestamp", "public_id")
    tombs = tombs.order_by("datestamp", "public_id")
    with_records = verb == "ListRecords"
    objs = objs.defer("search_text") if with_records else objs.only("pk", "public_id", "datestamp")
    page_objs = list(objs[: PAGE_SIZE + 1])
    page_tombs = list(tombs[: PAGE_SIZE + 1])
    merged: list[Any] = sorted(page_objs + page_tombs, key=lambda r: (r.datestamp, r.public_id))
    page, more = merged[:PAGE_SIZE], len(merged) > PAGE_SIZE
    if not page and st.cursor == 0:
        raise OaiError("noRecordsMatch", "no records match the request")
    root, _req = _envelope(repo, params, echo=True)
    container = _sub(root, verb)
    extras = _extras(repo, [i.pk for i in page if not isinstance(i, Tombstone)], with_records)
    records: list[bytes] = []
    for item in page:
        deleted = isinstance(item, Tombstone)
        specs = [s for s in item.set_specs.split("|") if s] if deleted else _object_specs(item, extras)
        if with_records:
            rec = _sub(container, "record")
            _header(rec, repo, item.public_id, item.datestamp, specs, deleted=deleted)
            if not deleted:
                _metadata(rec, repo, item, st.prefix, extras, records)
        else:
            _header(container, repo, item.public_id, item.datestamp, specs, deleted=deleted)
    if more or "resumptionToken" in params:
        rt = _sub(container, "resumptionToken")
        rt.set("completeListSize", str(st.total))
        rt.set("cursor", str(st.cursor))
        if more:
            last = page[-1]
            nxt = ListState(
                verb=verb,
                prefix=st.prefix,
                set_spec=st.set_spec,
                from_=st.from_,
                until=st.until,
                after_stamp=last.datestamp,
                after_id=last.public_id,
                cursor=st.cursor + len(page),
                total=st.total,
            )
            rt.set("expirationDate", _fmt(timezone.now() + TOKEN_TTL))
            rt.text = nxt.token(repo.municipality.pk)
    return _serialise(root, records)
