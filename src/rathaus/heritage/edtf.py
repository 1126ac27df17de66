"""A small parser for the dates of cultural objects: an EDTF subset plus common German catalogue forms.

Written by hand because the available EDTF libraries either need the whole of EDTF level 2 (and
pull in dependencies) or do not know the German forms cataloguers type ("um 1600", "16. Jh.").
The result is the span of years a search for a date range must match (``earliest``..``latest``,
both inclusive; ``None`` = open end).

Supported (each also with a leading minus for years BCE in the EDTF forms):

=========================  =============================  =======================
input                      meaning                        earliest .. latest
=========================  =============================  =======================
``1600``                   year                           1600 .. 1600
``1600-05``, ``1600-05-12``  month, day                   1600 .. 1600
``1600~``, ``um 1600``,    approximate (EDTF ``~``)       1590 .. 1610 (± 10 years)
``ca. 1600``
``1600?``                  uncertain (EDTF ``?``)         1600 .. 1600
``1600%``                  uncertain and approximate      1590 .. 1610
``159X``                   decade (EDTF unspecified)      1590 .. 1599
``16XX``                   hundred years (EDTF)           1600 .. 1699
``1590er``, ``1590er Jahre``  decade (German)             1590 .. 1599
``16. Jh.``, ``16. Jahrhundert``  century (German)        1501 .. 1600
``1600/1650``              interval (EDTF)                1600 .. 1650
``1600-1650``, ``1600–1650``  interval (German)           1600 .. 1650
``1600/..``, ``../1650``   open interval                  1600 .. None / None .. 1650
=========================  =============================  =======================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

APPROX_YEARS = 10

_YEAR = r"-?\d{4}"
_EDTF_DATE = re.compile(
    rf"^(?P<year>{_YEAR}|-?\d{{2}}[0-9X]{{2}}|-?\d{{3}}X)(?:-(?P<month>\d{{2}})(?:-(?P<day>\d{{2}}))?)?(?P<q>[~?%])?$"
)
_CENTURY_DE = re.compile(r"^(?P<n>\d{1,2})\.\s*(?:jh\.?|jhdt\.?|jahrhundert)$", re.IGNORECASE)
_DECADE_DE = re.compile(r"^(?P<y>\d{3}0)er(?:\s+jahre)?$", re.IGNORECASE)
_APPROX_DE = re.compile(r"^(?:um|ca\.?|circa|etwa)\s+(?P<rest>.+)$", re.IGNORECASE)
_RANGE_DE = re.compile(rf"^(?P<a>{_YEAR})\s*[-–]\s*(?P<b>{_YEAR})$")


class EdtfError(ValueError):
    """The text is no date this parser understands."""


@dataclass(frozen=True)
class DateSpan:
    earliest: int | None
    latest: int | None
    approximate: bool = False
    uncertain: bool = False


def _one(text: str) -> DateSpan:
    text = text.strip()
    m = _EDTF_DATE.match(text)
    if m:
        year, month, day, q = m["year"], m["month"], m["day"], m["q"]
        if month is not None:
            if "X" in year:
                raise EdtfError(text)
            mo = int(month)
            if not (1 <= mo <= 12 or 21 <= mo <= 24):  # 21–24: EDTF seasons
                raise EdtfError(text)
            if day is not None and not (1 <= int(day) <= 31 and mo <= 12):
                raise EdtfError(text)
        if "X" in year:
            lo, hi = int(year.replace("X", "0")), int(year.replace("X", "9"))
            if lo < 0:
                lo, hi = -int(year[1:].replace("X", "9")), -int(year[1:].replace("X", "0"))
        else:
            lo = hi = int(year)
        approx = q in ("~", "%")
        if approx:
            lo, hi = lo - APPROX_YEARS, hi + APPROX_YEARS
        return DateSpan(lo, hi, approximate=approx, uncertain=q in ("?", "%"))
    m = _APPROX_DE.match(text)
    if m:
        inner = _one(m["rest"])
        return DateSpan(
            None if inner.earliest is None else inner.earliest - APPROX_YEARS,
            None if inner.latest is None else inner.latest + APPROX_YEARS,
            approximate=True,
            uncertain=inner.uncertain,
        )
    m = _CENTURY_DE.match(text)
    if m:
        n = int(m["n"])
        if n < 1:
            raise EdtfError(text)
        return DateSpan((n - 1) * 100 + 1, n * 100)
    m = _DECADE_DE.match(text)
    if m:
        return DateSpan(int(m["y"]), int(m["y"]) + 9)
    raise EdtfError(text)


def parse(text: str) -> DateSpan:
    """The span of years of ``text``; raises EdtfError for anything it does not understand."""
    text = (text or "").strip()
    if not text:
        raise EdtfError(text)
    m = _RANGE_DE.match(text)
    if m:
        text = f"{m['a']}/{m['b']}"
    if "/" in text:
        start, _sep, end = text.partition("/")
        a = None if start.strip() in ("..", "") else _one(start)
        b = None if end.strip() in ("..", "") else _one(end)
        if a is None and b is None:
            raise EdtfError(text)
        lo = a.earliest if a else None
        hi = b.latest if b else None
        if lo is not None and hi is not None and lo > hi:
            raise EdtfError(text)
        return DateSpan(
            lo,
            hi,
            approximate=bool((a and a.approximate) or (b and b.approximate)),
            uncertain=bool((a and a.uncertain) or (b and b.uncertain)),
        )
    return _one(text)


def try_parse(text: str) -> DateSpan | None:
    try:
        return parse(text)
    except EdtfError:
        return None
