"""Every map builder's output, with hostile text in every field, run in Chromium: no script from
the text runs, no dialog opens, the title stays, and the map still draws every marker."""

from __future__ import annotations

import pytest

from geo.maps.base import standalone_html
from geo.markup import plain_text
from tests.browser.conftest import screenshot
from tests.hostile_text import CORPUS
from tests.test_markup import _all_maps, hostile_stations  # noqa: F401 - a fixture

#: folium names its map ``map_<id>``; other window properties (localStorage) may not be readable
FIND_MAP = "Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k]).find(v => v instanceof L.Map)"


@pytest.mark.browser
@pytest.mark.parametrize("builder", ["overview", "rider", "coverage", "gaps", "reports"])
def test_hostile_text_on_every_map_is_shown_as_text_and_never_runs(browser, hostile_stations, builder):  # noqa: F811
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    # nothing may leave the page: a script that phones home fails the test as much as one that runs
    requests: list[str] = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_content(standalone_html(_all_maps(hostile_stations)[builder]).replace("<head>", "<head><title>map</title>", 1))
    page.wait_for_function("() => window.L !== undefined && document.querySelector('.leaflet-container')")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__pwn") is None
    assert dialogs == [] and page.title() == "map"
    assert [url for url in requests if not url.startswith("data:")] == []
    if builder == "overview":
        # every station still has its marker (or is inside a cluster) and its tooltip reads as the text
        drawn = page.evaluate("""() => { let n = 0; map_holder().eachLayer(l => { if (l.getLatLng && l.getTooltip && l.getTooltip()) n++; }); return n; }"""
                              .replace("map_holder()", FIND_MAP))
        assert drawn >= len(CORPUS) - 5  # markers inside clusters are layers of the cluster group
        tooltips = page.evaluate("""() => { const texts = [];
            FIND_MAP.eachLayer(l => {
              if (l.getTooltip && l.getTooltip()) { const div = document.createElement('div');
                div.innerHTML = l.getTooltip().getContent(); texts.push(div.textContent.trim()); } });
            return texts; }""".replace("FIND_MAP", FIND_MAP))
        expected = {plain_text(text, max_chars=200) for text in CORPUS}
        assert expected & set(tooltips), tooltips[:5]
    screenshot(page, f"hostile_text_{builder}")
    context.close()
