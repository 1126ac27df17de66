from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

# The largest id a database column holds (signed 64 bit): a larger number in a path or query would
# overflow the database driver instead of answering 404 or 422.
MAX_ID = 2**63 - 1
# Every id in a path: 1 … MAX_ID, documented in the schema and checked before the view runs.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


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
    """Every error answer of the API: a bilingual message, and for invalid input the details."""

    detail: str
    errors: list[Any] | None = None


class BoundedPagination(LimitOffsetPagination):
    """``limit``/``offset`` paging with documented bounds (an offset past the last row is an empty page)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=10_000_000)
