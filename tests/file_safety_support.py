"""Helpers for the file-safety tests: run `grade` in a subprocess (with a timeout), as an unprivileged user.

A subprocess with a timeout turns a regression that blocks (a FIFO opened for reading) into a
failed test instead of a hung suite. Permission cases need a user the file modes apply to: root
reads everything. `unprivileged_prefix()` finds a way to run without that power here:
- not root: nothing to do;
- `setpriv --reuid=nobody --regid=nogroup --clear-groups` (or `su nobody`), when that user can
  run this Python at all (it cannot when the interpreter lives under a private /root);
- else `setpriv --bounding-set=-dac_override,-dac_read_search`: still uid 0, so the interpreter
  stays reachable, but without the capabilities that bypass file permissions, so a mode of 000
  denies it exactly as it denies an ordinary user;
- else the test is skipped, with the reason.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUBRIC_PATH = REPO / "rubrics" / "hw-lstm-vae-gan.yaml"
SUBMISSIONS = REPO / "submissions"
TIMEOUT = 120  # seconds; a blocked open() would otherwise hang the suite


def grade_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader", *args]


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}


def run_grade(*args: str, cwd: Path, prefix: list[str] | None = None,
              timeout: float = TIMEOUT) -> subprocess.CompletedProcess[bytes]:
    """`grade ARGS` in a subprocess; stdout and stderr as bytes (to check they are valid UTF-8)."""
    command = grade_command(*args)
    if prefix and prefix[0] == "su":
        command = [*prefix, shlex.join(command)]
    elif prefix:
        command = [*prefix, *command]
    return subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, timeout=timeout, check=False)


def _works(prefix: list[str]) -> bool:
    probe = [sys.executable, "-c", "import grader.cli, yaml"]
    command = [*prefix, shlex.join(probe)] if prefix[0] == "su" else [*prefix, *probe]
    try:
        return subprocess.run(command, cwd="/", env=environment(), capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=1)
def unprivileged_prefix() -> tuple[list[str] | None, str]:
    """(command prefix, how) to run without the power to read unreadable files; (None, why not) to skip."""
    if os.name != "posix":
        return None, "file modes are POSIX"
    if os.geteuid() != 0:
        return [], "an ordinary user already"
    tried = []
    if shutil.which("setpriv"):
        candidates = [["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]]
    else:
        candidates = []
    if shutil.which("su"):
        candidates.append(["su", "nobody", "-s", "/bin/sh", "-c"])
    for prefix in candidates:
        if _works(prefix):
            return prefix, f"as nobody ({prefix[0]})"
        tried.append(" ".join(prefix))
    if shutil.which("setpriv"):
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
        if _works(prefix):
            return prefix, "as root without the capabilities that bypass file permissions"
        tried.append(" ".join(prefix))
    return None, ("running as root, and no way to drop the power to read any file works here "
                  f"(tried: {'; '.join(tried) or 'no setpriv or su'})")


def needs_world_access() -> bool:
    """True when the unprivileged runner is another user, who needs a folder outside root's tmp_path."""
    prefix, _ = unprivileged_prefix()
    return bool(prefix) and ("--reuid=nobody" in prefix or prefix[0] == "su")
