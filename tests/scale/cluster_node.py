"""Run on a node of the test cluster (``python tests/scale/cluster_node.py CMD`` with the cluster's
environment): what the cluster test needs from inside, printed as JSON.

- ``form-steps KEY``: the POST data of each step of the demo application KEY (rathaus.cases.demo),
  uploads as base64, so the test can fill the form through haproxy like a browser.
- ``add-image PATH``: a staff upload of the image at PATH to the first demo heritage object (the
  service queues its tiling on the workers); prints the image's pk and public image id.
- ``confirm-key EMAIL``: the key of the confirmation link in the signup mail.
- ``totp-code EMAIL``: the current TOTP code of a staff member (as the authenticator app shows it).
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import django


def form_steps(key: str) -> dict[str, object]:
    from django.utils import timezone

    from rathaus.cases.demo import APPLICATIONS, answers_for
    from rathaus.core.storage import private_storage
    from rathaus.core.tenancy.models import Municipality
    from rathaus.fim import engine
    from rathaus.fim.models import FormDefinition

    zeitz = Municipality.objects.get(slug="zeitz")
    spec = next(a for a in APPLICATIONS if a.key == key)
    form = FormDefinition.objects.get(municipality=zeitz, schema_id=spec.schema_id)
    answers = answers_for(zeitz, spec, timezone.localdate())
    steps = []
    for step in engine.steps(form.active_version.definition):
        data: dict[str, object] = {}
        for name, value in engine.flatten(step, answers.get(step["id"])).items():
            if isinstance(value, dict):
                with private_storage().open(value["path"], "rb") as fh:
                    data[name] = {"file": value["name"], "b64": base64.b64encode(fh.read()).decode()}
            else:
                data[name] = value
        steps.append(data)
    return {"form": form.pk, "steps": steps, "name": spec.person.name}


def add_image(path: str) -> dict[str, object]:
    from rathaus.core.tenancy.models import Municipality
    from rathaus.heritage import services
    from rathaus.heritage.models import HeritageObject

    zeitz = Municipality.objects.get(slug="zeitz")
    obj = HeritageObject.objects.filter(municipality=zeitz, status="published").order_by("pk").first()
    assert obj is not None, "no demo heritage object"
    file = Path(path)
    with file.open("rb") as fh:
        image = services.add_image(
            obj, fh, size=file.stat().st_size, name=file.name, alt_text="Stadtansicht (Clustertest)"
        )
    return {"pk": image.pk, "image_id": image.image_id, "object": obj.public_id}


def confirm_key(email: str) -> dict[str, object]:
    """The key of the confirmation link the signup mail carries (allauth's HMAC of the address)."""
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    return {"key": EmailConfirmationHMAC(EmailAddress.objects.get(email=email)).key}


def totp_code(email: str) -> dict[str, object]:
    """The code of the current period, not one about to expire (allauth accepts only the current one)."""
    import time

    from allauth.mfa import app_settings

    from rathaus.core.accounts.mfa import current_totp_code
    from rathaus.core.accounts.models import User

    remaining = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if remaining < 5:
        time.sleep(remaining + 0.1)
    return {"code": current_totp_code(User.objects.get(email=email))}


COMMANDS = {
    "form-steps": form_steps,
    "add-image": add_image,
    "confirm-key": confirm_key,
    "totp-code": totp_code,
}

if __name__ == "__main__":
    django.setup()
    print(json.dumps(COMMANDS[sys.argv[1]](sys.argv[2])))
