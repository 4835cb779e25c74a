"""The staff pages (`/staff/...`): the course, an assignment, a student, the review queue, regrade, audit.

Server-rendered Jinja with no script, through the student pages' own `page` (the same CSP with
its style nonce, the same headers, the same CSRF token bound to the session cookie). Every route
depends on `roles.require_staff` (applying a regrade on `require_instructor`): a student's
session is 403 and no session is the sign-in form. Keyboard shortcuts are `accesskey`s on the
review page's buttons and links (Alt+key in Chromium, Alt+Shift+key in Firefox). Routes parse
the form and call the desk's functions; every action is in the audit table.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from grader.serve import desk, regrade, review_queue, staff_api, web_session
from grader.serve.class_view import class_view
from grader.serve.decisions_io import apply_import, plan_import
from grader.serve.errors import ServiceError
from grader.serve.grouping import DEFAULT_THRESHOLD, EXACT_ONLY
from grader.serve.api import bounded_form
from grader.serve.pages import form_expired, page, redirect, signed_in
from grader.serve.people import StaffRecord
from grader.serve.roles import Instructor, Staff, session_person
from grader.serve.service import service_of
from grader.serve.staff_api import MAX_IMPORT, stored_file

router = APIRouter(prefix="/staff", include_in_schema=False)
SMALL_FORM = 64 * 1024  # bytes: an extension, a regrade
DECISION_FORM = 2 * 1024 * 1024  # bytes: a group's decision names each answer (student and sha256)
MAX_DECISION_FIELDS = 20_000  # answers one decision may name (a class), plus the score, comment, action
SHORTCUTS = {"full": "f", "zero": "z", "provisional": "a", "score": "s", "next": "n", "questions": "q"}


def staff_page(request: Request, template: str, member: StaffRecord, status: int = 200, **context: Any) -> Response:
    """A staff page: the student pages' `page` (CSP, headers, CSRF), with the member in the header."""
    context.setdefault("shortcuts", SHORTCUTS)
    return page(request, f"staff/{template}", member, status=status, staff=member, **context)  # type: ignore[arg-type]


def render_error(request: Request, error: ServiceError) -> Response:
    """A refusal under /staff/: the sign-in form for nobody (401), else the staff error page (the app calls this)."""
    if error.status == 401:
        return page(request, "sign_in.html.j2", None, status=401, error=error)
    person = session_person(request)
    member = person if isinstance(person, StaffRecord) else None
    response = page(request, "staff/error.html.j2", member or signed_in(request), status=error.status, error=error,
                    staff=member)
    if error.retry_after is not None:
        response.headers["Retry-After"] = error.headers()["Retry-After"]
    return response


async def _form(request: Request, limit: int = SMALL_FORM, max_fields: int = 8, max_files: int = 0) -> FormData:
    """The POSTed form, bounded, after its CSRF token is checked against the session cookie."""
    form = await bounded_form(request, limit, ServiceError(413, "the form is too large", "send less at once"),
                               max_files=max_files, max_fields=max_fields)
    if not web_session.csrf_matches(service_of(request).secret, request.cookies.get(web_session.SESSION_COOKIE),
                                    form.get("csrf")):
        raise form_expired()
    return form


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


# --- the course, an assignment, a student -------------------------------------------------------------
@router.get("/")
def course(request: Request, member: Staff) -> Response:
    service = service_of(request)
    return staff_page(request, "course.html.j2", member, assignments=desk.overview(service.course, service.storage))


@router.get("/assignments/{assignment_id}")
def assignment(request: Request, assignment_id: str, member: Staff, q: str = "", sort: str = "id",
               order: str = "asc") -> Response:
    service = service_of(request)
    view = class_view(service.course, service.storage, desk.require_assignment(service.course, assignment_id))
    config = service.course.assignments[assignment_id]
    return staff_page(request, "assignment.html.j2", member, view=view, config=config, summary=desk.summary(view),
                      students=desk.students_table(view, q, sort, order == "desc"), q=q, sort=sort, order=order,
                      sort_keys=desk.SORT_KEYS, downloads=desk.DOWNLOADS)


@router.get("/assignments/{assignment_id}/students/{student_id}")
def student(request: Request, assignment_id: str, student_id: str, member: Staff) -> Response:
    service = service_of(request)
    standing = desk.student_standing(service.course, service.storage,
                                     desk.require_assignment(service.course, assignment_id), student_id)
    return staff_page(request, "student.html.j2", member, standing=standing, assignment_id=assignment_id,
                      title=service.course.rubrics[assignment_id].rubric.title,
                      grants=service.storage.extension_grants(student_id, assignment_id),
                      audit=desk.audit_rows(service.storage, student_id))


@router.get("/assignments/{assignment_id}/students/{student_id}/attempts/{number}")
def attempt(request: Request, assignment_id: str, student_id: str, number: str, member: Staff) -> Response:
    """One attempt's full report as it stands (TA decisions, regrade), with the key and the stored file."""
    service = service_of(request)
    standing = desk.student_standing(service.course, service.storage,
                                     desk.require_assignment(service.course, assignment_id), student_id)
    result = desk.attempt_report(service.course, standing, assignment_id, number)
    stored = service.storage.stored_file(student_id, assignment_id, int(number))
    rubric = service.course.rubrics[assignment_id]
    return staff_page(request, "attempt.html.j2", member, result=result, standing=standing,
                      row=standing.rows[int(number)], assignment_id=assignment_id, title=rubric.rubric.title,
                      titles={qid: question.title for qid, question in rubric.questions.items() if question.title},
                      stored_text=stored[1].decode("utf-8", "replace") if stored else "")


router.add_api_route("/assignments/{assignment_id}/students/{student_id}/attempts/{number}/file", stored_file,
                     methods=["GET"])


@router.post("/assignments/{assignment_id}/students/{student_id}/extension")
async def extension(request: Request, assignment_id: str, student_id: str, member: Staff) -> Response:
    form = await _form(request)
    service = service_of(request)
    await run_in_threadpool(desk.grant_extension, service.course, service.storage,
                            desk.require_assignment(service.course, assignment_id), student_id, _text(form, "due"),
                            _text(form, "attempts"), _text(form, "reason"), member, service.clock())
    return redirect(f"/staff/assignments/{assignment_id}/students/{student_id}#extension")


@router.get("/assignments/{assignment_id}/downloads/{name}")
def download(request: Request, assignment_id: str, name: str, member: Staff) -> Response:
    return staff_api.download(request, assignment_id, name, member)  # the same file as the API's


# --- the review queue ------------------------------------------------------------------------------------
@router.get("/assignments/{assignment_id}/review")
def review(request: Request, assignment_id: str, member: Staff) -> Response:
    service = service_of(request)
    view = class_view(service.course, service.storage, desk.require_assignment(service.course, assignment_id))
    return staff_page(request, "review.html.j2", member, view=view, questions=review_queue.progress(view))


@router.get("/assignments/{assignment_id}/review/{question_id}")
def review_question(request: Request, assignment_id: str, question_id: str, member: Staff,
                    threshold: int = DEFAULT_THRESHOLD, group: str | None = None) -> Response:
    service = service_of(request)
    view = class_view(service.course, service.storage, desk.require_assignment(service.course, assignment_id))
    queue = review_queue.question_queue(view, question_id, max(0, min(EXACT_ONLY, threshold)))
    shown = queue.group(group) or queue.next_open() or (queue.groups[0] if queue.groups else None)
    following = queue.next_open(shown.key) if shown is not None else None
    return staff_page(request, "question.html.j2", member, view=view, queue=queue, shown=shown,
                      following=following if following is not shown else None,
                      question=view.rubric.questions[question_id], exact_only=EXACT_ONLY)


@router.post("/assignments/{assignment_id}/review/{question_id}/decide")
async def decide(request: Request, assignment_id: str, question_id: str, member: Staff) -> Response:
    """A group's (or a part's, or one answer's) decision: one `answer` field per answer (STUDENT:SHA256), and an
    `action`: full, zero, provisional (each member's own provisional score), score (the typed one) or withdraw."""
    form = await _form(request, DECISION_FORM, MAX_DECISION_FIELDS)
    service = service_of(request)
    view = await run_in_threadpool(class_view, service.course, service.storage,
                                   desk.require_assignment(service.course, assignment_id))
    question = view.rubric.questions.get(question_id)
    if question is None:
        raise ServiceError(404, f"`{assignment_id}` has no question `{question_id[:64]}`",
                           "choose a question from the review queue's list")
    targets = review_queue.parse_targets([value for value in form.getlist("answer") if isinstance(value, str)], view)
    action, comment = _text(form, "action"), _text(form, "comment")
    if action == "provisional":  # each answer its own provisional score: grouped by score, one decision each
        queue = review_queue.question_queue(view, question_id)
        by_score: dict[float, list[tuple[str, str]]] = {}
        for target in targets:
            by_score.setdefault(queue.answers[target[0]].member.score, []).append(target)
        for score, chosen in by_score.items():
            await run_in_threadpool(review_queue.decide, service.storage, view, question_id, chosen, score, comment,
                                    member, "page", service.clock())
    else:
        scores = {"full": question.points, "zero": 0.0, "withdraw": None}
        score = scores[action] if action in scores else review_queue.parse_score(_text(form, "score"), question.points)
        await run_in_threadpool(review_queue.decide, service.storage, view, question_id, targets, score, comment,
                                member, "page", service.clock())
    threshold = _text(form, "threshold") or str(DEFAULT_THRESHOLD)
    after = _text(form, "group")
    fresh = await run_in_threadpool(class_view, service.course, service.storage, assignment_id)
    queue = review_queue.question_queue(fresh, question_id, int(threshold) if threshold.isdigit() else
                                        DEFAULT_THRESHOLD)
    following = queue.next_open(after)
    where = f"/staff/assignments/{assignment_id}/review/{question_id}?threshold={queue.threshold}"
    return redirect(where + (f"&group={following.key}" if following is not None else "&done=1"))


@router.post("/assignments/{assignment_id}/decisions/import")
async def import_decisions(request: Request, assignment_id: str, member: Staff) -> Response:
    """An uploaded review.yaml: the dry run first (nothing recorded); its page posts the same file back to apply."""
    form = await _form(request, MAX_IMPORT + SMALL_FORM, max_files=1)
    service = service_of(request)
    view = await run_in_threadpool(class_view, service.course, service.storage,
                                   desk.require_assignment(service.course, assignment_id))
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data, name = await upload.read(MAX_IMPORT + 1), upload.filename[:120]
    else:
        try:
            data, name = base64.b64decode(_text(form, "content"), validate=True), _text(form, "name")[:120]
        except (binascii.Error, ValueError):
            data, name = b"", ""
    if not data:
        raise ServiceError(422, "there was no file to import", "choose a review.yaml")
    plan = await run_in_threadpool(plan_import, view, data, name or "review.yaml")
    applied = None
    if _text(form, "apply") == "yes":
        applied = await run_in_threadpool(apply_import, service.storage, view, plan, member.id, service.clock())
    return staff_page(request, "import.html.j2", member, view=view, plan=plan, applied=applied,
                      content=base64.b64encode(data).decode("ascii"))


# --- regrade, audit --------------------------------------------------------------------------------------
@router.get("/assignments/{assignment_id}/regrade")
def regrade_preview(request: Request, assignment_id: str, member: Staff) -> Response:
    service = service_of(request)
    plan = regrade.plan_regrade(service.course, service.storage, desk.require_assignment(service.course, assignment_id))
    return staff_page(request, "regrade.html.j2", member, assignment_id=assignment_id, plan=plan, applied=False,
                      title=service.course.rubrics[assignment_id].rubric.title)


@router.post("/assignments/{assignment_id}/regrade")
async def regrade_apply(request: Request, assignment_id: str, member: Instructor) -> Response:
    await _form(request)
    service = service_of(request)
    plan = await run_in_threadpool(regrade.apply_regrade, service.course, service.storage,
                                   desk.require_assignment(service.course, assignment_id), member.id, service.clock())
    return staff_page(request, "regrade.html.j2", member, assignment_id=assignment_id, plan=plan, applied=True,
                      title=service.course.rubrics[assignment_id].rubric.title)


@router.get("/audit")
def audit(request: Request, member: Staff) -> Response:
    return staff_page(request, "audit.html.j2", member, audit=desk.audit_rows(service_of(request).storage))
