"""Locust user for ``bench/run.py``: hammers one path (env BENCH_PATH) without think time.

FastHttpUser (geventhttpclient) keeps the load generator's own CPU cost low, which matters when
server and generator share a small machine. A response counts as a failure unless it is a 200
whose body contains BENCH_EXPECT (when set). BENCH_COOKIE (e.g. ``sessionid=…``) makes every
request a signed-in one; BENCH_HOSTS_FILE (one host a line) spreads the requests over the hosts
(municipalities) in random order, through the Host header.
"""

import os
import random

from locust import FastHttpUser, constant, task

PATH = os.environ.get("BENCH_PATH", "/")
EXPECT = os.environ.get("BENCH_EXPECT", "").encode()
COOKIE = os.environ.get("BENCH_COOKIE", "")
HOSTS_FILE = os.environ.get("BENCH_HOSTS_FILE", "")
HOSTS = [h.strip() for h in open(HOSTS_FILE).read().split()] if HOSTS_FILE else []  # noqa: SIM115


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
                response.success()
