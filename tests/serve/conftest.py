"""Fixtures of the course-service tests: a course, its tokens, the real app on a real SQLite file.

Every response body of these tests (TestClient, live uvicorn, subprocess servers through
`serve_support.http`) is recorded, and after each test scanned for the key values of every numeric
question: a test that shows the key fails, unless it is marked `reveals_key` (after_due: reveal).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from serve_support import (REQUEST_BODIES, RESPONSE_BODIES, Clock, RecordBodies, leaked_keys,  # noqa: E402
                           read_tokens, write_course, write_roster)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reveals_key: the test expects the key in a response (after_due: reveal)")
    # Starlette's TestClient asks for `httpx2` over httpx; the tests only need it to make requests.
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture(autouse=True)
def key_never_shown(request: pytest.FixtureRequest) -> Iterator[None]:
    """The guarantee "a key value never appears in any response", checked after every serve test."""
    RESPONSE_BODIES.clear()
    REQUEST_BODIES.clear()
    yield
    if request.node.get_closest_marker("reveals_key") is None:
        leaks = leaked_keys(RESPONSE_BODIES)
        RESPONSE_BODIES.clear()
        REQUEST_BODIES.clear()
        assert not leaks, f"a response showed key values the test never sent: {leaks}"


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something already listens on: a `grade serve` test that gets past its checks fails to bind
    there at once instead of serving forever."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield listener.getsockname()[1]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_course(tmp_path: Path) -> Callable[..., Path]:
    """make_course(**policy) -> a course folder whose one assignment has that policy."""
    return lambda **policy: write_course(tmp_path / "course", **policy)


@pytest.fixture
def course_dir(make_course: Callable[..., Path]) -> Path:
    return make_course(attempts=3)


@pytest.fixture
def issue_tokens(tmp_path: Path) -> Callable[..., dict[str, str]]:
    """issue_tokens(course_dir, db=None) -> {student id: token}, issued with `grade tokens`' own code."""

    def issue(course: Path, db: str | None = None) -> dict[str, str]:
        from grader.cli import main

        output = tmp_path / f"tokens-{len(list(tmp_path.glob('tokens-*.csv')))}.csv"
        arguments = ["tokens", str(course), "--roster", str(write_roster(tmp_path / "roster.csv")), "-o", str(output)]
        assert main(arguments + (["--db", db] if db else [])) == 0
        return read_tokens(output)

    return issue


@pytest.fixture
def tokens(course_dir: Path, issue_tokens: Callable[..., dict[str, str]]) -> dict[str, str]:
    return issue_tokens(course_dir)


@pytest.fixture
def make_app(clock: Clock) -> Callable[..., Any]:
    """make_app(course_dir, db=None, **settings) -> the real FastAPI app, on the fake clock, bodies recorded."""
    from grader.serve.app import create_app
    from grader.serve.course import load_course
    from grader.serve.service import Service, ServiceSettings
    from grader.serve.storage import open_storage

    def make(course: Path, db: str | None = None, **settings: Any) -> Any:
        loaded = load_course(course)
        service = Service(loaded, open_storage(db, loaded.folder), ServiceSettings(**settings), clock=clock)
        app = create_app(course, service=service)
        app.add_middleware(RecordBodies)
        return app

    return make


@pytest.fixture
def client(course_dir: Path, tokens: dict[str, str], make_app: Callable[..., Any]) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(make_app(course_dir)) as test_client:
        yield test_client


class Desk:
    """A course whose class of eight has tokens, two staff members (a TA and an instructor) and the app."""

    def __init__(self, course: Path, tokens: dict[str, str], staff: dict[str, str], app: Any, api: Any) -> None:
        self.course, self.tokens, self.staff, self.app, self.api = course, tokens, staff, app, api

    def browser(self) -> Any:
        """A new client with its own cookies, as a separate browser (lifespan left to `api`)."""
        from fastapi.testclient import TestClient

        return TestClient(self.app)


CLASS = [(f"s{2000 + index}", f"Student {index}", f"s{index}@example.edu") for index in range(8)]


@pytest.fixture
def desk(make_course: Callable[..., Path], make_app: Callable[..., Any], tmp_path: Path) -> Iterator[Desk]:
    from fastapi.testclient import TestClient
    from staff_support import issue_staff_tokens

    from grader.cli import main

    course = make_course(attempts=3)
    roster = write_roster(tmp_path / "class.csv", CLASS)
    assert main(["tokens", str(course), "--roster", str(roster), "-o", str(tmp_path / "class-tokens.csv")]) == 0
    tokens = read_tokens(tmp_path / "class-tokens.csv")
    staff = issue_staff_tokens(course, tmp_path)
    app = make_app(course)
    with TestClient(app) as api:
        yield Desk(course, tokens, staff, app, api)


@pytest.fixture
def lms(make_course: Callable[..., Path], issue_tokens: Callable[..., dict[str, str]]) -> Iterator[Any]:
    """A course service with `lti:` and an LTI platform (lti1p3platform) live beside it: lti_support.running_lms."""
    from lti_support import running_lms

    with running_lms(make_course, issue_tokens, middleware=RecordBodies) as running:
        yield running
