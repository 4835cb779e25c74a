"""The student's side of the course service: `grade submit.yaml --server URL`, `grade sheet --server URL`.

Standard library only (http.client through `client_http`), so a student needs nothing beyond the
base install. The feedback is printed exactly as a local check prints it, in every `--format`; the
attempt number and the attempts left go to standard error, so `--format json` stays one parseable
line. A refusal (an `{"error": ...}` answer) exits 2 with the server's message and fix; a server
that cannot be reached, redirects, or does not answer like a course service exits 1 with one
sentence. Nothing the server sends reaches the terminal unescaped, and the token goes only to
the server the student named, over https unless that server is this machine.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import re
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from grader import __version__
from grader.client_http import NotAService, Unreachable, exchange, origin
from grader.errors import GraderError, SubmissionError, UsageError
from grader.reports import REPORT_FORMATS, render_result
from grader.reports.escaping import for_terminal, for_terminal_line
from grader.results import Result
from grader.files.safe_files import read_regular_file
from grader.safe_yaml import MAX_BYTES, load_yaml_bytes
from grader.submission import parse_submission

SERVER_VARIABLE, TOKEN_VARIABLE = "GRADE_SERVER", "GRADE_TOKEN"
TOKEN_FILE = Path("~/.config/grade/token")
TIMEOUT_SECONDS = 60.0  # for a whole call; a grading takes milliseconds, so this only bounds a server that hangs
MAX_TIMEOUT_SECONDS = 3600.0
EXIT_OK, EXIT_UNREACHABLE, EXIT_REFUSED = 0, 1, 2
TOKEN_HINT = (f"pass --token TOKEN, set ${TOKEN_VARIABLE}, or put the token your course sent you in "
              f"{TOKEN_FILE} (one line)")
SHEET_MEDIA = {"markdown": "text/markdown", "html": "text/html"}
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class Refused(GraderError):
    """The server answered with an error: its message and fix (exit 2)."""


class AttemptShown(BaseModel):
    """The `attempt` of a 201 answer."""

    model_config = ConfigDict(extra="ignore")

    number: StrictInt = Field(ge=1)
    at: StrictStr
    counted: StrictBool
    late: StrictBool


class ReportTitles(BaseModel):
    """What a client needs to render the Result as `grade FILE` does."""

    model_config = ConfigDict(extra="ignore")

    title: StrictStr = ""
    titles: dict[StrictStr, StrictStr] = Field(default_factory=dict)


class AttemptAnswer(BaseModel):
    """A course service's 201 answer to a submitted file (README: the API)."""

    model_config = ConfigDict(extra="ignore")

    attempt: AttemptShown
    result: Result
    attempts_left: StrictInt | None = None
    next_attempt_at: StrictStr | None = None
    report: ReportTitles = Field(default_factory=ReportTitles)


def server_url(option: str | None, *, insecure_http: bool = False) -> str | None:
    """--server, else $GRADE_SERVER; None when neither is set. https:// unless the server is this machine
    (or the student says --insecure-http, and is warned)."""
    url = (option or os.environ.get(SERVER_VARIABLE, "")).strip()
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--server `{for_terminal_line(url[:200])}` is not an http:// or https:// address",
                         hint="copy the address your course gave you, e.g. https://grade.example.edu")
    try:
        host = urllib.parse.urlsplit(url).hostname or ""
    except ValueError:
        raise UsageError(f"--server `{for_terminal_line(url[:200])}` is not a valid address",
                         hint="copy the address your course gave you, e.g. https://grade.example.edu") from None
    if url.startswith("http://") and not is_loopback(host):
        if not insecure_http:
            raise UsageError(f"{origin(url)} is not an https:// address: your token and answers would travel "
                             "unencrypted", hint="use the https:// address of your course's server; "
                             "--insecure-http sends them anyway")
        print(f"warning: {origin(url)} is not an https:// address: your token and answers travel unencrypted",
              file=sys.stderr)
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine (plain http stays on it)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


def call(url: str, token: str, *, data: bytes | None = None, accept: str = "application/json",
         timeout: float = TIMEOUT_SECONDS) -> bytes:
    """One request to the server the student named; the body of a 2xx answer. Refused for an error answer,
    NotAService for a redirect or anything a course service does not send, Unreachable for no answer."""
    headers = {"Authorization": f"Bearer {token}", "Accept": accept, "User-Agent": f"grade/{__version__}"}
    if data is not None:
        headers["Content-Type"] = "application/yaml"
    answer = exchange(url, method="POST" if data is not None else "GET", headers=headers, body=data,
                      timeout=timeout)
    if 300 <= answer.status < 400:
        where = for_terminal_line(answer.location[:300]) or "nowhere"
        raise NotAService(f"the server at {origin(url)} did not answer like a course service: it answered "
                          f"{answer.status} and points to {where}; grade follows no redirect, so your token "
                          "stays with the server you named (check --server: https://, the exact address)")
    if not 200 <= answer.status < 300:
        raise _refusal(answer.status, answer.body, url)
    return answer.body


def _refusal(status: int, body: bytes, url: str) -> Exception:
    try:
        error = json.loads(body)["error"]
        message, fix = error["message"], error.get("fix") or ""
        if not isinstance(message, str) or not isinstance(fix, str):
            raise TypeError
    except (ValueError, KeyError, TypeError, AttributeError):
        return NotAService(f"the server at {origin(url)} did not answer like a course service: it answered "
                           f"{status} without a course service's message; is this the right address?")
    return Refused(f"the server refused ({status}): {for_terminal(message[:2000])}",
                   hint=for_terminal(fix[:2000]) or None)


def submit(server: str, token: str, path: str, timeout: float = TIMEOUT_SECONDS) -> AttemptAnswer:
    """Send the file as it is on disk; the server's 201 answer, checked to be one."""
    data = read_regular_file(path, SubmissionError, max_bytes=MAX_BYTES)
    if len(data) > MAX_BYTES:
        raise SubmissionError(f"the file is larger than {MAX_BYTES // 1024} KiB", path=str(path),
                              hint="an answer file is a few KiB of text; remove pasted data or images")
    submission, _warnings = parse_submission(load_yaml_bytes(data, str(path), SubmissionError), str(path))
    assignment = urllib.parse.quote(submission.assignment, safe="")
    body = call(f"{server}/api/v1/assignments/{assignment}/attempts", token, data=data, timeout=timeout)
    try:
        return AttemptAnswer.model_validate_json(body)
    except ValidationError as error:
        first = error.errors()[0]
        place = ".".join(str(part) for part in first["loc"]) or "the answer"
        what = "is missing" if first["type"] == "missing" else "is not what a course service sends"
        if first["type"] in ("json_invalid", "json_type"):
            place, what = "its answer", "is not JSON"
        raise NotAService(f"the server at {origin(server)} did not answer like a course service: "
                          f"{for_terminal_line(place[:80])} {what}") from None


def attempt_line(answer: AttemptAnswer) -> str:
    """`attempt 2 recorded at ... (counts; attempts left: 1; next attempt allowed at ...)`: for standard error."""
    attempt = answer.attempt
    parts = ["late: does not count" if attempt.late else "counts"]
    left = answer.attempts_left
    parts.append("attempts left: unlimited" if left is None else f"attempts left: {left}")
    if answer.next_attempt_at:
        parts.append(f"next attempt allowed at {answer.next_attempt_at}")
    return for_terminal_line(f"attempt {attempt.number} recorded at {attempt.at} ({'; '.join(parts)})")


def for_terminal_output(text: str, output_format: str) -> str:
    """What the client prints: no character a terminal would act on. JSON keeps them as JSON escapes, so it
    still parses to the same values."""
    if output_format == "json":
        return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return for_terminal(text)


def parse_timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_TIMEOUT_SECONDS:
        raise UsageError(f"--timeout `{for_terminal_line(value[:40])}` is not a number of seconds",
                         hint=f"give seconds above 0 and at most {MAX_TIMEOUT_SECONDS:g}, e.g. --timeout 120")
    return seconds


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", help=f"the course server's address (default: ${SERVER_VARIABLE})")
    parser.add_argument("--token", help=f"your token (default: ${TOKEN_VARIABLE}, else {TOKEN_FILE})")
    parser.add_argument("--timeout", default=str(TIMEOUT_SECONDS), metavar="SECONDS",
                        help="give up on a server that has not answered in full by then (default: %(default)s)")
    parser.add_argument("--insecure-http", action="store_true",
                        help="allow an http:// server on another machine (your token travels unencrypted)")
    parser.add_argument("-o", "--output", help="write to this file instead of the terminal")
    parser.add_argument("--debug", action="store_true")


def _connection(args: argparse.Namespace) -> tuple[str, float]:
    server = server_url(args.server, insecure_http=args.insecure_http)
    if server is None:
        raise UsageError("no server address", hint=f"pass --server URL or set ${SERVER_VARIABLE}")
    return server, parse_timeout(args.timeout)


def _print(text: str, args: argparse.Namespace, output_format: str) -> None:
    from grader.files.output import write_atomic

    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(for_terminal_output(text, output_format))


def main_submit(argv: Sequence[str]) -> int:
    """`grade FILE --server URL [--token T] [--format F] [-o FILE] [--timeout S] [--insecure-http]`."""
    parser = argparse.ArgumentParser(prog="grade", description="Check a submit.yaml on the course's server; "
                                     "each check is a graded attempt.")
    parser.add_argument("submission")
    parser.add_argument("--format", choices=REPORT_FORMATS, default="text")
    _add_connection_options(parser)
    args = parser.parse_args(list(argv))
    server, timeout = _connection(args)
    try:
        answer = submit(server, find_token(args.token), args.submission, timeout)
    except (Unreachable, NotAService) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    text = render_result(answer.result, args.format, title=answer.report.title, titles=answer.report.titles)
    _print(text, args, args.format)
    print(attempt_line(answer), file=sys.stderr)
    return EXIT_OK


def main_template(argv: Sequence[str]) -> int:
    """`grade template --server URL --assignment ID [-o FILE]`: a blank submit.yaml with your id filled in."""
    parser = argparse.ArgumentParser(prog="grade template", description="Fetch a blank submit.yaml for one "
                                     "assignment from the course's server, with your id filled in.")
    parser.add_argument("--assignment", required=True, metavar="ID")
    _add_connection_options(parser)
    args = parser.parse_args(list(argv))
    server, timeout = _connection(args)
    if args.output and Path(args.output).exists():
        raise UsageError("this file exists already; it may hold your answers", path=args.output,
                         hint="choose a new file name for -o, or leave -o out to print the blank file")
    assignment = urllib.parse.quote(args.assignment, safe="")
    try:
        body = call(f"{server}/api/v1/assignments/{assignment}/template", find_token(args.token),
                    accept="application/yaml", timeout=timeout)
    except (Unreachable, NotAService) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    _print(body.decode("utf-8", "replace"), args, "text")
    return EXIT_OK


def main_sheet(argv: Sequence[str]) -> int:
    """`grade sheet --server URL --assignment ID [--format markdown|html] [-o FILE]`."""
    from grader.authoring.sheet import SHEET_FORMATS

    parser = argparse.ArgumentParser(prog="grade sheet", description="Fetch your own problem sheet from the "
                                     "course's server.")
    parser.add_argument("--assignment", required=True, metavar="ID")
    parser.add_argument("--format", choices=SHEET_FORMATS, default="markdown")
    _add_connection_options(parser)
    args = parser.parse_args(list(argv))
    server, timeout = _connection(args)
    assignment = urllib.parse.quote(args.assignment, safe="")
    try:
        body = call(f"{server}/api/v1/assignments/{assignment}/sheet", find_token(args.token),
                    accept=SHEET_MEDIA[args.format], timeout=timeout)
    except (Unreachable, NotAService) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    _print(body.decode("utf-8", "replace"), args, args.format)
    return EXIT_OK
