"""Storage tests: the case fixtures, and a real S3-protocol server (moto's server mode)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rathaus.core.storage_config import s3_storages
from tests.cases.conftest import (  # noqa: F401 - fixtures
    _media,
    clerk_a,
    dept_a,
    form_a,
    other_clerk_a,
    setting_a,
)

ACCESS_KEY, SECRET_KEY, REGION = "rathaus-test", "rathaus-test-secret", "eu-central-1"


def _free_port() -> int:
    """A port the system picks (the machine is shared: no fixed range)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory) -> Iterator[str]:
    """``moto_server`` as a separate process, spoken to over HTTP like any S3 service."""
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
    port = _free_port()
    log = (tmp_path_factory.getbasetemp() / "moto.log").open("wb")
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    try:
        for _ in range(1200):  # up to a minute on a loaded machine
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("moto_server exited") from None
                time.sleep(0.05)
        else:
            raise RuntimeError("moto_server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def s3_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@pytest.fixture
def s3(settings, moto_endpoint, tmp_path) -> dict[str, Any]:
    """Two fresh buckets per test, and STORAGES switched to them exactly as settings.py does it."""
    # Local heritage/mobility folders and the file cache of this test alone: the session-wide ones
    # hold what the heritage and mobility suites wrote, which migrate_files would otherwise copy.
    settings.RATHAUS_HERITAGE_MEDIA_ROOT = str(tmp_path / "s3-local" / "heritage-media")
    settings.MOBILITY_DATA_DIR = tmp_path / "s3-local" / "mobility"
    settings.RATHAUS_FILE_CACHE_DIR = tmp_path / "s3-local" / "file-cache"
    suffix = uuid.uuid4().hex[:12]
    env = {
        "RATHAUS_S3_ENDPOINT_URL": moto_endpoint,
        "RATHAUS_S3_BUCKET": f"rathaus-media-{suffix}",
        "RATHAUS_S3_PRIVATE_BUCKET": f"rathaus-private-{suffix}",
        "RATHAUS_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "RATHAUS_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "RATHAUS_S3_REGION": REGION,
    }
    client = s3_client(moto_endpoint)
    for bucket in (env["RATHAUS_S3_BUCKET"], env["RATHAUS_S3_PRIVATE_BUCKET"]):
        client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {
        **settings.STORAGES,
        **s3_storages(
            lambda name, default="": env.get(name, default), settings.RATHAUS_S3_SIGNED_URL_SECONDS
        ),
    }
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    return {
        "client": client,
        "public": env["RATHAUS_S3_BUCKET"],
        "private": env["RATHAUS_S3_PRIVATE_BUCKET"],
        "endpoint": moto_endpoint,
    }


def keys(client: Any, bucket: str) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])}
