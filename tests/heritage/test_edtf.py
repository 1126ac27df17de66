import pytest
from hypothesis import given
from hypothesis import strategies as st

from rathaus.heritage.edtf import EdtfError, parse


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("1600", 1600, 1600),
        ("1600-05", 1600, 1600),
        ("1600-05-12", 1600, 1600),
        ("1600~", 1590, 1610),
        ("um 1600", 1590, 1610),
        ("ca. 1600", 1590, 1610),
        ("1600?", 1600, 1600),
        ("1600%", 1590, 1610),
        ("159X", 1590, 1599),
        ("16XX", 1600, 1699),
        ("1890er", 1890, 1899),
        ("1890er Jahre", 1890, 1899),
        ("16. Jh.", 1501, 1600),
        ("19. Jahrhundert", 1801, 1900),
        ("1600/1650", 1600, 1650),
        ("1600-1650", 1600, 1650),
        ("1600–1650", 1600, 1650),
        ("1600~/1650", 1590, 1650),
        ("1600/..", 1600, None),
        ("../1650", None, 1650),
        ("um 1600/1650", 1590, 1650),
        ("-0050", -50, -50),
        ("2001-21", 2001, 2001),
    ],
)
def test_parses_the_supported_forms(text, earliest, latest):
    span = parse(text)
    assert (span.earliest, span.latest) == (earliest, latest)


def test_flags():
    assert parse("1600~").approximate and not parse("1600~").uncertain
    assert parse("1600?").uncertain and not parse("1600?").approximate
    assert parse("1600%").uncertain and parse("1600%").approximate


@pytest.mark.parametrize(
    "text", ["", "irgendwann", "1600-13", "1600-02-40", "1650/1600", "../..", "16000", "0. Jh."]
)
def test_rejects_what_it_does_not_understand(text):
    with pytest.raises(EdtfError):
        parse(text)


@given(st.integers(min_value=1000, max_value=2099), st.integers(min_value=0, max_value=300))
def test_intervals_cover_both_ends(a, d):
    span = parse(f"{a}/{a + d}" if a + d <= 9999 else f"{a}")
    assert span.earliest == a and span.latest is not None and span.latest >= a
