"""Locust user for ``bench/run.py``: hammers one path (env BENCH_PATH) without think time.

FastHttpUser (geventhttpclient) keeps the load generator's own CPU cost low, which matters when
server and generator share a small machine. A response counts as a failure unless it is a 200
whose body contains BENCH_EXPECT (when set). BENCH_COOKIE (e.g. ``sessionid=…``) makes every
request a signed-in one; BENCH_HOSTS_FILE (one host a line) spreads the requests over the hosts
(municipalities) in random order, through the Host header. With BENCH_CACHE_FILE, the cache state
of every measured answer (the ``X-Page-Cache``/``X-Private-Cache``/``X-Form-Cache`` headers, counted
from the reset after ramp-up) is written there as JSON when locust quits.
"""

import json
import os
import random
from collections import Counter
from typing import Any

from locust import FastHttpUser, constant, events, task

PATH = os.environ.get("BENCH_PATH", "/")
EXPECT = os.environ.get("BENCH_EXPECT", "").encode()
COOKIE = os.environ.get("BENCH_COOKIE", "")
HOSTS_FILE = os.environ.get("BENCH_HOSTS_FILE", "")
HOSTS = [h.strip() for h in open(HOSTS_FILE).read().split()] if HOSTS_FILE else []  # noqa: SIM115
CACHE_FILE = os.environ.get("BENCH_CACHE_FILE", "")

cache_states: Counter[str] = Counter()


def cache_state(headers: Any) -> str:
    """The same labels as ``bench/run.py``'s probe: hit, miss, own hit, form hit, or none."""
    if headers.get("X-Private-Cache"):
        return "own " + headers["X-Private-Cache"]
    if headers.get("X-Form-Cache"):
        return "form " + headers["X-Form-Cache"]
    return headers.get("X-Page-Cache") or "none"


@events.reset_stats.add_listener
def _reset_cache_states(**kwargs: Any) -> None:
    cache_states.clear()


@events.quitting.add_listener
def _write_cache_states(**kwargs: Any) -> None:
    if CACHE_FILE:
        with open(CACHE_FILE, "w") as out:
            json.dump(dict(cache_states), out)


class PageUser(FastHttpUser):
    wait_time = constant(0)
    # One keep-alive connection and cookie jar per user, like an anonymous browser visitor.
    connection_timeout = 10.0
    network_timeout = 10.0

    @task
    def get_page(self) -> None:
        headers = {}
        if COOKIE:
            headers["Cookie"] = COOKIE
        if HOSTS:
            headers["Host"] = random.choice(HOSTS)
        with self.client.get(PATH, name=PATH, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif EXPECT and EXPECT not in (response.content or b""):
                response.failure(f"body lacks {EXPECT!r}")
            else:
                cache_states[cache_state(response.headers)] += 1
                response.success()
