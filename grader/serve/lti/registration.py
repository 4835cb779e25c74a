"""What an LMS admin needs to register the tool: Canvas's developer-key JSON, and the steps for each LMS.

`GET /lti/config.json` serves `canvas_config` (Canvas: Developer Keys, + LTI Key, "Enter URL");
`grade lti setup COURSE --platform canvas|moodle` prints `setup_steps`, with this course's URLs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from grader.serve.lti import claims
from grader.serve.lti.config import LtiConfig

TOOL_ID = "homework-grader"
CANVAS_CLOUD = {"issuer": "https://canvas.instructure.com",
                "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
                "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
                "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks"}


def urls(config: LtiConfig) -> dict[str, str]:
    return {"login": config.endpoint("/lti/login"), "launch": config.endpoint("/lti/launch"),
            "jwks": config.endpoint("/lti/jwks.json"), "config": config.endpoint("/lti/config.json")}


def canvas_config(config: LtiConfig, title: str) -> dict[str, Any]:
    """Canvas's LTI 1.3 tool configuration: login and launch URLs, the key set, scopes and placements."""
    at = urls(config)
    text = f"{title}: homework checks"
    deep_link = {"message_type": claims.DEEP_LINKING_REQUEST, "target_link_uri": at["launch"], "text": text}
    return {
        "title": text,
        "description": "Students check their homework on the course's server; scores go to the gradebook.",
        "oidc_initiation_url": at["login"], "target_link_uri": at["launch"], "public_jwk_url": at["jwks"],
        "scopes": list(claims.TOOL_SCOPES),
        "extensions": [{
            "domain": urlsplit(config.url).hostname, "tool_id": TOOL_ID, "platform": "canvas.instructure.com",
            "privacy_level": "public",  # name, email and SIS id: the roster is matched by them
            "settings": {"text": text, "placements": [
                {"placement": "assignment_selection", **deep_link},
                {"placement": "link_selection", **deep_link},
                {"placement": "course_navigation", "message_type": claims.RESOURCE_LINK_REQUEST,
                 "target_link_uri": at["launch"], "text": text, "default": "disabled", "visibility": "members"},
            ]},
        }],
    }


def setup_steps(config: LtiConfig, kind: str) -> str:
    """The registration, step by step, with the exact URLs to paste."""
    at = urls(config)
    if kind == "canvas":
        return CANVAS_STEPS.format(**at, **CANVAS_CLOUD, url=config.url)
    return MOODLE_STEPS.format(**at, url=config.url)


CANVAS_STEPS = """\
Registering the course service in Canvas (an account admin does steps 1-3):

1. Admin > (your account) > Developer Keys > + Developer Key > + LTI Key.
   Key Name:        homework grader
   Redirect URIs:   {launch}
   Method:          Enter URL, and paste {config}
   (or Paste JSON: the same document, as `curl {config}` prints it)
   Save, then switch the new key ON. The number under "Details" is its Client ID.
2. Admin > Settings > Apps > View App Configurations > + App. Configuration Type: By Client ID;
   paste the Client ID; Submit; Install.
3. On the installed app: the gear > Deployment Id. Copy it.
4. In course.yaml (then restart grade serve):

   lti:
     url: {url}
     platforms:
       - kind: canvas
         issuer: {issuer}
         client_id: "CLIENT_ID"                  # step 1
         auth_login_url: {auth_login_url}
         auth_token_url: {auth_token_url}
         key_set_url: {key_set_url}
         deployment_ids: ["DEPLOYMENT_ID"]       # step 3
         frame_origins: [https://YOUR-SCHOOL.instructure.com]   # the address your Canvas is at

   (Canvas test or beta: issuer https://canvas.test.instructure.com or https://canvas.beta.instructure.com,
   and sso.test.canvaslms.com or sso.beta.canvaslms.com in the three URLs.)
5. In a course: Assignments > + Assignment > Submission Type: External Tool > Find > the tool; pick the
   assignment; Select; Save and Publish. Its points come from the assignment; every counted attempt's
   score appears in the gradebook.
6. Optional: `grade lti roster COURSE --assignment ID` (after a first launch) adds the course's students
   and TAs from Canvas, so they need no tokens.

Check: curl {jwks} lists the tool's key; the tool's pages answer at {login}.
"""

MOODLE_STEPS = """\
Registering the course service in Moodle 4 (a site admin does steps 1-3):

1. Site administration > Plugins > Activity modules > External tool > Manage tools >
   configure a tool manually:
   Tool name:                  homework grader
   Tool URL:                   {launch}
   LTI version:                LTI 1.3
   Public key type:            Keyset URL
   Public keyset:              {jwks}
   Initiate login URL:         {login}
   Redirection URI(s):         {launch}
   Tool configuration usage:   Show in activity chooser and as a preconfigured tool
   Default launch container:   Embed, without blocks (or New window)
   Supports Deep Linking (Content-Item Message): yes
   Content Selection URL:      {launch}
   Services: IMS LTI Assignment and Grade Services: "Use this service for grade sync and column management";
             IMS LTI Names and Role Provisioning: "Use this service to retrieve members' information as per
             privacy settings".
   Privacy:  Share launcher's name with tool: Always; Share launcher's email with tool: Always;
             Accept grades from the tool: Always.
   Save changes.
2. On the tool's card: View configuration details. It shows the Platform ID, Client ID, Deployment ID,
   Public keyset URL, Access token URL and Authentication request URL.
3. In course.yaml (then restart grade serve), with your Moodle's address for MOODLE:

   lti:
     url: {url}
     platforms:
       - kind: moodle
         issuer: https://MOODLE                                  # Platform ID
         client_id: "CLIENT_ID"
         auth_login_url: https://MOODLE/mod/lti/auth.php         # Authentication request URL
         auth_token_url: https://MOODLE/mod/lti/token.php        # Access token URL
         key_set_url: https://MOODLE/mod/lti/certs.php           # Public keyset URL
         deployment_ids: ["DEPLOYMENT_ID"]

4. In a course: Add an activity or resource > External tool (or the tool's own tile) > Select content >
   pick the assignment > Save and return to course. Its grade item takes the assignment's points; every
   counted attempt's score appears in the gradebook.
5. Optional: `grade lti roster COURSE --assignment ID` (after a first launch) adds the course's students
   and teachers from Moodle, so they need no tokens.

Check: curl {jwks} lists the tool's key; the tool's pages answer at {login}.
"""
