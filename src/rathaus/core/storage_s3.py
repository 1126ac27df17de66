"""The private storage on S3 (imported only with RATHAUS_STORAGE=s3, so boto3 loads only then)."""

from __future__ import annotations

from typing import Any

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):  # type: ignore[misc]
    """Private bucket: every URL is signed and short-lived, never a plain or custom-domain URL."""

    def __init__(self, **settings: Any) -> None:
        settings["querystring_auth"] = True
        settings["custom_domain"] = None
        settings["default_acl"] = None
        super().__init__(**settings)
