"""The browser harness's own promises (tests/browser/conftest.py), where breaking one would make journeys fail
for what no user's browser does."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_a_screenshot_leaves_no_inline_style_on_the_page(page: Page, screenshot):
    # Hiding the caret styled every input inline; the DSFR, starting late on a slow run, copied the header's
    # tools with that style into the mobile menu, and the CSP refused it (a CI run, December 2026).
    page.goto("/users/login")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.locator("input").count() > 0
    screenshot(page, "harnais-connexion")
    styled = "() => document.querySelectorAll('input[style], textarea[style], [contenteditable][style]').length"
    assert page.evaluate(styled) == 0
