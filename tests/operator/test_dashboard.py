"""The dashboard at /__mock/, in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.operator import FaultPlan, FaultRule

INVALID_RUN_REQUEST = {"parameters": "not an object"}
WAIT_MS = 10_000
TOKEN = "dash-token"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 1100})
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    yield opened
    context.close()


class Watch:
    """What a page asked for and complained about while it was open."""

    def __init__(self, page: Any) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                self.errors.append(message.text) if message.type == "error" else None
            ),
        )


def test_the_dashboard_shows_requests_state_faults_and_contracts(
    serve_app: Any, page: Any, make_deployment: Any, artifacts: Path
) -> None:
    drop = FaultRule(operation="read_flow_run", drop=True, times=1)
    served = serve_app(faults=FaultPlan((drop,)))
    watch = Watch(page)
    with served.client() as client:
        deployment = make_deployment(client)
        path = f"/api/deployments/{deployment['id']}/create_flow_run"
        run = client.post(path, json={}).json()
        page.goto(served.base_url + "/__mock/")

        client.post(path, json=INVALID_RUN_REQUEST)
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"/api/flow_runs/{run['id']}")

        refused = page.wait_for_selector('#entries .entry[data-status="422"]')
        accepted = page.wait_for_selector('#entries .entry[data-status="201"]')
        dropped = page.wait_for_selector('#entries .entry[data-status="0"]')

    assert "has-violations" in refused.get_attribute("class")
    assert "has-violations" not in accepted.get_attribute("class")
    assert "dropped" in dropped.get_attribute("class")
    assert "create_flow_run_from_deployment" in refused.inner_text()

    refused.click()
    violations = refused.wait_for_selector(".violations li")
    assert "parameters" in violations.inner_text()
    assert "not an object" in refused.inner_text()

    page.wait_for_selector("#deployments tr >> text=nightly")
    row = page.wait_for_selector(f"#flow-runs tr:has-text('{run['id']}')")
    row.wait_for_selector(".state-scheduled")
    row.query_selector("button:has-text('complete')").click()
    page.wait_for_selector(f"#flow-runs tr:has-text('{run['id']}') .state-completed")

    page.fill(
        "#fault-plan",
        '{"seed": 1, "rules": [{"operation": "read_flows", "status": 503, '
        '"probability": 0.25}]}',
    )
    page.click("#apply-faults")
    page.wait_for_selector("#fault-rules >> text=read_flows: answer 503, 25% of calls")
    assert page.inner_text("#fault-message") == "Applied."

    contract = page.query_selector("#operation-create_flow_run_from_deployment")
    contract.click()
    assert "/deployments/{id}/create_flow_run" in contract.inner_text()

    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
    assert watch.errors == []
    assert all(url.startswith((served.base_url, "data:")) for url in watch.urls)


def test_the_dashboard_filters_and_follows_a_cleared_journal(
    served: Any, http: httpx.Client, page: Any
) -> None:
    http.get("/api/health")
    http.post("/api/flows/filter", json={"limit": "many"})
    page.goto(served.base_url + "/__mock/")
    page.wait_for_selector('#entries .entry[data-status="422"]')

    page.check("#only-violations")
    visible = page.locator("#entries .entry:visible")
    assert visible.count() == 1
    assert visible.first.get_attribute("data-operation") == "read_flows"

    page.uncheck("#only-violations")
    page.click("#clear-journal")
    page.wait_for_selector("#entries .entry", state="detached")
    http.get("/api/health")
    page.wait_for_selector('#entries .entry[data-operation="health_check"]')
    assert page.inner_text("#kept") == "1"


def test_the_dashboard_works_behind_a_control_token(serve_app: Any, page: Any) -> None:
    served = serve_app(control_token=TOKEN)
    with served.client() as client:
        client.get("/api/health")

    page.goto(f"{served.base_url}/__mock/?token={TOKEN}")

    page.wait_for_selector('#entries .entry[data-operation="health_check"]')
    page.wait_for_selector("#live.ok")
