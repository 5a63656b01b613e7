"""The dispatcher's panels (派单), at a desk: the community's requests on a map and in a list; one
task's details (the contact and exact place: the dispatcher is one of the two who see them),
history and actions (to a named volunteer, open to all, take back, cancel with a reason); the
community's volunteers and invitation codes; the public export."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.errors import TaskError
from geo.maps.tasks import build_tasks_map, chosen_task_layer
from geo.markup import markdown_text
from geo.register.model import LOCAL_TIMEZONE
from geo.rider.navigation import navigation_links
from geo.tasks.accounts import (
    DEFAULT_INVITATION_DAYS,
    DEFAULT_INVITATION_USES,
    MAX_INVITATION_DAYS,
    MAX_INVITATION_USES,
    Account,
    Actor,
)
from geo.tasks.analysis import export_tasks, public_table
from geo.tasks.cards import TaskCard
from geo.tasks.store import TaskStore
from geo.tasks.vocabulary import ALLOWED_TRANSITIONS, OPEN_STATES, CancelReason, Role, TaskState
from ui import data, deployment
from ui.lang import current_language, error_text, tr
from ui.reports import bring_into_view
from ui.tasks import centres, community_name, local_time, window_text, word, words

LIST_COLUMNS = ("task_col_code", "task_col_state_label", "task_col_category_label", "task_col_window",
                "task_col_place", "task_col_contact_given", "task_col_volunteer")


def _label(card: TaskCard) -> str:
    return f"{card.code} · {word('category', card.category.value)} · {word('state', card.state.value)}"


def _act(action, success_key: str, **values) -> None:  # noqa: ANN001
    """Run a store action from a button; its outcome is said under the buttons."""
    try:
        step = action()
        st.session_state["dispatch_message"] = ("success", tr(success_key, code=step.code, **values))
    except TaskError as err:
        st.session_state["dispatch_message"] = ("error", error_text(err))


def _on_map_tap() -> None:
    tooltip = (st.session_state.get("dispatch_map") or {}).get("last_object_clicked_tooltip") or ""
    code = tooltip.split(" ")[0].strip()
    if code.startswith("ZY-"):
        st.session_state["dispatch_task"] = code


def task_list(store: TaskStore, account: Account, cards: list[TaskCard]) -> TaskCard | None:
    """Counts, the state filter, the map and the list; returns the task chosen."""
    for column, state in zip(st.columns(len(TaskState)), TaskState):
        column.metric(word("state", state.value), sum(c.state is state for c in cards))
    states = st.multiselect(tr("task_dispatch_filter"), [s.value for s in TaskState], key="dispatch_states",
                            default=[s.value for s in TaskState if s in OPEN_STATES], format_func=words("state"))
    # the task being worked on stays in view after an action moved it out of the filter
    shown = [c for c in cards if c.state.value in states or c.code == st.session_state.get("dispatch_task")]
    if not shown:
        st.info(tr("task_dispatch_none"))
        return None
    by_code = {c.code: c for c in shown}
    if st.session_state.get("dispatch_task") not in by_code:
        st.session_state["dispatch_task"] = shown[0].code
    chosen = by_code[st.session_state["dispatch_task"]]
    placed = pd.DataFrame([{"code": c.code, "state": c.state.value, "lon": c.lonlat[0], "lat": c.lonlat[1]}
                           for c in shown if c.lonlat is not None], columns=["code", "state", "lon", "lat"])
    basemap = deployment.basemaps().default
    places = data.gazetteer()
    fmap = build_tasks_map(placed, labels={c.code: _label(c) for c in shown}, lang=current_language(),
                           basemap=basemap, settings=deployment.basemaps(), stations=data.stations_or_stop(current_language()),
                           landmarks=places[places["kind"] == "landmark"],
                           centre_lonlat=centres().get(account.community_code), url_prefix=deployment.url_prefix())
    st_folium(fmap, key="dispatch_map", feature_group_to_add=chosen_task_layer(chosen.lonlat, basemap=basemap, settings=deployment.basemaps()),
              returned_objects=["last_object_clicked_tooltip"], height=340, use_container_width=True,
              on_change=_on_map_tap)
    st.caption(tr("task_dispatch_map_caption", placed=len(placed), total=len(shown)))
    rows = [{tr("task_col_code"): c.code, tr("task_col_state_label"): word("state", c.state.value),
             tr("task_col_category_label"): word("category", c.category.value),
             tr("task_col_window"): window_text(c.window_start, c.window_end),
             tr("task_col_place"): word("place", c.place_source.value),
             tr("task_col_contact_given"): "✓" if c.has_contact else "",
             tr("task_col_volunteer"): c.volunteer or (tr("task_dispatch_offered", name=c.offered_to) if c.offered_to
                                                       else tr("task_dispatch_open") if c.open_to_all else "")}
            for c in shown]
    st.dataframe(rows, hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 320))
    # the browser sends back the option's text: a label that changes with the state (a volunteer
    # took the task meanwhile) would lose the choice, so it names the code and category only
    st.selectbox(tr("task_dispatch_choose"), list(by_code), key="dispatch_task",
                 format_func=lambda code: f"{code} · {word('category', by_code[code].category.value)}")
    return chosen


def _details(store: TaskStore, card: TaskCard) -> None:
    st.subheader(tr("task_dispatch_details", code=card.code))
    st.markdown(f"**{word('category', card.category.value)}** · {word('state', card.state.value)} · "
                f"{window_text(card.window_start, card.window_end)}")
    if card.personal_deleted:
        st.info(tr("task_dispatch_deleted"))
    elif card.lonlat is not None:
        lon, lat = card.lonlat
        st.caption(tr("task_dispatch_place", lat=f"{lat:.5f}", lon=f"{lon:.5f}", source=word("place",
                                                                                               card.place_source.value)))
        st.link_button(tr("task_navigate"), navigation_links(lon, lat, tr("task_navigate_name")).amap)
    else:
        st.caption(tr("task_dispatch_community_only", community=community_name(card.community_code)))
    if not card.personal_deleted:
        st.text(tr("task_contact_line", contact=card.contact) if card.contact else tr("task_no_contact"))
        if card.note:
            st.text(card.note)
        st.caption(tr("task_dispatch_personal_until", day=local_time(card.personal_until, "%Y-%m-%d"),
                      days=store.retention.days))
    if card.volunteer:
        st.markdown(tr("task_dispatch_volunteer", name=markdown_text(card.volunteer)))
    if card.photo:
        st.image(store.photos.read(card.photo), caption=tr("task_status_photo"), width=280)
    if card.done_note:
        st.text(card.done_note)
    if card.stars:
        st.markdown(tr("task_status_rated", stars="★" * card.stars))
        if card.rating_words:
            st.text(card.rating_words)
    st.dataframe([{tr("task_col_time"): local_time(e.at), tr("task_col_state_label"): word("state", e.to_state.value),
                   tr("task_col_who"): word("role", e.role.value) + (f" {e.who}" if e.who else ""),
                   tr("task_col_reason"): word("reason", e.reason) if e.reason else ""} for e in card.events],
                 hide_index=True, width="stretch")


def task_actions(store: TaskStore, account: Account, card: TaskCard) -> None:
    """The chosen task's details and what the dispatcher may do with it now."""
    me = Actor.of(account)
    with st.container(border=True, key="dispatch_task_box"):
        _details(store, card)
        allowed = ALLOWED_TRANSITIONS[card.state]
        if Role.DISPATCHER in allowed.get(TaskState.DISPATCHED, frozenset()):
            volunteers = {a.name: a for a in store.accounts(role=Role.VOLUNTEER, community_code=account.community_code)
                          if a.active}
            pick, send = st.columns([3, 1], vertical_alignment="bottom")
            pick.selectbox(tr("task_dispatch_to"), list(volunteers), index=None, key="dispatch_to",
                           format_func=lambda n: f"{volunteers[n].shown_name} ({n})",
                           placeholder=tr("task_dispatch_to_placeholder"))

            def to_named() -> None:
                name = st.session_state.get("dispatch_to")
                if name is None:
                    st.session_state["dispatch_message"] = ("error", tr("task_dispatch_need_volunteer"))
                    return
                _act(lambda: store.dispatch(card.code, me, to=name), "task_dispatch_sent_to",
                     name=markdown_text(volunteers[name].shown_name))

            send.button(tr("task_dispatch_send"), key="dispatch_send", on_click=to_named, width="stretch")
            if not card.open_to_all:
                st.button(tr("task_dispatch_open_all"), key="dispatch_open", type="primary", width="stretch",
                          on_click=_act, args=(lambda: store.dispatch(card.code, me), "task_dispatch_opened"))
        if Role.DISPATCHER in allowed.get(TaskState.NEW, frozenset()):
            st.button(tr("task_dispatch_withdraw"), key="dispatch_withdraw", width="stretch",
                      on_click=_act, args=(lambda: store.withdraw(card.code, me), "task_dispatch_withdrawn"))
        if Role.DISPATCHER in allowed.get(TaskState.CANCELLED, frozenset()):
            reason, cancel = st.columns([3, 1], vertical_alignment="bottom")
            reasons = [r.value for r in CancelReason if r is not CancelReason.RESIDENT_WITHDREW]
            reason.selectbox(tr("task_dispatch_cancel_reason"), reasons, key="dispatch_reason",
                             format_func=words("reason"))
            cancel.button(tr("task_dispatch_cancel"), key="dispatch_cancel", width="stretch", on_click=_act,
                          args=(lambda: store.cancel(card.code, me, st.session_state["dispatch_reason"]),
                                "task_dispatch_cancelled"))
        with st.container(key="dispatch_message_box"):
            if (message := st.session_state.pop("dispatch_message", None)) is not None:
                getattr(st, message[0])(message[1])
                bring_into_view("dispatch_message_box")


def team(store: TaskStore, account: Account) -> None:
    """The community's volunteers, removing one, and invitation codes for new ones."""
    with st.expander(tr("task_team_title", community=community_name(account.community_code))):
        people = store.accounts(role=Role.VOLUNTEER, community_code=account.community_code)
        st.dataframe([{tr("task_col_volunteer"): a.shown_name, tr("task_user_name"): a.name,
                       tr("task_col_active"): "✓" if a.active else "—"} for a in people], hide_index=True,
                     width="stretch")
        active = [a.name for a in people if a.active]
        if active:
            pick, remove = st.columns([3, 1], vertical_alignment="bottom")
            pick.selectbox(tr("task_team_remove_who"), active, index=None, key="team_remove",
                           placeholder=tr("task_dispatch_to_placeholder"))

            def deactivate() -> None:
                if name := st.session_state.get("team_remove"):
                    store.set_active(name, False)
                    st.session_state["team_message"] = tr("task_team_removed", name=markdown_text(name))

            remove.button(tr("task_team_remove"), key="team_remove_go", on_click=deactivate, width="stretch")
        st.markdown(f"**{tr('task_invite_title')}**")

        def invite() -> None:
            made = store.invite(account.community_code, created_by=account.name,
                                uses=int(st.session_state["invite_uses"]), valid_days=int(st.session_state["invite_days"]))
            st.session_state["team_invitation"] = (made.code, made.uses, local_time(made.expires_at, "%Y-%m-%d %H:%M"))

        with st.form("invite_form", border=False, enter_to_submit=False):
            uses, days, make = st.columns([1, 1, 1], vertical_alignment="bottom")
            uses.number_input(tr("task_invite_uses"), 1, MAX_INVITATION_USES, DEFAULT_INVITATION_USES, key="invite_uses")
            days.number_input(tr("task_invite_days"), 1, MAX_INVITATION_DAYS, DEFAULT_INVITATION_DAYS, key="invite_days")
            make.form_submit_button(tr("task_invite_make"), key="invite_make", on_click=invite, width="stretch")
        if (made := st.session_state.pop("team_invitation", None)) is not None:
            code, count, until = made
            st.code(code, language=None)
            st.caption(tr("task_invite_made", uses=count, until=until, path=f"volunteer?invite={code}"))
        if (message := st.session_state.pop("team_message", None)) is not None:
            st.success(message)


def export(store: TaskStore, account: Account) -> None:
    """The community's tasks as CSV, public fields only (community, category, state, days, stars)."""
    lang = current_language()
    frame = store.tasks_frame()
    table = public_table(frame[frame["community_code"] == account.community_code], lang, data.community_names(lang))
    stamp = pd.Timestamp.now(tz=LOCAL_TIMEZONE).strftime("%Y%m%d")
    st.download_button(tr("task_export_csv", n=len(table)), export_tasks(table, "csv", lang),
                       f"gaohe-tasks-{account.community_code}-{stamp}.csv", mime="text/csv", key="dispatch_csv",
                       on_click="ignore")
    st.caption(tr("task_export_note"))
