"""Registering the tool: course.yaml's `lti:` checked strictly, the key pair made 0600 whatever the umask and
rotated with the old public key kept until removed, `grade serve` refusing a key others can read, the JWKS,
Canvas's JSON, the setup steps with the exact URLs, the roles an LMS sends, and the 3 -> 4 upgrade."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("joserfc", reason="the course service needs the `serve` extra")

sys.path.insert(0, str(Path(__file__).parent))

from schema_support import downgrade_to_version_3  # noqa: E402
from serve_support import ASSIGNMENT  # noqa: E402

from grader.cli import main  # noqa: E402
from grader.errors import UsageError  # noqa: E402

PLATFORM = {"issuer": "https://canvas.instructure.com", "client_id": "10000000000001",
            "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
            "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
            "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks", "deployment_ids": ["1:abc"],
            "frame_origins": ["https://school.instructure.com/"]}


def with_lti(course: Path, **lti) -> Path:
    data = yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))
    data["lti"] = {"url": "https://grader.example.edu", "platforms": [PLATFORM], **lti}
    (course / "course.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return course


@pytest.mark.parametrize("change, message", [
    ({"url": "http://grader.example.edu"}, "must be an https:// address"),
    ({"platforms": [{**PLATFORM, "key_set_url": "http://10.0.0.5/jwks"}]}, "must be an https:// address"),
    ({"platforms": [{**PLATFORM, "deployment_ids": []}]}, "deployment_ids"),
    ({"platforms": [{**PLATFORM, "client": "x"}]}, "client"),
    ({"platforms": [PLATFORM, PLATFORM]}, "listed twice"),
])
def test_mistakes_in_the_lti_section_stop_the_course_with_the_key(course_dir, change, message):
    from grader.serve.course import load_course

    with_lti(course_dir, **change)
    with pytest.raises(UsageError, match=message) as raised:
        load_course(course_dir)
    assert "course.yaml" in str(raised.value)


def test_loopback_http_is_allowed_for_local_trials(course_dir):
    from grader.serve.course import load_course

    with_lti(course_dir, url="http://127.0.0.1:8000", platforms=[{**PLATFORM, "issuer": "http://localhost:9000"}])
    config = load_course(course_dir).config.lti
    assert config.url == "http://127.0.0.1:8000"
    assert config.platforms[0].framing_origins == ["http://localhost:9000", "https://sso.canvaslms.com",
                                                   "https://school.instructure.com"]


def test_keys_are_private_whatever_the_umask_and_rotation_keeps_the_old_public_key(course_dir, capsys):
    from grader.serve.lti.keys import load_keys

    old = os.umask(0)
    try:
        assert main(["lti", "keys", str(course_dir)]) == 0
        assert main(["lti", "keys", str(course_dir)]) == 0
    finally:
        os.umask(old)
    files = sorted((course_dir / "lti").glob("tool-key-*.pem"))
    assert len(files) == 2 and all(stat.S_IMODE(os.stat(path).st_mode) == 0o600 for path in files)
    out = capsys.readouterr().out
    assert "1 older key stays published at /lti/jwks.json until removed" in out
    keys = load_keys(course_dir)
    first, newest = keys
    assert main(["lti", "keys", str(course_dir), "--remove", newest.kid]) == 2
    assert "is the signing key (the newest)" in capsys.readouterr().err
    assert main(["lti", "keys", str(course_dir), "--remove", first.kid]) == 0
    assert [key.kid for key in load_keys(course_dir)] == [newest.kid]


def test_the_jwks_publishes_every_key_newest_first_and_never_a_private_part(course_dir, make_app):
    from fastapi.testclient import TestClient

    from grader.serve.lti.keys import load_keys

    with_lti(course_dir)
    for _ in range(2):
        assert main(["lti", "keys", str(course_dir)]) == 0
    kids = [key.kid for key in reversed(load_keys(course_dir))]
    with TestClient(make_app(course_dir, lti_outbox_worker=False)) as client:
        keys = client.get("/lti/jwks.json").json()["keys"]
        config = client.get("/lti/config.json").json()
    assert [key["kid"] for key in keys] == kids
    assert all(set(key) == {"kty", "n", "e", "kid", "alg", "use"} and key["alg"] == "RS256" for key in keys)
    assert config["oidc_initiation_url"] == "https://grader.example.edu/lti/login"
    assert config["target_link_uri"] == "https://grader.example.edu/lti/launch"
    assert config["public_jwk_url"] == "https://grader.example.edu/lti/jwks.json"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in config["scopes"]
    placements = {p["placement"]: p["message_type"] for p in config["extensions"][0]["settings"]["placements"]}
    assert placements["assignment_selection"] == "LtiDeepLinkingRequest"


def test_serve_refuses_a_key_others_can_read_and_a_course_without_a_key(course_dir, busy_port):
    with_lti(course_dir)
    with pytest.raises(UsageError, match="no tool key") as raised:
        main(["serve", str(course_dir), "--port", str(busy_port), "--debug"])
    assert "grade lti keys COURSE" in str(raised.value)
    assert main(["lti", "keys", str(course_dir)]) == 0
    [key] = (course_dir / "lti").glob("tool-key-*.pem")
    key.chmod(0o644)
    with pytest.raises(UsageError, match="others can read this file: the tool's private key") as raised:
        main(["serve", str(course_dir), "--port", str(busy_port), "--debug"])
    assert f"chmod 600 {key}" in str(raised.value)


@pytest.mark.parametrize("platform", ["canvas", "moodle"])
def test_setup_prints_the_steps_with_the_exact_urls(course_dir, capsys, platform):
    with_lti(course_dir)
    assert main(["lti", "setup", str(course_dir), "--platform", platform]) == 0
    out = capsys.readouterr().out
    for url in ("https://grader.example.edu/lti/launch", "https://grader.example.edu/lti/jwks.json"):
        assert url in out
    assert ("https://grader.example.edu/lti/config.json" in out) == (platform == "canvas")
    assert ("https://grader.example.edu/lti/login" in out)
    assert ("Developer Keys" in out) == (platform == "canvas") and ("mod/lti/certs.php" in out) == (platform == "moodle")


@pytest.mark.parametrize("roles, role", [
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], None),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"], "instructor"),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
      "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"], "ta"),
    (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
      "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], None),  # an instructor elsewhere, a student here
    (["Instructor"], "instructor"),
    ("Instructor", None),
])
def test_roles(roles, role):
    from grader.serve.lti.claims import staff_role

    assert staff_role(roles) == role


def test_a_version_3_database_gains_the_lti_tables_and_keeps_every_row(tmp_path):
    from grader.serve.storage import SCHEMA_VERSION, open_storage
    from grader.serve.storage_lti import LtiUser

    now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)
    storage = open_storage(None, tmp_path)
    storage.save_tokens([("s1", "Ada", "ada@example.edu", "0" * 64)], now)
    storage.record_received("s1", ASSIGNMENT, b"assignment: x\n", now, limit=None)
    storage.start_session("e" * 64, "s1", now)
    storage.close()
    with sqlite3.connect(tmp_path / "grade.db") as connection:
        downgrade_to_version_3(connection.execute, "sqlite")
        before = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("students", "files", "sessions")}
    upgraded = open_storage(None, tmp_path)
    try:
        assert upgraded.schema_version() == SCHEMA_VERSION == 4
        person = upgraded.lti_person(LtiUser("https://lms", "sub-1", "Ada", "ADA@example.edu"), None, now)
        assert person.id == "s1"  # matched by email
    finally:
        upgraded.close()
    with sqlite3.connect(tmp_path / "grade.db") as connection:
        after = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in before}
    assert after == before
