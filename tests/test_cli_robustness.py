"""Every CLI command against folders, missing folders, devices, empty and binary files, and
nonsense numbers: one clear line and the documented exit code, never a traceback, no partial file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from geo.cli.main import main
from geo.place.reference import DEFAULT_STATIONS_PATH

DEMAND = str(Path(DEFAULT_STATIONS_PATH).parent / "demo_demand_synthetic.csv")


def bad_inputs(tmp_path: Path) -> dict[str, str]:
    binary = tmp_path / "binary"
    binary.mkdir()
    for suffix in (".csv", ".geojson", ".xlsx", ".kml", ".json"):
        (binary / f"garbage{suffix}").write_bytes(os.urandom(2048))
        (binary / f"empty{suffix}").write_bytes(b"")
    return {
        "folder": str(tmp_path),
        "missing folder": str(tmp_path / "no" / "such" / "file.csv"),
        "device": "/dev/full",
        **{f"binary{suffix}": str(binary / f"garbage{suffix}") for suffix in (".csv", ".geojson", ".xlsx", ".kml", ".json")},
        **{f"empty{suffix}": str(binary / f"empty{suffix}") for suffix in (".csv", ".geojson", ".xlsx", ".kml", ".json")},
    }


def commands_reading(path: str) -> list[list[str]]:
    return [
        ["validate", path],
        ["stations", "--file", path],
        ["nearest", "--lon", "116.82", "--lat", "30.74", "--file", path],
        ["nearest", "--points", path],
        ["coverage", "--demand", path],
        ["coverage", "--study-area", path],
        ["gaps", "--demand", path],
        ["gaps", "--demand", DEMAND, "--candidates", path],
        ["import", path, "--dry-run"],
        ["export", "/tmp/never-written.geojson", "--file", path],
    ]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_unreadable_inputs_give_one_clear_line_and_exit_1(tmp_path, capsys):
    cases = 0
    for label, path in bad_inputs(tmp_path).items():
        for argv in commands_reading(path):
            if argv[0] == "import" and not Path(path).suffix and label != "folder":
                continue
            code, out, err = run(argv, capsys)
            assert code == 1, (label, argv, code, err)
            assert "Traceback" not in err and err.strip(), (label, argv)
            assert "unexpected failure" not in err, (label, argv, err)
            cases += 1
    assert cases >= 120
    assert not Path("/tmp/never-written.geojson").exists()


def test_the_json_flag_gives_the_error_as_json(tmp_path, capsys):
    code, out, _ = run(["coverage", "--demand", str(tmp_path), "--json"], capsys)
    assert code == 1 and "error" in json.loads(out) or "problems" in json.loads(out)


@pytest.mark.parametrize("target", ["folder", "missing folder", "/dev/full"])
@pytest.mark.parametrize("command", [["nearest", "--lon", "116.82", "--lat", "30.74", "--out"], ["export"]])
def test_unwritable_outputs_exit_3_and_leave_nothing_behind(tmp_path, capsys, target, command):
    out = {"folder": str(tmp_path), "missing folder": str(tmp_path / "no" / "out.csv"), "/dev/full": "/dev/full"}[target]
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = run([*command, out], capsys)
    assert code == 3, err
    assert "Traceback" not in err and "nothing was written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("argv", [
    ["gaps", "--demand", DEMAND, "--radius-m", "nan"],
    ["gaps", "--demand", DEMAND, "--radius-m", "-5"],
    ["gaps", "--demand", DEMAND, "--add", "-1"],
    ["gaps", "--demand", DEMAND, "--target-coverage", "1.5"],
    ["coverage", "--radius-m", "1e9"],
    ["coverage", "--radius-m", "inf"],
    ["nearest", "--lon", "116.82", "--lat", "30.74", "--max-distance-m", "nan"],
    ["nearest", "--lon", "116.82", "--lat", "30.74", "--max-distance-m", "-5"],
    ["nearest", "--lon", "116.82", "--lat", "30.74", "-k", "1000000"],
    ["nearest", "--lon", "116.82", "--lat", "30.74", "-k", "0"],
])
def test_nonsense_numbers_are_wrong_usage(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_nearest_output_cells_and_input_columns_are_guarded_against_formulas(tmp_path, capsys, suffix):
    points = tmp_path / "riders.csv"
    points.write_text('lon,lat,=HYPERLINK("http://x")\n116.82,30.74,=cmd|\' /C calc\'!A0\n', encoding="utf-8")
    out = tmp_path / f"out{suffix}"
    assert run(["nearest", "--points", str(points), "-k", "1", "--out", str(out)], capsys)[0] == 0
    if suffix == ".xlsx":  # a real workbook (not CSV under an Excel name), cells as they would be read
        from openpyxl import load_workbook

        rows = list(load_workbook(out).active.iter_rows(values_only=True))
        text = "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)
    else:
        text = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'=cmd" in text
    assert ",=" not in text and not text.startswith("=")
