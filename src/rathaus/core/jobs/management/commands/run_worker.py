"""``db_worker`` with a heartbeat and recovery: the worker command to run in production.

Takes every option of django-tasks-db's ``db_worker``. At start it fails the work of dead workers
(``recover_jobs``), then a thread writes this worker's heartbeat every 20 seconds and repeats the
recovery every 5 minutes.
"""

from __future__ import annotations

import os
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from rathaus.core.jobs import services


class Command(DbWorkerCommand):
    help = "Hintergrund-Worker mit Lebenszeichen / task worker with heartbeat and recovery."

    def handle(self, *args: Any, **options: Any) -> None:
        reload = options.get("reload") and not options.get("batch")
        if reload and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # The autoreload parent only watches files; the child runs the worker (and beats).
            return super().handle(*args, **options)
        services.recover()
        heart = services.HeartbeatThread(options["worker_id"])
        services.beat(heart.worker_id, heart.started_at)
        heart.start()
        try:
            return super().handle(*args, **options)
        finally:
            heart.stop()
