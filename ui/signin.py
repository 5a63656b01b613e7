"""Editor sign-in shared by the pages that change the register (data, survey): one account, one
session key, so signing in on one page signs in on the other."""

from __future__ import annotations

import streamlit as st

from geo.auth import check_sign_in, configured_editors
from ui.lang import tr

_KEY = "editor"


def editors() -> dict[str, str]:
    """user -> password hash, from Streamlit secrets' [editors] and ``GAOHE_EDITORS``."""
    try:
        secret_editors = dict(st.secrets.get("editors", {}))
    except Exception:  # noqa: BLE001 - having no secrets file at all is the normal case
        secret_editors = {}
    return configured_editors(None, secret_editors)


def signed_in_editor() -> str | None:
    """The signed-in editor's name, if they are still a configured editor."""
    user = st.session_state.get(_KEY)
    return user if user and user in editors() else None


def _sign_in(prefix: str) -> None:
    user = st.session_state.get(f"{prefix}_user", "")
    if check_sign_in(user, st.session_state.get(f"{prefix}_password", ""), editors()):
        st.session_state[_KEY] = user.strip()
    else:
        st.session_state[f"{prefix}_sign_in_failed"] = True
    st.session_state[f"{prefix}_password"] = ""


def sign_in_panel(prefix: str) -> str | None:
    """The sign-in form (or who is signed in, with a sign-out button); returns the editor.
    ``prefix`` keeps the widget keys of each page apart (``data``, ``survey``)."""
    if not editors():
        st.info(tr("editing_off"))
        return None
    editor = signed_in_editor()
    if editor:
        signed_column, out_column = st.columns([4, 1])
        signed_column.success(tr("signed_in_as", user=editor))
        out_column.button(tr("sign_out"), key=f"{prefix}_sign_out", on_click=lambda: st.session_state.pop(_KEY, None))
        return editor
    # no "Press Enter to submit form" hint: Streamlit writes it in English only
    with st.form(f"{prefix}_sign_in_form", enter_to_submit=False):
        st.subheader(tr("sign_in"))
        st.text_input(tr("user_name"), key=f"{prefix}_user")
        st.text_input(tr("password"), type="password", key=f"{prefix}_password")
        st.form_submit_button(tr("sign_in"), on_click=_sign_in, args=(prefix,))
    if st.session_state.pop(f"{prefix}_sign_in_failed", False):
        st.error(tr("sign_in_failed"))
    return None
