"""The tool's RSA key pairs: PEM files under COURSE/lti/, 0600, and their public halves as a JWKS.

`grade lti keys COURSE` makes a key pair; run again, it makes a new one (rotation): the newest key
signs, and every key in the folder is published at /lti/jwks.json, so a platform that cached the
old key set still verifies messages signed before the rotation. An old key is removed with
`grade lti keys COURSE --remove KID` (never the signing key), or by deleting its file; its public half
then leaves the key set at the next start of `grade serve`. Each `kid` is the key's RFC 7638
thumbprint, so a key's id follows from the key itself.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

from grader.errors import UsageError
from grader.serve.permissions import check_private, create_private

KEY_FOLDER = "lti"
KEY_PATTERN = "tool-key-*.pem"  # tool-key-20261201T120000Z.pem: the names sort by age
ALGORITHM = "RS256"  # LTI 1.3 (IMS Security Framework) signs with RS256
KEY_BITS = 2048
KEY_HOLDS = "the tool's private key signs messages the LMS trusts (deep links, service-token requests)"


@dataclass(frozen=True)
class ToolKey:
    kid: str
    path: Path
    key: RSAKey

    def public_jwk(self) -> dict[str, Any]:
        return {**self.key.as_dict(private=False), "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


def key_folder(course_folder: Path) -> Path:
    return course_folder / KEY_FOLDER


def load_keys(course_folder: Path) -> list[ToolKey]:
    """Every key pair in COURSE/lti/, oldest first; a file others can read is refused, with the chmod."""
    keys = []
    for path in sorted(key_folder(course_folder).glob(KEY_PATTERN)):
        check_private(path, KEY_HOLDS)
        try:
            key = RSAKey.import_key(path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - any unreadable key is one message naming the file
            raise UsageError(f"this is not an RSA private key in PEM ({type(exc).__name__})", path=str(path),
                             hint="remove the file, then make a key with `grade lti keys COURSE`") from None
        if not key.is_private:
            raise UsageError("this key file holds no private key", path=str(path),
                             hint="remove the file, then make a key with `grade lti keys COURSE`")
        keys.append(ToolKey(key.thumbprint(), path, key))
    return keys


def signing_key(keys: list[ToolKey]) -> ToolKey:
    """The newest key: the one that signs."""
    if not keys:
        raise UsageError("the course has `lti:` in course.yaml but no tool key",
                         hint="make one with `grade lti keys COURSE`, then start the server again")
    return keys[-1]


def jwks(keys: list[ToolKey]) -> dict[str, Any]:
    """The public key set (/lti/jwks.json), newest key first."""
    return {"keys": [key.public_jwk() for key in reversed(keys)]}


def make_key(course_folder: Path, now: dt.datetime) -> ToolKey:
    """A new key pair in COURSE/lti/ (0600 whatever the umask); it becomes the signing key."""
    folder = key_folder(course_folder)
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path, number = folder / f"tool-key-{stamp}.pem", 1
    while path.exists():
        number += 1
        path = folder / f"tool-key-{stamp}-{number}.pem"
    key = RSAKey.generate_key(KEY_BITS, private=True)
    create_private(path)  # 0600 before a byte of the key is written
    with open(path, "wb") as handle:
        handle.write(key.as_pem(private=True))
        handle.flush()
        os.fsync(handle.fileno())
    return ToolKey(key.thumbprint(), path, key)


def remove_key(course_folder: Path, kid: str) -> Path:
    """Delete the key file of `kid` (a key this command made; never the signing key). Its path."""
    keys = load_keys(course_folder)
    found = [key for key in keys if key.kid == kid]
    if not found:
        raise UsageError(f"the course has no tool key `{kid}`",
                         hint=f"the keys are: {', '.join(key.kid for key in keys) or 'none'}")
    if found[0] is signing_key(keys):
        raise UsageError(f"`{kid}` is the signing key (the newest)",
                         hint="make a new key first (`grade lti keys COURSE`), then remove this one once every "
                              "platform has fetched the new key set (a day is plenty)")
    found[0].path.unlink()
    return found[0].path


def sign(key: ToolKey, claims: dict[str, Any]) -> str:
    """A JWT of `claims`, RS256-signed by `key`, its `kid` in the header (so the platform finds it in our JWKS)."""
    return jwt.encode({"alg": ALGORITHM, "kid": key.kid}, claims, key.key, algorithms=[ALGORITHM])
