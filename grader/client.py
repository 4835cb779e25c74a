"""The student's side of the course service: `grade submit.yaml --server URL`, `grade sheet --server URL`.

Standard library only (urllib), so a student needs nothing beyond the base install. The feedback
is printed exactly as a local check prints it, in every `--format`; the attempt number and the
attempts left go to standard error, so `--format json` stays one parseable line. A refusal (any
`{"error": ...}` answer) exits 2 with the server's message and fix; a server that cannot be
reached, or that does not answer like a course service, exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader import __version__
from grader.errors import GraderError, SubmissionError, UsageError
from grader.reports import REPORT_FORMATS, render_result
from grader.results import Result
from grader.files.safe_files import read_regular_file
from grader.safe_yaml import MAX_BYTES, load_yaml_bytes
from grader.submission import parse_submission

SERVER_VARIABLE, TOKEN_VARIABLE = "GRADE_SERVER", "GRADE_TOKEN"
TOKEN_FILE = Path("~/.config/grade/token")
TIMEOUT_SECONDS = 60.0  # a grading takes milliseconds; this only bounds a server that hangs
EXIT_OK, EXIT_UNREACHABLE, EXIT_REFUSED = 0, 1, 2
TOKEN_HINT = (f"pass --token TOKEN, set ${TOKEN_VARIABLE}, or put the token your course sent you in "
              f"{TOKEN_FILE} (one line)")
SHEET_MEDIA = {"markdown": "text/markdown", "html": "text/html"}
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class Refused(GraderError):
    """The server answered with an error: its message and fix (exit 2)."""


class Unreachable(Exception):
    """No answer from the server, or not one a course service gives (exit 1)."""


def server_url(option: str | None) -> str | None:
    """--server, else $GRADE_SERVER; None when neither is set."""
    url = (option or os.environ.get(SERVER_VARIABLE, "")).strip()
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--server `{url}` is not an http:// or https:// address",
                         hint="copy the address your course gave you, e.g. https://grade.example.edu")
    host = urllib.parse.urlsplit(url).hostname or ""
    if url.startswith("http://") and host not in LOOPBACK_HOSTS:
        print(f"warning: {_origin(url)} is not an https:// address: your token and answers travel unencrypted",
              file=sys.stderr)
    return url.rstrip("/")


def uses_server(argv: Sequence[str]) -> bool:
    """`grade FILE` goes to the server with --server, or with $GRADE_SERVER set and no --rubric/--reveal."""
    if any(arg == "--server" or arg.startswith("--server=") for arg in argv):
        return True
    local = any(arg.split("=")[0] in ("--rubric", "--reveal") for arg in argv)
    return bool(os.environ.get(SERVER_VARIABLE, "").strip()) and not local


def find_token(option: str | None) -> str:
    """--token, else $GRADE_TOKEN, else the first line of ~/.config/grade/token."""
    token = option or os.environ.get(TOKEN_VARIABLE)
    if not token:
        path = TOKEN_FILE.expanduser()
        try:
            token = path.read_text(encoding="utf-8").strip().splitlines()[0] if path.is_file() else None
        except (OSError, UnicodeDecodeError, IndexError):
            token = None
    if not token or not token.strip():
        raise UsageError("no token: the course server needs yours to know who you are", hint=TOKEN_HINT)
    return token.strip()


def call(url: str, token: str, *, data: bytes | None = None, accept: str = "application/json") -> tuple[int, bytes]:
    """One request; (status, body) for any answer, Refused for an error answer, Unreachable for none."""
    headers = {"Authorization": f"Bearer {token}", "Accept": accept, "User-Agent": f"grade/{__version__}"}
    if data is not None:
        headers["Content-Type"] = "application/yaml"
    import urllib.error  # imported here: `grade FILE` without a server never needs http
    import urllib.request

    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        body = error.read()
        raise _refusal(error.code, body, url) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise Unreachable(f"cannot reach the course server at {_origin(url)} ({reason})") from None


def _refusal(status: int, body: bytes, url: str) -> Exception:
    try:
        error = json.loads(body)["error"]
        message, fix = str(error["message"]), str(error.get("fix") or "")
    except (ValueError, KeyError, TypeError):
        return Unreachable(f"the server at {_origin(url)} answered {status} without a course service's message; "
                           "is this the right address?")
    return Refused(f"the server refused ({status}): {message}", hint=fix or None)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def submit(server: str, token: str, path: str) -> tuple[dict[str, Any], Result]:
    """Send the file as it is on disk; the server's 201 answer and its Result."""
    data = read_regular_file(path, SubmissionError, max_bytes=MAX_BYTES)
    if len(data) > MAX_BYTES:
        raise SubmissionError(f"the file is larger than {MAX_BYTES // 1024} KiB", path=str(path),
                              hint="an answer file is a few KiB of text; remove pasted data or images")
    submission, _warnings = parse_submission(load_yaml_bytes(data, str(path), SubmissionError), str(path))
    assignment = urllib.parse.quote(submission.assignment, safe="")
    _status, body = call(f"{server}/api/v1/assignments/{assignment}/attempts", token, data=data)
    try:
        answer = json.loads(body)
        return answer, Result.model_validate(answer["result"])
    except (ValueError, KeyError, TypeError):
        raise Unreachable(f"the server at {_origin(server)} did not answer like a course service") from None


def attempt_line(answer: dict[str, Any]) -> str:
    """`attempt 2 recorded (counts; 1 left; next allowed at ...)`: for standard error."""
    attempt = answer.get("attempt", {})
    parts = ["late: does not count" if attempt.get("late") else "counts"]
    left = answer.get("attempts_left")
    parts.append("attempts left: unlimited" if left is None else f"attempts left: {left}")
    if answer.get("next_attempt_at"):
        parts.append(f"next attempt allowed at {answer['next_attempt_at']}")
    return f"attempt {attempt.get('number')} recorded at {attempt.get('at')} ({'; '.join(parts)})"


def main_submit(argv: Sequence[str]) -> int:
    """`grade FILE --server URL [--token T] [--format F] [-o FILE]`."""
    from grader.files.output import write_atomic

    parser = argparse.ArgumentParser(prog="grade", description="Check a submit.yaml on the course's server; "
                                     "each check is a graded attempt.")
    parser.add_argument("submission")
    parser.add_argument("--server", help=f"the course server's address (default: ${SERVER_VARIABLE})")
    parser.add_argument("--token", help=f"your token (default: ${TOKEN_VARIABLE}, else {TOKEN_FILE})")
    parser.add_argument("--format", choices=REPORT_FORMATS, default="text")
    parser.add_argument("-o", "--output", help="write to this file instead of the terminal")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(list(argv))
    server = server_url(args.server)
    if server is None:
        raise UsageError("no server address", hint=f"pass --server URL or set ${SERVER_VARIABLE}")
    try:
        answer, result = submit(server, find_token(args.token), args.submission)
    except Unreachable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    report = answer.get("report") or {}
    text = render_result(result, args.format, title=str(report.get("title", "")),
                         titles={str(k): str(v) for k, v in (report.get("titles") or {}).items()})
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    print(attempt_line(answer), file=sys.stderr)
    return EXIT_OK


def main_sheet(argv: Sequence[str]) -> int:
    """`grade sheet --server URL --assignment ID [--format markdown|html] [-o FILE]`."""
    from grader.files.output import write_atomic

    parser = argparse.ArgumentParser(prog="grade sheet", description="Fetch your own problem sheet from the "
                                     "course's server.")
    parser.add_argument("--server", help=f"the course server's address (default: ${SERVER_VARIABLE})")
    parser.add_argument("--assignment", required=True, metavar="ID")
    parser.add_argument("--token", help=f"your token (default: ${TOKEN_VARIABLE}, else {TOKEN_FILE})")
    from grader.authoring.sheet import SHEET_FORMATS

    parser.add_argument("--format", choices=SHEET_FORMATS, default="markdown")
    parser.add_argument("-o", "--output")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(list(argv))
    server = server_url(args.server)
    if server is None:
        raise UsageError("no server address", hint=f"pass --server URL or set ${SERVER_VARIABLE}")
    assignment = urllib.parse.quote(args.assignment, safe="")
    try:
        _status, body = call(f"{server}/api/v1/assignments/{assignment}/sheet", find_token(args.token),
                             accept=SHEET_MEDIA[args.format])
    except Unreachable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    text = body.decode("utf-8", "replace")
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK
