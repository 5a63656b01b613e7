"""The interface language, kept in ``st.session_state`` and the URL (``?lang=en``)."""

from __future__ import annotations

import streamlit as st

from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

_KEY = "lang"


def current_language() -> str:
    """The chosen language code ("zh" or "en")."""
    if _KEY not in st.session_state:
        from_url = st.query_params.get(_KEY, DEFAULT_LANGUAGE)
        st.session_state[_KEY] = from_url if from_url in LANGUAGES else DEFAULT_LANGUAGE
    return st.session_state[_KEY]


def _sync_url() -> None:
    st.query_params[_KEY] = st.session_state[_KEY]


def language_selector() -> str:
    """A sidebar switch between Chinese and English; returns the chosen language code."""
    lang = current_language()
    st.sidebar.radio(
        t("language", lang),
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=_KEY,
        horizontal=True,
        on_change=_sync_url,
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
