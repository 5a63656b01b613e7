"""QR posters for the station doors: every page of the PDF, rendered as a phone's camera would
see it (pdfium) and scanned (zxing-cpp), opens that station's page on /m; A5, Chinese first;
the command line's errors are one line each with the CLI's exit codes."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp

from geo.cli.main import main as cli_main
from geo.errors import PosterError
from geo.outputs.posters import poster_png, posters_pdf, station_page_url
from geo.register.geojson import load_stations

BASE = "https://gaohe.example.cn/app"
A5_PT = (148 / 25.4 * 72, 210 / 25.4 * 72)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(list(args))
    return code, out.getvalue(), err.getvalue()


def scanned(pdf: pypdfium2.PdfDocument, page: int) -> list[str]:
    image = pdf[page].render(scale=1.5).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(image)]


@pytest.fixture(scope="module")
def posters(tmp_path_factory):
    out = tmp_path_factory.mktemp("posters") / "posters.pdf"
    code, printed, _ = run("posters", "--out", str(out), "--base-url", BASE + "/", "--json")
    assert code == 0
    return out, json.loads(printed)


def test_every_station_gets_an_a5_page_whose_qr_code_opens_its_page(posters):
    out, summary = posters
    stations = load_stations()
    pdf = pypdfium2.PdfDocument(out)
    assert len(pdf) == summary["pages"] == len(stations)
    for page in range(len(pdf)):
        assert pdf[page].get_size() == pytest.approx(A5_PT, abs=0.5)
    for page in (0, 7, 20, len(pdf) - 1):  # scanning every page takes a while; these cover each type
        assert scanned(pdf, page) == [f"{BASE}/m?station={stations['id'].iloc[page]}"]


def test_a_poster_says_name_type_and_hours_chinese_first(posters):
    out, _ = posters
    stations = load_stations()
    pdf = pypdfium2.PdfDocument(out)
    red = int((stations.station_type == "red").to_numpy().argmax())
    text = pdf[red].get_textpage().get_text_range()
    row = stations.iloc[red]
    assert row.name_zh in text and row.name_en in text
    assert text.index("红色驿站") < text.index("Red station")
    assert "开放时间: 每天 8:00-21:00" in text and "Daily 8:00-21:00" in text
    assert text.index("扫码") < text.index("Scan")
    assert f"{BASE}/m?station={row.id}" in text  # for a phone that cannot scan


def test_a_name_with_dollars_and_braces_is_drawn_as_text_and_still_scans():
    station = {"id": "PM-01", "station_type": "party_mass", "name_zh": "驿站 $x^2$ {{7*7}} <b>",
               "name_en": "Station $\\alpha$", "opening_hours": "24/7", "hours_status": "verified",
               "location_status": "verified"}
    png = poster_png(station, base_url=BASE)
    from PIL import Image

    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [f"{BASE}/m?station=PM-01"]
    pdf = pypdfium2.PdfDocument(posters_pdf([station], base_url=BASE))
    text = pdf[0].get_textpage().get_text_range()
    assert "$x^2$" in text and "{{7*7}}" in text and "<b>" in text


@pytest.mark.parametrize("url", ["gaohe.example.cn", "ftp://gaohe.example.cn", "https://", "https://x.cn/?a=1",
                                 "javascript:alert(1)"])
def test_a_base_address_phones_cannot_open_is_refused(url):
    with pytest.raises(PosterError, match="http or https"):
        station_page_url(url, "PM-01")
    code, _, err = run("posters", "--out", "/tmp/never.pdf", "--base-url", url)
    assert code == 2 and "http or https" in err and "Traceback" not in err


def test_without_a_base_address_the_command_says_how_to_give_one(monkeypatch, tmp_path):
    monkeypatch.delenv("GAOHE_PUBLIC_URL", raising=False)
    code, _, err = run("posters", "--out", str(tmp_path / "p.pdf"))
    assert code == 2 and "--base-url" in err and "GAOHE_PUBLIC_URL" in err
    monkeypatch.setenv("GAOHE_PUBLIC_URL", "http://192.168.1.20:8501")
    code, printed, _ = run("posters", "--out", str(tmp_path / "p.pdf"), "--station", "RS-03", "--json")
    assert code == 0 and json.loads(printed)["example"] == "http://192.168.1.20:8501/m?station=RS-03"
    assert scanned(pypdfium2.PdfDocument(tmp_path / "p.pdf"), 0) == ["http://192.168.1.20:8501/m?station=RS-03"]


def test_chosen_stations_and_types_only_and_unknown_ids_named(tmp_path):
    code, printed, _ = run("posters", "--out", str(tmp_path / "red.pdf"), "--base-url", BASE, "--type", "red", "--json")
    assert code == 0 and json.loads(printed)["pages"] == 6
    code, _, err = run("posters", "--out", str(tmp_path / "x.pdf"), "--base-url", BASE, "--station", "PM-99")
    assert code == 1 and "PM-99" in err and not (tmp_path / "x.pdf").exists()


def test_an_unwritable_output_is_exit_3_and_leaves_nothing(tmp_path):
    code, _, err = run("posters", "--out", str(tmp_path / "missing" / "p.pdf"), "--base-url", BASE, "--station", "PM-01")
    assert code == 3 and "p.pdf" in err and not Path(tmp_path / "missing").exists()
