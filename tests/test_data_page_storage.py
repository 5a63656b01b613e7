"""The data page over a damaged or read-only data folder (AppTest): it renders every tab, says
what is wrong in the page's language, never shows a traceback, and reading writes nothing."""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.register.store import CHANGE_LOG, HISTORY_DIR, StationStore

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SIGNED_OUT, SIGNED_IN = None, "wang"


def run_data(editor: str | None, **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("views/data.py")
    if editor:
        at.session_state["editor"] = editor
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def with_two_saves(path: Path) -> StationStore:
    """The register saved twice (two history files, two log entries), as after a day's edits."""
    store = StationStore(path)
    for summary in ("first", "second"):
        stations, version = store.read()
        store.save(stations.iloc[:-1], expected_version=version, user="wang", summary=summary)
    return store


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def plain(markdown: str) -> str:
    """Text as the reader sees it (markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def history_tables(at: AppTest) -> list:
    return [f.value for f in at.dataframe if "修改人" in f.value.columns]


def assert_page_whole(at: AppTest) -> None:
    """No exception or traceback, the five tabs and the export tab's two downloads."""
    assert not at.exception
    assert len(at.tabs) == 5
    assert len(at.get("download_button")) == 2
    shown = " ".join(str(e.value) for e in [*at.error, *at.warning, *at.info, *at.caption, *at.markdown])
    assert "Traceback" not in shown and "File \"" not in shown


@pytest.mark.parametrize("editor", [SIGNED_OUT, SIGNED_IN])
def test_a_torn_last_log_line_is_reported_and_the_saves_still_listed(editable_register, editor):
    with_two_saves(editable_register)
    with open(editable_register.parent / CHANGE_LOG, "ab") as log:
        log.write(b'{"at": "2026-11-28T12:00:00+00:00", "user": "wa')  # a writer killed mid-append
    at = run_data(editor)
    assert_page_whole(at)
    if editor is SIGNED_OUT:
        assert not history_tables(at)
        return
    (table,) = history_tables(at)
    assert list(table["内容"]) == ["second", "first"]
    (warning,) = at.warning
    assert plain(warning.value) == "第 3 行: 修改记录中有一条无法读取(保存被中断?),已跳过"


DAMAGED_VERSIONS = {
    "garbage": (b"\x00\xffPK\x03\x04 not json {", "不是 UTF-8"),
    "no longer a register": (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None, "properties": {"id": "x"}}]}).encode(), "没有几何位置"),
}


@pytest.mark.parametrize("editor", [SIGNED_OUT, SIGNED_IN])
@pytest.mark.parametrize("damage", DAMAGED_VERSIONS)
def test_a_damaged_newest_history_file_is_named_and_the_others_still_restorable(editable_register, damage, editor):
    store = with_two_saves(editable_register)
    newest, older = store.versions()
    content, expected = DAMAGED_VERSIONS[damage]
    (store.history_dir / newest.name).write_bytes(content)
    at = run_data(editor)
    assert_page_whole(at)
    if editor is SIGNED_OUT:
        return
    (error,) = at.error
    shown = plain(error.value) + " " + " ".join(plain(listing.value) for listing in at.text)
    assert newest.name in shown and expected in shown
    assert all(b.key != "data_restore" for b in at.button)  # nothing to restore from a broken file
    at.selectbox(key="data_history_version").select(older.name).run()
    assert_page_whole(at)
    assert not at.error and "将新增 2 个、删除 0 个、修改 0 个站点。" in [i.value for i in at.info]
    at.button(key="data_restore").click().run()
    assert "已保存" in at.success[-1].value
    assert len(store.read()[0]) == len(store.load_version(older.name))


@pytest.fixture
def read_only_folder(editable_register, monkeypatch):
    """The register's folder made read-only. Root ignores permission bits (``os.access`` then
    still says writable), so every write under the folder is also refused as a read-only file
    system would (EROFS). Yields the list of writes attempted."""
    folder = editable_register.parent
    with_two_saves(editable_register)
    (folder / (editable_register.name + ".lock")).unlink()  # as shipped: no lock file yet
    folders = [folder, folder / HISTORY_DIR]
    for path in folders:
        path.chmod(0o555)
    attempts: list[str] = []
    restore_mode = os.chmod  # kept before the writes are refused
    if os.access(folder, os.W_OK):
        refuse_writes_under(folder, attempts, monkeypatch)
    yield attempts
    for path in folders:
        restore_mode(path, 0o755)


def refuse_writes_under(folder: Path, attempts: list[str], monkeypatch) -> None:
    def inside(path) -> bool:
        try:
            return Path(os.fsdecode(path)).resolve().is_relative_to(folder.resolve())
        except TypeError:  # a file descriptor
            return False

    def refuse(path):
        attempts.append(os.fsdecode(path))
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    real_open, real_os_open, real_access = io.open, os.open, os.access
    writing_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def guarded_open(file, mode="r", *args, **kwargs):
        if inside(file) and set(mode) & set("wax+"):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if inside(path) and flags & writing_flags:
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def guarded_access(path, mode, *args, **kwargs):
        return False if inside(path) and mode & os.W_OK else real_access(path, mode, *args, **kwargs)

    def refusing(real):
        def guarded(path, *args, **kwargs):
            if inside(path):
                refuse(path)
            return real(path, *args, **kwargs)
        return guarded

    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    monkeypatch.setattr(os, "access", guarded_access)
    for name in ("mkdir", "replace", "rename", "unlink", "remove", "rmdir", "chmod", "link", "symlink", "utime"):
        monkeypatch.setattr(os, name, refusing(getattr(os, name)))


@pytest.mark.parametrize("editor", [SIGNED_OUT, SIGNED_IN])
def test_a_read_only_folder_is_read_without_writing(editable_register, read_only_folder, editor):
    before = snapshot(editable_register.parent)
    at = run_data(editor)
    assert_page_whole(at)
    assert read_only_folder == []  # reading tried no write at all (no lock file)
    assert snapshot(editable_register.parent) == before
    if editor is SIGNED_IN:
        assert "只读" in " ".join(w.value for w in at.warning)
        assert len(history_tables(at)) == 1  # the history is still shown


def test_a_save_into_a_read_only_folder_is_refused_clearly_and_loses_nothing(editable_register, read_only_folder):
    before = snapshot(editable_register.parent)
    at = run_data(SIGNED_IN, data_fix_station="RS-02")
    at.text_input(key="data_fix_paste").input("116.8301,30.7402").run()
    at.button(key="data_fix_save").click().run()
    assert_page_whole(at)
    (error,) = at.error
    assert plain(error.value).startswith("未保存: 站点数据所在文件夹是只读的,无法保存;未做任何改动")
    assert snapshot(editable_register.parent) == before
    assert not [p for p in editable_register.parent.rglob(".*") if p.is_file()]  # no temporary file left
