"""An LTI 1.3 platform for the tests: `lti1p3platform` (on PyPI, written by nobody here) acting as Canvas or
Moodle, its endpoints served by a small FastAPI app on 127.0.0.1, and the course service as its tool.

The platform does what an LMS does: it starts a launch (OIDC third-party login), answers the tool's
authorization request with an id_token signed by its own key (PyJWT and jwcrypto, not the tool's joserfc),
issues service tokens after checking the tool's signed assertion against the tool's /lti/jwks.json,
keeps line items and scores (AGS), lists members (NRPS) and takes a deep-linking response. A test
may make the score endpoint fail first (`score_failures`), or sign a launch itself (`sign`).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
import typing as t
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jwcrypto.jwk import JWK
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request as PlatformRequest
from lti1p3platform.request import TRequest
from lti1p3platform.response import Response as ServiceResponse
from lti1p3platform.response import generate_next_link
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService, TPage
from lti1p3platform.exceptions import LineItemNotFoundException
from lti1p3platform.membership import Context
from lti1p3platform.score import UpdateScoreStatus

from serve_support import free_port, live_server

CLIENT_ID = "10000000000042"
DEPLOYMENT_ID = "1:deployment-a"
CONTEXT_ID = "course-101"
LEARNER = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
TEACHING_ASSISTANT = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
                      "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"]
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def rsa_pem() -> str:
    return JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode()


@dataclass
class User:
    sub: str
    name: str
    email: str
    roles: list[str]
    sourcedid: str | None = None


@dataclass
class Link:
    id: str
    title: str
    custom: dict[str, str] = field(default_factory=dict)
    lineitem: str | None = None  # a line item the platform made for the link (deep linking)


class PlatformConfig(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self._registration


class DictRequest(PlatformRequest):
    """lti1p3platform's request, from what the FastAPI handler read."""

    def build_metadata(self, request: dict[str, Any]) -> TRequest:
        return t.cast(TRequest, request)


class Launcher(LTIAdvantageMessageLaunchAbstract):
    def get_preflight_response(self) -> dict[str, Any]:
        return self._request.get_data  # type: ignore[union-attr]

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> HTMLResponse:
        """The LMS's own page: a form that posts the launch to the tool (the platform's script submits it)."""
        fields = "".join(f'<input type="hidden" name="{name}" value="{html.escape(str(launch_data[name]))}">'
                         for name in ("id_token", "state"))
        return HTMLResponse(f'<!DOCTYPE html><html><body><form id="launch" method="post" '
                            f'action="{html.escape(launch_data["launch_url"])}">{fields}'
                            '<button type="submit">Launch</button></form>'
                            '<script>document.getElementById("launch").submit()</script></body></html>')


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=302)


class Gradebook(AssignmentsGradesService):
    """Line items and scores, kept by the platform (what Canvas's gradebook holds)."""

    def __init__(self, platform: Platform, request: PlatformRequest) -> None:
        super().__init__(request, platform.config, f"{platform.url}/lineitems")
        self.platform = platform

    def find_lineitems(self, page: int = 1, limit: int | None = None, line_item_id: str | None = None,
                       resource_link_id: str | None = None, resource_id: str | None = None,
                       tag: str | None = None) -> TPage:
        items = [item for item in self.platform.line_items.values()
                 if (resource_id is None or item.get("resourceId") == resource_id)
                 and (tag is None or item.get("tag") == tag)
                 and (resource_link_id is None or item.get("resourceLinkId") in (None, resource_link_id))]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id: str) -> Any:
        for item in self.platform.line_items.values():
            if item["id"].rsplit("/", 1)[-1] == line_item_id:
                return item
        raise LineItemNotFoundException()

    def create_lineitem(self, creation_data: Any) -> Any:
        return self.platform.add_line_item(dict(creation_data))

    def update_lineitem(self, update_data: Any) -> Any:
        raise NotImplementedError

    def delete_lineitem(self, line_item_id: str) -> None:
        raise NotImplementedError

    def update_score(self, line_item_id: str, score: Any) -> UpdateScoreStatus:
        item = self.find_lineitem(line_item_id)
        scores = self.platform.scores.setdefault(item["id"], [])
        earlier = [entry for entry in scores if entry["userId"] == score["userId"]]
        if earlier and earlier[-1]["timestamp"] >= score["timestamp"]:
            return UpdateScoreStatus.OLD_TIMESTAMP
        scores.append(dict(score))
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id: str, page: int = 1, limit: int | None = None,
                    user_id: str | None = None) -> TPage:
        item = self.find_lineitem(line_item_id)
        latest: dict[str, dict[str, Any]] = {}
        for score in self.platform.scores.get(item["id"], []):
            latest[score["userId"]] = score
        results = [{"id": f"{item['id']}/results/{user}", "userId": user, "resultScore": score["scoreGiven"],
                    "resultMaximum": score["scoreMaximum"], "scoreOf": item["id"]} for user, score in latest.items()]
        return {"content": results, "has_next": False, "next": None}


class Members(NamesRoleProvisioningService):
    """The course's members (NRPS), a page of PAGE_SIZE at a time."""

    PAGE_SIZE = 2

    def __init__(self, platform: Platform, request: PlatformRequest) -> None:
        super().__init__(request, platform.config, f"{platform.url}/memberships")
        self.platform = platform

    def get_member_data_page(self, page: int = 1, limit: int | None = None, role: str | None = None,
                             since: str | None = None, **kwargs: Any) -> TPage:
        page = int(page)
        everyone = [{"user_id": user.sub, "roles": user.roles, "name": user.name, "email": user.email,
                     "status": "Active", **({"lis_person_sourcedid": user.sourcedid} if user.sourcedid else {})}
                    for user in self.platform.users.values()]
        everyone.append({"user_id": "gone-1", "roles": LEARNER, "name": "Left the course", "status": "Inactive"})
        chunk = everyone[(page - 1) * self.PAGE_SIZE: page * self.PAGE_SIZE]
        return {"content": chunk, "has_next": page * self.PAGE_SIZE < len(everyone), "next": None}

    def get_context_by_id(self) -> Context:
        return Context(id=CONTEXT_ID, label="DL101", title="Deep Learning")


class Platform:
    """The LMS: its registration of the tool, users, links, line items and scores, and its HTTP app."""

    def __init__(self, tool_url: str, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.port = port or free_port()
        self.url = f"http://{host}:{self.port}"  # `localhost`: another site than the tool's 127.0.0.1 (cookies)
        self.private_key = rsa_pem()
        public = JWK.from_pem(self.private_key.encode()).export_to_pem().decode()
        self.kid = Registration.get_jwk(self.private_key)["kid"]
        self.tool_url = tool_url
        self.registration = (Registration().set_iss(self.url).set_client_id(CLIENT_ID)
                             .set_deployment_id(DEPLOYMENT_ID).set_oidc_login_url(f"{tool_url}/lti/login")
                             .set_launch_url(f"{tool_url}/lti/launch").set_deeplink_launch_url(f"{tool_url}/lti/launch")
                             .set_tool_key_set_url(f"{tool_url}/lti/jwks.json")
                             .set_platform_private_key(self.private_key).set_platform_public_key(public))
        self.config = PlatformConfig(registration=self.registration)
        self.users: dict[str, User] = {}
        self.links: dict[str, Link] = {}
        self.line_items: dict[str, dict[str, Any]] = {}
        self.scores: dict[str, list[dict[str, Any]]] = {}
        self.score_failures: list[tuple[int, dict[str, str]]] = []  # answers to give score posts before the real one
        self.score_posts: list[int] = []  # the status of every score post
        self.deep_links: list[list[dict[str, Any]]] = []  # content items received
        self.id_token_lifetime = 300
        self.app = self._app()

    # --- what the tool's course.yaml says about this platform -------------------------------------------
    def course_entry(self, **changes: Any) -> dict[str, Any]:
        return {"kind": "canvas", "issuer": self.url, "client_id": CLIENT_ID,
                "auth_login_url": f"{self.url}/auth", "auth_token_url": f"{self.url}/token",
                "key_set_url": f"{self.url}/jwks", "deployment_ids": [DEPLOYMENT_ID], **changes}

    def add_line_item(self, data: dict[str, Any]) -> dict[str, Any]:
        number = len(self.line_items) + 1
        data["id"] = f"{self.url}/lineitems/{number}"
        self.line_items[data["id"]] = data
        return data

    # --- signing, as the platform does ---------------------------------------------------------------------
    def sign(self, claims: dict[str, Any], *, key: str | None = None, kid: str | None = None) -> str:
        return jwt.encode(claims, key or self.private_key, algorithm="RS256", headers={"kid": kid or self.kid})

    def claims_of(self, id_token: str) -> dict[str, Any]:
        return jwt.decode(id_token, options={"verify_signature": False})

    # --- the app ------------------------------------------------------------------------------------------
    def _app(self) -> FastAPI:
        app = FastAPI()
        platform = self

        async def lti_request(request: Request) -> PlatformRequest:
            body = await request.body()
            content_type = request.headers.get("content-type", "")
            form = dict((await request.form()).items()) if "form" in content_type else {}
            return DictRequest({"method": request.method, "form_data": form,
                                "get_data": dict(request.query_params.items()), "headers": request.headers,
                                "content_type": content_type, "path": request.url.path,
                                "json": json.loads(body) if body and "json" in content_type else None})

        def answer(result: ServiceResponse) -> Response:
            if 200 <= result.code < 300:
                data = result.result["content"] if isinstance(result.result, dict) and "content" in result.result \
                    else result.result
                response = JSONResponse(data, status_code=result.code, media_type=result.media_type)
                if isinstance(result.result, dict) and result.result.get("next"):
                    response.headers["Link"] = generate_next_link(result.result["next"])
                return response
            return JSONResponse({"error": result.message}, status_code=result.code)

        @app.get("/jwks")
        def key_set() -> dict[str, Any]:
            platform.config.get_registration()
            return dict(platform.config.get_jwks())

        @app.get("/start")
        def start(user: str, link: str = "", deep: bool = False) -> Response:
            """Where the LMS page sends the browser: the tool's OIDC login (third-party initiated)."""
            login = Login(None, platform.config)
            login.set_lti_message_hint(hint=json.dumps({"link": link, "deep": deep}))
            return login.initiate_login(platform.users[user].sub)

        @app.get("/course")
        def course_page(user: str, link: str) -> HTMLResponse:
            """An LMS page that shows the tool in an iframe, as Canvas and Moodle do."""
            source = html.escape(f"/start?user={user}&link={link}")
            return HTMLResponse(f'<!DOCTYPE html><html><body><h1>LMS course</h1>'
                                f'<iframe id="tool" src="{source}" width="900" height="700"></iframe></body></html>')

        @app.get("/auth")
        async def authorize(request: Request) -> Response:
            """The authorization endpoint: the tool's login redirected here; answer with the signed launch."""
            params = dict(request.query_params.items())
            hint = json.loads(params["lti_message_hint"])
            user = next(u for u in platform.users.values() if u.sub == params["login_hint"])
            launch = Launcher(await lti_request(request), platform.config)
            launch.set_id_token_expiration(platform.id_token_lifetime)
            launch.set_user_data(user.sub, user.roles, user.name, user.email)
            launch.set_launch_context_claim(CONTEXT_ID, context_title="Deep Learning", context_label="DL101")
            launch.set_ags(f"{platform.url}/lineitems", None if hint["deep"] else platform.links[hint["link"]].lineitem,
                           allow_creating_lineitems=True)
            launch.set_nrps(f"{platform.url}/memberships")
            if user.sourcedid:
                launch.set_extra_claims({CLAIM + "lis": {"person_sourcedid": user.sourcedid}})
            if hint["deep"]:
                launch.set_dl(f"{platform.url}/deep_link_return", title="Add a tool", accept_types={"ltiResourceLink"},
                              extra_data={"placement": "assignment_selection"})
            else:
                link = platform.links[hint["link"]]
                launch.set_resource_link_claim(link.id, title=link.title)
                if link.custom:
                    launch.set_custom_parameters_claim(link.custom)
            return launch.lti_launch()

        @app.post("/token")
        async def token(request: Request) -> Response:
            form = dict((await request.form()).items())
            try:
                return JSONResponse(platform.config.get_access_token(form))
            except Exception as exc:  # noqa: BLE001 - the platform's own refusal
                return JSONResponse({"error": "invalid_client", "error_description": str(exc)}, status_code=400)

        @app.get("/lineitems")
        async def line_items(request: Request) -> Response:
            return answer(Gradebook(platform, await lti_request(request)).handle_get_lineitems())

        @app.post("/lineitems")
        async def create_line_item(request: Request) -> Response:
            return answer(Gradebook(platform, await lti_request(request)).handle_create_lineitem())

        @app.post("/lineitems/{number}/scores")
        async def score(request: Request, number: str) -> Response:
            if platform.score_failures:
                status, headers = platform.score_failures.pop(0)
                platform.score_posts.append(status)
                return JSONResponse({"errors": [{"message": f"failing on purpose with {status}"}]},
                                    status_code=status, headers=headers)
            result = Gradebook(platform, await lti_request(request)).handle_update_score(number)
            platform.score_posts.append(result.code)
            return answer(result)

        @app.get("/lineitems/{number}/results")
        async def results(request: Request, number: str) -> Response:
            return answer(Gradebook(platform, await lti_request(request)).handle_get_results(number))

        @app.get("/memberships")
        async def memberships(request: Request) -> Response:
            lti = await lti_request(request)
            lti.request["get_data"] = {key: int(value) if key in ("page", "limit") else value
                                       for key, value in lti.request["get_data"].items()}
            lti.request["get_data"].setdefault("limit", Members.PAGE_SIZE)
            return answer(Members(platform, lti).handle_get_members())

        @app.post("/deep_link_return")
        async def deep_link_return(request: Request) -> Response:
            form = dict((await request.form()).items())
            items = platform.config.validate_deeplinking_resp(form)
            platform.deep_links.append(items)
            for item in items:  # as Canvas does: the link, and its line item with the tool's points
                link = Link(f"dl-{len(platform.links) + 1}", item["title"], dict(item.get("custom") or {}))
                if "lineItem" in item:
                    link.lineitem = platform.add_line_item({**item["lineItem"], "resourceLinkId": link.id})["id"]
                platform.links[link.id] = link
            return HTMLResponse("<p>The tool was added.</p>")

        return app

    # --- reading the gradebook as the tests do (through the platform's own results service) ---------------
    def results(self, lineitem: str) -> list[dict[str, Any]]:
        token = self.registration.encode_and_sign(
            {"sub": CLIENT_ID, "iss": self.url,
             "scopes": "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"},
            self.private_key, expiration=3600)
        answer = httpx.get(f"{lineitem}/results", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return answer.json()


def write_lti_course(course: Path, tool_url: str, platforms: list[dict[str, Any]]) -> None:
    """Add `lti:` to the course's course.yaml."""
    data = yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))
    data["lti"] = {"url": tool_url, "platforms": platforms}
    (course / "course.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@contextmanager
def serving(platform: Platform) -> Iterator[str]:
    with live_server(platform.app, port=platform.port) as url:
        yield url


FORM_FIELD = re.compile(r'name="(id_token|state)" value="([^"]*)"')
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def launch_form(page: str) -> tuple[str, dict[str, str]]:
    """The platform's auto-submitting launch form: (where it posts, its fields)."""
    action = html.unescape(FORM_ACTION.search(page).group(1))  # type: ignore[union-attr]
    return action, {name: html.unescape(value) for name, value in FORM_FIELD.findall(page)}


def login_redirect(browser: httpx.Client, platform: Platform, user: str, link: str = "", deep: bool = False
                   ) -> tuple[str, dict[str, str]]:
    """The platform starts a launch and the tool's login answers: the authorization URL and its parameters."""
    start = browser.get(f"{platform.url}/start", params={"user": user, "link": link, "deep": str(deep).lower()})
    assert start.status_code == 302, start.text
    login = browser.get(start.headers["location"])
    assert login.status_code == 302, login.text
    location = login.headers["location"]
    return location, dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def platform_launch(browser: httpx.Client, platform: Platform, user: str, link: str = "", deep: bool = False
                    ) -> tuple[str, dict[str, str]]:
    """A whole launch up to the form the LMS posts to the tool: (the tool's launch URL, id_token and state)."""
    location, _ = login_redirect(browser, platform, user, link, deep)
    page = browser.get(location)
    assert page.status_code == 200, page.text
    return launch_form(page.text)


class SkewClock:
    """The service's clock: the real time (the platform signs with it) plus a skew the test sets."""

    def __init__(self) -> None:
        self.skew = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc) + self.skew


def wait_for(condition: t.Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        time.sleep(0.05)


__all__ = ["CLIENT_ID", "CONTEXT_ID", "DEPLOYMENT_ID", "INSTRUCTOR", "LEARNER", "TEACHING_ASSISTANT", "Link",
           "Platform", "SkewClock", "User", "launch_form", "login_redirect", "platform_launch", "rsa_pem", "serving",
           "wait_for", "write_lti_course"]


class Lms:
    """A course service with `lti:` (live, on the test's clock) and the platform that launches it (live)."""

    def __init__(self, course: Path, tool_url: str, platform: Platform, app: Any, clock: SkewClock,
                 tokens: dict[str, str]) -> None:
        self.course, self.tool_url, self.platform, self.app, self.clock, self.tokens = (
            course, tool_url, platform, app, clock, tokens)

    @property
    def service(self) -> Any:
        return self.app.state.service

    @property
    def runtime(self) -> Any:
        return self.app.state.lti

    def browser(self) -> httpx.Client:
        """A browser of its own (cookies), which follows no redirect unless asked."""
        return httpx.Client(timeout=30)


def class_users() -> dict[str, User]:
    """The LMS course: Ada (the roster's s1001, by SIS id), Charles (s1002, by email), a student the roster
    does not have, an instructor and a TA."""
    return {"ada": User("sub-ada-9f3", "Ada Lovelace", "ada@example.edu", LEARNER, sourcedid="s1001"),
            "charles": User("sub-charles-71a", "Charles Babbage", "Charles@Example.edu", LEARNER),
            "nina": User("sub-nina-5c2", "Nina New", "nina@example.edu", LEARNER),
            "pat": User("sub-pat-113", "Pat Professor", "pat@example.edu", INSTRUCTOR),
            "tess": User("sub-tess-804", "Tess Assistant", "tess@example.edu", TEACHING_ASSISTANT)}


@contextmanager
def running_lms(make_course: t.Callable[..., Path], issue_tokens: t.Callable[..., dict[str, str]], *,
                platform_host: str = "127.0.0.1", middleware: Any = None) -> Iterator[Lms]:
    """A course with `lti:` and a tool key, its service live on 127.0.0.1 (on a clock the test may skew, the
    outbox sent by the test), and the platform live beside it on `platform_host` with the class of `class_users`."""
    from serve_support import ASSIGNMENT

    from grader.cli import main
    from grader.serve.app import create_app
    from grader.serve.course import load_course
    from grader.serve.service import Service, ServiceSettings
    from grader.serve.storage import open_storage

    tool_port = free_port()
    tool_url = f"http://127.0.0.1:{tool_port}"
    platform = Platform(tool_url, host=platform_host)
    platform.users = class_users()
    platform.links = {"link-1": Link("link-1", "Homework 1", {"assignment": ASSIGNMENT})}
    course = make_course(attempts=3)
    write_lti_course(course, tool_url, [platform.course_entry()])
    assert main(["lti", "keys", str(course)]) == 0
    tokens = issue_tokens(course)
    clock = SkewClock()
    loaded = load_course(course)
    service = Service(loaded, open_storage(None, loaded.folder), ServiceSettings(lti_outbox_worker=False), clock=clock)
    app = create_app(course, service=service)
    if middleware is not None:
        app.add_middleware(middleware)
    with serving(platform), live_server(app, port=tool_port):
        yield Lms(course, tool_url, platform, app, clock, tokens)
