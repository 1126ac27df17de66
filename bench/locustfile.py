"""Locust user for ``bench/run.py``: hammers one path (env BENCH_PATH) without think time.

FastHttpUser (geventhttpclient) keeps the load generator's own CPU cost low, which matters when
server and generator share a small machine. A response counts as a failure unless it is a 200
whose body contains BENCH_EXPECT (when set).
"""

import os

from locust import FastHttpUser, constant, task

PATH = os.environ.get("BENCH_PATH", "/")
EXPECT = os.environ.get("BENCH_EXPECT", "").encode()


class PageUser(FastHttpUser):
    wait_time = constant(0)
    # One keep-alive connection and cookie jar per user, like an anonymous browser visitor.
    connection_timeout = 10.0
    network_timeout = 10.0

    @task
    def get_page(self) -> None:
        with self.client.get(PATH, name=PATH, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif EXPECT and EXPECT not in (response.content or b""):
                response.failure(f"body lacks {EXPECT!r}")
            else:
                response.success()
