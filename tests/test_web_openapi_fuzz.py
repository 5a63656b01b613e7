"""The open API fuzzed from its own OpenAPI 3.1 document (schemathesis): for data that fits the
document and data that does not, no 500 and no traceback, every status and body as documented,
and bad input refused with 422 and a message that names the parameter."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from starlette.applications import Starlette

from web import web_routes


@pytest.fixture(scope="module", autouse=True)
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-reports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GAOHE_DATABASE_URL", f"sqlite:///{folder / 'reports.sqlite3'}")
        patch.setenv("GAOHE_REPORT_PHOTOS", str(folder / "photos"))
        patch.setenv("GAOHE_TEST_NOW", "2026-11-28T23:30")
        yield


APP = Starlette(routes=web_routes())
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
                                max_examples=60, deterministic=True)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_its_document_whatever_it_is_sent(case):
    response = case.call_and_validate()
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    if response.status_code == 422:
        problems = response.json()["detail"]
        assert problems and all(p["msg"] and p["loc"] for p in problems)
