from __future__ import annotations

from datetime import datetime

from ninja import Schema


class MunicipalityOut(Schema):
    name: str
    slug: str
    ags: str
    ars: str
    state: str
    address: str
    phone: str
    email: str
    website: str


class NoticeOut(Schema):
    id: int
    title: str
    teaser: str
    is_official: bool
    published_at: datetime


class SearchHitOut(Schema):
    kind: str
    title: str
    url: str
    snippet: str


class ClientOut(Schema):
    token_name: str
    municipality: str


class ErrorOut(Schema):
    detail: str
