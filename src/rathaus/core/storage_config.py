"""STORAGES for object storage, built from RATHAUS_S3_* values (used by settings.py and the tests).

No Django imports here: settings.py calls :func:`s3_storages` while settings load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class StorageConfigError(ValueError):
    pass


def s3_storages(env: Callable[..., str], signed_url_seconds: int) -> dict[str, dict[str, Any]]:
    """ "default" (public media) and "private" as two buckets of one S3-compatible service, and
    "heritage" (image masters, pyramids, IIIF tiles) and "mobility" (GTFS and population-grid
    Parquet) as folders ``heritage/`` and ``mobility/`` of the private bucket, or buckets of their own
    (RATHAUS_S3_HERITAGE_BUCKET, RATHAUS_S3_MOBILITY_BUCKET; ADR 0021)."""
    bucket, private_bucket = env("RATHAUS_S3_BUCKET", ""), env("RATHAUS_S3_PRIVATE_BUCKET", "")
    if not bucket or not private_bucket or bucket == private_bucket:
        raise StorageConfigError(
            "RATHAUS_STORAGE=s3 needs RATHAUS_S3_BUCKET (public media) and a different "
            "RATHAUS_S3_PRIVATE_BUCKET (private files)."
        )
    common = {
        "endpoint_url": env("RATHAUS_S3_ENDPOINT_URL", "") or None,
        "access_key": env("RATHAUS_S3_ACCESS_KEY_ID", "") or None,
        "secret_key": env("RATHAUS_S3_SECRET_ACCESS_KEY", "") or None,
        "region_name": env("RATHAUS_S3_REGION", "") or None,
        "addressing_style": env("RATHAUS_S3_ADDRESSING_STYLE", "path") or None,
        "signature_version": "s3v4",
        "file_overwrite": False,  # a second upload of the same name gets a new name, as on disk
        "default_acl": None,  # the bucket policy decides; Rathaus never sets public-read on an object
        "querystring_expire": signed_url_seconds,
    }
    public_signed = env("RATHAUS_S3_PUBLIC_SIGNED", "0").strip().lower() in ("1", "true", "yes", "on")
    # Written once under random names (a re-tiling replaces its own tiles): overwrite in place.
    derived = {**common, "querystring_auth": True, "file_overwrite": True}
    heritage_bucket = env("RATHAUS_S3_HERITAGE_BUCKET", "") or private_bucket
    mobility_bucket = env("RATHAUS_S3_MOBILITY_BUCKET", "") or private_bucket
    if bucket in (heritage_bucket, mobility_bucket):
        raise StorageConfigError(
            "RATHAUS_S3_HERITAGE_BUCKET and RATHAUS_S3_MOBILITY_BUCKET must not be the public bucket."
        )
    return {
        "heritage": {
            "BACKEND": "rathaus.core.storage_s3.PrivateS3Storage",
            "OPTIONS": {
                **derived,
                "bucket_name": heritage_bucket,
                "location": "heritage" if heritage_bucket == private_bucket else "",
            },
        },
        "mobility": {
            "BACKEND": "rathaus.core.storage_s3.PrivateS3Storage",
            "OPTIONS": {
                **derived,
                "bucket_name": mobility_bucket,
                "location": "mobility" if mobility_bucket == private_bucket else "",
            },
        },
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": bucket,
                # Public media: plain URLs (bucket readable by everyone, or a CDN domain), or signed
                # ones when the bucket is not public (RATHAUS_S3_PUBLIC_SIGNED=1).
                "querystring_auth": public_signed,
                "custom_domain": env("RATHAUS_S3_PUBLIC_DOMAIN", "") or None,
            },
        },
        "private": {
            "BACKEND": "rathaus.core.storage_s3.PrivateS3Storage",
            "OPTIONS": {**common, "bucket_name": private_bucket, "querystring_auth": True},
        },
    }
