"""The ``prefect_mock`` fixture, as a user's test suite sees it (``pytester``)."""

from __future__ import annotations

import importlib.metadata
import re
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

RECORDINGS = Path(__file__).parents[2] / "fixtures" / "recordings" / "prefect-3.9.1"
INI = """
[pytest]
filterwarnings = error
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project: warnings are errors, as in ours."""
    pytester.makeini(INI)
    return pytester


def write_tests(suite: pytest.Pytester, source: str) -> None:
    suite.makepyfile(test_suite=textwrap.dedent(source))


def test_the_plugin_is_registered_through_its_entry_point(
    suite: pytest.Pytester,
) -> None:
    entry_points = importlib.metadata.entry_points(group="pytest11")

    result = suite.runpytest("--help")

    assert "mockserver.plugin" in {entry.value for entry in entry_points}
    result.stdout.fnmatch_lines(["*--mockserver-seed=N*"])


def test_the_prefect_client_is_pointed_at_the_mock(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL

        def test_create_a_flow(prefect_mock):
            assert PREFECT_API_URL.value() == prefect_mock.api_url

            with get_client(sync_client=True) as client:
                client.create_flow_from_name("etl")

            prefect_mock.assert_called("create_flow", name="etl")
        """,
    )

    suite.runpytest().assert_outcomes(passed=1)


def test_each_test_starts_empty_on_the_same_server(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        import httpx

        URLS = []

        def test_first(prefect_mock):
            URLS.append(prefect_mock.api_url)
            httpx.post(prefect_mock.api_url + "/flows/", json={"name": "etl"})
            assert len(prefect_mock.journal) == 1

        def test_second(prefect_mock):
            assert prefect_mock.journal == []
            flows = httpx.post(prefect_mock.api_url + "/flows/filter", json={})
            assert flows.json() == []
            assert URLS == [prefect_mock.api_url]
        """,
    )

    suite.runpytest().assert_outcomes(passed=2)


def test_flask_and_werkzeug_are_imported_only_once_the_control_api_is_called(
    suite: pytest.Pytester,
) -> None:
    write_tests(
        suite,
        """
        import sys

        import httpx

        def test_the_api(prefect_mock):
            created = httpx.post(prefect_mock.api_url + "/flows/", json={"name": "a"})
            assert created.status_code == 201
            assert "flask" not in sys.modules
            assert "werkzeug" not in sys.modules

        def test_the_control_api(prefect_mock):
            control = prefect_mock.api_url.removesuffix("/api") + "/__mock"
            assert httpx.get(control + "/settings").status_code == 200
            assert "flask" in sys.modules
        """,
    )

    suite.runpytest_subprocess().assert_outcomes(passed=2)


def test_the_environment_and_prefect_settings_are_restored_after_the_test(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    write_tests(
        suite,
        """
        import os
        from prefect.settings import PREFECT_API_URL

        BEFORE = PREFECT_API_URL.value()

        def test_with_the_mock(prefect_mock):
            assert os.environ["PREFECT_API_URL"] == prefect_mock.api_url

        def test_without_it():
            assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:9/api"
            assert PREFECT_API_URL.value() == BEFORE
        """,
    )

    suite.runpytest().assert_outcomes(passed=2)


def test_prefect_first_imported_during_a_test_forgets_the_mock_afterwards(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    write_tests(
        suite,
        """
        import sys

        def test_imports_prefect(prefect_mock):
            assert "prefect" not in sys.modules
            from prefect.settings import PREFECT_API_URL

            assert PREFECT_API_URL.value() == prefect_mock.api_url

        def test_after(monkeypatch):
            from prefect.settings import PREFECT_API_URL

            assert PREFECT_API_URL.value() is None
        """,
    )

    result = suite.runpytest_subprocess(
        "-p", "no:schemathesis", "-p", "no:hypothesispytest"
    )

    result.assert_outcomes(passed=2)


def test_assert_called_lists_how_each_call_differed(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        import httpx

        def test_wrong_name(prefect_mock):
            httpx.post(prefect_mock.api_url + "/flows/", json={"name": "etl"})
            prefect_mock.assert_called("create_flow", name="nightly")
        """,
    )

    result = suite.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*no call to create_flow with name='nightly'; "
            "1 call(s) to create_flow differ:",
            "E*#* POST /api/flows/ (create_flow) -> 201",
            "E*name: expected 'nightly', got 'etl'",
        ]
    )


def test_assert_called_lists_every_request_when_the_operation_was_never_called(
    suite: pytest.Pytester,
) -> None:
    write_tests(
        suite,
        """
        import httpx

        def test_never_created(prefect_mock):
            httpx.get(prefect_mock.api_url + "/health")
            prefect_mock.assert_called("create_flow")
        """,
    )

    result = suite.runpytest()

    result.stdout.fnmatch_lines(
        [
            "E*no call to create_flow; the server answered 1:",
            "E*GET /api/health (health_check) -> 200",
        ]
    )


def test_a_server_side_failure_fails_the_test_that_caused_it(
    suite: pytest.Pytester,
) -> None:
    write_tests(
        suite,
        """
        import httpx

        class Broken:
            def respond(self, call):
                raise RuntimeError("the responder broke")

        def test_causes_it(prefect_mock):
            prefect_mock.respond_with(Broken())
            answer = httpx.get(prefect_mock.api_url + "/health")
            assert answer.status_code == 400

        def test_next_one_is_unaffected(prefect_mock):
            assert httpx.get(prefect_mock.api_url + "/health").json() is True
        """,
    )

    result = suite.runpytest()

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*ServerFailure: the mock server failed to answer 1 request(s):",
            "*GET /api/health (health_check):",
            "*RuntimeError: the responder broke",
        ]
    )


def test_a_server_side_failure_is_added_to_a_test_that_failed_anyway(
    suite: pytest.Pytester,
) -> None:
    write_tests(
        suite,
        """
        import httpx

        class Broken:
            def respond(self, call):
                raise RuntimeError("the responder broke")

        def test_fails_on_its_own(prefect_mock):
            prefect_mock.respond_with(Broken())
            httpx.get(prefect_mock.api_url + "/health")
            assert 1 == 2
        """,
    )

    result = suite.runpytest()

    result.stdout.fnmatch_lines(
        ["E*assert 1 == 2", "*and meanwhile the mock server failed to answer*"]
    )


SEED_LINE = re.compile(r"prefect_mock seed: (\d+) \((.*)\)")


def failing_seed(suite: pytest.Pytester, *arguments: str) -> tuple[int, str]:
    result = suite.runpytest(*arguments)
    found = SEED_LINE.search(result.stdout.str())
    assert found is not None, result.stdout.str()
    return int(found.group(1)), found.group(2)


def test_a_failing_test_reports_the_seed_that_reproduces_it(
    suite: pytest.Pytester,
) -> None:
    write_tests(
        suite,
        """
        def test_fails(prefect_mock):
            assert False
        """,
    )

    seed, origin = failing_seed(suite, "--mockserver-seed=5")

    assert origin == "derived from --mockserver-seed=5 and the test id"
    assert failing_seed(suite, "--mockserver-seed=5")[0] == seed
    assert failing_seed(suite, "--mockserver-seed=6")[0] != seed


def test_a_passing_test_reports_no_seed(suite: pytest.Pytester) -> None:
    write_tests(suite, "def test_passes(prefect_mock):\n    pass\n")

    result = suite.runpytest("-rA")

    assert "prefect_mock seed" not in result.stdout.str()


def test_the_seed_makes_the_servers_ids_and_differs_between_tests(
    suite: pytest.Pytester,
) -> None:
    write_tests(
        suite,
        """
        import httpx

        SEEN = {}

        def create(prefect_mock):
            answer = httpx.post(prefect_mock.api_url + "/flows/", json={"name": "a"})
            return prefect_mock.seed, answer.json()["id"]

        def test_one(prefect_mock):
            SEEN["one"] = create(prefect_mock)
            prefect_mock.reset()
            assert create(prefect_mock) == SEEN["one"]

        def test_two(prefect_mock):
            seed, flow_id = create(prefect_mock)
            assert seed != SEEN["one"][0]
            assert flow_id != SEEN["one"][1]
        """,
    )

    suite.runpytest().assert_outcomes(passed=2)


MARKERS = [
    (
        'version="2.14.16"',
        'httpx.get(prefect_mock.api_url + "/admin/version").json() == "2.14.16"',
    ),
    ('lifecycle="complete"', 'prefect_mock.lifecycle == "complete"'),
    ("seed=7", "prefect_mock.seed == 7"),
    ("step_delay=0.5", "prefect_mock.state.step_delay == 0.5"),
    (
        f"recordings={str(RECORDINGS)!r}",
        "type(prefect_mock.responder).__name__ == 'PlaybackResponder'",
    ),
]


@pytest.mark.parametrize(
    ("settings", "holds"),
    MARKERS,
    ids=["version", "lifecycle", "seed", "step-delay", "recordings"],
)
def test_the_marker_configures_the_test_s_server(
    suite: pytest.Pytester, settings: str, holds: str
) -> None:
    write_tests(
        suite,
        f"""
        import httpx
        import pytest

        @pytest.mark.prefect_mock({settings})
        def test_configured(prefect_mock):
            assert {holds}
        """,
    )

    suite.runpytest().assert_outcomes(passed=1)


def test_the_ini_option_picks_the_prefect_version(suite: pytest.Pytester) -> None:
    suite.makeini(INI + "mockserver_prefect_version = 2.14.16\n")
    write_tests(
        suite,
        """
        def test_version(prefect_mock):
            assert prefect_mock.version == "2.14.16"
        """,
    )

    suite.runpytest().assert_outcomes(passed=1)


def test_an_unknown_marker_setting_is_refused(suite: pytest.Pytester) -> None:
    write_tests(
        suite,
        """
        import pytest

        @pytest.mark.prefect_mock(lifecycel="complete")
        def test_typo(prefect_mock):
            pass
        """,
    )

    result = suite.runpytest()

    result.assert_outcomes(errors=1)
    assert "unknown prefect_mock marker settings ['lifecycel']" in str(result.stdout)


def test_xdist_workers_each_serve_their_own_mock(suite: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    seen = suite.mkdir("seen")
    write_tests(
        suite,
        f"""
        import os
        import pathlib

        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_records_its_server(prefect_mock, n):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            port = prefect_mock.api_url.rsplit(":", 1)[1]
            pathlib.Path({str(seen)!r}, f"{{n}}").write_text(worker + " " + port)
        """,
    )

    # Plugins this test does not need take seconds to load in every worker.
    quiet = ["-p", "no:schemathesis", "-p", "no:hypothesispytest"]
    result = suite.runpytest_subprocess("-n", "2", *quiet)

    result.assert_outcomes(passed=6)
    servers = {path.read_text() for path in seen.iterdir()}
    workers = {server.split()[0] for server in servers}
    ports = {server.split()[1] for server in servers}
    assert len(workers) == len(ports) == len(servers) == 2
