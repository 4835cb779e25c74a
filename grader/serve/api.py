"""The JSON API (`/api/v1/...`) and `/healthz`: parse the request, call the service, return its dict.

Routes are plain functions (FastAPI runs them in its thread pool, off the event loop); only the
body is read asynchronously, with the 1 MiB cap checked before anything is parsed. A submitted file
is the raw body or a multipart field named `file`; both are the same to the service.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from grader.serve.client_wheel import WHEEL_NAME
from grader.serve.errors import ServiceError
from grader.serve.page_render import render_page, security_headers, sheet_body
from grader.serve.service import FILE_NAME, service_of
from grader.serve.storage import StudentRecord

router = APIRouter()
FORM_OVERHEAD = 64 * 1024  # bytes a multipart form adds around the file (boundaries, headers, the CSRF field)
SHEET_TYPES = {"html": "text/html; charset=utf-8", "markdown": "text/markdown; charset=utf-8"}


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_student(request: Request) -> StudentRecord:
    """The student of `Authorization: Bearer TOKEN` (401 without one, 429 after repeated failures)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return service_of(request).authenticate(token.strip() if scheme.lower() == "bearer" else None,
                                            client_address(request))


@dataclass(frozen=True)
class SubmittedFile:
    name: str
    data: bytes


async def submitted_file(request: Request) -> SubmittedFile:
    """The submitted file: the raw body (submit.yaml's bytes), or a multipart form's field `file` (as
    `curl -F file=@submit.yaml` sends it). Refused with 413 as soon as it passes the limit, before parsing."""
    limit = service_of(request).settings.max_body
    too_big = ServiceError(413, f"the file is larger than {limit // 1024} KiB",
                           "an answer file is a few KiB of text; remove pasted data or images")
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        form = await bounded_form(request, limit + FORM_OVERHEAD, too_big)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ServiceError(422, "a multipart body needs the file in a field named `file`",
                               "send it as `curl -F file=@submit.yaml ...`, or send the file itself as the body")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise too_big
        return SubmittedFile(upload.filename or FILE_NAME, data)
    return SubmittedFile(FILE_NAME, await bounded_body(request, limit, too_big))


async def bounded_body(request: Request, limit: int, too_big: ServiceError) -> bytes:
    """The raw body, read only up to `limit` bytes: a declared or streamed body past it raises `too_big`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


async def bounded_form(request: Request, limit: int, too_big: ServiceError, max_files: int = 1,
                       max_fields: int = 4) -> FormData:
    """The multipart form, read only up to `limit` bytes (a declared or streamed body past it is refused)."""
    body = await bounded_body(request, limit, too_big)

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(request.scope, replay).form(max_files=max_files, max_fields=max_fields,
                                                         max_part_size=limit)
    except (MultiPartException, ValueError) as exc:
        raise ServiceError(422, f"the form could not be read ({str(exc)[:80]})", "send the form again") from None


Student = Annotated[StudentRecord, Depends(current_student)]


@router.get("/client/{file_name}", include_in_schema=False)
def client_wheel(request: Request, file_name: str) -> Response:
    """The client wheel of the version this server runs: `pip install https://COURSE/client/WHEEL`."""
    data = service_of(request).client_wheel.data() if file_name == WHEEL_NAME else None
    if data is None:
        raise ServiceError(404, f"this server offers no file `{file_name[:80]}`" if file_name != WHEEL_NAME
                           else "this server cannot offer the client right now",
                           f"the client is at /client/{WHEEL_NAME}" if file_name != WHEEL_NAME
                           else "ask your instructor for the client")
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{WHEEL_NAME}"'})


@router.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    """200 when the database answers (load balancers poll this)."""
    service_of(request).storage.schema_version()
    return {"status": "ok"}


@router.get("/api/v1/assignments")
def list_assignments(request: Request, student: Student) -> dict[str, Any]:
    service = service_of(request)
    return {"student": {"id": student.id, "name": student.name}, "timezone": service.course.zone_name,
            "assignments": service.assignments(student)}


@router.post("/api/v1/assignments/{assignment_id}/attempts", status_code=201)
def submit_attempt(request: Request, assignment_id: str, student: Student,
                   sent: Annotated[SubmittedFile, Depends(submitted_file)]) -> Response:
    outcome = service_of(request).submit(student, assignment_id, sent.data, file_name=sent.name)
    # json.dumps, not FastAPI's encoder: the Result is plain JSON already, and this is the busiest route
    return Response(json.dumps(outcome, ensure_ascii=False), status_code=201, media_type="application/json")


@router.get("/api/v1/assignments/{assignment_id}/attempts")
def list_attempts(request: Request, assignment_id: str, student: Student) -> dict[str, Any]:
    return {"attempts": service_of(request).attempts(student, assignment_id)}


@router.get("/api/v1/assignments/{assignment_id}/attempts/{number}")
def one_attempt(request: Request, assignment_id: str, number: str, student: Student) -> dict[str, Any]:
    """A past attempt's Result, as the feedback policy shows it now."""
    result = service_of(request).attempt_result(student, assignment_id, number)
    return {"result": result.model_dump(mode="json", exclude_none=True)}


@router.get("/api/v1/assignments/{assignment_id}/template")
def template(request: Request, assignment_id: str, student: Student) -> Response:
    """A blank submit.yaml with the student's id and every question id (`grade template --server`)."""
    text = service_of(request).blank_file(student, assignment_id, public_base(request), on_web=False)
    return Response(text, media_type="application/yaml; charset=utf-8")


def public_base(request: Request) -> str:
    """The address students reach this server at (behind a proxy: the one they used), without the slash."""
    return str(request.base_url).rstrip("/")


@router.get("/api/v1/assignments/{assignment_id}/sheet")
def sheet(request: Request, assignment_id: str, student: Student) -> Response:
    """The student's own problem sheet: HTML when the client prefers it (the document `grade sheet --format
    html` writes, its style allowed by the pages' CSP nonce), else Markdown."""
    service = service_of(request)
    text = service.sheet(student, assignment_id, "markdown", public_base(request))
    if not prefers_html(request.headers.get("accept", "")):
        return PlainTextResponse(text, media_type=SHEET_TYPES["markdown"])
    nonce = secrets.token_urlsafe(16)
    html = render_page("sheet.html.j2", body=sheet_body(text), title=service.course.rubrics[assignment_id].rubric.title,
                       student_id=student.id, csp_nonce=nonce)
    return HTMLResponse(html, media_type=SHEET_TYPES["html"], headers=security_headers(nonce))


def prefers_html(accept: str) -> bool:
    """Whether text/html ranks above text/markdown in an Accept header (ties: the first named)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = [piece.strip() for piece in part.split(";")]
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, media.lower()))
    for _, _, media in sorted(ranked):
        if media in ("text/html", "application/xhtml+xml"):
            return True
        if media in ("text/markdown", "text/plain", "text/*", "*/*"):
            return False
    return False
