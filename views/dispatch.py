"""Dispatchers of a community's party organisation (党组织派单), at a desk: the community's
requests on a map and in a list, each sent to a named volunteer or opened to all the community's
volunteers, taken back or cancelled with a reason; the community's volunteers and invitation
codes; the month's list. Only a signed-in dispatcher sees a resident's contact and exact place
(and the volunteer who has the task)."""

import streamlit as st

from geo.errors import TaskError
from geo.tasks.vocabulary import Role
from ui.lang import current_language, show_error, tr
from ui.task_dispatch import export, task_actions, task_list, team
from ui.tasks import (
    TAP_TARGETS_CSS,
    monthly_list,
    sign_in_form,
    signed_in,
    signed_in_bar,
    task_store_or_stop,
)

st.html(TAP_TARGETS_CSS)
lang = current_language()
st.title(tr("task_dispatch_title"))
store = task_store_or_stop(lang)
account = signed_in(Role.DISPATCHER)
if account is None:
    st.caption(tr("task_dispatch_sign_in_hint"))
    sign_in_form(Role.DISPATCHER, "dispatch")
    st.stop()
signed_in_bar(account, Role.DISPATCHER)

try:
    cards = store.dispatcher_cards(account)
except TaskError as err:
    show_error(err)
    st.stop()
chosen = task_list(store, account, cards)
if chosen is not None:
    task_actions(store, account, chosen)
team(store, account)
monthly_list(store, key="dispatch_monthly")
export(store, account)
