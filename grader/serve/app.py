"""The ASGI app: `create_app(course, db)` wires the course, the storage and the routers together
(the students' API and pages, the staff's API and pages, and with course.yaml's `lti:` the LTI 1.3
routes, whose score outbox thread runs for as long as the app does: grader/serve/lti/).

Errors are mapped in one place: a `ServiceError` becomes `{"error": {"status", "message", "fix"}}`
under /api/ (and /healthz), the staff pages' error page (or sign-in form) under /staff/, or the
web page's own error page elsewhere when `pages` provides `render_error`. The request log holds the method, the path (never the query string, which may
carry a sign-in link's token; control and bidi characters shown escaped, so a path cannot forge
a log line), the status and the time: no tokens, no answers. Every response carries the security
headers of the pages (`page_render.security_headers`): what a route sets itself, such as a page's
CSP with its nonce, wins.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from grader.reports.escaping import for_terminal_line
from grader.serve import api, staff_api, staff_pages
from grader.serve.course import load_course
from grader.serve.errors import ServiceError
from grader.serve.page_render import security_headers
from grader.serve.service import Service, ServiceSettings
from grader.serve.storage import open_storage

log = logging.getLogger("grader.serve")
DEFAULT_HEADERS = security_headers(None)  # JSON and anything else without a page's own: no styles, no frames
LOGGED_PATH_CHARS = 200
STATUS_FIXES = {404: "check the address: the API is under /api/v1/", 405: "check the method (GET or POST)"}


def create_app(course_dir: str | Path, db_url: str | None = None, *, settings: ServiceSettings | None = None,
               service: Service | None = None) -> FastAPI:
    """The course service for the course at `course_dir` (its folder or course.yaml) and database `db_url`
    (default: SQLite at COURSE/grade.db). Raises GraderError (a message, no traceback) when either is wrong."""
    if service is None:
        course = load_course(course_dir)
        service = Service(course, open_storage(db_url, course.folder), settings)
    lti = _lti_runtime(service)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if lti is not None and service.settings.lti_outbox_worker:
            lti.start_worker()  # the LMS score outbox's sender, for as long as the app runs
        yield
        if lti is not None:
            lti.close()
        service.close()

    app = FastAPI(title=f"grade: {service.course.title}", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json")
    app.state.service = service
    app.include_router(api.router)
    app.include_router(staff_api.router)
    pages = _pages_module()
    if pages is not None:
        app.include_router(pages.router)
        app.include_router(staff_pages.router)
    render_error = getattr(pages, "render_error", None)

    def error_response(request: Request, error: ServiceError) -> Response:
        path = request.url.path
        if render_error is not None and (path == "/staff" or path.startswith("/staff/")):
            return staff_pages.render_error(request, error)
        if render_error is not None and not path.startswith("/api/") and path != "/healthz":
            return render_error(request, error)
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers())

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, error: ServiceError) -> Response:
        return error_response(request, error)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, error: HTTPException) -> Response:
        message = str(error.detail) if error.detail else "error"
        return error_response(request, ServiceError(error.status_code, message.lower(),
                                                    STATUS_FIXES.get(error.status_code, "")))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, error: RequestValidationError) -> Response:
        places = ", ".join(".".join(str(part) for part in item["loc"]) for item in error.errors()[:3])
        return error_response(request, ServiceError(422, f"the request is not valid ({places})",
                                                    "check the address and the parameters"))

    @app.middleware("http")
    async def _log_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        path = for_terminal_line(request.url.path[:LOGGED_PATH_CHARS])
        try:
            response = await call_next(request)
        except Exception as exc:  # noqa: BLE001 - answered here, logged by type only: a traceback could hold answers
            log.error("%s %s failed: %s", request.method, path, type(exc).__name__)
            busy = isinstance(exc, OperationalError)
            response = error_response(request, ServiceError(
                503 if busy else 500, "the database is busy" if busy else "the server failed on this request",
                "try again in a minute; if it keeps failing, tell your instructor", retry_after=60 if busy else None))
        for name, value in DEFAULT_HEADERS.items():
            response.headers.setdefault(name, value)
        log.info("%s %s %d %.0f ms", for_terminal_line(request.method[:16]), path, response.status_code,
                 1000 * (time.perf_counter() - started))
        return response

    if lti is not None:  # the /lti/ routes, their error page and which responses an LMS may frame (outermost)
        from grader.serve.lti.routes import install

        install(app, lti)
    return app


def _lti_runtime(service: Service):  # noqa: ANN202 - an LtiRuntime when course.yaml has `lti:`, else None
    if service.course.config.lti is None:
        return None
    from grader.serve.lti.runtime import LtiRuntime

    return LtiRuntime(service.course, service.storage, service.clock)


def _pages_module():  # noqa: ANN202 - the web page's module, when it is installed (helper WEB writes it)
    try:
        return importlib.import_module("grader.serve.pages")
    except ModuleNotFoundError as exc:
        if exc.name != "grader.serve.pages":
            raise
        return None
