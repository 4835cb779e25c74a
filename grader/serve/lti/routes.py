"""The LTI routes (DESIGN.md: LTI 1.3): login, launch, check and continue, deep linking, JWKS, Canvas's JSON.

Routes parse the request and call launch/signin/deep_linking; every refusal is an LtiError, which
`install` maps to one page in one place: what is wrong and what the admin should check, with the
pages' own CSP and headers, frameable by the registered platforms (framing.py). No page here needs
JavaScript: the new-window step is a link, the deep-linking pick and its return are plain forms.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from grader.serve import pages
from grader.serve.api import bounded_form
from grader.serve.lti import framing, signin
from grader.serve.lti.claims import DEEP_LINKING_REQUEST, Launch
from grader.serve.lti.config import origin
from grader.serve.lti.deep_linking import DeepLinkRequest, request_of, response_jwt
from grader.serve.lti.errors import LtiError
from grader.serve.lti.keys import jwks
from grader.serve.lti.launch import LAUNCH_PATH, begin_login, random_ticket, validate_launch
from grader.serve.lti.registration import canvas_config
from grader.serve.lti.runtime import LtiRuntime
from grader.serve.page_render import render_page, security_headers
from grader.serve.people import StaffRecord
from grader.serve.service import service_of

router = APIRouter(prefix="/lti", include_in_schema=False)
LAUNCH_FORM = 256 * 1024  # bytes: an id_token with its claims, and the state
SMALL_FORM = 16 * 1024  # bytes: a login's parameters, a deep-linking pick
TOO_LARGE = LtiError(413, "the request is too large", "check what the LMS posts to the tool")


def _runtime(request: Request) -> LtiRuntime:
    return request.app.state.lti


def lti_page(request: Request, template: str, status: int = 200, *, form_origin: str | None = None,
             **context: Any) -> HTMLResponse:
    """An LTI page: the site's layout, its CSP with a style nonce (a form posting to the platform adds that
    origin to form-action), no session needed."""
    nonce = secrets.token_urlsafe(16)
    html = render_page(template, csp_nonce=nonce, course_title=service_of(request).course.title, student=None,
                       zone=service_of(request).course.zone, csrf="", **context)
    headers = security_headers(nonce)
    if form_origin is not None:
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "form-action 'self'", f"form-action 'self' {form_origin}")
    return HTMLResponse(html, status_code=status, headers=headers)


def render_lti_error(request: Request, error: LtiError) -> Response:
    return lti_page(request, "lti/error.html.j2", error.status, error=error)


def install(app: FastAPI, runtime: LtiRuntime) -> None:
    """The LTI routes, their error page and the framing rule, on the app (create_app calls this)."""
    app.state.lti = runtime
    app.include_router(router)

    @app.exception_handler(LtiError)
    async def _lti_error(request: Request, error: LtiError) -> Response:
        return render_lti_error(request, error)

    framing.install(app, runtime.config)


def _redirect(to: str, status: int = 303) -> RedirectResponse:
    response = RedirectResponse(to, status_code=status)
    response.headers.update(security_headers(None))
    return response


# --- keys and registration ------------------------------------------------------------------------
@router.get("/jwks.json")
def key_set(request: Request) -> Response:
    """The tool's public keys (every key in COURSE/lti/, the signing key first)."""
    return JSONResponse(jwks(_runtime(request).keys), headers={"Cache-Control": "max-age=300"})


@router.get("/config.json")
def config_json(request: Request) -> Response:
    """Canvas's developer-key JSON for this tool."""
    return JSONResponse(canvas_config(_runtime(request).config, service_of(request).course.title))


# --- OIDC login -----------------------------------------------------------------------------------
@router.api_route("/login", methods=["GET", "POST"])
async def login(request: Request) -> Response:
    """Third-party initiated login: 302 to the platform's authorization endpoint, state and nonce stored."""
    params = {key: value for key, value in request.query_params.items()}
    if request.method == "POST":
        form = await bounded_form(request, SMALL_FORM, TOO_LARGE, max_files=0, max_fields=20)
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    runtime = _runtime(request)
    target = await run_in_threadpool(begin_login, runtime.config, runtime.storage, params, runtime.clock())
    return _redirect(target, 302)


# --- the launch -----------------------------------------------------------------------------------
@router.post("/launch")
async def launch(request: Request) -> Response:
    form = await bounded_form(request, LAUNCH_FORM, TOO_LARGE, max_files=0, max_fields=20)
    runtime = _runtime(request)
    id_token, state = form.get("id_token"), form.get("state")
    validated = await run_in_threadpool(
        validate_launch, runtime.config, runtime.storage, runtime.platform_keys,
        id_token if isinstance(id_token, str) else None, state if isinstance(state, str) else None, runtime.clock())
    if validated.message_type == DEEP_LINKING_REQUEST:
        return await run_in_threadpool(_picker, request, validated)
    return await run_in_threadpool(_signing_in, request, validated)


def _signing_in(request: Request, launch: Launch) -> Response:
    """Record who and which link, keep a one-time ticket, and see at /lti/check whether cookies work here."""
    runtime = _runtime(request)
    now = runtime.clock()
    link = signin.record_link(runtime.course, runtime.storage, launch, now)
    person = signin.person_for(runtime.storage, launch, now)
    ticket = random_ticket()
    runtime.storage.lti_add_handoff(signin.ticket_hash(ticket), "sign-in", person, signin.destination(person, link),
                                    None, now)
    response = _redirect(f"/lti/check?ticket={ticket}")
    pages.set_cookie(request, response, signin.PROBE_COOKIE, signin.probe_value(service_of(request).secret, ticket),
                     int(signin.HANDOFF_LIFETIME.total_seconds()), cross_site=True)
    return response


@router.get("/check")
def check(request: Request, ticket: str = "") -> Response:
    """Back from the launch: sign in here when the probe cookie came back, else offer a new window."""
    runtime = _runtime(request)
    service = service_of(request)
    handoff = runtime.storage.lti_handoff(signin.ticket_hash(ticket), "sign-in", runtime.clock(),
                                          signin.HANDOFF_LIFETIME, use=False)
    if handoff is None:
        raise _handoff_gone()
    if not signin.probe_matches(service.secret, ticket, request.cookies.get(signin.PROBE_COOKIE)):
        return lti_page(request, "lti/continue.html.j2", ticket=ticket, person=handoff.person,
                        staff=isinstance(handoff.person, StaffRecord))
    handoff = runtime.storage.lti_handoff(signin.ticket_hash(ticket), "sign-in", runtime.clock(),
                                          signin.HANDOFF_LIFETIME, use=True)
    if handoff is None:
        raise _handoff_gone()
    response = pages.signed_in_redirect(request, handoff.person, handoff.destination, cross_site=True)
    pages.set_cookie(request, response, signin.FRAME_COOKIE, "1", pages.web_session.SESSION_LIFETIME, cross_site=True)
    response.delete_cookie(signin.PROBE_COOKIE, path="/")
    return response


@router.get("/continue")
def continue_here(request: Request, ticket: str = "") -> Response:
    """The new window (a first party): the ticket signs the person in and they land on their page."""
    runtime = _runtime(request)
    handoff = runtime.storage.lti_handoff(signin.ticket_hash(ticket), "sign-in", runtime.clock(),
                                          signin.HANDOFF_LIFETIME, use=True)
    if handoff is None:
        raise _handoff_gone()
    return pages.signed_in_redirect(request, handoff.person, handoff.destination)


def _handoff_gone() -> LtiError:
    return LtiError(410, "this sign-in was used already or has expired (it works once, for "
                         f"{int(signin.HANDOFF_LIFETIME.total_seconds() // 60)} minutes)",
                    "open the assignment from the LMS again; if it keeps happening, check this server's clock")


# --- deep linking ---------------------------------------------------------------------------------
def _picker(request: Request, launch: Launch) -> Response:
    """An instructor adding the tool: the course's assignments to pick one from."""
    if launch.staff_role is None:
        raise LtiError(403, "only the course's instructors and TAs add the tool to a course",
                       "ask an instructor of the course; the LMS sent this user without an Instructor or TA role")
    runtime = _runtime(request)
    now = runtime.clock()
    dl_request = request_of(launch)
    person = signin.person_for(runtime.storage, launch, now)
    ticket = random_ticket()
    runtime.storage.lti_add_handoff(signin.ticket_hash(ticket), "deep-link", person, "", dl_request.to_json(), now)
    course = service_of(request).course
    choices = [{"id": assignment_id, "title": rubric.rubric.title or assignment_id,
                "points": rubric.rubric.max_score, "due": course.assignments[assignment_id].due}
               for assignment_id, rubric in course.rubrics.items()]
    return lti_page(request, "lti/picker.html.j2", ticket=ticket, choices=choices, person=person)


@router.post("/deep-link")
async def deep_link(request: Request) -> Response:
    """The picked assignment: a signed LtiDeepLinkingResponse in a plain form that posts it to the platform."""
    form = await bounded_form(request, SMALL_FORM, TOO_LARGE, max_files=0, max_fields=8)
    runtime = _runtime(request)
    ticket, assignment_id = form.get("ticket"), form.get("assignment")
    handoff = await run_in_threadpool(runtime.storage.lti_handoff, signin.ticket_hash(str(ticket or "")),
                                      "deep-link", runtime.clock(), signin.HANDOFF_LIFETIME, use=True)
    if handoff is None or not handoff.payload:
        raise LtiError(410, "this choice was sent already or has expired",
                       "add the tool again from the LMS (its assignment picker works once, for 10 minutes)")
    course = service_of(request).course
    if not isinstance(assignment_id, str) or assignment_id not in course.assignments:
        raise LtiError(422, "no assignment was chosen", "add the tool again from the LMS and choose an assignment")
    dl_request = DeepLinkRequest.from_json(handoff.payload)
    platform = runtime.config.platform(dl_request.issuer, dl_request.client_id)
    if platform is None:
        raise LtiError(403, f"the platform {dl_request.issuer} is no longer registered", "check course.yaml `lti:`")
    rubric = course.rubrics[assignment_id].rubric
    title = rubric.title or assignment_id
    token = response_jwt(runtime.signing_key(), platform, dl_request, assignment_id, title, rubric.max_score,
                         runtime.config.endpoint(LAUNCH_PATH), runtime.clock())
    return lti_page(request, "lti/deep_link_return.html.j2", return_url=dl_request.return_url, jwt=token,
                    title=title, form_origin=origin(dl_request.return_url))
