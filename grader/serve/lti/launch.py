"""OIDC third-party initiated login (/lti/login) and the launch's id_token validation (/lti/launch).

The login stores a fresh state (its hash) and nonce server-side and sends the browser to the
platform's authorization endpoint; nothing depends on a cookie, since a browser in the LMS's
iframe may refuse ours. The launch's state must be one this service gave out and not used yet; the
id_token must be RS256-signed by a key of the platform's key set (refetched once for an unknown
`kid`), with `iss` the login's platform, `aud` (and `azp`) its client_id, `exp`/`iat` within
LEEWAY of this server's clock, the login's nonce, a registered deployment id, a known message
type and version 1.3.0. Each failure is an LtiError: what is wrong and what the admin should check.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError, MissingClaimError
from joserfc.jws import extract_compact

from grader.serve.lti import claims as names
from grader.serve.lti.claims import Launch
from grader.serve.lti.config import LtiConfig, PlatformConfig
from grader.serve.lti.errors import LtiError
from grader.serve.lti.platform_keys import PlatformKeys
from grader.serve.storage import Storage

LOGIN_LIFETIME = dt.timedelta(minutes=10)  # from /lti/login to the launch: a person signing in to the LMS included
LEEWAY = 60  # seconds of clock difference tolerated on `exp` and `iat`
MAX_ID_TOKEN = 128 * 1024  # characters: a launch with a large custom claim is a few KiB
MAX_ID = 255  # characters of sub, context and resource link ids (LTI 1.3)
LAUNCH_PATH = "/lti/launch"


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8", "surrogatepass")).hexdigest()


def begin_login(config: LtiConfig, storage: Storage, params: Mapping[str, str], now: dt.datetime) -> str:
    """The platform's authorization URL to redirect to, with a fresh state and nonce (stored server-side)."""
    issuer, client_id = params.get("iss", ""), params.get("client_id") or None
    if not issuer or not params.get("login_hint") or not params.get("target_link_uri"):
        missing = [name for name in ("iss", "login_hint", "target_link_uri") if not params.get(name)]
        raise LtiError(400, f"the login request lacks {', '.join(missing)}",
                       f"the LMS must start a launch at {config.endpoint('/lti/login')} with the OIDC parameters; "
                       "check the tool's OpenID Connect login URL in the LMS")
    platform = config.platform(issuer, client_id)
    if platform is None:
        raise LtiError(400, f"the platform {issuer[:200]}{f' (client_id {client_id[:80]})' if client_id else ''} "
                            "is not registered with this course",
                       "add it under `lti: platforms:` in course.yaml with this issuer and client_id (`grade lti "
                       "setup COURSE` shows the steps), then restart the server")
    if not params["target_link_uri"].startswith(config.url + "/"):
        raise LtiError(400, f"the launch is for {params['target_link_uri'][:200]}, not for this service",
                       f"the tool's target link URI in the LMS must be {config.endpoint(LAUNCH_PATH)} (course.yaml "
                       "`lti: url` must be the address the LMS uses)")
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in platform.deployment_ids:
        raise unknown_deployment(platform, deployment)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    storage.lti_begin_login(state_hash(state), nonce, platform.issuer, platform.client_id, now)
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
             "client_id": platform.client_id, "redirect_uri": config.endpoint(LAUNCH_PATH),
             "login_hint": params["login_hint"], "state": state, "nonce": nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    return f"{platform.auth_login_url}{separator}{urlencode(query)}"


def unknown_deployment(platform: PlatformConfig, deployment: str) -> LtiError:
    return LtiError(403, f"the deployment `{deployment[:120]}` of {platform.issuer} is not registered with this course",
                    f"add \"{deployment[:120]}\" to `deployment_ids` of {platform.issuer} in course.yaml (the LMS shows "
                    "the deployment id where the tool is installed), then restart the server")


def validate_launch(config: LtiConfig, storage: Storage, platform_keys: PlatformKeys, id_token: str | None,
                    state: str | None, now: dt.datetime) -> Launch:
    """The launch, once every check of the module docstring has passed; an LtiError for the first that fails."""
    redirect_check = (f"the LMS must post the id_token and the state back to {config.endpoint(LAUNCH_PATH)}: check "
                      "the tool's redirect URI in the LMS")
    if not state:
        raise LtiError(400, "the launch came without its `state`", redirect_check)
    if not id_token:
        raise LtiError(400, "the launch came without an `id_token`", redirect_check)
    if len(id_token) > MAX_ID_TOKEN or len(state) > 200:
        raise LtiError(400, "the launch's id_token or state is too large", redirect_check)
    login = storage.lti_use_login(state_hash(state), now)
    if login is None:
        raise LtiError(401, "this launch's state was not given out by this service",
                       f"a launch must start at {config.endpoint('/lti/login')} (the tool's OpenID Connect login URL "
                       "in the LMS); a launch posted from anywhere else is refused")
    if login.used_before:
        raise LtiError(401, "this launch was used already: its state and nonce work once",
                       "start again from the LMS; if every launch says this, check that nothing between the LMS and "
                       "the service (a proxy, a browser extension) posts the launch twice")
    if now - login.created_at > LOGIN_LIFETIME:
        raise LtiError(401, f"the sign-in took longer than {LOGIN_LIFETIME.seconds // 60} minutes",
                       "start again from the LMS")
    platform = config.platform(login.issuer, login.client_id)
    if platform is None:
        raise LtiError(401, f"the platform {login.issuer} is no longer registered with this course",
                       "check `lti: platforms:` in course.yaml")
    return Launch(platform, _verified_claims(platform, platform_keys, id_token, login.nonce, now))


def _header(id_token: str) -> dict[str, object]:
    try:
        return dict(extract_compact(id_token.encode("ascii")).headers())
    except (JoseError, ValueError, UnicodeError):
        raise LtiError(401, "the id_token is not a signed JWT",
                       "the LMS must post the id_token it signed; check that nothing rewrites the launch form") from None


def _verified_claims(platform: PlatformConfig, platform_keys: PlatformKeys, id_token: str, nonce: str,
                     now: dt.datetime) -> dict[str, object]:
    header = _header(id_token)
    key_check = (f"check `key_set_url` for {platform.issuer} in course.yaml ({platform.key_set_url}): it must be the "
                 "key set of the platform that launches")
    if header.get("alg") != "RS256":
        raise LtiError(401, f"the id_token is signed with `{str(header.get('alg'))[:20]}`, not RS256",
                       "LTI 1.3 launches are signed with RS256; check the platform's LTI 1.3 settings")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise LtiError(401, "the id_token's header names no key (`kid`)", key_check)
    key = platform_keys.key(platform, kid)
    if key is None:
        raise LtiError(401, f"the id_token is signed with a key (kid `{kid[:80]}`) that is not in the platform's "
                            "key set, even fetched again", key_check)
    try:
        token = jwt.decode(id_token, key, algorithms=["RS256"])
    except BadSignatureError:
        raise LtiError(401, f"the id_token's signature does not verify with the platform's key `{kid[:80]}`",
                       key_check + "; a launch altered on its way is refused too") from None
    except JoseError as exc:
        raise LtiError(401, f"the id_token cannot be read ({type(exc).__name__})", key_check) from None
    token_claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()), leeway=LEEWAY, exp={"essential": True}, iat={"essential": True},
        iss={"essential": True, "value": platform.issuer}, aud={"essential": True, "value": platform.client_id},
        nonce={"essential": True, "value": nonce})
    try:
        registry.validate(token_claims)
    except ExpiredTokenError:
        raise LtiError(401, f"the id_token expired at {_when(token_claims.get('exp'))}; this server's clock says "
                            f"{_when(now.timestamp())}", _clock_check(platform)) from None
    except MissingClaimError as exc:
        raise LtiError(401, f"the id_token lacks the claim `{exc.claim}`",
                       "the platform must send an LTI 1.3 launch; check its LTI version setting") from None
    except ClaimError as exc:
        raise _claim_error(platform, exc.claim, token_claims, now) from None
    _check_lti_claims(platform, token_claims)
    return token_claims


def _claim_error(platform: PlatformConfig, claim: str, token_claims: dict[str, object], now: dt.datetime) -> LtiError:
    if claim == "iat":
        return LtiError(401, f"the id_token was issued at {_when(token_claims.get('iat'))}, in this server's future "
                             f"(now {_when(now.timestamp())})", _clock_check(platform))
    if claim == "aud":
        return LtiError(401, f"the id_token is for client {str(token_claims.get('aud'))[:120]}, not for this tool's "
                             f"client_id {platform.client_id}",
                        f"`client_id` of {platform.issuer} in course.yaml must be the one the LMS shows for this tool")
    if claim == "iss":
        return LtiError(401, f"the id_token was issued by {str(token_claims.get('iss'))[:120]}, but the login was for "
                             f"{platform.issuer}", "check `issuer` in course.yaml against the platform's issuer")
    if claim == "nonce":
        return LtiError(401, "the id_token's nonce is not the one this login sent (a launch replayed into another "
                             "login?)", "start again from the LMS")
    return LtiError(401, f"the id_token's claim `{claim}` is not valid", "check the platform's LTI 1.3 settings")


def _check_lti_claims(platform: PlatformConfig, token_claims: dict[str, object]) -> None:
    audience = token_claims.get("aud")
    azp = token_claims.get("azp")
    if (isinstance(audience, list) and len(audience) > 1 and azp is None) or (
            azp is not None and azp != platform.client_id):
        raise LtiError(401, f"the id_token's authorized party (azp) is {str(azp)[:120]}, not this tool's client_id "
                            f"{platform.client_id}",
                       f"`client_id` of {platform.issuer} in course.yaml must be the one the LMS shows for this tool")
    deployment = token_claims.get(names.DEPLOYMENT_ID)
    if not isinstance(deployment, str) or deployment not in platform.deployment_ids:
        raise unknown_deployment(platform, str(deployment))
    if token_claims.get(names.VERSION) != names.LTI_VERSION:
        raise LtiError(400, f"the launch is LTI version {str(token_claims.get(names.VERSION))[:20]}, not "
                            f"{names.LTI_VERSION}", "register the tool as an LTI 1.3 tool in the LMS")
    message_type = token_claims.get(names.MESSAGE_TYPE)
    if message_type not in names.MESSAGE_TYPES:
        raise LtiError(400, f"the launch is a `{str(message_type)[:60]}` message, which this tool does not take",
                       "place the tool as an assignment (a resource link) or through deep linking")
    subject = token_claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > MAX_ID:
        raise LtiError(400, "the launch names no user (an anonymous launch)",
                       "set the tool's privacy level in the LMS to share at least the user's id (and name and email)")
    resource_link = token_claims.get(names.RESOURCE_LINK)
    link_id = resource_link.get("id") if isinstance(resource_link, dict) else None
    if message_type == names.RESOURCE_LINK_REQUEST and (not isinstance(link_id, str) or not link_id
                                                        or len(link_id) > MAX_ID):
        raise LtiError(400, "the launch names no resource link", "launch the tool from an assignment or a link")
    context = token_claims.get(names.CONTEXT)
    context_id = context.get("id") if isinstance(context, dict) else None
    if context_id is not None and (not isinstance(context_id, str) or len(context_id) > MAX_ID):
        raise LtiError(400, "the launch's course (context) id is not valid", "check the platform's LTI 1.3 settings")


def _clock_check(platform: PlatformConfig) -> str:
    return (f"the clocks of {platform.issuer} and of this server differ by more than {LEEWAY} seconds: check that this "
            "server keeps its clock by NTP (timedatectl)")


def _when(value: object) -> str:
    try:
        return dt.datetime.fromtimestamp(float(value), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return str(value)[:40]


def random_ticket() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")
