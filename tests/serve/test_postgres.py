"""The same guarantees on PostgreSQL, with two `grade serve` processes sharing one database.

Needs a server: GRADE_TEST_POSTGRES_URL=postgresql://USER:PASSWORD@HOST/DB for a role that may create
databases (.ci/run starts one from Debian's packages). Each test makes its own database and drops it.
"""

from __future__ import annotations

import json
import os
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import pytest
from schema_support import downgrade_to_version_1, downgrade_to_version_2, downgrade_to_version_3
from serve_support import ASSIGNMENT, TYPICAL, http, serve_process

URL_VARIABLE = "GRADE_TEST_POSTGRES_URL"
ATTEMPTS = f"/api/v1/assignments/{ASSIGNMENT}/attempts"
PARALLEL = 20


def _admin_url() -> str:
    url = os.environ.get(URL_VARIABLE)
    if not url:
        pytest.skip(f"no PostgreSQL server: set {URL_VARIABLE}=postgresql://USER:PASSWORD@HOST/DB "
                    "(.ci/run starts one)")
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5):
            pass
    except Exception as exc:  # noqa: BLE001 - any failure to connect means: no server to test against
        pytest.skip(f"PostgreSQL at {URL_VARIABLE} is not reachable: {type(exc).__name__}")
    return url


@pytest.fixture
def postgres_url():
    """A fresh database on the test server, dropped afterwards."""
    import psycopg

    admin = _admin_url()
    name = f"grade_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_twenty_parallel_requests_across_two_processes_give_exactly_three(course_dir, issue_tokens, postgres_url):
    tokens = issue_tokens(course_dir, postgres_url)
    with serve_process(course_dir, postgres_url) as (first, _), serve_process(course_dir, postgres_url) as (second, _):
        bases = cycle([first, second])
        targets = [next(bases) for _ in range(PARALLEL)]
        with ThreadPoolExecutor(PARALLEL) as pool:
            statuses = sorted(pool.map(lambda base: http("POST", base + ATTEMPTS, token=tokens["s1002"],
                                                         body=TYPICAL)[0], targets))
        listed = [json.loads(http("GET", base + ATTEMPTS, token=tokens["s1002"])[2]) for base in (first, second)]
    assert statuses == [201] * 3 + [429] * (PARALLEL - 3)
    assert listed[0] == listed[1] and [a["number"] for a in listed[0]["attempts"]] == [1, 2, 3]


def test_killed_processes_lose_no_recorded_attempt(course_dir, issue_tokens, postgres_url):
    tokens = issue_tokens(course_dir, postgres_url)
    with serve_process(course_dir, postgres_url) as (first, one), \
            serve_process(course_dir, postgres_url) as (second, two):
        assert http("POST", first + ATTEMPTS, token=tokens["s1002"], body=TYPICAL)[0] == 201
        assert http("POST", second + ATTEMPTS, token=tokens["s1002"], body=TYPICAL)[0] == 201
        for process in (one, two):
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=20)
    with serve_process(course_dir, postgres_url) as (base, _):
        attempts = json.loads(http("GET", base + ATTEMPTS, token=tokens["s1002"])[2])["attempts"]
        assert [a["number"] for a in attempts] == [1, 2]
        assert http("POST", base + ATTEMPTS, token=tokens["s1002"], body=TYPICAL)[0] == 201

    from grader.serve.storage import open_storage

    storage = open_storage(postgres_url, course_dir)
    assert [stored.body for stored in storage.graded_attempts(ASSIGNMENT)] == [TYPICAL] * 3
    storage.close()


def test_the_schema_version_is_checked_on_postgres_too(postgres_url, tmp_path):
    import psycopg

    from grader.errors import UsageError
    from grader.serve.storage import SCHEMA_VERSION, open_storage

    open_storage(postgres_url, tmp_path).close()
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(UsageError, match="newer than this grade's"):
        open_storage(postgres_url, tmp_path)


def test_sessions_limits_and_the_upgrade_from_version_1_on_postgresql(course_dir, issue_tokens, postgres_url):
    """The SQL that differs between the two databases: booleans, sizes of bytea, the schema upgrade."""
    import datetime as dt

    import psycopg

    from grader.serve.errors import ServiceError
    from grader.serve.storage import open_storage

    issue_tokens(course_dir, postgres_url)
    now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)
    storage = open_storage(postgres_url, course_dir)
    try:
        first = storage.record_received("s1002", ASSIGNMENT, b"x" * 3000, now, limit=None)
        storage.mark_refused(first, ServiceError(422, "not YAML"), allowance=4000)
        second = storage.record_received("s1002", ASSIGNMENT, b"y" * 3000, now, limit=None)
        storage.mark_refused(second, ServiceError(422, "not YAML"), allowance=4000)  # past the allowance
        assert storage.dropped_files(ASSIGNMENT) == {"s1002": 1}
        assert storage.record_received("s1002", ASSIGNMENT, b"z" * 2000, now, limit=4000) is None
        storage.start_session("a" * 64, "s1002", now)
        idle, lifetime = dt.timedelta(hours=2), dt.timedelta(hours=12)
        assert storage.session_student("a" * 64, now, idle=idle, lifetime=lifetime).id == "s1002"
        assert storage.end_sessions("s1002", now, "test") == 1
        assert storage.session_student("a" * 64, now, idle=idle, lifetime=lifetime) is None
    finally:
        storage.close()
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        downgrade_to_version_1(connection.execute, "postgresql")
    upgraded = open_storage(postgres_url, course_dir)
    try:
        assert upgraded.schema_version() == 4 and upgraded.count_files() == 2
        assert upgraded.dropped_files(ASSIGNMENT) == {}  # version 1 kept every file: the upgrade says so
    finally:
        upgraded.close()
    with psycopg.connect(postgres_url) as connection:
        assert sorted(connection.execute("SELECT size FROM files").fetchall()) == [(0,), (3000,)]


def test_the_upgrade_from_version_2_keeps_every_row_and_takes_staff_sessions(course_dir, issue_tokens, postgres_url):
    import datetime as dt

    import psycopg

    from grader.serve.storage import SCHEMA_VERSION, open_storage
    from grader.serve.storage_desk import AuditEntry, DecisionEntry

    issue_tokens(course_dir, postgres_url)
    now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)
    idle, lifetime = dt.timedelta(hours=2), dt.timedelta(hours=12)
    storage = open_storage(postgres_url, course_dir)
    try:
        storage.record_received("s1002", ASSIGNMENT, b"assignment: x\n", now, limit=None)
        storage.start_session("b" * 64, "s1002", now)
        storage.add_extension("s1002", ASSIGNMENT, None, 5, "os:test", now)
    finally:
        storage.close()
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        downgrade_to_version_2(connection.execute, "postgresql")
        before = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("students", "files", "sessions", "extensions")}
    upgraded = open_storage(postgres_url, course_dir)
    try:
        assert upgraded.schema_version() == SCHEMA_VERSION == 4
        assert upgraded.session_student("b" * 64, now, idle=idle, lifetime=lifetime).id == "s1002"
        upgraded.save_staff_tokens([("t01", "Tess", None, "ta", "7" * 64)], now)
        upgraded.start_session("c" * 64, None, now, staff_id="t01")
        assert upgraded.session_person("c" * 64, now, idle=idle, lifetime=lifetime).role == "ta"
        upgraded.record_decisions(ASSIGNMENT, [DecisionEntry("s1002", "p2.a.why", "a" * 64, 1.0, None)], "t01",
                                  "page", now, [AuditEntry("t01", "decide", ASSIGNMENT, "s1002", "p2.a.why: 1")])
        assert upgraded.decisions(ASSIGNMENT)["s1002"]["p2.a.why"].entry.score == 1.0
        assert upgraded.extension("s1002", ASSIGNMENT).attempts == 5
    finally:
        upgraded.close()
    with psycopg.connect(postgres_url) as connection:
        after = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in before}
    assert after == {**before, "sessions": before["sessions"] + 1}


def test_the_upgrade_from_version_3_and_the_lti_tables_on_postgresql(course_dir, issue_tokens, postgres_url):
    """Version 3 -> 4 keeps every row; then the LTI rows: a person matched by email, a link, the outbox claimed
    (under PostgreSQL's advisory lock) with increasing timestamps, and a score recorded as sent."""
    import datetime as dt

    import psycopg

    from grader.serve.storage import SCHEMA_VERSION, open_storage
    from grader.serve.storage_lti import LinkRecord, LtiUser

    issue_tokens(course_dir, postgres_url)
    now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)
    storage = open_storage(postgres_url, course_dir)
    try:
        storage.record_received("s1002", ASSIGNMENT, b"assignment: x\n", now, limit=None)
        storage.start_session("d" * 64, "s1002", now)
    finally:
        storage.close()
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        downgrade_to_version_3(connection.execute, "postgresql")
        before = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("students", "files", "sessions", "staff", "audit")}
    upgraded = open_storage(postgres_url, course_dir)
    try:
        assert upgraded.schema_version() == SCHEMA_VERSION == 4
        issuer = "https://canvas.instructure.com"
        person = upgraded.lti_person(LtiUser(issuer, "sub-c", "Charles", "CHARLES@example.edu"), None, now)
        assert person.id == "s1002"
        link = upgraded.lti_save_link(LinkRecord(0, issuer, "cid", "1:d", "ctx", "rl-1", ASSIGNMENT, "HW", None,
                                                 "https://canvas.example/li/1", "https://purl.imsglobal.org/spec/"
                                                 "lti-ags/scope/score", None), now)
        upgraded.lti_add_members(issuer, "ctx", ["sub-c"], now)
        assert upgraded.lti_score_changed(ASSIGNMENT, ["s1002", "s1001"], now) == 1
        assert upgraded.lti_score_changed(ASSIGNMENT, ["s1002"], now) == 0  # one pending row per (link, student)
        [row] = upgraded.lti_claim(now, dt.timedelta(minutes=5))
        assert row.link.id == link.id and row.timestamp == now
        assert upgraded.lti_claim(now, dt.timedelta(minutes=5)) == []  # claimed: another sender skips it
        upgraded.lti_finish(row.id, now, state="sent", status=200, message=None, score=(14.5, 36.0, "FullyGraded"))
        upgraded.lti_score_changed(ASSIGNMENT, ["s1002"], now, repost=True)
        [again] = upgraded.lti_claim(now, dt.timedelta(minutes=5))
        assert again.timestamp == now + dt.timedelta(milliseconds=1)  # after the last one, though the clock is still
        assert upgraded.lti_last_sent(link.id, "s1002", "sub-c").score_given == 14.5
    finally:
        upgraded.close()
    with psycopg.connect(postgres_url) as connection:
        after = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in before}
    assert after == before
