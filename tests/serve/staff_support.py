"""Helpers for the staff tests: a staff roster, staff tokens issued by `grade tokens --staff`, a class that
has submitted, and sign-in as staff."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml
from pages_support import sign_in
from serve_support import ASSIGNMENT, CORRECT, TYPICAL

STAFF = [("t01", "Tess Assistant", "tess@example.edu", "ta"), ("i01", "Ivy Professor", "ivy@example.edu", "instructor")]
ATTEMPTS = f"/api/v1/assignments/{ASSIGNMENT}/attempts"
STAFF_API = "/api/v1/staff"


def write_staff_roster(path: Path, rows: list[tuple[str, str, str, str]] = STAFF) -> Path:
    path.write_text("staff_id,name,email,role\n" + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def issue_staff_tokens(course: Path, folder: Path, db: str | None = None) -> dict[str, str]:
    """{staff id: token}, issued with `grade tokens --staff`'s own code."""
    from grader.cli import main

    output = folder / f"staff-tokens-{len(list(folder.glob('staff-tokens-*.csv')))}.csv"
    arguments = ["tokens", str(course), "--staff", "--roster", str(write_staff_roster(folder / "staff.csv")),
                 "-o", str(output)] + (["--db", db] if db else [])
    assert main(arguments) == 0
    with open(output, encoding="utf-8", newline="") as stream:
        return {row["staff_id"]: row["token"] for row in csv.DictReader(stream)}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def submit(client: Any, token: str, body: bytes) -> dict[str, Any]:
    response = client.post(ATTEMPTS, content=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


def with_text_answer(body: bytes, student_id: str, question: str, text: str) -> bytes:
    """A submission like `body`, for `student_id`, with `text` as the answer to the free-text `question`
    (`p2.a.why`: the `why` beside `p2.a`)."""
    data = yaml.safe_load(body)
    data["student"] = {"id": student_id}
    part, sub, _ = question.split(".")
    entry = data["answers"][part][sub]
    if not isinstance(entry, dict):
        entry = {"answer": entry}
    entry["why"] = text
    data["answers"][part][sub] = entry
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def staff_client(client: Any, token: str) -> Any:
    """`client` signed in with a staff token (a browser's session); it lands on /staff/."""
    response = sign_in(client, token)
    assert response.status_code == 200 and str(response.url).endswith("/staff/"), response.url
    return client


__all__ = ["ASSIGNMENT", "CORRECT", "TYPICAL", "STAFF_API", "bearer", "issue_staff_tokens", "staff_client",
           "submit", "with_text_answer", "write_staff_roster"]
