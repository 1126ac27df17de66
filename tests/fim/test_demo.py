from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest

from rathaus.fim.demo import bewohnerparkausweis
from rathaus.fim.models import FormDefinition, FormVersion

from .conftest import bewohnerparken_path

pytestmark = pytest.mark.django_db


def cmd() -> SimpleNamespace:
    return SimpleNamespace(stdout=StringIO())


def test_demo_imports_bewohnerparkausweis_once(muni_a, settings):
    settings.RATHAUS_TESTDATA = str(bewohnerparken_path().parents[3])
    bewohnerparkausweis(cmd())
    bewohnerparkausweis(cmd())
    form = FormDefinition.objects.get(municipality=muni_a)
    assert form.leika == "99108001001000"
    assert FormVersion.objects.count() == 1


def test_demo_skips_quietly_without_test_data(muni_a, settings, tmp_path):
    settings.RATHAUS_TESTDATA = str(tmp_path)
    c = cmd()
    bewohnerparkausweis(c)
    assert "übersprungen" in c.stdout.getvalue()
    assert not FormDefinition.objects.exists()
