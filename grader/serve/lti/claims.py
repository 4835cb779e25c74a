"""The names LTI 1.3 gives its claims, scopes and roles, and a validated launch read from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.serve.lti.config import PlatformConfig

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
CONTEXT = LTI + "context"
ROLES = LTI + "roles"
CUSTOM = LTI + "custom"
LIS = LTI + "lis"
LAUNCH_PRESENTATION = LTI + "launch_presentation"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
DL_MESSAGE = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"

LTI_VERSION = "1.3.0"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE, SCOPE_NRPS)

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INSTRUCTOR_ROLES = {f"{MEMBERSHIP}#Instructor", f"{MEMBERSHIP}#Administrator", f"{MEMBERSHIP}#ContentDeveloper",
                    "Instructor", "Administrator", "ContentDeveloper"}  # short names: LTI 1.3's deprecated form
TA_ROLES = {f"{MEMBERSHIP}/Instructor#TeachingAssistant", f"{MEMBERSHIP}#TeachingAssistant", "TeachingAssistant"}
CUSTOM_ASSIGNMENT = "assignment"  # the custom parameter naming the course.yaml assignment of a link


def staff_role(roles: object) -> str | None:
    """`ta`, `instructor` or None (a Learner, or anyone else) from the launch's context roles. Institution and
    system roles (an instructor elsewhere in the school) do not make anyone staff of this course."""
    if not isinstance(roles, list):
        return None
    held = {role for role in roles if isinstance(role, str)}
    if held & TA_ROLES:
        return "ta"
    if held & INSTRUCTOR_ROLES:
        return "instructor"
    return None


def _text(value: object, limit: int = 255) -> str | None:
    return value.strip()[:limit] or None if isinstance(value, str) else None


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Launch:
    """A validated id_token: the platform that signed it and its claims, read once."""

    platform: PlatformConfig
    claims: dict[str, Any]

    @property
    def message_type(self) -> str:
        return str(self.claims.get(MESSAGE_TYPE))

    @property
    def deployment_id(self) -> str:
        return str(self.claims.get(DEPLOYMENT_ID))

    @property
    def subject(self) -> str:
        return str(self.claims.get("sub") or "")

    @property
    def name(self) -> str | None:
        given = " ".join(part for part in (_text(self.claims.get("given_name")), _text(self.claims.get("family_name")))
                         if part)
        return _text(self.claims.get("name")) or given or None

    @property
    def email(self) -> str | None:
        return _text(self.claims.get("email"))

    @property
    def sourcedid(self) -> str | None:
        return _text(_mapping(self.claims.get(LIS)).get("person_sourcedid"))

    @property
    def staff_role(self) -> str | None:
        return staff_role(self.claims.get(ROLES))

    @property
    def context_id(self) -> str:
        return _text(_mapping(self.claims.get(CONTEXT)).get("id")) or ""

    @property
    def resource_link(self) -> dict[str, Any]:
        return _mapping(self.claims.get(RESOURCE_LINK))

    @property
    def custom(self) -> dict[str, Any]:
        return _mapping(self.claims.get(CUSTOM))

    @property
    def assignment_id(self) -> str | None:
        """The course.yaml assignment the link is for: its custom parameter `assignment`."""
        return _text(self.custom.get(CUSTOM_ASSIGNMENT), 64)

    @property
    def ags(self) -> dict[str, Any]:
        return _mapping(self.claims.get(AGS_ENDPOINT))

    @property
    def memberships_url(self) -> str | None:
        return _text(_mapping(self.claims.get(NRPS)).get("context_memberships_url"), 2000)

    @property
    def deep_linking(self) -> dict[str, Any]:
        return _mapping(self.claims.get(DL_SETTINGS))

    @property
    def document_target(self) -> str | None:
        return _text(_mapping(self.claims.get(LAUNCH_PRESENTATION)).get("document_target"))
