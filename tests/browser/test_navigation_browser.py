"""Every page's URL opens directly, as the first visit of a freshly started server, inside the
app's navigation (language switch, Chinese page titles) — not as a bare script."""

from __future__ import annotations

import pytest

from geo.i18n import t
from tests.browser.conftest import DESKTOP, serve_app

#: url path -> the key of the page's heading
PAGES = {"overview": "app_title", "rider": "rider_title", "coverage": "coverage_title", "gaps": "gaps_title",
         "data": "data_title"}


@pytest.mark.browser
@pytest.mark.parametrize("url_path", sorted(PAGES))
def test_a_page_url_opens_directly_on_a_fresh_server(browser, url_path):
    for app_url in serve_app():
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(app_url) else route.abort())
        page = context.new_page()
        page.goto(f"{app_url}/{url_path}")
        page.get_by_role("heading", name=t(PAGES[url_path], "zh")).first.wait_for(timeout=60_000)
        page.get_by_text("语言 / Language").wait_for()
        # the navigation bar lists every page under its Chinese title
        for key in ("page_overview", "page_rider", "page_coverage", "page_gaps", "page_data"):
            assert page.get_by_role("link", name=t(key, "zh")).count() >= 1, key
        context.close()
