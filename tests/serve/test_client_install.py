"""The client comes from the course itself: the service offers the wheel of its own version, the page
and the README show the one command, a fresh venv installs it from a running `grade serve` (offline:
the wheel comes from the service) and submits with it; the README's curl example works as written."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from serve_support import ASSIGNMENT, REPO, SUBMISSIONS, read_tokens, serve_process, write_roster

pytest.importorskip("fastapi", reason="the course service needs the `serve` extra")

from grader import __version__  # noqa: E402

WHEEL_NAME = f"homework_grader-{__version__}-py3-none-any.whl"
SERVER_ONLY = ("fastapi", "uvicorn", "sqlalchemy", "psycopg", "httptools", "python-multipart", "uvloop")


@pytest.fixture(scope="module")
def client_wheel(tmp_path_factory) -> Path:
    """The wheel `grade serve` offers, as the service builds it from this checkout."""
    from grader.serve.client_wheel import build_client_wheel

    return build_client_wheel(tmp_path_factory.mktemp("client"))


def test_the_wheel_is_this_version_and_pulls_no_server_dependency(client_wheel):
    assert client_wheel.name == WHEEL_NAME
    with zipfile.ZipFile(client_wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"homework_grader-{__version__}.dist-info/METADATA").decode()
        entry_points = archive.read(f"homework_grader-{__version__}.dist-info/entry_points.txt").decode()
    assert "grader/client.py" in names and "grader/_rubrics/hw-lstm-vae-gan.yaml" in names
    assert "grade = grader.cli:main" in entry_points
    requirements = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    unconditional = [requirement for requirement in requirements if "extra ==" not in requirement]
    assert unconditional and not [requirement for requirement in unconditional
                                  if requirement.lower().startswith(SERVER_ONLY)], unconditional


def test_an_installed_grader_packs_the_same_wheel_again(client_wheel, tmp_path):
    """Without a checkout (a plain `pip install`), the server packs its installed files into the wheel again."""
    installed = tmp_path / "site-packages"
    with zipfile.ZipFile(client_wheel) as archive:
        archive.extractall(installed)
        original = {name: archive.read(name) for name in archive.namelist() if not name.endswith("RECORD")}
    dependencies = [path for path in site.getsitepackages() if Path(path).is_dir()]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), *dependencies])}
    packed = subprocess.run([sys.executable, "-S", "-c", "import sys; from pathlib import Path; "
                             "from grader.serve.client_wheel import build_client_wheel; "
                             "print(build_client_wheel(Path(sys.argv[1])))", str(tmp_path)],
                            capture_output=True, text=True, env=environment, timeout=120)
    assert packed.returncode == 0, packed.stderr
    with zipfile.ZipFile(packed.stdout.strip()) as archive:
        again = {name: archive.read(name) for name in archive.namelist() if not name.endswith("RECORD")}
        record = archive.read(f"homework_grader-{__version__}.dist-info/RECORD").decode()
    assert again == original
    assert all(f"{name}," in record for name in again)


def test_the_service_offers_the_wheel_and_the_page_shows_the_command(client, tokens, make_app, course_dir):
    from pages_support import sign_in

    wheel = client.get(f"/client/{WHEEL_NAME}")
    assert wheel.status_code == 200 and wheel.content[:2] == b"PK"
    assert wheel.headers["content-type"] == "application/octet-stream"
    assert client.get("/client/homework_grader-0.0.1-py3-none-any.whl").status_code == 404
    sign_in(client, tokens["s1002"])
    home = client.get("/").text
    assert f"pip install http://testserver/client/{WHEEL_NAME}" in home


def test_a_fresh_venv_installs_the_client_from_the_service_and_submits(course_dir, tmp_path, client_wheel):
    from grader.cli import main

    assert main(["tokens", str(course_dir), "--roster", str(write_roster(tmp_path / "roster.csv")),
                 "-o", str(tmp_path / "tokens.csv")]) == 0
    token = read_tokens(tmp_path / "tokens.csv")["s1002"]
    # A student's machine: no GRADE_ settings, no PYTHONPATH leading to a checkout.
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("GRADE_") and key != "PYTHONPATH"}
    venv = tmp_path / "student-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    own_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              capture_output=True, text=True, check=True, env=environment).stdout.strip()
    with serve_process(course_dir, extra=["--client-wheel", str(client_wheel)]) as (base, _process):
        install = subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--no-deps", "--quiet",
                                  f"{base}/client/{WHEEL_NAME}"], capture_output=True, text=True, timeout=300,
                                 env=environment)
        assert install.returncode == 0, install.stderr
        # The base dependencies (numpy, pydantic, ...) would come from PyPI on a student's machine; offline, the
        # fresh venv borrows this one's site-packages for them, after its own (whose `grader` is the wheel's).
        Path(own_site, "zz-borrowed-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
        located = subprocess.run([str(python), "-c", "import grader; print(grader.__file__)"], capture_output=True,
                                 text=True, check=True, cwd=tmp_path, env=environment).stdout.strip()
        assert located.startswith(own_site), located  # the wheel's grader, not this checkout's
        shutil.copy(SUBMISSIONS / "typical-mistakes.yaml", tmp_path / "submit.yaml")
        checked = subprocess.run([str(venv / "bin" / "grade"), "submit.yaml", "--server", base, "--token", token],
                                 capture_output=True, text=True, timeout=120, cwd=tmp_path,
                                 env={**environment, "HOME": str(tmp_path)})
    assert checked.returncode == 0, checked.stderr
    assert "14.5 / 36" in checked.stdout and "attempt 1 recorded" in checked.stderr


def readme_curl_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```sh\n(curl [^`]*?)```", readme)
    assert found, "the README has no curl example"
    return found.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readmes_curl_example_works_against_a_live_server(course_dir, tmp_path):
    from grader.cli import main

    assert main(["tokens", str(course_dir), "--roster", str(write_roster(tmp_path / "roster.csv")),
                 "-o", str(tmp_path / "tokens.csv")]) == 0
    token = read_tokens(tmp_path / "tokens.csv")["s1002"]
    shutil.copy(SUBMISSIONS / "typical-mistakes.yaml", tmp_path / "submit.yaml")
    with serve_process(course_dir) as (base, _process):
        for command in readme_curl_example().strip().splitlines():
            command = command.replace("https://grade.example.edu", base).replace("$GRADE_TOKEN", token)
            run = subprocess.run(shlex.split(command) + ["--silent", "--show-error", "--write-out", "\n%{http_code}"],
                                 capture_output=True, text=True, timeout=60, cwd=tmp_path)
            assert run.returncode == 0, (command, run.stderr)
            status = run.stdout.rstrip().rsplit("\n", 1)[-1]
            assert status in ("200", "201"), (command, run.stdout)
            if "attempts" in command and "-X GET" not in command and ("--data-binary" in command or "-F" in command):
                assert '"score":14.5' in run.stdout.replace(" ", "")
    assert ASSIGNMENT in readme_curl_example()


@pytest.mark.skipif(sys.platform == "win32", reason="the scratch folder is checked after a POSIX signal")
def test_a_server_stopped_while_it_builds_the_client_leaves_no_scratch_folder(course_dir, tmp_path, monkeypatch):
    import time

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # where the server (and the pip it starts) make their folders
    with serve_process(course_dir) as (_base, process):
        deadline = time.monotonic() + 20
        while not any(scratch.glob("grade-client-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(scratch.glob("grade-client-*")), "the wheel's build should be under way"
    assert process.returncode == 0
    assert sorted(path.name for path in scratch.iterdir()) == []
