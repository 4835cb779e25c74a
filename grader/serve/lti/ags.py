"""Assignment and Grade Services: the resource link's line item (found, else created once) and its scores.

A link made by deep linking carries its line item in the AGS claim (`lineitem`). Otherwise the
tool looks in the course's line items (`lineitems`, every page) for the one whose `resourceId` is
the assignment's id and whose `tag` is LINE_ITEM_TAG, and creates it only when none is there, so
a second look never makes a duplicate (the outbox handles one link at a time). A score is posted
in points: `scoreGiven` out of `scoreMaximum`, the assignment's points.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from grader.serve.lti.claims import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE
from grader.serve.lti.config import PlatformConfig
from grader.serve.lti.errors import PlatformError
from grader.serve.lti.service_token import ServiceTokens
from grader.serve.storage_lti import LinkRecord

LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
LINE_ITEM_TAG = "grade"  # the tag of the line items this tool makes (with resourceId: the assignment id)
MAX_PAGES = 200  # pages of line items or members read before giving up (a loop of `next` links)
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.IGNORECASE)


def next_page(link_header: str | None) -> str | None:
    """The `rel="next"` URL of a Link header (AGS and NRPS page their containers this way)."""
    found = NEXT_LINK.search(link_header or "")
    return found.group(1) if found else None


def scores_url(lineitem_url: str) -> str:
    """A line item's scores endpoint: its URL with `/scores` after the path (any query stays)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def iso_timestamp(moment: dt.datetime) -> str:
    """ISO 8601 with milliseconds in UTC, as AGS timestamps are compared."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE)


def link_scopes(link: LinkRecord) -> tuple[str, ...]:
    """The AGS scopes the platform granted for the link (its AGS claim): one token serves every call for it."""
    granted = set(link.ags_scopes.split())
    return tuple(scope for scope in AGS_SCOPES if scope in granted)


class AgsClient:
    """Line items and scores, with the process's service tokens."""

    def __init__(self, tokens: ServiceTokens) -> None:
        self.tokens = tokens

    def line_item(self, platform: PlatformConfig, link: LinkRecord, label: str, points: float) -> str:
        """The URL of the link's line item for its assignment: named by the launch, found, or created."""
        if link.lineitem_url:
            return link.lineitem_url
        if not link.lineitems_url:
            raise PlatformError("the link's launch gave no line items service (no AGS claim): the LMS does not take "
                                "scores from this placement")
        scopes = link_scopes(link)
        if not {SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY} & set(scopes):
            raise PlatformError("the platform did not grant the line item scope to this tool")
        found = self._find(platform, link, scopes)
        if found is not None:
            return found
        if SCOPE_LINEITEM not in scopes:
            raise PlatformError("the course has no line item for this assignment, and the platform lets the tool "
                                "only read line items")
        what = "creating the line item"
        answer = self.tokens.call(platform, scopes, "POST", link.lineitems_url, what, (200, 201), json={
            "scoreMaximum": points, "label": label, "resourceId": link.assignment_id, "tag": LINE_ITEM_TAG,
            "resourceLinkId": link.resource_link_id}, headers={"Content-Type": LINEITEM, "Accept": LINEITEM})
        created = answer.json(what)
        if not isinstance(created, dict) or not isinstance(created.get("id"), str):
            raise PlatformError(f"{what}: the answer names no line item `id`")
        return created["id"]

    def _find(self, platform: PlatformConfig, link: LinkRecord, scopes: tuple[str, ...]) -> str | None:
        url: str | None = link.lineitems_url
        params: dict[str, Any] | None = {"resource_link_id": link.resource_link_id, "resource_id": link.assignment_id,
                                         "tag": LINE_ITEM_TAG}
        for _page in range(MAX_PAGES):
            if url is None:
                return None
            what = "looking up the line items"
            answer = self.tokens.call(platform, scopes, "GET", url, what, (200,), params=params,
                                      headers={"Accept": LINEITEM_CONTAINER})
            items = answer.json(what)
            for item in items if isinstance(items, list) else []:
                if (isinstance(item, dict) and item.get("resourceId") == link.assignment_id
                        and item.get("tag", LINE_ITEM_TAG) == LINE_ITEM_TAG
                        and item.get("resourceLinkId", link.resource_link_id) == link.resource_link_id
                        and isinstance(item.get("id"), str)):
                    return item["id"]
            url, params = next_page(answer.headers.get("link")), None  # the next link carries its own query
        raise PlatformError(f"the line items did not end after {MAX_PAGES} pages")

    def post_score(self, platform: PlatformConfig, link: LinkRecord, lineitem_url: str, score: dict[str, Any]) -> int:
        """POST a score to the line item; the platform's status (PlatformError for a failure)."""
        scopes = link_scopes(link)
        if SCOPE_SCORE not in scopes:
            raise PlatformError("the platform did not grant the score scope to this tool")
        answer = self.tokens.call(platform, scopes, "POST", scores_url(lineitem_url), "posting the score",
                                  (200, 201, 202, 204), json=score, headers={"Content-Type": SCORE})
        return answer.status
