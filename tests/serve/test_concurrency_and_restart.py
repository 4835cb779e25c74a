"""Guarantees under load and failure: parallel requests never exceed the limit; a restart or a crash loses nothing."""

from __future__ import annotations

import json
import signal
from concurrent.futures import ThreadPoolExecutor

from serve_support import ASSIGNMENT, TYPICAL, http, live_server, serve_process

ATTEMPTS = f"/api/v1/assignments/{ASSIGNMENT}/attempts"
PARALLEL = 20


def parallel_posts(base: str, token: str, count: int = PARALLEL) -> list[int]:
    with ThreadPoolExecutor(count) as pool:
        answers = pool.map(lambda _: http("POST", base + ATTEMPTS, token=token, body=TYPICAL)[0], range(count))
        return sorted(answers)


def test_twenty_parallel_requests_with_three_attempts_left_give_exactly_three(course_dir, tokens, make_app):
    with live_server(make_app(course_dir)) as base:
        statuses = parallel_posts(base, tokens["s1002"])
        listed = http("GET", base + ATTEMPTS, token=tokens["s1002"])
    assert statuses == [201] * 3 + [429] * (PARALLEL - 3)
    assert [a["number"] for a in json.loads(listed[2])["attempts"]] == [1, 2, 3]


def test_attempts_survive_a_restart(course_dir, tokens, make_app):
    with live_server(make_app(course_dir)) as base:
        assert http("POST", base + ATTEMPTS, token=tokens["s1002"], body=TYPICAL)[0] == 201
        assert http("POST", base + ATTEMPTS, token=tokens["s1002"], body=b"broken: [")[0] == 422
    with live_server(make_app(course_dir)) as base:  # a new app and a new connection pool on the same file
        status, _, body = http("GET", base + ATTEMPTS, token=tokens["s1002"])
        assert status == 200 and b'"number":1' in body
        assert http("POST", base + ATTEMPTS, token=tokens["s1002"], body=TYPICAL)[0] == 201

    from grader.serve.storage import open_storage

    storage = open_storage(None, course_dir)
    assert [stored.body for stored in storage.graded_attempts(ASSIGNMENT)] == [TYPICAL, TYPICAL]
    assert storage.count_files(outcome="refused") == 1
    storage.close()


def test_a_killed_server_loses_no_recorded_attempt(course_dir, tokens):
    with serve_process(course_dir) as (base, process):
        numbers = [http("POST", base + ATTEMPTS, token=tokens["s1002"], body=TYPICAL)[0] for _ in range(2)]
        assert numbers == [201, 201]
        process.send_signal(signal.SIGKILL)  # no shutdown, no flush: what was answered 201 must be on disk
        process.wait(timeout=20)
    with serve_process(course_dir) as (base, _process):
        status, _, body = http("GET", base + ATTEMPTS, token=tokens["s1002"])
    assert status == 200 and body.count(b'"number"') == 2


def test_the_servers_log_holds_no_tokens_and_no_answers(course_dir, tokens):
    answer = "With no input nothing changes."  # one of the typical-mistakes file's answers
    assert answer.encode() in TYPICAL
    with serve_process(course_dir) as (base, process):
        assert http("POST", base + ATTEMPTS, token=tokens["s1002"], body=TYPICAL)[0] == 201
        assert http("POST", base + ATTEMPTS, token="a-wrong-token-1234", body=TYPICAL)[0] == 401
        http("GET", f"{base}/?token={tokens['s1001']}")  # a sign-in link: the query string is not logged
        process.terminate()
        process.wait(timeout=20)
        log = process.stderr.read().decode()
    assert f"POST {ATTEMPTS} 201" in log and f"POST {ATTEMPTS} 401" in log
    for secret in (*tokens.values(), "a-wrong-token-1234", answer, "0.2174"):
        assert secret not in log
