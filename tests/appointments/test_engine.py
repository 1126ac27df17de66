"""The shared appointment engine: free start times, intervals, tokens, iCalendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rathaus.core import appointments as engine

TZ = ZoneInfo("Europe/Berlin")
DAY = date(2026, 12, 14)


def t(h: int, m: int = 0) -> datetime:
    return datetime.combine(DAY, time(h, m), TZ)


def test_free_starts_on_the_grid_until_the_window_closes():
    starts = engine.free_starts((t(8), t(10)), [], duration=timedelta(minutes=20), step=timedelta(minutes=10))
    assert starts[0] == t(8) and starts[-1] == t(9, 40)
    assert len(starts) == 11


def test_busy_time_and_buffer_are_respected():
    busy = engine.merge([(t(8, 30), t(8, 55))])  # an appointment 8:30–8:50 plus 5 min buffer
    starts = engine.free_starts(
        (t(8), t(10)),
        busy,
        duration=timedelta(minutes=20),
        step=timedelta(minutes=10),
        buffer=timedelta(minutes=5),
    )
    # 8:00 ends 8:20 (+5 buffer = 8:25 ≤ 8:30); 8:10 would run into the buffer zone (8:35 > 8:30)
    assert t(8) in starts and t(8, 10) not in starts
    assert all(not (t(8, 10) <= s < t(9)) for s in starts)
    assert t(9) in starts


def test_earliest_rounds_up_to_the_grid():
    starts = engine.free_starts(
        (t(8), t(9)), [], duration=timedelta(minutes=10), step=timedelta(minutes=15), earliest=t(8, 1)
    )
    assert starts == [t(8, 15), t(8, 30), t(8, 45)]


def test_nothing_fits_in_a_window_shorter_than_the_duration():
    assert (
        engine.free_starts((t(8), t(8, 15)), [], duration=timedelta(minutes=20), step=timedelta(minutes=5))
        == []
    )


def test_bad_step_is_refused():
    with pytest.raises(ValueError):
        engine.free_starts((t(8), t(9)), [], duration=timedelta(minutes=20), step=timedelta(0))


def test_merge_and_intersect():
    assert engine.merge([(t(9), t(10)), (t(8), t(9, 30)), (t(11), t(12))]) == [(t(8), t(10)), (t(11), t(12))]
    assert engine.intersect((t(8), t(10)), (t(9), t(11))) == (t(9), t(10))
    assert engine.intersect((t(8), t(9)), (t(9), t(10))) is None


def test_local_interval_follows_daylight_saving_time():
    summer = engine.local_interval(date(2026, 7, 1), time(8), time(12), TZ)
    winter = engine.local_interval(date(2026, 12, 1), time(8), time(12), TZ)
    assert summer[0].utcoffset() == timedelta(hours=2) and winter[0].utcoffset() == timedelta(hours=1)


def test_tokens_are_random_and_stored_as_hash():
    a, b = engine.new_token(), engine.new_token()
    assert a != b and len(a) >= 40
    assert engine.token_hash(a) != a and len(engine.token_hash(a)) == 64


def test_calendar_has_event_with_timezone():
    ics = engine.calendar(
        uid="x@test",
        start=t(9),
        end=t(9, 30),
        summary="Bürgerbüro: Reisepass",
        description=["a", "b"],
        location="Altmarkt 1",
    ).decode()
    assert "BEGIN:VEVENT" in ics and "TZID=Europe/Berlin" in ics and "STATUS:CONFIRMED" in ics
    assert "Altmarkt 1" in ics
