"""The web page of the course service (`GET /`): sign in, pick an assignment, submit, read the feedback.

Server-rendered Jinja (autoescaped), no script and no external asset. Every page carries a
Content-Security-Policy whose only allowed styles are the page's own `<style>` (by a fresh nonce),
and every form a CSRF token bound to the browser's cookie (`web_session`). The routes call the
same `Service` methods as the JSON API, so the policy, the storage and the feedback are the API's;
the feedback is the report `grade FILE --format html` renders, with the page's header around it.
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from grader.serve import roles, web_session
from grader.serve.api import FORM_OVERHEAD, bounded_form, client_address, public_base
from grader.serve.client_wheel import WHEEL_NAME
from grader.serve.errors import ServiceError
from grader.serve.page_render import render_page, security_headers, sheet_body
from grader.serve.policy import HIDDEN_FEEDBACK
from grader.serve.service import Service, service_of
from grader.serve.people import Person, StaffRecord
from grader.serve.storage import StudentRecord

router = APIRouter(include_in_schema=False)
SMALL_FORM = 16 * 1024  # bytes: the sign-in and sign-out forms (a token and a CSRF token)
SIGN_IN_FAILED = ServiceError(401, "this token is not known", "copy the whole token from the message your course "
                                                             "sent you, or ask your instructor for a new one")


def form_expired() -> ServiceError:
    """The refusal of a POST without the CSRF token of the browser's cookie."""
    return ServiceError(403, "this form has expired or did not come from this site",
                        "reload the page and submit the form again")


# --- who is signed in ----------------------------------------------------------------------------
def signed_in(request: Request) -> StudentRecord | None:
    """The student of an open session on the server, or None."""
    service = service_of(request)
    return web_session.session_student(service.storage, request.cookies.get(web_session.SESSION_COOKIE),
                                       service.clock())


def page(request: Request, template: str, student: StudentRecord | None, status: int = 200,
         **context: Any) -> HTMLResponse:
    """A page for a signed-in student (or the sign-in page), with its CSRF token and security headers."""
    service = service_of(request)
    cookie = request.cookies.get(web_session.SESSION_COOKIE) if student else None
    login_cookie = None
    if cookie is None:  # the sign-in form: bind its token to a pre-session cookie
        cookie = login_cookie = request.cookies.get(web_session.LOGIN_COOKIE) or web_session.new_login_cookie()
    context.setdefault("error", None)
    nonce = secrets.token_urlsafe(16)
    html = render_page(template, csp_nonce=nonce, course_title=service.course.title, student=student,
                       csrf=web_session.csrf_token(service.secret, cookie), zone=service.course.zone, **context)
    response = HTMLResponse(html, status_code=status, headers=security_headers(nonce))
    if login_cookie is not None:
        set_cookie(request, response, web_session.LOGIN_COOKIE, login_cookie, web_session.LOGIN_LIFETIME)
    return response


def redirect(to: str) -> RedirectResponse:
    response = RedirectResponse(to, status_code=303)
    response.headers.update(security_headers(None))
    return response


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int, *,
               cross_site: bool = False) -> None:
    # Lax, not Strict: a sign-in link opened from a mail client is a cross-site navigation, and a
    # Strict cookie would not come along on its redirect. Every POST is checked by its CSRF token.
    # `cross_site` (an LMS launch inside the LMS's iframe): SameSite=None, which browsers take only with
    # Secure, so only over https; on http (a local trial) the frame's pages continue in a new window.
    none = cross_site and request.url.scheme == "https"
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="none" if none else "lax",
                        secure=request.url.scheme == "https")


def render_error(request: Request, error: ServiceError) -> Response:
    """Every refusal outside the API, as a page with the message and what to do (the app calls this)."""
    response = page(request, "error.html.j2", signed_in(request), status=error.status, error=error)
    if error.retry_after is not None:
        response.headers["Retry-After"] = error.headers()["Retry-After"]
    return response


# --- signing in and out --------------------------------------------------------------------------
@router.get("/")
def home(request: Request, token: str | None = None) -> Response:
    """The assignments of the signed-in student; the sign-in form otherwise. `/?token=T` signs in."""
    if token is not None:
        return _sign_in(request, token)
    student = signed_in(request)
    if student is None:
        if roles.staff_signed_in(request):
            return redirect("/staff/")
        return page(request, "sign_in.html.j2", None)
    return page(request, "home.html.j2", student, assignments=service_of(request).assignments(student),
                server=public_base(request), wheel=WHEEL_NAME)


@router.get("/login")
def login_link(request: Request, token: str | None = None) -> Response:
    """A sign-in link: `/login?token=T` (the token leaves the address bar by a redirect)."""
    return _sign_in(request, token) if token is not None else redirect("/")


@router.post("/login")
async def login_form(request: Request) -> Response:
    form = await bounded_form(request, SMALL_FORM, ServiceError(413, "the form is too large", "type only your token"),
                               max_files=0)
    if not web_session.csrf_matches(service_of(request).secret, request.cookies.get(web_session.LOGIN_COOKIE),
                                    form.get("csrf")):
        return page(request, "sign_in.html.j2", None, status=403, error=ServiceError(
            403, "this form has expired or did not come from this site",
            "reload the page and sign in again; the page needs cookies for this site to sign you in"))
    token = form.get("token")
    return await run_in_threadpool(_sign_in, request, token.strip() if isinstance(token, str) else "")


def _sign_in(request: Request, token: str) -> Response:
    service = service_of(request)
    try:
        person = service.identify(token, client_address(request))
    except ServiceError as error:
        if error.status == 401:  # the API's fix names the command line; a person at the page needs this one
            error = SIGN_IN_FAILED
        response = page(request, "sign_in.html.j2", None, status=error.status, error=error)
        response.headers.update({key: value for key, value in error.headers().items() if key == "Retry-After"})
        return response
    return signed_in_redirect(request, person)


def signed_in_redirect(request: Request, person: Person, to: str | None = None, *, cross_site: bool = False) -> Response:
    """Start the person's session (a student's, or a staff member's) and send the browser to their first page
    (or `to`: an LMS launch's assignment). Every sign-in ends here: a token typed on the page, a sign-in link,
    an LMS launch (`cross_site` when it completes inside the LMS's frame)."""
    service = service_of(request)
    staff = isinstance(person, StaffRecord)
    start = web_session.start_staff_session if staff else web_session.start_student_session
    cookie = start(service.storage, person, service.clock())  # type: ignore[arg-type]
    if staff:
        roles.record_sign_in(service, person)  # type: ignore[arg-type]
    response = redirect(to or ("/staff/" if staff else "/"))  # the token leaves the address bar and the history
    set_cookie(request, response, web_session.SESSION_COOKIE, cookie, web_session.SESSION_LIFETIME,
               cross_site=cross_site)
    response.delete_cookie(web_session.LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await bounded_form(request, SMALL_FORM, ServiceError(413, "the form is too large", "reload the page"),
                               max_files=0)
    cookie = request.cookies.get(web_session.SESSION_COOKIE)
    service = service_of(request)
    if not web_session.csrf_matches(service.secret, cookie, form.get("csrf")):
        raise form_expired()
    await run_in_threadpool(web_session.end_session, service.storage, cookie, service.clock())
    response = redirect("/")
    response.delete_cookie(web_session.SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


# --- an assignment: submit, attempts, feedback, sheet ----------------------------------------------
def _listed(service: Service, student: StudentRecord, assignment_id: str) -> dict[str, Any]:
    for assignment in service.assignments(student):
        if assignment["id"] == assignment_id:
            return assignment
    raise ServiceError(404, f"the course has no assignment `{assignment_id[:64]}`",
                       "choose an assignment from the list on the first page")


def _assignment_page(request: Request, student: StudentRecord, assignment_id: str, *, status: int = 200,
                     error: ServiceError | None = None, pasted: str = "") -> Response:
    service = service_of(request)
    response = page(request, "assignment.html.j2", student, status=status, error=error, pasted=pasted,
                    assignment=_listed(service, student, assignment_id),
                    attempts=list(reversed(service.attempts(student, assignment_id))))
    if error is not None and error.retry_after is not None:
        response.headers["Retry-After"] = error.headers()["Retry-After"]
    return response


@router.get("/assignments/{assignment_id}")
def assignment(request: Request, assignment_id: str) -> Response:
    student = signed_in(request)
    return redirect("/") if student is None else _assignment_page(request, student, assignment_id)


@router.post("/assignments/{assignment_id}/attempts")
async def submit(request: Request, assignment_id: str) -> Response:
    """The upload form: a file or pasted text, graded as the API's POST; then the feedback page."""
    student = await run_in_threadpool(signed_in, request)
    if student is None:
        return redirect("/")
    service = service_of(request)
    limit = service.settings.max_body
    too_big = ServiceError(413, f"the file is larger than {limit // 1024} KiB",
                           "an answer file is a few KiB of text; remove pasted data or images")
    try:
        form = await bounded_form(request, limit + FORM_OVERHEAD, too_big)
    except ServiceError as refusal:
        return await run_in_threadpool(_assignment_page, request, student, assignment_id, status=refusal.status,
                                       error=refusal)
    if not web_session.csrf_matches(service.secret, request.cookies.get(web_session.SESSION_COOKIE),
                                    form.get("csrf")):
        raise form_expired()
    upload, pasted = form.get("file"), form.get("text")
    pasted = pasted if isinstance(pasted, str) else ""
    body = await upload.read(limit + 1) if isinstance(upload, UploadFile) and upload.filename else None
    if body is not None and pasted.strip():
        error = ServiceError(422, "you chose a file and also pasted text", "send one of them: clear the text box, "
                                                                         "or choose no file")
    elif body is None and not pasted.strip():
        error = ServiceError(422, "there was nothing to grade", "choose your submit.yaml, or paste its text")
    else:
        error = None
    if error is not None:
        return await run_in_threadpool(_assignment_page, request, student, assignment_id, status=error.status,
                                       error=error, pasted=pasted)
    try:
        outcome = await run_in_threadpool(partial(service.submit, file_name=upload.filename if body is not None
                                                  else "the pasted text", on_web=True),
                                          student, assignment_id, body if body is not None else pasted.encode("utf-8"))
    except ServiceError as refusal:
        return await run_in_threadpool(_assignment_page, request, student, assignment_id, status=refusal.status,
                                       error=refusal, pasted=pasted if len(pasted) <= limit else "")
    return redirect(f"/assignments/{assignment_id}/attempts/{outcome['attempt']['number']}")


@router.get("/assignments/{assignment_id}/attempts/{number}")
def feedback(request: Request, assignment_id: str, number: str) -> Response:
    """One attempt's feedback: the HTML report of `grade FILE --format html`, as the policy shows it now."""
    student = signed_in(request)
    if student is None:
        return redirect("/")
    service = service_of(request)
    result = service.attempt_result(student, assignment_id, number)
    number = int(number)  # a number attempt_result found
    attempt = next(a for a in service.attempts(student, assignment_id) if a["number"] == number)
    rubric = service.course.rubrics[assignment_id]
    regraded = next((row for row in service.storage.attempt_rows(assignment_id, student.id)
                     if row.attempt.number == number and row.regraded_at is not None), None)
    return page(request, "feedback.html.j2", student, result=result, attempt=attempt, regraded=regraded,
                hidden_feedback=HIDDEN_FEEDBACK, assignment=_listed(service, student, assignment_id),
                title=rubric.rubric.title,
                titles={qid: question.title for qid, question in rubric.questions.items() if question.title})


@router.get("/assignments/{assignment_id}/template")
def blank_file(request: Request, assignment_id: str) -> Response:
    """A blank submit.yaml with the student's id filled in, downloaded as `submit.yaml`."""
    student = signed_in(request)
    if student is None:
        return redirect("/")
    text = service_of(request).blank_file(student, assignment_id, public_base(request), on_web=True)
    return Response(text, media_type="application/yaml; charset=utf-8",
                    headers={**security_headers(None), "Content-Disposition": 'attachment; filename="submit.yaml"'})


@router.get("/assignments/{assignment_id}/sheet")
def sheet(request: Request, assignment_id: str) -> Response:
    """The student's own problem sheet (their variant's numbers), as `grade sheet --format html` renders it."""
    student = signed_in(request)
    if student is None:
        return redirect("/")
    service = service_of(request)
    text = service.sheet(student, assignment_id, "markdown", public_base(request))
    return page(request, "sheet_page.html.j2", student, body=sheet_body(text),
                title=service.course.rubrics[assignment_id].rubric.title, student_id=student.id,
                assignment=_listed(service, student, assignment_id))
