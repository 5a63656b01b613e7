"""QR posters for the station doors: one A5 page per station (Chinese first, then English) with
its name, type and opening hours and a QR code to ``<base-url>/m?station=ID``, the light rider
page of that station (scan: nearby stations, navigation, feedback).

The QR code (``segno``, error correction level M: a poster survives a scratch) is drawn as
vector squares, so it stays sharp at any print size; the address is also printed in full for a
phone that cannot scan. Station names are data, drawn as text (matplotlib's text is not markup).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import matplotlib
import segno
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from geo.errors import PosterError
from geo.i18n import hours_written, label_of, t
from geo.register.model import STATION_TYPES, StationType

#: A5 portrait, inches.
A5_IN = (148 / 25.4, 210 / 25.4)
_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Source Han Sans SC", "DejaVu Sans"]
_RC = {"font.sans-serif": _FONTS, "font.family": "sans-serif", "axes.unicode_minus": False, "pdf.fonttype": 42}
#: Languages on a poster, in the order they are printed.
POSTER_LANGUAGES = ("zh", "en")


def station_page_url(base_url: str, station_id: str) -> str:
    """``<base-url>/m?station=ID``: the light rider page of one station."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise PosterError("err_poster_base_url", url=base_url)
    return f"{base_url.strip().rstrip('/')}/m?station={quote(station_id, safe='')}"


def _qr(ax, url: str) -> None:
    """The QR code of ``url`` as one vector path of dark squares filling ``ax`` (quiet zone included)."""
    matrix = segno.make(url, error="m", micro=False).matrix
    size, quiet = len(matrix), 4
    ax.set_xlim(-quiet, size + quiet)
    ax.set_ylim(size + quiet, -quiet)
    ax.set_aspect("equal")
    ax.axis("off")
    vertices, codes = [], []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:  # one rectangle per run of dark modules: a small file, no hairline gaps
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            vertices += [(start, y), (x, y), (x, y + 1), (start, y + 1), (start, y)]
            codes += [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
    ax.add_patch(PathPatch(Path(vertices, codes), facecolor="black", edgecolor="none", linewidth=0,
                           antialiased=False))


def poster_figure(station: Mapping[str, Any], *, base_url: str) -> Figure:
    """One A5 page for ``station`` (a register record: id, station_type, names, opening_hours,
    hours_status, location_status)."""
    url = station_page_url(base_url, str(station["id"]))
    kind = StationType(station["station_type"])
    colour = STATION_TYPES[kind].colour
    figure = Figure(figsize=A5_IN, dpi=150)
    text = functools.partial(figure.text, parse_math=False)  # names are data: "$x$" is text, not math
    figure.patch.set_facecolor("white")
    # the band at the top: the type, in the type's colour, Chinese then English
    figure.patches.append(Rectangle((0, 0.88), 1, 0.12, transform=figure.transFigure, facecolor=colour,
                                    edgecolor="none"))
    text(0.06, 0.94, label_of("station_type", kind.value, "zh"), fontsize=20, fontweight="bold", color="white",
                va="center")
    text(0.94, 0.94, label_of("station_type", kind.value, "en"), fontsize=10, color="white", va="center", ha="right")
    # the name, as large as fits
    name_zh = str(station["name_zh"])
    text(0.5, 0.825, name_zh, fontsize=24 if len(name_zh) <= 12 else 18, fontweight="bold", ha="center",
                va="center", wrap=True)
    text(0.5, 0.775, str(station.get("name_en") or ""), fontsize=11, ha="center", va="center", color="#333")
    # the hours, as people read them
    lines = []
    for lang in POSTER_LANGUAGES:
        line = f"{t('popup_hours', lang)}: {hours_written(str(station['opening_hours']), lang)}"
        if station.get("hours_status") != "verified":
            line += f" ({t('hours_unverified', lang)})"
        lines.append(line)
    text(0.5, 0.715, lines[0], fontsize=12, ha="center", va="center")
    text(0.5, 0.685, lines[1], fontsize=8.5, ha="center", va="center", color="#333")
    # the QR code, and what scanning gives
    ax = figure.add_axes((0.2, 0.22, 0.6, 0.6 * A5_IN[0] / A5_IN[1]))
    _qr(ax, url)
    text(0.5, 0.185, t("poster_scan", "zh"), fontsize=13, fontweight="bold", ha="center", va="center")
    text(0.5, 0.155, t("poster_scan", "en"), fontsize=9, ha="center", va="center", color="#333")
    text(0.5, 0.115, url, fontsize=7.5, ha="center", va="center", family="DejaVu Sans Mono", color="#333")
    if station.get("location_status") != "verified":
        text(0.5, 0.075, f"{t('poster_unverified', 'zh')} · {t('poster_unverified', 'en')}", fontsize=7,
                    ha="center", va="center", color="#8a4b00")
    text(0.5, 0.035, f"{t('app_title', 'zh')} · {station['id']}", fontsize=8, ha="center", va="center",
                color="#666")
    return figure


def poster_png(station: Mapping[str, Any], *, base_url: str, dpi: int = 150) -> bytes:
    """One poster page as PNG (for a look, and for the tests' scanner)."""
    with matplotlib.rc_context(_RC):
        buffer = io.BytesIO()
        poster_figure(station, base_url=base_url).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def posters_pdf(stations: Iterable[Mapping[str, Any]], *, base_url: str) -> bytes:
    """Every station's poster, one A5 page each, in register order, as one PDF."""
    stations = list(stations)
    for station in stations[:1]:
        station_page_url(base_url, str(station["id"]))  # a wrong address fails before any drawing
    buffer = io.BytesIO()
    with matplotlib.rc_context(_RC), PdfPages(buffer, metadata={"Title": t("poster_title", "zh"),
                                                              "Creator": "gaohe-station-map"}) as pdf:
        for station in stations:
            pdf.savefig(poster_figure(station, base_url=base_url))
    return buffer.getvalue()
