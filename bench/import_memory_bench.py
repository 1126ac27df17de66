"""Peak memory of a GTFS upload and its import job (ADR 0022, "large files"): the upload request
and the worker, each in a child process of its own, on a synthetic feed zip (about 50 MB).

    .venv/bin/python bench/import_memory_bench.py [--trips 290000] [--workdir /tmp/import-memory-bench]
        [--src DIR] [--zip FILE]

The upload child does what the GTFS upload view does with the request's file: Django hands a file
over 2 MiB to the view as a ``TemporaryUploadedFile`` (built here the same way, in 64 KiB blocks),
and the view calls ``imports.start_import`` — with the upload itself where the importer mechanism
knows ``Importer(wants_path=...)``, else with ``upload.read()`` as the view did before. The worker
child runs the queued job (``imports.run``) as ``run_worker`` does. Each child reports the
resident memory after setting Django up and importing the mobility module (the upload child: also
after creating the municipality) as ``base`` — the high-water mark is reset to it there
(``/proc/self/clear_refs``), so the set-up's own transient peak cannot hide the step's — and the
high-water mark after its step (VmHWM of /proc/self/status) as ``peak``; ``peak - base`` is what
the step added. Not ru_maxrss: Linux carries it over fork and exec.

``--src`` measures another checkout's code with the same steps, e.g. the code before streaming::

    git archive 196137f src | tar -x -C /tmp/before && \\
        .venv/bin/python bench/import_memory_bench.py --src /tmp/before/src

Each run uses a fresh SQLite database and data folder below ``--workdir`` (migrated first). Not part
of ``make bench``; no target, the figures go into bench/README.md ("Import jobs: memory").
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KIND = "mobility.gtfs"


def vm_hwm_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def reset_peak() -> float:
    """Reset the high-water mark to the current resident memory (Linux 4.0+: ``5`` into
    /proc/self/clear_refs) and return that: the set-up's own transient peak must not hide the step's."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    return rss_mb()


def _setup() -> float:
    import django

    django.setup()
    from rathaus.mobility import services  # noqa: F401  (polars, pyarrow: the importer's libraries)

    return vm_hwm_mb()


def child_upload(zip_path: str) -> dict[str, Any]:
    _setup()
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from tests.factories import MunicipalityFactory

    from rathaus.core.context import ServiceContext
    from rathaus.core.jobs import imports
    from rathaus.core.tenancy.models import Municipality

    muni = Municipality.objects.first() or MunicipalityFactory(slug="bench", name="Benchstadt")
    base = reset_peak()  # after the set-up (Django, polars, the test factories' Faker)
    t = time.perf_counter()
    size = os.path.getsize(zip_path)
    upload = TemporaryUploadedFile("feed.zip", "application/zip", size, None)  # as Django's handler
    with open(zip_path, "rb") as src:
        while block := src.read(64 * 1024):
            upload.write(block)
    upload.seek(0)
    streaming = "wants_path" in imports.Importer.__dataclass_fields__
    data: Any = upload if streaming else upload.read()  # the view, after / before streaming
    ctx = ServiceContext.for_task(muni)
    job, started = imports.start_import(
        ctx, KIND, "feed.zip", data, params={"name": f"Bench {os.getpid()}"}, queue=False
    )
    upload.close()
    assert started
    import rathaus

    return {
        "step": "upload",
        "code": str(Path(rathaus.__file__).parent),
        "streaming": streaming,
        "base_mb": base,
        "peak_mb": vm_hwm_mb(),
        "seconds": time.perf_counter() - t,
        "job": job.pk,
        "bytes": size,
    }


def child_worker(job_pk: int) -> dict[str, Any]:
    _setup()
    from rathaus.core.jobs import imports
    from rathaus.core.jobs.models import ImportJob

    ImportJob.objects.filter(pk=job_pk).exists()  # the database connection is open
    base = reset_peak()

    t = time.perf_counter()
    status = imports.run(job_pk)
    job = ImportJob.objects.get(pk=job_pk)
    return {
        "step": "worker",
        "base_mb": base,
        "peak_mb": vm_hwm_mb(),
        "seconds": time.perf_counter() - t,
        "status": status,
        "message": job.message[:200],
        "result": job.result,
    }


def _env(work: Path, src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RATHAUS_") and k != "DATABASE_URL"}
    data = work / "data"
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "rathaus.settings",
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "RATHAUS_DEBUG": "0",
            "RATHAUS_SECRET_KEY": secrets.token_urlsafe(50),
            "RATHAUS_HTTPS": "0",
            "RATHAUS_DATA_DIR": str(data),
            "RATHAUS_MEDIA_ROOT": str(data / "media"),
            "RATHAUS_LOG_LEVEL": "WARNING",
        }
    )
    return env


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def feed_zip(work: Path, trips: int) -> Path:
    zipped = work / f"feed-{trips}.zip"
    if not zipped.exists():
        sys.path.insert(0, str(ROOT))
        from bench.gtfs_synth import generate

        folder = work / f"feed-{trips}"
        generate(folder, 20_000, 1_000, trips, 365)
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(folder.glob("*.txt")):
                zf.write(f, f.name)
        shutil.rmtree(folder)
    return zipped


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] in ("--child-upload", "--child-worker"):
        upload = sys.argv[1] == "--child-upload"
        print(json.dumps(child_upload(sys.argv[2]) if upload else child_worker(int(sys.argv[2]))))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trips", type=int, default=290_000, help="290,000 trips give a zip of about 50 MB")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "import-memory-bench")
    p.add_argument("--src", type=Path, default=ROOT / "src", help="the src folder of the code to measure")
    p.add_argument("--zip", type=Path, help="a GTFS zip to upload instead of a synthetic one")
    a = p.parse_args()
    a.workdir.mkdir(parents=True, exist_ok=True)
    zipped = a.zip or feed_zip(a.workdir, a.trips)
    run_dir = a.workdir / f"run-{os.getpid()}"
    env = _env(run_dir, a.src.resolve())
    try:
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--no-input", "-v", "0"],
            env=env,
            check=True,
            cwd=ROOT,
        )
        upload = _child(env, "--child-upload", str(zipped))
        worker = _child(env, "--child-worker", str(upload["job"]))
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    mb = upload["bytes"] / 1e6
    print(f"code: {upload['code']}  zip: {zipped} ({mb:.1f} MB)  streaming: {upload['streaming']}")
    print(f"{'step':<8} {'base MB':>8} {'peak MB':>8} {'added MB':>9} {'seconds':>8}")
    for r in (upload, worker):
        added = r["peak_mb"] - r["base_mb"]
        print(f"{r['step']:<8} {r['base_mb']:>8.0f} {r['peak_mb']:>8.0f} {added:>9.0f} {r['seconds']:>8.1f}")
    print(f"job: {worker['status']}  {worker['result']}")


if __name__ == "__main__":
    main()
