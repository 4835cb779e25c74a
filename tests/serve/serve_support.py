"""Helpers for the course-service tests: a course folder, tokens, a clock, a live server, the key scan."""

from __future__ import annotations

import datetime as dt
import functools
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
RUBRIC = REPO / "rubrics" / "hw-lstm-vae-gan.yaml"
ASSIGNMENT = "hw-lstm-vae-gan"
SUBMISSIONS = REPO / "submissions"
CORRECT = (SUBMISSIONS / "correct.yaml").read_bytes()  # student s1001
TYPICAL = (SUBMISSIONS / "typical-mistakes.yaml").read_bytes()  # student s1002, 14.5 / 36
ROSTER = [("s1001", "Ada Lovelace", "ada@example.edu"), ("s1002", "Charles Babbage", "charles@example.edu"),
          ("s1003", "Grace Hopper", "")]
START = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)  # the fake clock's first reading

RESPONSE_BODIES: list[bytes] = []  # every response body of the serve tests; scanned for the key after each test
REQUEST_BODIES: list[bytes] = []  # what the tests sent: a key value a student wrote is theirs to see echoed


def write_course(folder: Path, **policy: Any) -> Path:
    """A course folder with course.yaml naming the shipped rubric, with `policy` keys for the assignment."""
    folder.mkdir(parents=True, exist_ok=True)
    assignment = {"id": ASSIGNMENT, "rubric": str(RUBRIC), **policy}
    (folder / "course.yaml").write_text(yaml.safe_dump({"title": "Deep Learning, test", "assignments": [assignment]},
                                                       sort_keys=False), encoding="utf-8")
    return folder


def write_roster(path: Path, rows: list[tuple[str, str, str]] = ROSTER) -> Path:
    lines = ["student_id,name,email"] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_tokens(path: Path) -> dict[str, str]:
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()[1:] if line]
    return {row[0]: row[3] for row in rows}


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


VARIANTS_RUBRIC = REPO / "rubrics" / "hw-logreg.yaml"  # the second assignment: every student has own numbers
VARIANTS_STUDENT = "s2049"  # submissions/hw-logreg-typical-mistakes.yaml


@functools.lru_cache(maxsize=1)
def key_strings() -> frozenset[str]:
    """Every numeric key value of the shipped rubrics (for each test student's own numbers where they
    differ), written the ways a page or JSON could show it."""
    from grader.questions.numeric import NumericQuestion
    from grader.rubric import load_rubric

    rubrics = [RUBRIC] + ([VARIANTS_RUBRIC] if VARIANTS_RUBRIC.is_file() else [])
    students = [None, VARIANTS_STUDENT] + [row[0] for row in ROSTER]
    found: set[str] = set()
    for path in rubrics:
        rubric = load_rubric(path)
        for student in students:
            keys = rubric.answer_keys(student)
            for qid, question in rubric.questions.items():
                if not isinstance(question, NumericQuestion):
                    continue
                answer = keys[qid].answer
                for value in (answer if isinstance(answer, (list, tuple)) else [answer]):
                    for number in (float(value), 100 * float(value)):
                        found.update({repr(number), f"{number:.5g}", f"{number:.6g}", f"{number:.8g}",
                                      f"{number:.5f}", f"{number:.6f}", json.dumps(number)})
    return frozenset(text for text in found if len(text.strip("-0.")) >= 4)


def leaked_keys(bodies: list[bytes], sent: list[bytes] = REQUEST_BODIES) -> list[str]:
    """The key strings found in any of `bodies` that no request of the test held (and any `expected` field)."""
    sent_text = "\n".join(body.decode("utf-8", "replace") for body in sent)
    keys = {key for key in key_strings() if key not in sent_text}
    leaks = []
    for body in bodies:
        text = body.decode("utf-8", "replace")
        leaks += [key for key in keys if key in text]
        if '"expected"' in text:
            leaks.append('"expected"')
    return sorted(set(leaks))


class RecordBodies:
    """ASGI middleware that keeps every response body in RESPONSE_BODIES."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        async def recording_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                REQUEST_BODIES.append(bytes(message.get("body", b"")))
            return message

        async def recording_send(message: dict) -> None:
            if message["type"] == "http.response.body":
                RESPONSE_BODIES.append(bytes(message.get("body", b"")))
            await send(message)

        await self.app(scope, recording_receive, recording_send)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(app: Any, port: int | None = None, limits: Any = None) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 in a thread, with `grade serve`'s own settings (and connection
    `limits` when given); yields the base URL; stops on exit."""
    import uvicorn

    from grader.serve.server import DEFAULT_LIMITS, uvicorn_config

    port = port or free_port()
    server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port, limits or DEFAULT_LIMITS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def http(method: str, url: str, *, token: str | None = None, body: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """One request with urllib; (status, headers, body) for any answer; the body is recorded for the key scan."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, method=method, headers=sent)
    REQUEST_BODIES.append(body or b"")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, answer, data = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, answer, data = error.code, dict(error.headers), error.read()
    RESPONSE_BODIES.append(data)
    return status, answer, data


def wait_healthy(base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if http("GET", f"{base}/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{base} did not become healthy")


@contextmanager
def serve_process(course: Path, db: str | None = None, port: int | None = None,
                  extra: list[str] | None = None) -> Iterator[tuple[str, Any]]:
    """`grade serve COURSE` as a subprocess on 127.0.0.1; yields (base URL, process); stopped (or killed) on exit."""
    import os
    import subprocess
    import sys

    port = port or free_port()
    command = [sys.executable, "-m", "grader", "serve", str(course), "--port", str(port)]
    if db:
        command += ["--db", db]
    command += extra or []
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(base)
        except RuntimeError:
            process.kill()
            raise RuntimeError(f"grade serve did not start: {process.stderr.read().decode()[-2000:]}") from None
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stderr.close()
