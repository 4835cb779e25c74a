"""`grade lti keys|setup|status|sync|roster COURSE`: the tool's keys, the registration steps, the outbox, rosters.

Thin, like the other course commands: parse, call the library, print. Every command that opens the
database refuses one that others can read, as the rest of the course commands do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from grader.errors import UsageError
from grader.serve.lti.config import PLATFORM_KINDS

DB_HELP = "database URL (default: SQLite at COURSE/grade.db)"
ACTIONS = ("keys", "setup", "status", "sync", "roster")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade lti", description=(
        "LTI 1.3: connect the course service to Canvas or Moodle (README: Connecting Canvas or Moodle)."))
    actions = parser.add_subparsers(dest="action", required=True, metavar="{" + ",".join(ACTIONS) + "}")
    keys = actions.add_parser("keys", help="make the tool's key pair (again: rotate; old keys stay published)")
    keys.add_argument("--remove", metavar="KID", help="remove an old key (never the signing key)")
    setup = actions.add_parser("setup", help="the registration steps for an LMS, with this course's URLs")
    setup.add_argument("--platform", required=True, choices=[kind for kind in PLATFORM_KINDS if kind != "other"])
    actions.add_parser("status", help="the score outbox: pending posts, failed ones with the platform's message")
    sync = actions.add_parser("sync", help="post every student's counted score of an assignment again, now")
    sync.add_argument("--assignment", required=True, metavar="ID")
    roster = actions.add_parser("roster", help="add or update students and staff from the LMS course's members")
    roster.add_argument("--assignment", required=True, metavar="ID")
    for sub in actions.choices.values():
        sub.add_argument("course", metavar="COURSE", help="the course folder (with course.yaml), or course.yaml")
        sub.add_argument("--db", metavar="URL", help=DB_HELP)
        sub.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    return parser


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    from grader.serve.course import load_course

    course = load_course(args.course)
    now = dt.datetime.now(dt.timezone.utc)
    if args.action == "keys":
        return _keys(course, args.remove, now)
    if course.config.lti is None:
        raise UsageError("course.yaml has no `lti:` section", path=str(course.folder / "course.yaml"),
                         hint="add `lti: {url: https://YOUR-SERVER}` (the address students use), then run this again")
    if args.action == "setup":
        from grader.serve.lti.registration import setup_steps

        sys.stdout.write(setup_steps(course.config.lti, args.platform))
        return 0
    from grader.serve.commands import _storage

    course, storage = _storage(args.course, args.db)
    try:
        if args.action == "status":
            return _status(storage)
        course.assignment(args.assignment)
        from grader.serve.lti.runtime import LtiRuntime

        runtime = LtiRuntime(course, storage, lambda: dt.datetime.now(dt.timezone.utc))
        try:
            return _sync(runtime, args.assignment) if args.action == "sync" else _roster(runtime, args.assignment)
        finally:
            runtime.close()
    finally:
        storage.close()


def _keys(course, remove: str | None, now: dt.datetime) -> int:  # noqa: ANN001 - a Course
    from grader.serve.lti.keys import load_keys, make_key, remove_key

    if remove is not None:
        path = remove_key(course.folder, remove)
        print(f"removed {path}; restart grade serve and the key leaves /lti/jwks.json")
        return 0
    made = make_key(course.folder, now)
    keys = load_keys(course.folder)
    print(f"made {made.path} (readable by you only): kid {made.kid}, the signing key now")
    if len(keys) > 1:
        print(f"{len(keys) - 1} older key{'s stay' if len(keys) > 2 else ' stays'} published at /lti/jwks.json until "
              "removed: grade lti keys COURSE --remove KID, once every platform has fetched the new key set")
    print("restart grade serve to use it")
    return 0


def _status(storage) -> int:  # noqa: ANN001 - a Storage
    from grader.serve.policy import iso

    rows = storage.lti_outbox()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    pending = [row for row in rows if row.state == "pending"]
    failed = [row for row in rows if row.state == "failed"]
    for row in pending:
        last = f"; last answer: {row.message}" if row.message else ""
        print(f"pending  {row.student_id} {row.link.assignment_id} ({row.link.issuer}): try {row.tries + 1} at "
              f"{iso(row.next_try_at)}{last}")
    for row in failed:
        print(f"failed   {row.student_id} {row.link.assignment_id} ({row.link.issuer}) after {row.tries} "
              f"tr{'y' if row.tries == 1 else 'ies'}: {row.message or 'no message'}")
    summary = ", ".join(f"{counts.get(state, 0)} {state}" for state in ("pending", "failed", "sent", "unchanged"))
    print(f"score outbox: {summary}" + ("; `grade lti sync COURSE --assignment ID` posts again" if failed else ""))
    return 0


def _sync(runtime, assignment_id: str) -> int:  # noqa: ANN001 - an LtiRuntime
    now = runtime.clock()
    students = [student.id for student in runtime.storage.students()]
    queued = runtime.storage.lti_score_changed(assignment_id, students, now, repost=True)
    report = runtime.sender.send_due()
    print(f"{assignment_id}: {queued} score posts queued; sent {report.sent}, unchanged {report.unchanged}, "
          f"no counted attempt {report.nothing}, to retry {report.retrying}, failed {report.failed}")
    for message in report.messages:
        print(f"  {message}")
    if not runtime.storage.lti_links(assignment_id):
        print("  no LMS link names this assignment yet: place it in the LMS (deep linking) and launch it once")
    return 0 if not report.failed else 1


def _roster(runtime, assignment_id: str) -> int:  # noqa: ANN001 - an LtiRuntime
    from grader.serve.lti.errors import PlatformError
    from grader.serve.lti.nrps import apply_roster, members

    links = [link for link in runtime.storage.lti_links(assignment_id) if link.memberships_url]
    if not links:
        raise UsageError(f"no LMS launch of `{assignment_id}` has told the service where its roster is",
                         hint="launch the assignment once from the LMS (with the Names and Roles service enabled "
                              "for the tool), then run this again")
    seen: set[tuple[str, str]] = set()
    for link in links:
        if (link.issuer, link.context_id) in seen:
            continue
        seen.add((link.issuer, link.context_id))
        platform = runtime.config.platform(link.issuer, link.client_id)
        if platform is None:
            print(f"{link.issuer}: not in course.yaml any more; skipped")
            continue
        try:
            found = members(runtime.tokens, platform, link.memberships_url)
        except PlatformError as exc:
            raise UsageError(f"the roster of {link.issuer} could not be read: {exc.message}",
                             hint="check that the tool may use Names and Role Provisioning in the LMS") from None
        report = apply_roster(runtime.storage, link, found, runtime.clock())
        print(f"{link.issuer} course {link.context_id}: {len(found)} members; {len(report.students_new)} new "
              f"students, {len(report.students_known)} known, {len(report.staff)} staff, {report.skipped} skipped "
              "(inactive)")
        for student_id in report.students_new:
            print(f"  new student {student_id}")
    return 0
