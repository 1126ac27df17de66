"""Run in a separate process against a RESTORED installation (its environment names the restored
database and folders): fetch pages through Django's test client, print the answers as JSON.

Input (env PROBE): {"requests": [[host, email-or-null, path], ...], "allocate": [municipality slug]}.
Output: one line "PROBE <json>" with {"responses": {path: [status, bytes]}, "references": [...]}.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rathaus.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

from rathaus.cases.services import allocate_reference  # noqa: E402
from rathaus.core.accounts.models import User  # noqa: E402
from rathaus.core.tenancy.models import Municipality  # noqa: E402


def main() -> None:
    spec = json.loads(os.environ["PROBE"])
    responses: dict[str, list[int]] = {}
    for host, email, path in spec.get("requests", []):
        client = Client(HTTP_HOST=host)
        if email:
            client.force_login(
                User.objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend"
            )
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        responses[path] = [response.status_code, len(body)]
    references = []
    for slug in spec.get("allocate", []):
        with transaction.atomic():
            references.append(allocate_reference(Municipality.objects.get(slug=slug)))
    print("PROBE " + json.dumps({"responses": responses, "references": references}))


if __name__ == "__main__":
    main()
