"""The client students install, offered by the course's own server: the wheel of the version it runs.

`pip install https://COURSE/client/homework_grader-VERSION-py3-none-any.whl` is the one command a
student needs: the package is not on PyPI, and the server is the one place certain to have the
version its API speaks. The wheel is, in order: the file `grade serve --client-wheel FILE` names
(it must be this version); built from the source checkout the server runs from (pip and hatchling,
offline, as the tests build it); or put together again from the installed files of this version
(its RECORD lists them). A wheel is the whole package, so the student's install is the same
`grade`; its server dependencies are only in the `serve` extra, which a student never asks for.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import grader
from grader import __version__
from grader.errors import UsageError

log = logging.getLogger("grader.serve")
DISTRIBUTION = "homework-grader"
WHEEL_NAME = f"homework_grader-{__version__}-py3-none-any.whl"
DIST_INFO = f"homework_grader-{__version__}.dist-info"
BUILD_TIMEOUT = 300  # seconds: pip and hatchling build the wheel in a few


def check_given_wheel(path: Path) -> Path:
    """`--client-wheel FILE`: a wheel of this very version, or a message at start."""
    if not path.is_file():
        raise UsageError("there is no such file", path=str(path), hint="give the wheel `pip wheel . --no-deps` made")
    if path.name != WHEEL_NAME:
        raise UsageError(f"this is not the wheel of the version this server runs ({__version__})", path=str(path),
                         hint=f"build it from the same checkout: pip wheel . --no-deps -w dist (it makes {WHEEL_NAME})")
    if not zipfile.is_zipfile(path):
        raise UsageError("this file is not a wheel (not a zip archive)", path=str(path))
    return path


def source_checkout() -> Path | None:
    """The project folder when the running grader is a source checkout (an editable install), else None."""
    root = Path(grader.__file__).resolve().parent.parent
    project = root / "pyproject.toml"
    try:
        return root if project.is_file() and f'name = "{DISTRIBUTION}"' in project.read_text("utf-8") else None
    except (OSError, UnicodeDecodeError):
        return None


def build_client_wheel(folder: Path, started: Callable[[subprocess.Popen[str]], None] | None = None) -> Path:
    """The wheel of the running version, written into `folder` (see the module docstring for how); `started` is
    handed the build's process (so a server that stops can stop it)."""
    root = source_checkout()
    if root is not None:
        scratch = folder / "pip-temporary"  # pip's own temporary folders, inside ours: none outlives a stopped build
        scratch.mkdir()
        environment = {**os.environ, "TMPDIR": str(scratch), "TEMP": str(scratch), "TMP": str(scratch)}
        try:
            with subprocess.Popen([sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "--no-index",
                                   "--no-build-isolation", "--quiet", "-w", str(folder)], env=environment,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as build:
                if started is not None:
                    started(build)
                try:
                    _, errors = build.communicate(timeout=BUILD_TIMEOUT)
                except subprocess.TimeoutExpired:
                    build.kill()
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if build.returncode != 0:
            raise UsageError(f"building the client wheel failed: {errors.strip()[-400:]}", path=str(root),
                             hint="install the build backend (pip install hatchling), or pass --client-wheel FILE")
        return folder / WHEEL_NAME
    return repack_installed(folder)


def repack_installed(folder: Path) -> Path:
    """The installed distribution's files (as its RECORD lists them) zipped again into its wheel."""
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise UsageError(f"{DISTRIBUTION} is not installed as a package here, so there is no wheel to offer",
                         hint="pass --client-wheel FILE (pip wheel . --no-deps makes it)") from None
    kept = [path for path in distribution.files or []
            if (path.parts[0] == "grader" and path.suffix != ".pyc" and "__pycache__" not in path.parts)
            or (path.parts[0] == DIST_INFO and path.name in ("METADATA", "WHEEL", "entry_points.txt"))
            or (path.parts[0] == DIST_INFO and "licenses" in path.parts)]
    if not any(path.parts[0] == "grader" for path in kept):
        raise UsageError("the installed package lists none of its files", hint="pass --client-wheel FILE")
    target = folder / WHEEL_NAME
    records = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(kept, key=str):
            data = Path(path.locate()).read_bytes()
            archive.writestr(str(path.as_posix()), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")
            records.append(f"{path.as_posix()},sha256={digest},{len(data)}")
        records.append(f"{DIST_INFO}/RECORD,,")
        archive.writestr(f"{DIST_INFO}/RECORD", "\n".join(records) + "\n")
    return target


class ClientWheel:
    """The wheel's bytes, made once per server process (on first use, or at start by `prepare`)."""

    def __init__(self, given: Path | None = None) -> None:
        self.given = given
        self._data: bytes | None = None
        self._failed: str | None = None
        self._lock = threading.Lock()
        self._build: subprocess.Popen[str] | None = None
        self._closed = False

    def prepare(self) -> None:
        """Build the wheel now (in a thread at start), so the first student does not wait for it."""
        self.data()

    def close(self) -> None:
        """The server stops: stop a build under way, so its scratch folder is removed (by the building thread)."""
        self._closed = True
        build = self._build
        if build is not None and build.poll() is None:
            _interrupt(build)

    def _started(self, build: subprocess.Popen[str]) -> None:
        self._build = build
        if self._closed:
            _interrupt(build)

    def data(self) -> bytes | None:
        """The wheel, or None when it cannot be offered (the reason is logged once)."""
        with self._lock:
            if self._data is None and self._failed is None:
                try:
                    if self.given is not None:
                        self._data = self.given.read_bytes()
                    else:
                        with tempfile.TemporaryDirectory(prefix="grade-client-") as scratch:
                            self._data = build_client_wheel(Path(scratch), self._started).read_bytes()
                except (UsageError, OSError, subprocess.SubprocessError) as exc:
                    self._failed = str(exc)
                    log.warning("the client wheel cannot be offered: %s", self._failed.splitlines()[0])
            return self._data


def _interrupt(build: subprocess.Popen[str]) -> None:
    """Stop pip as Ctrl-C would (it then removes its own temporary folders); where there is no SIGINT, end it."""
    if sys.platform == "win32":
        build.terminate()
    else:
        build.send_signal(signal.SIGINT)
