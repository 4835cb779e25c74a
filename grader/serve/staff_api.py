"""The staff API (`/api/v1/staff/...`): the staff pages' data and actions as JSON, by staff token.

Every route depends on `roles.require_staff` (applying a regrade on `require_instructor`): a
student's token is 403, no token 401. Routes parse the request and call the desk's functions,
like the student API calls the service; errors are `{"error": {"status", "message", "fix"}}`.
Responses show the key (`expected`) and every student's answers: they are for staff only.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from grader.serve import desk, regrade, review_queue
from grader.serve.api import bounded_body
from grader.serve.class_view import StudentStanding, class_view
from grader.serve.decisions_io import apply_import, plan_import
from grader.serve.errors import ServiceError
from grader.serve.grouping import DEFAULT_THRESHOLD
from grader.serve.policy import iso
from grader.serve.roles import Instructor, Staff
from grader.serve.service import service_of

router = APIRouter(prefix="/api/v1/staff")
MAX_JSON = 1024 * 1024  # bytes of a decisions or extension request
MAX_IMPORT = 16 * 1024 * 1024  # bytes of an uploaded review.yaml (300 students' is ~150 KiB)


async def _json(request: Request) -> dict[str, Any]:
    body = await bounded_body(request, MAX_JSON, ServiceError(413, "the request is too large", "send less at once"))
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ServiceError(422, "the body is not a JSON object", "send JSON such as {\"score\": 1}")
    return data


def standing_json(standing: StudentStanding) -> dict[str, Any]:
    return {"id": standing.student.id, "name": standing.student.name, "email": standing.student.email,
            "best": standing.best, "last": standing.last, "attempts_used": standing.used, "late": standing.late,
            "score": standing.result.score if standing.result else None,
            "extension": {"due": iso(standing.extension.due), "attempts": standing.extension.attempts}
            if standing.extended else None}


@router.get("/course")
def course(request: Request, member: Staff) -> dict[str, Any]:
    service = service_of(request)
    return {"staff": {"id": member.id, "name": member.name, "role": member.role},
            "assignments": [item.__dict__ for item in desk.overview(service.course, service.storage)]}


@router.get("/assignments/{assignment_id}")
def assignment(request: Request, assignment_id: str, member: Staff, q: str = "", sort: str = "id",
               desc: bool = False) -> dict[str, Any]:
    service = service_of(request)
    view = class_view(service.course, service.storage, desk.require_assignment(service.course, assignment_id))
    summary = desk.summary(view)
    return {"assignment": assignment_id, "graded": summary.graded, "mean": summary.mean, "median": summary.median,
            "max_score": summary.max_score, "histogram": [{"range": bar.range_text, "students": bar.count}
                                                          for bar in summary.histogram.bars],
            "questions": [{"id": q_.id, "mean": q_.mean, "needs_review": q_.needs_review,
                           "discrimination": q_.discrimination} for q_ in summary.questions],
            "students": [standing_json(standing) for standing in desk.students_table(view, q, sort, desc)],
            "downloads": [f"/api/v1/staff/assignments/{assignment_id}/downloads/{name}" for name in desk.DOWNLOADS]}


@router.get("/assignments/{assignment_id}/students/{student_id}")
def student(request: Request, assignment_id: str, student_id: str, member: Staff) -> dict[str, Any]:
    service = service_of(request)
    standing = desk.student_standing(service.course, service.storage,
                                     desk.require_assignment(service.course, assignment_id), student_id)
    return {"student": standing_json(standing),
            "attempts": [{"number": item.attempt.number, "at": iso(item.attempt.at), "score": item.attempt.score,
                          "max_score": item.attempt.max_score, "late": item.late, "counted": item.counted,
                          "regraded": iso(standing.rows[item.attempt.number].regraded_at)}
                         for item in standing.standings],
            "extensions": [{"due": iso(grant.due), "attempts": grant.attempts, "granted_by": grant.granted_by,
                            "granted_at": iso(grant.granted_at), "reason": grant.reason}
                           for grant in service.storage.extension_grants(student_id, assignment_id)],
            "audit": desk.audit_rows(service.storage, student_id)}


@router.get("/assignments/{assignment_id}/students/{student_id}/attempts/{number}")
def attempt(request: Request, assignment_id: str, student_id: str, number: str, member: Staff) -> dict[str, Any]:
    service = service_of(request)
    standing = desk.student_standing(service.course, service.storage,
                                     desk.require_assignment(service.course, assignment_id), student_id)
    result = desk.attempt_report(service.course, standing, assignment_id, number)
    return {"result": result.model_dump(mode="json", exclude_none=True)}


@router.get("/assignments/{assignment_id}/students/{student_id}/attempts/{number}/file")
def stored_file(request: Request, assignment_id: str, student_id: str, number: str, member: Staff) -> Response:
    """The file as the student sent it, byte for byte (as an attachment: never rendered)."""
    service = service_of(request)
    stored = (service.storage.stored_file(student_id, desk.require_assignment(service.course, assignment_id),
                                          int(number)) if number.isdigit() and len(number) < 10 else None)
    if stored is None:
        raise ServiceError(404, f"{student_id[:64]} has no attempt {number[:20]}", "choose an attempt from the list")
    return Response(stored[1], media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{assignment_id}-attempt-{number}.yaml"',
        "X-Content-SHA256": stored[0]})


@router.post("/assignments/{assignment_id}/students/{student_id}/extension")
async def extension(request: Request, assignment_id: str, student_id: str, member: Staff) -> dict[str, Any]:
    data = await _json(request)
    service = service_of(request)
    terms = desk.grant_extension(service.course, service.storage, desk.require_assignment(service.course, assignment_id),
                                 student_id, str(data.get("due") or ""), str(data.get("attempts") or ""),
                                 str(data.get("reason") or ""), member, service.clock())
    return {"student": student_id, "due": iso(terms.due), "attempts": terms.attempts}


@router.get("/assignments/{assignment_id}/review")
def review(request: Request, assignment_id: str, member: Staff) -> dict[str, Any]:
    service = service_of(request)
    view = class_view(service.course, service.storage, desk.require_assignment(service.course, assignment_id))
    return {"questions": [item.__dict__ for item in review_queue.progress(view)]}


@router.get("/assignments/{assignment_id}/review/{question_id}")
def review_question(request: Request, assignment_id: str, question_id: str, member: Staff,
                    threshold: int = DEFAULT_THRESHOLD) -> dict[str, Any]:
    service = service_of(request)
    view = class_view(service.course, service.storage, desk.require_assignment(service.course, assignment_id))
    queue = review_queue.question_queue(view, question_id, max(0, min(100, threshold)))
    return {"progress": queue.progress.__dict__, "threshold": queue.threshold, "groups": [
        {"key": group.key, "label": group.label, "size": group.size, "undecided": queue.undecided(group),
         "forms": [{"text": form.text, "students": [m.student_id for m in form.members]} for form in group.forms],
         "answers": [{"student": m.student_id, "answer": m.answer, "status": m.status, "provisional": m.score,
                      "answer_sha256": queue.answers[m.student_id].answer_sha256,
                      "decided": queue.answers[m.student_id].decided,
                      "stale": queue.answers[m.student_id].stale is not None} for m in group.members]}
        for group in queue.groups]}


@router.post("/assignments/{assignment_id}/review/{question_id}/decisions")
async def decide(request: Request, assignment_id: str, question_id: str, member: Staff) -> dict[str, Any]:
    """`{"answers": [{"student", "answer_sha256"}], "score": N or null (withdraw), "comment": "..."}`."""
    data = await _json(request)
    service = service_of(request)
    view = class_view(service.course, service.storage, desk.require_assignment(service.course, assignment_id))
    answers = data.get("answers")
    if not isinstance(answers, list) or not all(isinstance(item, dict) for item in answers):
        raise ServiceError(422, "`answers` must be a list of {student, answer_sha256}",
                           "take them from GET .../review/QUESTION")
    targets = review_queue.parse_targets([f"{item.get('student')}:{item.get('answer_sha256')}" for item in answers],
                                         view)
    question = view.rubric.questions.get(question_id)
    score = data.get("score")
    if question is not None and score is not None:
        score = review_queue.parse_score(score, question.points)
    comment = data.get("comment")
    recorded = review_queue.decide(service.storage, view, question_id, targets, score,
                                   comment if isinstance(comment, str) else None, member, "api", service.clock())
    return {"recorded": recorded}


@router.post("/assignments/{assignment_id}/decisions/import")
async def import_decisions(request: Request, assignment_id: str, member: Staff, apply: bool = False) -> dict[str, Any]:
    """Body: a review.yaml. A dry run (`plan`) unless `?apply=true`."""
    body = await bounded_body(request, MAX_IMPORT, ServiceError(413, "the file is too large", "a review.yaml is text"))
    service = service_of(request)
    view = class_view(service.course, service.storage, desk.require_assignment(service.course, assignment_id))
    plan = plan_import(view, body, "review.yaml")
    recorded = apply_import(service.storage, view, plan, member.id, service.clock()) if apply else 0
    return {"applied": apply, "recorded": recorded, "plan": [
        {"student": item.student_id, "question": item.question_id, "state": item.state, "before": item.before,
         "after": item.after} for item in plan.planned]}


@router.get("/assignments/{assignment_id}/downloads/{name}")
def download(request: Request, assignment_id: str, name: str, member: Staff) -> Response:
    service = service_of(request)
    data, media = desk.download(service.course, service.storage, desk.require_assignment(service.course, assignment_id),
                                name, member, service.clock())
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def plan_json(plan: regrade.RegradePlan) -> dict[str, Any]:
    return {"graded": plan.graded, "results_changed": len(plan.regrades),
            "changes": [change.__dict__ for change in plan.changes],
            "unreadable": [{"student": who, "attempt": number, "message": why} for who, number, why in plan.unreadable]}


@router.get("/assignments/{assignment_id}/regrade")
def regrade_preview(request: Request, assignment_id: str, member: Staff) -> dict[str, Any]:
    service = service_of(request)
    return plan_json(regrade.plan_regrade(service.course, service.storage,
                                          desk.require_assignment(service.course, assignment_id)))


@router.post("/assignments/{assignment_id}/regrade")
def regrade_apply(request: Request, assignment_id: str, member: Instructor) -> dict[str, Any]:
    service = service_of(request)
    plan = regrade.apply_regrade(service.course, service.storage,
                                 desk.require_assignment(service.course, assignment_id), member.id, service.clock())
    return {"applied": True, **plan_json(plan)}


@router.get("/audit")
def audit(request: Request, member: Staff, student: str | None = None) -> dict[str, Any]:
    return {"audit": desk.audit_rows(service_of(request).storage, student)}
