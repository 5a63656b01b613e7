"""Planner sign-in on any page: one form, throttled per user name and per client (see geo.auth).

The signed-in editor's name is kept in ``st.session_state`` only; the client address is used
for throttling only (as a keyed hash in memory, never stored).
"""

from __future__ import annotations

import streamlit as st

from geo.auth import SignInThrottle, configured_editors
from ui.lang import tr

_EDITOR = "editor"


@st.cache_resource
def _throttle() -> SignInThrottle:
    return SignInThrottle()


def editors() -> dict[str, str]:
    """Configured editors: ``[editors]`` in Streamlit secrets and ``GAOHE_EDITORS``."""
    try:
        from_secrets = dict(st.secrets.get("editors", {}))
    except Exception:  # noqa: BLE001 - having no secrets file at all is the normal case
        from_secrets = {}
    return configured_editors(None, from_secrets)


def current_editor() -> str | None:
    """The signed-in editor of this session, if still configured."""
    user = st.session_state.get(_EDITOR)
    return user if user and user in editors() else None


def _client() -> str:
    return st.context.ip_address or "unknown"


def _sign_in(prefix: str) -> None:
    user = st.session_state.get(f"{prefix}_user", "").strip()
    password = st.session_state.get(f"{prefix}_password", "")
    st.session_state[f"{prefix}_password"] = ""
    outcome = _throttle().attempt(user, password, editors(), client=_client())
    if outcome.signed_in:
        st.session_state[_EDITOR] = user
    else:
        st.session_state[f"{prefix}_failed"] = outcome.retry_after_s


def _sign_out() -> None:
    st.session_state.pop(_EDITOR, None)


def sign_in_box(prefix: str) -> str | None:
    """Who is signed in, with a sign-out button; else the sign-in form (or, with no editors
    configured, how to enable editing). Returns the editor's name or ``None``."""
    if not editors():
        st.info(tr("editing_off"))
        return None
    editor = current_editor()
    if editor:
        signed_column, out_column = st.columns([4, 1])
        signed_column.success(tr("signed_in_as", user=editor))
        out_column.button(tr("sign_out"), key=f"{prefix}_sign_out", on_click=_sign_out)
        return editor
    with st.form(f"{prefix}_sign_in_form"):
        st.subheader(tr("sign_in"))
        st.text_input(tr("user_name"), key=f"{prefix}_user")
        st.text_input(tr("password"), type="password", key=f"{prefix}_password")
        st.form_submit_button(tr("sign_in"), on_click=_sign_in, args=(prefix,))
    if (wait_s := st.session_state.pop(f"{prefix}_failed", None)) is not None:
        st.error(tr("sign_in_wait", seconds=wait_s) if wait_s > 0 else tr("sign_in_failed"))
    return None
