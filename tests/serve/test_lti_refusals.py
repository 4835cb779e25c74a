"""Every launch the tool must refuse, each with the page it shows: what is wrong, what the admin should check,
the pages' CSP (frameable by the registered platform only), no traceback. The platform signs the launches
(PyJWT, its own key) as lti1p3platform does; a test changes one thing at a time."""

from __future__ import annotations

import base64
import datetime as dt
import json
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("lti1p3platform", reason="the LTI tests need the test extra: pip install '.[test]'")

sys.path.insert(0, str(Path(__file__).parent))

from lti_support import login_redirect, platform_launch, rsa_pem  # noqa: E402
from serve_support import ASSIGNMENT  # noqa: E402


def refused(lms, answer, status: int, *fragments: str) -> str:
    """The refusal page: its status, the fragments of its message, the admin's check, the pages' headers."""
    text = answer.text
    assert answer.status_code == status, text[-1500:]
    assert "The launch from the LMS did not work" in text and "What to check" in text
    for fragment in fragments:
        assert fragment.lower() in text.lower(), text[text.find("<main>"):]
    assert "Traceback" not in text and "File \"" not in text
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and f"frame-ancestors {lms.platform.url}" in policy
    assert "x-frame-options" not in answer.headers and answer.headers["x-content-type-options"] == "nosniff"
    return text


def tampered(token: str, **changes) -> str:
    """The token with claims changed and its signature kept: it no longer verifies."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return ".".join((header, encoded, signature))


def resigned(lms, token: str, *, key: str | None = None, kid: str | None = None, **changes) -> str:
    """The launch's claims, changed, signed again by the platform (or by `key` under `kid`)."""
    claims = {**lms.platform.claims_of(token), **changes}
    return lms.platform.sign(claims, key=key, kid=kid)


def post(lms, browser, fields):
    return browser.post(f"{lms.tool_url}/lti/launch", data=fields)


def test_a_valid_launch_passes_as_a_baseline(lms):
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    answer = post(lms, browser, fields)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/lti/check?ticket=")


def test_a_bad_signature(lms):
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    forged = tampered(fields["id_token"], sub="sub-pat-113",
                      **{"https://purl.imsglobal.org/spec/lti/claim/roles":
                         ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]})
    refused(lms, post(lms, browser, {**fields, "id_token": forged}), 401,
            "signature does not verify with the platform&#39;s key", "key_set_url")


def test_an_unknown_kid_is_fetched_again_then_refused(lms):
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    fetched = lms.runtime.platform_keys.fetches
    assert fetched == 0  # nothing fetched before the first launch
    lms.clock.skew = dt.timedelta(seconds=0)
    other = resigned(lms, fields["id_token"], key=rsa_pem(), kid="rotated-key-nobody-published")
    answer = post(lms, browser, {**fields, "id_token": other})
    refused(lms, answer, 401, "rotated-key-nobody-published", "not in the platform&#39;s key set, even fetched again",
            f"{lms.platform.url}/jwks")
    assert lms.runtime.platform_keys.fetches == 1  # fetched (nothing was cached): still unknown
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    assert post(lms, browser, fields).status_code == 303  # the real key: from the cache
    assert lms.runtime.platform_keys.fetches == 1
    lms.clock.skew = dt.timedelta(seconds=11)  # past the refetch interval: one more fetch, then refused
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    other = resigned(lms, fields["id_token"], key=rsa_pem(), kid="another-unknown-kid")
    refused(lms, post(lms, browser, {**fields, "id_token": other}), 401, "another-unknown-kid")
    assert lms.runtime.platform_keys.fetches == 2


def test_a_rotated_platform_key_is_found_by_fetching_the_key_set_again(lms):
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    assert post(lms, browser, fields).status_code == 303  # the key set is cached now
    from jwcrypto.jwk import JWK
    from lti1p3platform.registration import Registration

    new_key = rsa_pem()
    lms.platform.registration.set_platform_private_key(new_key).set_platform_public_key(
        JWK.from_pem(new_key.encode()).export_to_pem().decode())
    lms.platform.kid = Registration.get_jwk(new_key)["kid"]
    lms.clock.skew = dt.timedelta(seconds=11)
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    assert post(lms, browser, fields).status_code == 303
    assert lms.runtime.platform_keys.fetches == 2


def test_an_expired_token(lms):
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    now = int(time.time())
    old = resigned(lms, fields["id_token"], iat=now - 900, exp=now - 600)
    refused(lms, post(lms, browser, {**fields, "id_token": old}), 401, "the id_token expired at",
            "differ by more than 60 seconds")


def test_a_replayed_launch_and_a_nonce_from_another_login(lms):
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    assert post(lms, browser, fields).status_code == 303
    refused(lms, post(lms, browser, fields), 401, "this launch was used already: its state and nonce work once")
    _, fresh = login_redirect(browser, lms.platform, "ada", "link-1")  # a new login: its own state and nonce
    answer = post(lms, browser, {"id_token": fields["id_token"], "state": fresh["state"]})
    refused(lms, answer, 401, "nonce is not the one this login sent")


def test_a_wrong_audience_and_a_wrong_authorized_party(lms):
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    other = resigned(lms, fields["id_token"], aud="some-other-tool", azp="some-other-tool")
    refused(lms, post(lms, browser, {**fields, "id_token": other}), 401, "for client some-other-tool",
            "<code>client_id</code> of")
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    several = resigned(lms, fields["id_token"], aud=["10000000000042", "another"], azp="another")
    refused(lms, post(lms, browser, {**fields, "id_token": several}), 401, "authorized party (azp) is another")


def test_an_unknown_deployment(lms):
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    other = resigned(lms, fields["id_token"],
                     **{"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "7:unregistered"})
    refused(lms, post(lms, browser, {**fields, "id_token": other}), 403,
            "deployment <code>7:unregistered</code>", "deployment_ids")


@pytest.mark.parametrize("fields, status, fragment", [
    ({"id_token": "x"}, 400, "without its <code>state</code>"),
    ({"id_token": "x", "state": "a-state-nobody-gave-out"}, 401, "state was not given out by this service"),
])
def test_a_missing_or_unknown_state(lms, fields, status, fragment):
    browser = lms.browser()
    _, real = platform_launch(browser, lms.platform, "ada", "link-1")
    refused(lms, post(lms, browser, {**fields, "id_token": real["id_token"]}), status, fragment)


def test_a_wrong_message_type_or_version(lms):
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    other = resigned(lms, fields["id_token"], **{"https://purl.imsglobal.org/spec/lti/claim/version": "1.1"})
    refused(lms, post(lms, browser, {**fields, "id_token": other}), 400, "LTI version 1.1")
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    other = resigned(lms, fields["id_token"],
                     **{"https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiSubmissionReviewRequest"})
    refused(lms, post(lms, browser, {**fields, "id_token": other}), 400, "LtiSubmissionReviewRequest")


@pytest.mark.parametrize("skew, accepted", [
    (-30, True),  # the server's clock 30 s behind the platform's: iat is 30 s "in the future", inside the leeway
    (-90, False),  # 90 s behind: outside
    (330, True),  # 330 s ahead: the 300 s token expired 30 s ago, inside the leeway
    (390, False),  # 390 s ahead: expired 90 s ago
])
def test_clock_skew_inside_and_outside_the_leeway(lms, skew, accepted):
    lms.clock.skew = dt.timedelta(seconds=skew)
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "link-1")
    answer = post(lms, browser, fields)
    if accepted:
        assert answer.status_code == 303
    else:
        refused(lms, answer, 401, "in this server&#39;s future" if skew < 0 else "the id_token expired at",
                "keeps its clock by NTP")


def test_a_login_from_an_unregistered_platform_or_for_another_tool(lms):
    browser = lms.browser()
    answer = browser.get(f"{lms.tool_url}/lti/login", params={
        "iss": "https://evil.example", "login_hint": "x", "target_link_uri": f"{lms.tool_url}/lti/launch"})
    refused(lms, answer, 400, "https://evil.example", "is not registered with this course", "grade lti setup")
    answer = browser.post(f"{lms.tool_url}/lti/login", data={
        "iss": lms.platform.url, "login_hint": "x", "target_link_uri": "https://elsewhere.example/launch",
        "client_id": "10000000000042"})
    refused(lms, answer, 400, "not for this service", f"{lms.tool_url}/lti/launch")


def test_the_login_answers_302_for_get_and_post_and_ignores_unknown_parameters(lms):
    browser = lms.browser()
    params = {"iss": lms.platform.url, "login_hint": "sub-ada-9f3", "target_link_uri": f"{lms.tool_url}/lti/launch",
              "client_id": "10000000000042", "lti_message_hint": "h", "lti_storage_target": "_parent"}
    for answer in (browser.get(f"{lms.tool_url}/lti/login", params=params),
                   browser.post(f"{lms.tool_url}/lti/login", data=params)):
        assert answer.status_code == 302
        assert answer.headers["location"].startswith(f"{lms.platform.url}/auth?")
        assert "lti_storage_target" not in answer.headers["location"]


def test_a_link_for_an_assignment_the_course_does_not_have(lms):
    from lti_support import Link

    lms.platform.links["old"] = Link("old", "Last year's", {"assignment": "hw-gone"})
    browser = lms.browser()
    _, fields = platform_launch(browser, lms.platform, "ada", "old")
    refused(lms, post(lms, browser, fields), 404, "hw-gone", f"assignment={ASSIGNMENT}")


def test_other_pages_stay_unframeable(lms):
    browser = lms.browser()
    for path in ("/", "/staff/", "/healthz", f"/assignments/{ASSIGNMENT}"):
        answer = browser.get(f"{lms.tool_url}{path}")
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path
        assert answer.headers["x-frame-options"] == "DENY", path
    jwks = browser.get(f"{lms.tool_url}/lti/jwks.json")
    assert jwks.status_code == 200 and len(jwks.json()["keys"]) == 1
