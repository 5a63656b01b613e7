"""The interface language, kept in ``st.session_state`` and the URL (``?lang=en``), and the
parts of Streamlit's own interface that can be put in the page's language."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from geo.errors import GeoDataError, ProblemsError
from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from geo.markup import markdown_text

_KEY = "lang"
#: The language of Streamlit's own interface texts, which some pages replace.
STREAMLIT_LANGUAGE = "en"


def current_language() -> str:
    """The chosen language code ("zh" or "en")."""
    if _KEY not in st.session_state:
        from_url = st.query_params.get(_KEY, DEFAULT_LANGUAGE)
        st.session_state[_KEY] = from_url if from_url in LANGUAGES else DEFAULT_LANGUAGE
    return st.session_state[_KEY]


def error_text(err: GeoDataError) -> str:
    """What went wrong, in the page's language, as text for ``st.error``/``st.warning`` (markdown
    neutralised: an error may quote a file's contents). The one way a page words an error."""
    return markdown_text(err.localized(current_language()))


def show_error(err: GeoDataError, *, heading: str | None = None) -> None:
    """The one way a page shows an error: :func:`error_text` in an error box; a file's list of
    problems (:class:`ProblemsError`) as plain lines under ``heading`` (default: "the file has
    problems")."""
    if isinstance(err, ProblemsError):
        st.error(heading or t("file_problems", current_language()))
        st.text(err.localized(current_language()))
    else:
        st.error(error_text(err))


def _is_choice(value: object) -> bool:
    """A value a choice widget (radio, select box, multiselect) can hold: text, or a list of
    texts. (An empty list may be a multi-file uploader's, which must not be set; an empty
    multiselect shows nothing in any language anyway.)"""
    return isinstance(value, str) or (isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value))


def _on_language_change() -> None:
    st.query_params[_KEY] = st.session_state[_KEY]
    # A choice widget sends the browser its options as formatted text: once the language
    # changes, the option it shows (the old text) matches none of the new ones and the browser
    # shows nothing chosen. Handing every choice back through the session state makes Streamlit
    # send the value again, in the new language. Buttons and uploaders (which must not be set
    # this way) never hold text.
    for key, value in list(st.session_state.items()):
        if key != _KEY and _is_choice(value):
            st.session_state[key] = value


def language_selector() -> str:
    """A sidebar switch between Chinese and English; returns the chosen language code. On the
    Chinese page, Streamlit's "Stop" button (shown while a page runs) says 停止."""
    lang = current_language()
    if lang != STREAMLIT_LANGUAGE:
        st.html("<style>[data-testid='stStatusWidget'] button {font-size:0 !important}"
                f"[data-testid='stStatusWidget'] button::after {{content:{_css_text(t('status_stop', lang))};"
                "font-size:0.875rem}"
                # the top navigation's overflow button ("3 more")
                ".rc-overflow-item-rest [data-testid='stTopNavSection'] p {font-size:0 !important}"
                f".rc-overflow-item-rest [data-testid='stTopNavSection'] p::after {{content:{_css_text(t('nav_more', lang))};"
                "font-size:0.875rem}</style>")
    st.sidebar.radio(
        t("language", lang),
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=_KEY,
        horizontal=True,
        on_change=_on_language_change,
    )
    return st.session_state[_KEY]


def tr(key: str, **values: object) -> str:
    """``geo.i18n.t`` in the current language."""
    return t(key, current_language(), **values)


#: BCP 47 tags of the interface languages, for the document's ``lang`` attribute.
DOCUMENT_LANGUAGES = {"zh": "zh-CN", "en": "en"}


def set_document_language() -> None:
    """Give the page's ``<html>`` the interface language (Streamlit fixes ``lang="en"``), so that
    screen readers read Chinese as Chinese and browsers do not offer to translate it."""
    tag = DOCUMENT_LANGUAGES.get(current_language(), "zh-CN")
    # our own constant script; the tag comes from the table above, never from the URL
    # in the sidebar, where it takes no room on a phone
    st.sidebar.html(f"<script>document.documentElement.lang = {tag!r};</script>", unsafe_allow_javascript=True)


def option_label(prefix: str) -> Callable[[object], str]:
    """A ``format_func`` showing option ``x`` as the catalogue string ``prefix + x`` in the
    current language (bound now: Streamlit may call it outside the script run)."""
    lang = current_language()
    return lambda value: t(f"{prefix}{value}", lang)


def choose() -> str:
    """The placeholder of a select box or multiselect with nothing chosen ("请选择")."""
    return tr("placeholder_choose")


def _css_text(text: str) -> str:
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def file_uploader(label: str, types: Sequence[str], *, key: str, **kwargs):
    """``st.file_uploader`` whose own texts ("Upload", "50MB per file • CSV") are in the page's
    language. Streamlit 1.67 has no parameter for them (streamlit/streamlit#13500), so the
    Chinese page replaces them with CSS on this uploader's key class (``st-key-<key>``)."""
    upload = st.file_uploader(label, type=list(types), key=key, **kwargs)
    if current_language() != STREAMLIT_LANGUAGE:
        limit_mb = kwargs.get("max_upload_size") or st.get_option("server.maxUploadSize")
        hint = tr("uploader_limit", mb=limit_mb, types="、".join(kind.upper() for kind in types))
        scope = f".st-key-{key}"
        st.html(
            "<style>"
            f"{scope} [data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p,"
            f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] span {{font-size:0 !important}}"
            f"{scope} [data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p::after"
            f"{{content:{_css_text(tr('uploader_button'))};font-size:0.875rem}}"
            f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] span::after"
            f"{{content:{_css_text(hint)};font-size:0.875rem}}"
            "</style>"
        )
    return upload
