"""Text from files and users is data, never markup, template or script.

Text reaches three kinds of places, each with its own code syntax:

- maps (folium/Leaflet): popup and tooltip HTML, which folium writes inside JavaScript template
  literals (`` `...${...}...` ``) of a script that branca compiles as a Jinja template
  (``{{ }}``, ``{% %}``, ``{# #}``). :func:`map_text` neutralises all three at once;
- Streamlit markdown (``st.markdown``, captions, widget labels): :func:`markdown_text`;
- files other programs open (CSV/Excel cells that start like a formula): ``geo.register.exchange``.

:func:`markup_problem` tells the validator which text carries such syntax, so that it is
flagged where it enters the register.
"""

from __future__ import annotations

import re

#: Direction controls (embeddings, overrides, isolates) that can make text read backwards
#: ("Trojan source"); shown text drops them, the validator refuses them.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_DROPPED = re.compile(f"[{BIDI_CONTROLS}\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: Every character that means something to HTML, to a JavaScript template literal or to Jinja,
#: as an HTML character reference (which the browser turns back into the character as text).
_MAP_REFERENCES = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    "`": "&#96;", "$": "&#36;", "\\": "&#92;",
    "{": "&#123;", "}": "&#125;",
    "\u2028": "&#8232;", "\u2029": "&#8233;",
})

_LINE_BREAKS = str.maketrans("\n\r\t", "   ")

#: Longest text shown on a map; longer text is cut with an ellipsis (file labels are unchecked).
MAX_MAP_CHARS = 200

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'@%])")


def plain_text(value: object, *, max_chars: int | None = None) -> str:
    """``value`` as one line of visible text: ``None`` is empty, control and direction characters
    are dropped, line breaks become spaces, over-long text is cut with "…"."""
    text = "" if value is None else str(value)
    text = _DROPPED.sub("", text).replace("\r\n", " ").translate(_LINE_BREAKS)
    if max_chars is not None and len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return text


def map_text(value: object, *, max_chars: int = MAX_MAP_CHARS) -> str:
    """Text for map HTML (popups, tooltips, legends, icons, attributes), safe in HTML, in a
    JavaScript template literal and in a Jinja template source at the same time."""
    return plain_text(value, max_chars=max_chars).translate(_MAP_REFERENCES)


def markdown_text(value: object, *, max_chars: int | None = None) -> str:
    """Text for Streamlit markdown (st.markdown, captions, labels): every ASCII punctuation that
    markdown, LaTeX (``$``), emoji shortcodes (``:``) or HTML could read is backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain_text(value, max_chars=max_chars))


_CODE_LIKE = (
    ("{{", "{{"), ("{%", "{%"), ("{#", "{#"), ("${", "${"), ("`", "`"),
)
_TAG = re.compile(r"<\s*[A-Za-z/!?]")


def markup_problem(text: str) -> tuple[str, dict[str, str]] | None:
    """``(key, params)`` when ``text`` carries template, script or markup syntax, or direction
    controls; ``None`` for plain text. Names and addresses never need any of these."""
    for needle, shown in _CODE_LIKE:
        if needle in text:
            return "err_text_code_syntax", {"what": shown}
    if match := _TAG.search(text):
        return "err_text_code_syntax", {"what": match.group(0)}
    if any(ch in BIDI_CONTROLS for ch in text):
        return "err_text_bidi", {}
    if "\u2028" in text or "\u2029" in text:
        return "err_text_control", {}
    return None
