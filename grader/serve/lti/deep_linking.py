"""Deep linking: an instructor adding the tool picks an assignment; the platform gets a signed resource link.

The LtiDeepLinkingResponse (LTI Deep Linking 2.0) is a JWT signed by the tool's key: `iss` the
tool's client_id, `aud` the platform's issuer, the request's deployment id and `data` echoed, and
one `ltiResourceLink` whose `custom.assignment` names the course.yaml assignment (its launches land
there) and whose `lineItem` makes the platform create the gradebook column with the assignment's
points, `resourceId` the assignment id (so the tool finds it rather than making another).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from grader.serve.lti import claims as names
from grader.serve.lti.ags import LINE_ITEM_TAG
from grader.serve.lti.claims import Launch
from grader.serve.lti.config import PlatformConfig, allowed_url
from grader.serve.lti.errors import LtiError
from grader.serve.lti.keys import ToolKey, sign

RESPONSE_LIFETIME = 600  # seconds the response may take to reach the platform (a click on its form)
RESOURCE_LINK = "ltiResourceLink"


@dataclass(frozen=True)
class DeepLinkRequest:
    """What the response needs from the request, kept server-side between the picker and the pick."""

    issuer: str
    client_id: str
    deployment_id: str
    return_url: str
    data: Any

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> DeepLinkRequest:
        return cls(**json.loads(text))


def request_of(launch: Launch) -> DeepLinkRequest:
    """The launch's deep linking settings, checked: a return URL, and ltiResourceLink among the types taken."""
    settings = launch.deep_linking
    return_url = settings.get("deep_link_return_url")
    if not isinstance(return_url, str) or not allowed_url(return_url):
        raise LtiError(400, "the deep linking request has no usable return URL (https://)",
                       "check the platform's deep linking settings for this tool")
    accepted = settings.get("accept_types")
    if isinstance(accepted, list) and RESOURCE_LINK not in accepted:
        raise LtiError(400, "this placement does not take an LTI resource link, which is what the tool adds",
                       "add the tool where the LMS takes an LTI link: as an assignment (Canvas: external tool "
                       "submission; Moodle: an External tool activity)")
    return DeepLinkRequest(launch.platform.issuer, launch.platform.client_id, launch.deployment_id, return_url,
                           settings.get("data"))


def response_jwt(key: ToolKey, platform: PlatformConfig, request: DeepLinkRequest, assignment_id: str, title: str,
                 points: float, launch_url: str, now: dt.datetime) -> str:
    """The signed LtiDeepLinkingResponse for one assignment."""
    issued = int(now.timestamp())
    item = {"type": RESOURCE_LINK, "title": title, "url": launch_url, "custom": {names.CUSTOM_ASSIGNMENT: assignment_id},
            "lineItem": {"scoreMaximum": points, "label": title, "resourceId": assignment_id, "tag": LINE_ITEM_TAG}}
    message: dict[str, Any] = {
        "iss": platform.client_id, "aud": platform.issuer, "iat": issued, "exp": issued + RESPONSE_LIFETIME,
        "nonce": secrets.token_urlsafe(24), names.DEPLOYMENT_ID: request.deployment_id,
        names.MESSAGE_TYPE: names.DEEP_LINKING_RESPONSE, names.VERSION: names.LTI_VERSION,
        names.DL_CONTENT_ITEMS: [item], names.DL_MESSAGE: f"Added {title}"}
    if request.data is not None:
        message[names.DL_DATA] = request.data
    return sign(key, message)
