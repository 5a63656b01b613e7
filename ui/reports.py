"""Streamlit side of rider reports: the shared store and rate limiter, the reporter's
anonymous token (a cookie, so that a reload does not reset the limit) and address, and errors
in the reader's language."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

import streamlit as st

from geo.database.engine import database_url, photos_dir
from geo.errors import GeoDataError
from geo.feedback import ReportStore, limits
from geo.feedback.limits import ReportRateLimiter
from geo.feedback.shared import shared_limiter, shared_store
from geo.i18n import t
from geo.markup import plain_text
from ui.lang import current_language, show_error


@st.cache_resource(show_spinner=False)
def _store(url: str, photos: Path) -> ReportStore:
    return shared_store(url, photos)  # the same store as the open API's feedback (geo.feedback.shared)


def report_store() -> ReportStore:
    """The report store of ``GAOHE_DATABASE_URL`` (default ``data/reports.sqlite3``) with the
    photos of :func:`geo.database.engine.photos_dir` (``GAOHE_REPORT_PHOTOS``, else beside a
    SQLite file), opened (and migrated) once per process. Raises :class:`geo.feedback.StorageError`."""
    url = database_url()
    return _store(url, photos_dir(url))


def report_store_or_stop(lang: str) -> ReportStore:
    try:
        return report_store()
    except GeoDataError as err:
        show_error(err)
        st.stop()


@st.cache_resource(show_spinner=False)
def rate_limiter() -> ReportRateLimiter:
    """The process's limiter, with the limits of ``GAOHE_REPORT_SESSION_LIMIT`` /
    ``GAOHE_REPORT_ADDRESS_LIMIT``."""
    return shared_limiter()  # one limiter for the report page and the open API's feedback


#: The cookie that keeps the reporter token across reloads (for the longest limit window).
_TOKEN_COOKIE = "gh_report_token"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def reporter_session() -> str:
    """A random token of this browser for the per-reporter limit, the same after a reload.

    It is kept in a cookie of this site that expires after the longest limit window; it says
    nothing about the rider, is never stored on the server (the limiter holds it in memory for
    one window) and a new one is drawn when the cookie is missing or malformed."""
    if "report_session" not in st.session_state:
        sent = st.context.cookies.get(_TOKEN_COOKIE, "")
        valid = isinstance(sent, str) and _TOKEN.match(sent)
        st.session_state["report_session"] = sent if valid else secrets.token_hex(16)
    token = st.session_state["report_session"]
    max_age_s = int(max(rate_limiter().session_limit.window_s, rate_limiter().address_limit.window_s))
    # our own constant script: the token is 32 hex digits, checked above or drawn here
    st.sidebar.html(
        f"<script>document.cookie = '{_TOKEN_COOKIE}={token}; Max-Age={max_age_s}; Path=/; SameSite=Strict'"
        " + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )
    return token


def client_address() -> str | None:
    """The address this connection counts against (see :func:`geo.feedback.limits.client_address`):
    ``None`` only without a browser connection (AppTest)."""
    headers = st.context.headers
    remote_ip = st.context.ip_address
    forwarded = headers.get("X-Forwarded-For")
    remote_ip = limits.connection_address(remote_ip if isinstance(remote_ip, str) else None, forwarded)
    return limits.client_address(remote_ip, forwarded, connected=bool(headers), proxies=limits.trusted_proxies())


_REFERENCE = re.compile(r"^GH-[0-9A-Z]{4}-[0-9A-Z]{4}$")


def copyable_code(reference: str, *, copy_label: str, copied_label: str, failed_label: str) -> None:
    """The reference code in large type with a button that copies it and then says so
    (``copied_label``); where the browser refuses the clipboard (plain http on a LAN), the code
    is selected and ``failed_label`` asks to copy it by hand."""
    if not _REFERENCE.match(reference):  # our own codes only: nothing else reaches this HTML and script
        msg = f"{reference!r} is not a reference code"
        raise ValueError(msg)
    labels = {name: json.dumps(plain_text(text)).replace("<", "\\u003c") for name, text in
              (("copy", copy_label), ("copied", copied_label), ("failed", failed_label))}
    box = f"gh-code-{reference}"
    st.html(
        f"""
<div id="{box}" class="gh-code-box" style="display:flex;flex-wrap:wrap;align-items:center;gap:10px;margin:4px 0">
  <span class="gh-code" style="font:700 1.6rem/1.3 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.06em;
    user-select:all;-webkit-user-select:all">{reference}</span>
  <button type="button" class="gh-copy" style="min-height:44px;padding:6px 14px;border-radius:8px;
    border:1px solid #1a73e8;background:#fff;color:#1a73e8;font-size:1rem;cursor:pointer"></button>
  <span class="gh-copied" role="status" aria-live="polite" style="color:#1b7f3b;font-weight:600"></span>
</div>
<script>
(function () {{
  var box = document.getElementById("{box}");
  if (!box) {{ return; }}
  var button = box.querySelector(".gh-copy"), said = box.querySelector(".gh-copied");
  var code = box.querySelector(".gh-code");
  button.textContent = {labels["copy"]};
  function done() {{ said.textContent = {labels["copied"]}; button.textContent = {labels["copied"]}; }}
  function byHand() {{
    var range = document.createRange(); range.selectNodeContents(code);
    var selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
    var copied = false;
    try {{ copied = document.execCommand("copy"); }} catch (e) {{ copied = false; }}
    if (copied) {{ done(); }} else {{ said.textContent = {labels["failed"]}; }}
  }}
  button.addEventListener("click", function () {{
    if (navigator.clipboard && window.isSecureContext) {{
      navigator.clipboard.writeText("{reference}").then(done, byHand);
    }} else {{ byHand(); }}
  }});
}})();
</script>
""",
        unsafe_allow_javascript=True,
    )


def bring_into_view(container_key: str) -> None:
    """Scroll the page (if needed) so that the container made with ``key=container_key`` is
    on screen: a message under a button the rider pressed at the bottom of a phone screen."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", container_key):
        msg = f"`container_key` was {container_key!r} but is expected to be letters, digits, _ or -"
        raise ValueError(msg)
    # a new nonce each time: an unchanged script element would not run again on a rerun
    nonce = secrets.token_hex(4)
    st.sidebar.html(
        f"""<script data-nonce="{nonce}">
(function (tries) {{
  function look() {{
    var box = document.querySelector(".st-key-{container_key}");
    if (box && box.getBoundingClientRect().height > 0) {{ box.scrollIntoView({{block: "nearest", behavior: "smooth"}}); }}
    else if (tries-- > 0) {{ setTimeout(look, 100); }}
  }}
  look();
}})(30);
</script>""",
        unsafe_allow_javascript=True,
    )


def report_entry() -> None:
    """A clear way to the report page, for the pages riders land on (on a phone the page menu
    is folded away)."""
    with st.container(border=True, key="report_entry"):
        st.page_link("views/report.py", label=t("report_entry", current_language()), width="stretch")
        st.caption(t("report_entry_hint", current_language()))


def _css_text(text: str) -> str:
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def guard_photo_upload(*, uploader_key: str, form_box_key: str, refused_text: str) -> None:
    """Make a photo the uploader refused (too large, wrong type) impossible to miss: the file's
    chip says ``refused_text`` in the page's language (Streamlit only shows its English reason
    on hover), and the form's submit button in the container ``form_box_key`` cannot be
    pressed until the photo is removed or replaced — so a report never leaves without the photo
    the rider chose, unnoticed. (While a photo uploads, Streamlit itself keeps the button
    disabled.)"""
    chip = f".st-key-{uploader_key} [data-testid='stFileChip'][aria-invalid='true']"
    st.html(
        "<style>"
        f"{chip} {{flex-wrap: wrap}}"
        f"{chip} [role='alert'] {{position: static; width: 100%; height: auto; clip: auto; overflow: visible;"
        " white-space: normal; font-size: 0}"
        f"{chip} [role='alert']::after {{content: {_css_text(refused_text)}; font-size: 0.875rem; color: #b71c1c;"
        " font-weight: 600}"
        f".st-key-{form_box_key}:has({chip}) [data-testid='stFormSubmitButton'] button"
        " {pointer-events: none; opacity: 0.45}"
        "</style>"
    )


def follow_map_links() -> None:
    """Let links of the app in map popups (a station's feedback form) open in this window: the
    map's frame asks by message (see ``geo/maps/assets/map.js``), and only a path of this site is followed."""
    st.sidebar.html(
        """<script>
if (!window.__ghFollowsMapLinks) {
  window.__ghFollowsMapLinks = true;
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== window.location.origin || !data || data.type !== "gh-open") { return; }
    var href = String(data.href || "");
    if (href.charAt(0) !== "/" || href.charAt(1) === "/") { return; }  // a path of this site, nothing else
    window.location.assign(href);
  });
}
</script>""",
        unsafe_allow_javascript=True,
    )
