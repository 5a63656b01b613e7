"""Volunteers take tasks (新就业群体接单), on a phone: riders registered by their community
(an invitation code, ``/volunteer?invite=YQ-...``, or ``python -m geo volunteers add``) sign in,
see the tasks offered to them and the open tasks of their community nearest first, take one (of
two taking the same task at once, one gets it and the other is told), call the resident,
navigate there, and mark it done with an optional photo. The month's list by points is public."""

from datetime import datetime

import streamlit as st

from geo.errors import TaskError
from geo.tasks.vocabulary import Role
from ui.lang import current_language, show_error, tr
from ui.task_volunteer import lists, sign_in_or_register, where_i_am
from ui.tasks import (
    LOCAL,
    TAP_TARGETS_CSS,
    centres,
    monthly_list,
    signed_in,
    signed_in_bar,
    task_store_or_stop,
)

st.html(TAP_TARGETS_CSS)
lang = current_language()
st.title(tr("task_volunteer_title"))
store = task_store_or_stop(lang)
account = signed_in(Role.VOLUNTEER)
if account is None:
    sign_in_or_register()
    monthly_list(store, key="volunteer_monthly")
    st.stop()
signed_in_bar(account, Role.VOLUNTEER)

at = where_i_am()
now = store.clock().astimezone(LOCAL)
month_start = datetime(now.year, now.month, 1, tzinfo=LOCAL)
try:
    board = store.volunteer_board(account, at=at, centres=centres(), finished_since=month_start)
except TaskError as err:
    show_error(err)
    st.stop()
lists(store, account, board)
monthly_list(store, key="volunteer_monthly")
