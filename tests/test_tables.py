"""Files the project writes: whole or not at all, keeping their mode, and never a formula."""

from __future__ import annotations

import io
import os
import stat

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.tables import csv_bytes, guard_formulas, unguard_formulas, write_bytes_atomic, xlsx_bytes

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"y\")", "\t=1", "\r=1"]


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "out.csv"
    path.write_bytes(b"old")

    def full_disk(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("geo.tables.os.fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_bytes_atomic(b"new content", path)
    assert path.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [path]


def test_a_rewritten_file_keeps_its_mode_and_a_new_file_gets_the_umask(tmp_path):
    path = tmp_path / "register.geojson"
    path.write_bytes(b"{}")
    os.chmod(path, 0o640)
    write_bytes_atomic(b"[]", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.csv"
    write_bytes_atomic(b"a", fresh)
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("target", ["/dev/full", "/dev/null"])
def test_devices_and_folders_are_refused_not_replaced(tmp_path, target):
    with pytest.raises(OSError, match="not a regular file"):
        write_bytes_atomic(b"x", target)
    assert stat.S_ISCHR(os.stat(target).st_mode)
    with pytest.raises(OSError, match="not a regular file"):
        write_bytes_atomic(b"x", tmp_path)


def test_a_missing_folder_is_an_oserror_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_bytes_atomic(b"x", tmp_path / "no" / "such" / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_formula_cells_and_formula_column_names_are_guarded_in_csv_and_excel():
    table = pd.DataFrame({"name": FORMULAS, "=HYPERLINK(\"x\")": range(len(FORMULAS)), "lon": [-116.8] * len(FORMULAS)})
    from_csv = pd.read_csv(io.BytesIO(csv_bytes(table)), dtype=str, encoding="utf-8-sig")
    from_xlsx = pd.read_excel(io.BytesIO(xlsx_bytes({"sheet": table})), dtype=str)
    for read in (from_csv, from_xlsx):
        assert all(cell.startswith("'") for cell in read["name"]) and len(read) == len(FORMULAS)
        assert read.columns[1] == "'=HYPERLINK(\"x\")"
        assert read["lon"].astype(float).eq(-116.8).all()  # numbers stay numbers


@given(st.lists(st.text(max_size=12), min_size=1, max_size=6))
def test_guarding_then_unguarding_gives_the_text_back(cells):
    table = pd.DataFrame({"text": cells})
    assert unguard_formulas(guard_formulas(table))["text"].tolist() == cells
