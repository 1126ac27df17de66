"""The clipped-button check used by assert_accessible can fail: KERN squeezes any .kern-btn that contains
.kern-sr-only to 48 px, which cut off text buttons with a hidden suffix before rh-sr-only existed."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Site, clipped_buttons

pytestmark = pytest.mark.e2e


def test_clipped_button_is_detected_and_project_class_fits(page, site: Site):
    page.goto(site.a("/"))
    page.evaluate(
        """() => { const m = document.querySelector('main');
        m.insertAdjacentHTML('beforeend',
          '<a id="bad" class="kern-btn kern-btn--primary" href="#">'
          + '<span class="kern-label">Freie Plätze ansehen'
          + '<span class="kern-sr-only">: Zeitz</span></span></a>'
          + '<a id="good" class="kern-btn kern-btn--primary" href="#">'
          + '<span class="kern-label">Freie Plätze ansehen'
          + '<span class="rh-sr-only">: Zeitz</span></span></a>'); }"""
    )
    assert clipped_buttons(page) == ["Freie Plätze ansehen: Zeitz"]
    page.evaluate("() => document.getElementById('bad').remove()")
    assert clipped_buttons(page) == []
