"""The course service's commands: `grade serve`, `grade tokens`, `grade extend`, `grade collect`,
`grade sessions`, `grade decisions`, and `grade lti` (grader/serve/lti/commands.py).

Thin, like cli.py: parse the arguments, call the library, print what happened. A GraderError
propagates to cli.py, which prints it and exits 2. Every command refuses a SQLite database that
others can read (permissions.check_private), with the chmod that fixes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import getpass
import importlib.util
import logging
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from grader.errors import UsageError
from grader.serve.course import SCORE_POLICIES

DB_HELP = "database URL (default: SQLite at COURSE/grade.db; postgresql://USER:PASSWORD@HOST/DB for several processes)"
MISSING_EXTRA = "the course service needs its extra packages: pip install 'homework-grader[serve]' (or '.[serve]')"


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("course", metavar="COURSE", help="the course folder (with course.yaml), or course.yaml")
    parser.add_argument("--db", metavar="URL", help=DB_HELP)
    parser.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    return parser


def _needs_extra() -> None:
    if any(importlib.util.find_spec(name) is None for name in ("fastapi", "sqlalchemy", "uvicorn")):
        raise UsageError(MISSING_EXTRA)


def _storage(course_arg: str, db: str | None):  # noqa: ANN202
    _needs_extra()
    from grader.serve.course import load_course
    from grader.serve.storage import open_storage

    course = load_course(course_arg)
    _check_private(db, course.folder)
    return course, open_storage(db, course.folder)


def _check_private(db: str | None, course_folder: Path) -> None:
    """A SQLite database (and its -wal, -shm) only its owner may read, before it is opened."""
    from grader.serve.permissions import check_private
    from grader.serve.storage import database_url, sqlite_path

    url = database_url(db, course_folder)
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if path is not None:
        check_private(path)


def _listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound before anything is printed: a busy port is a message, not a uvicorn error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        busy = exc.errno == errno.EADDRINUSE
        raise UsageError(f"port {port} is in use on {host}" if busy else f"cannot listen on {host}:{port} "
                         f"({exc.strerror or exc})", hint="choose another --port (or stop the other server)"
                         if busy else "check --host and --port") from None
    return sock


def main_serve(argv: Sequence[str]) -> int:
    parser = _parser("grade serve", "Run the course service: students check their submit.yaml against the "
                                    "course's rubrics without ever holding the key.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s; put a "
                                                            "TLS reverse proxy in front for students)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    parser.add_argument("--grading-timeout", type=float, default=10.0, metavar="SECONDS",
                        help="a grading that takes longer is answered 503 and uses no attempt (default: %(default)s)")
    parser.add_argument("--max-failures", type=int, default=30, metavar="N",
                        help="unknown tokens per minute from one address before it is refused with 429 "
                             "(default: %(default)s)")
    parser.add_argument("--max-files", type=int, default=60, metavar="N",
                        help="files one student may send in a minute; more are refused with 429 and not kept "
                             "(default: %(default)s)")
    parser.add_argument("--max-connections", type=int, default=1000, metavar="N",
                        help="open connections before new requests get 503 (default: %(default)s)")
    parser.add_argument("--header-timeout", type=float, default=10.0, metavar="SECONDS",
                        help="a request's headers must arrive within this; slower ones are dropped (default: %(default)s)")
    parser.add_argument("--body-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="and its body within this after them (default: %(default)s)")
    parser.add_argument("--client-wheel", type=Path, metavar="FILE",
                        help="the client wheel students install from /client/ (default: built from this install)")
    args = parser.parse_args(list(argv))
    if (args.grading_timeout <= 0 or args.max_failures < 1 or args.max_files < 1 or not 0 < args.port < 65536
            or args.max_connections < 1 or not 0 < args.header_timeout <= 600 or not 0 < args.body_timeout <= 600):
        raise UsageError("--grading-timeout must be above 0, --max-failures, --max-files and --max-connections at "
                         "least 1, --header-timeout and --body-timeout between 0 and 600 seconds, and --port "
                         "between 1 and 65535")
    _needs_extra()
    import uvicorn

    from grader.serve.app import create_app
    from grader.serve.course import load_course
    from grader.serve.server import ConnectionLimits, uvicorn_config
    from grader.serve.service import ServiceSettings

    from grader.serve.client_wheel import check_given_wheel

    settings = ServiceSettings(grading_timeout=args.grading_timeout, failures_per_minute=args.max_failures,
                               files_per_minute=args.max_files,
                               client_wheel=check_given_wheel(args.client_wheel) if args.client_wheel else None)
    limits = ConnectionLimits(header_timeout=args.header_timeout, body_timeout=args.body_timeout,
                              max_connections=args.max_connections)
    _check_private(args.db, load_course(args.course).folder)
    app = create_app(args.course, args.db, settings=settings)
    service = app.state.service
    listening = _listening_socket(args.host, args.port)
    builder = threading.Thread(target=service.client_wheel.prepare, name="client-wheel", daemon=True)
    builder.start()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    count = len(service.course.assignments)
    print(f"grade serve: {service.course.title} ({count} assignment{'' if count == 1 else 's'}), "
          f"database {service.storage.display_url}, on http://{args.host}:{args.port}/", file=sys.stderr)
    # uvicorn stops gracefully on SIGTERM, then raises it again with the handler found before it ran: this one,
    # so that the cleanup below runs and the exit status says the server stopped as asked.
    signal.signal(signal.SIGTERM, _stop)
    try:
        uvicorn.Server(uvicorn_config(app, args.host, args.port, limits)).run(sockets=[listening])
    finally:
        service.client_wheel.close()  # a wheel still being built is stopped and its scratch folder removed
        builder.join(timeout=10)
    return 0


def _stop(_signal: int, _frame: object) -> None:
    raise SystemExit(0)


def main_tokens(argv: Sequence[str]) -> int:
    parser = _parser("grade tokens", "Issue one secret token per student (only the ones who have none), "
                                     "and show each token once.")
    parser.add_argument("--roster", required=True, metavar="FILE",
                        help="CSV with student_id,name,email, or Canvas's gradebook export")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write the new tokens to this new file (mode 0600; never over an existing one); "
                             "default: print them")
    parser.add_argument("--reissue", metavar="ID", help="replace this one student's token (the old one stops working)")
    parser.add_argument("--server", metavar="URL", help="the address students open (https://...): adds a `link` "
                                                        "column, a sign-in link for each student's mail")
    parser.add_argument("--staff", action="store_true",
                        help="tokens for TAs and instructors: the roster is staff_id,name,email,role (role ta or "
                             "instructor); they sign in on the same page and reach the staff pages")
    args = parser.parse_args(list(argv))
    if args.server and not args.server.startswith(("https://", "http://")):
        raise UsageError(f"--server `{args.server}` is not an http(s):// address", hint="e.g. https://grade.example.edu")
    from grader.serve.tokens import run_tokens

    _course, storage = _storage(args.course, args.db)
    try:
        issued, text = run_tokens(storage, args.roster, args.output, args.reissue, dt.datetime.now(dt.timezone.utc),
                                  args.server, staff=args.staff)
    finally:
        storage.close()
    if not issued:
        print(f"every {'staff member' if args.staff else 'student'} on the roster has a token already; nothing was "
              "issued (--reissue ID replaces one)", file=sys.stderr)
    elif args.output is None:
        sys.stdout.write(text)
        print(f"{len(issued)} tokens issued; they are shown only this once", file=sys.stderr)
    else:
        print(f"{len(issued)} tokens issued into {args.output} (readable by you only); they are shown only "
              f"this once: send each {'person' if args.staff else 'student'} theirs, then keep the file safe or "
              "delete it", file=sys.stderr)
    return 0


def main_extend(argv: Sequence[str]) -> int:
    parser = _parser("grade extend", "Give one student a later due date or another attempt limit.")
    parser.add_argument("--student", required=True, metavar="ID")
    parser.add_argument("--assignment", required=True, metavar="ID")
    parser.add_argument("--due", metavar="ISO",
                        help="the student's due date, with a time zone: 2026-12-03T23:59:00-05:00")
    parser.add_argument("--attempts", type=int, metavar="N",
                        help="the student's attempt limit (instead of the course's)")
    args = parser.parse_args(list(argv))
    from grader.serve.course import aware_time
    from grader.serve.policy import iso, terms_for
    from grader.serve.service import counted_score_may_have_changed

    if args.due is None and args.attempts is None:
        raise UsageError("give --due, --attempts or both", hint="e.g. --due 2026-12-03T23:59:00-05:00 --attempts 5")
    if args.attempts is not None and args.attempts < 1:
        raise UsageError(f"--attempts must be at least 1, not {args.attempts}")
    try:
        due = aware_time(args.due) if args.due else None
    except ValueError as exc:
        raise UsageError(f"--due: {exc}") from None
    course, storage = _storage(args.course, args.db)
    try:
        assignment = course.assignment(args.assignment)
        if storage.student(args.student) is None:
            raise UsageError(f"the course's database has no student `{args.student}`",
                             hint="check the id (as in the tokens CSV), or issue tokens to the roster first")
        who, now = getpass.getuser(), dt.datetime.now(dt.timezone.utc)
        storage.add_extension(args.student, args.assignment, due, args.attempts, who, now)
        counted_score_may_have_changed(storage, args.assignment, [args.student], now)
        terms = terms_for(assignment, storage.extension(args.student, args.assignment))
    finally:
        storage.close()
    limit = "unlimited" if terms.attempts is None else terms.attempts
    print(f"{args.student} on {args.assignment}: due {iso(terms.due) or 'never'}, attempts {limit} "
          f"(granted by {who} at {iso(now)})")
    return 0


def main_sessions(argv: Sequence[str]) -> int:
    parser = _parser("grade sessions", "List the open web sessions of the course's students and staff, or end all "
                                       "of one person's (a lost laptop, a shared computer left signed in).")
    parser.add_argument("--end", metavar="ID", help="end every session of this student (or staff member)")
    args = parser.parse_args(list(argv))
    from grader.serve.policy import iso

    _course, storage = _storage(args.course, args.db)
    try:
        if args.end is not None:
            staff_member = args.end in {member.id for member, _ in storage.staff_members()}
            if storage.student(args.end) is None and not staff_member:
                raise UsageError(f"the course's database has no student `{args.end}` (nor a staff member of that id)",
                                 hint="check the id (as in the tokens CSV)")
            ended = storage.end_sessions(args.end, dt.datetime.now(dt.timezone.utc), f"ended by {getpass.getuser()}",
                                         staff_member=staff_member)
            print(f"ended {ended} session{'' if ended == 1 else 's'} of {args.end}")
            return 0
        open_sessions = storage.open_sessions()
    finally:
        storage.close()
    by_student: dict[str, list] = {}
    for session in open_sessions:
        by_student.setdefault(session.holder, []).append(session)
    for student_id, held in by_student.items():
        last = max(session.last_seen_at for session in held)
        print(f"{student_id}: {len(held)} open, last seen {iso(last)}")
    if not by_student:
        print("no open sessions")
    return 0


def main_collect(argv: Sequence[str]) -> int:
    parser = _parser("grade collect", "Write the counted attempts of one assignment as a `grade batch` output "
                                      "folder, graded again with the current rubric.")
    parser.add_argument("--assignment", required=True, metavar="ID")
    parser.add_argument("--out", required=True, type=Path, metavar="OUT", help="the output folder, as for grade batch")
    parser.add_argument("--which", choices=SCORE_POLICIES,
                        help="which attempt counts (default: the course's `score`)")
    parser.add_argument("--as-recorded", action="store_true",
                        help="keep the results the students were shown instead of grading again")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(list(argv))
    from grader.serve.collect import collect, describe_changes

    course, storage = _storage(args.course, args.db)
    try:
        outcome = collect(course, storage, args.assignment, args.out, which=args.which,
                          as_recorded=args.as_recorded, quiet=args.quiet)
    finally:
        storage.close()
    print(describe_changes(outcome))
    return 0


def main_decisions(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="grade decisions", description=(
        "TA decisions in the course's database: import a review.yaml (a dry run unless --apply), or export them "
        "as a review.yaml for `grade batch --overrides`. The staff pages' decisions are the same records."))
    actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
    importing = actions.add_parser("import", help="check a review.yaml against the database; --apply records it")
    importing.add_argument("course", metavar="COURSE", help="the course folder (with course.yaml), or course.yaml")
    importing.add_argument("file", metavar="FILE", type=Path, help="a review.yaml (or any override file)")
    importing.add_argument("--apply", action="store_true", help="record the decisions (default: only show the diff)")
    exporting = actions.add_parser("export", help="write the decisions as review.yaml")
    exporting.add_argument("course", metavar="COURSE", help="the course folder (with course.yaml), or course.yaml")
    exporting.add_argument("-o", "--output", type=Path, metavar="FILE", help="a new file (default: print it)")
    for sub in (importing, exporting):
        sub.add_argument("--assignment", metavar="ID", help="the assignment (needed when the course has several)")
        sub.add_argument("--db", metavar="URL", help=DB_HELP)
        sub.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    args = parser.parse_args(list(argv))
    from grader.batch.overrides import MAX_OVERRIDE_BYTES
    from grader.files.safe_files import read_regular_file
    from grader.serve.class_view import class_view
    from grader.serve.decisions_io import apply_import, describe_plan, plan_import, review_yaml
    from grader.serve.errors import ServiceError

    course, storage = _storage(args.course, args.db)
    try:
        if args.assignment is None and len(course.assignments) > 1:
            raise UsageError("the course has several assignments", hint=f"add --assignment, one of: "
                                                                         f"{', '.join(course.assignments)}")
        assignment_id = args.assignment or next(iter(course.assignments))
        course.assignment(assignment_id)
        view = class_view(course, storage, assignment_id)
        if args.action == "export":
            text = review_yaml(view)
            if args.output is None:
                sys.stdout.write(text)
            else:
                if args.output.exists():
                    raise UsageError("this file exists already; choose a new name", path=str(args.output))
                args.output.write_text(text, encoding="utf-8")
                print(f"wrote {args.output}", file=sys.stderr)
            return 0
        data = read_regular_file(args.file, UsageError, max_bytes=MAX_OVERRIDE_BYTES, name=str(args.file))
        try:
            plan = plan_import(view, data, str(args.file))
        except ServiceError as exc:
            raise UsageError(exc.message, hint=exc.fix) from None
        print(describe_plan(plan))
        if not args.apply:
            print(f"a dry run: nothing was recorded; run again with --apply to record {len(plan.recorded)} decisions",
                  file=sys.stderr)
            return 0
        recorded = apply_import(storage, view, plan, f"os:{getpass.getuser()}", dt.datetime.now(dt.timezone.utc))
        print(f"recorded {recorded} decisions; the students see them at once", file=sys.stderr)
    finally:
        storage.close()
    return 0


def main_lti(argv: Sequence[str]) -> int:
    _needs_extra()
    from grader.serve.lti.commands import main

    return main(argv)
