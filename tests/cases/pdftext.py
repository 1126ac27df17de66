"""The text of a PDF written by rathaus.core.pdf (fpdf2, core fonts): enough for assertions.

No PDF library is a dependency, so this reads the content streams (Flate-compressed or not) and
collects the string operands of the text operators (Tj, TJ), one line per text object.
"""

from __future__ import annotations

import contextlib
import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_STRING = re.compile(rb"\((?:\\.|[^\\()])*\)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        ch = raw[i : i + 1]
        if ch == b"\\" and i + 1 < len(raw):
            nxt = raw[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8))
                i += 1 + len(octal.group(0))
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += ch
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    lines: list[str] = []
    for match in _STREAM.finditer(data):
        body = match.group(1)
        with contextlib.suppress(zlib.error):
            body = zlib.decompress(body)
        for block in re.findall(rb"BT(.*?)ET", body, re.S):
            parts = [_unescape(s[1:-1]) for s in _STRING.findall(block)]
            if parts:
                lines.append(b"".join(parts).decode("cp1252"))
    return "\n".join(lines)
