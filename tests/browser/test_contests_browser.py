"""The contested claims of a topic as Chromium shows them: who says what, and who contradicts whom.

The small project of tests/test_contests.py is built and opened from file://; the test reads the
rendered text (CSS applied, so an upper-cased verb would show) of the contested-claims section.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_contests import PROJECT  # noqa: E402

from briefgen.build import build  # noqa: E402


@pytest.fixture(scope="module")
def topic_url(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("contests-browser")
    for rel, content in PROJECT.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content, encoding="utf-8")
    site = root / "site"
    for rel, data in build(root, None, today=dt.date(2025, 1, 1), index_search=False, parallel=False).files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    return (site / "topics" / "market" / "index.html").as_uri()


@pytest.mark.browser
def test_contested_claims_say_who_says_what(page: Page, topic_url: str):
    page.goto(topic_url)
    section = page.locator("section", has=page.locator("#contested-h"))
    contests = section.locator(".contest")
    assert contests.count() == 3
    first = [[line for line in side.inner_text().split("\n") if line.strip()][:2] for side in contests.nth(0).locator("[data-claim]").all()]
    assert first == [["Brokers said:", "Rates tripled."],
                     ["German investigators, contradicting it, said:", "Rates doubled."]]
    bridge = contests.nth(1).locator("[data-claim]")
    assert bridge.count() == 3  # one claim, two denials: shown once
    assert bridge.nth(2).inner_text().startswith("German investigators, contradicting “The bridge was closed.”, said:")
    text = section.inner_text()
    assert "SAYS" not in text and "DISPUTES" not in text
    # each claim links to its page
    section.get_by_role("link", name="Rates doubled.").click()
    assert page.url.endswith("/claims/rates-doubled/index.html")
