"""One error hierarchy: every error the project raises is ``SomeError(key, **params)`` with a key
of the catalogues, shown in the reader's language; vocabulary codes in messages are words."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import geo.errors
from geo.errors import GeoDataError, StorageError, TransitionError
from geo.i18n import LANGUAGES, Term, catalogue

ROOT = Path(__file__).resolve().parents[1]
PROBLEM_LISTS = {"ProblemsError", "StationDataError", "PointsDataError", "SheetError", "ScenarioError"}
ERROR_CLASSES = {name for name, value in vars(geo.errors).items()
                 if inspect.isclass(value) and issubclass(value, GeoDataError)}


def _raise_sites():
    """Every call of one of the project's error classes in the library, pages and helpers."""
    for path in sorted([*ROOT.glob("geo/**/*.py"), *ROOT.glob("ui/*.py"), *ROOT.glob("views/*.py"), *ROOT.glob("web/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name in ERROR_CLASSES and name not in PROBLEM_LISTS:
                    yield path.relative_to(ROOT), node.lineno, name, node


def test_every_error_class_is_defined_once_in_the_errors_module():
    defined = {}
    for path in [*ROOT.glob("geo/**/*.py"), *ROOT.glob("ui/*.py"), *ROOT.glob("views/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                defined.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    elsewhere = {name: paths for name, paths in defined.items() if paths != ["geo/errors.py"]}
    assert elsewhere == {"CatalogueError": ["geo/i18n.py"]}


def test_every_error_raised_names_a_catalogue_key_and_nothing_else_positionally():
    keys = catalogue("en").keys()
    found, wrong = 0, []
    for path, line, name, call in _raise_sites():
        if not call.args:
            continue
        first = call.args[0]
        found += 1
        if len(call.args) > 1:
            wrong.append(f"{path}:{line} {name}: a second positional argument")
        if isinstance(first, ast.JoinedStr) or (isinstance(first, ast.Constant) and first.value not in keys):
            wrong.append(f"{path}:{line} {name}: {ast.unparse(first)[:60]} is not a catalogue key")
    assert found > 50  # the scan sees the raise sites
    assert wrong == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_state_in_a_message_is_a_word_of_the_message_language(lang):
    err = TransitionError("report_error_transition", reference="GH-AAAA-BBBB",
                          from_state=Term("report_state", "resolved"), to_state=Term("report_state", "dispatched"))
    words = {"zh": ("已解决", "已派单"), "en": ("Resolved", "Dispatched")}[lang]
    text = err.localized(lang)
    assert all(word in text for word in words) and "resolved" not in text.replace("Resolved", "")
    assert err.params["from_state"] == "resolved"  # the code where a plain string is wanted (logs, JSON)


def test_one_storage_error_for_the_register_and_the_database():
    from geo.feedback import store as report_store
    from geo.register import store as register_store

    assert register_store.StorageError is report_store.StorageError is StorageError
    assert str(StorageError("report_error_busy")) == catalogue("en")["report_error_busy"]
