"""Load test of the course service: simulated students submitting over the loopback interface.

    python benchmarks/serve_load.py                                   # SQLite, one server process
    python benchmarks/serve_load.py --postgres postgresql://U:P@127.0.0.1/postgres --processes 2

Starts `grade serve` (one process, or several sharing one PostgreSQL database, each on its own
127.0.0.1 port), issues tokens to --students students, then --clients threads (each a student at a
time, keep-alive connections, spread over the processes) submit until --attempts graded attempts
were answered or --seconds passed: bounded in count and time, it stops by itself. Prints graded
attempts per second, p50 and p99 latency, errors (any answer but 201) and lost attempts (201
answers minus the attempts the database holds). Cleans up its course folder, database and servers.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
RUBRIC = REPO / "rubrics" / "hw-lstm-vae-gan.yaml"
TEMPLATE = (REPO / "submissions" / "typical-mistakes.yaml").read_text(encoding="utf-8")
ASSIGNMENT = "hw-lstm-vae-gan"
PATH = f"/api/v1/assignments/{ASSIGNMENT}/attempts"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_course(folder: Path, students: int) -> Path:
    (folder / "course.yaml").write_text(yaml.safe_dump({"title": "Load test", "assignments": [
        {"id": ASSIGNMENT, "rubric": str(RUBRIC)}]}), encoding="utf-8")
    roster = folder / "roster.csv"
    roster.write_text("student_id,name,email\n" + "".join(f"b{n:05d},Student {n},\n" for n in range(students)))
    return roster


def issue_tokens(folder: Path, roster: Path, db: str | None) -> dict[str, str]:
    from grader.serve.course import load_course
    from grader.serve.storage import open_storage
    from grader.serve.tokens import run_tokens

    import datetime as dt

    storage = open_storage(db, load_course(folder).folder)
    issued, _text = run_tokens(storage, str(roster), None, None, dt.datetime.now(dt.timezone.utc))
    storage.close()
    return {token.student_id: token.token for token in issued}


def start_servers(folder: Path, db: str | None, processes: int) -> list[tuple[subprocess.Popen, int]]:
    servers = []
    for _ in range(processes):
        port = free_port()
        command = [sys.executable, "-m", "grader", "serve", str(folder), "--port", str(port)]
        command += ["--db", db] if db else []
        servers.append((subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), port))
    for process, port in servers:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"grade serve on port {port} did not start")
            time.sleep(0.1)
    return servers


def run_load(ports: list[int], tokens: dict[str, str], clients: int, attempts: int, seconds: float):
    """Submit until `attempts` answers or `seconds` passed; (latencies of 201s, statuses, elapsed)."""
    students = itertools.cycle(sorted(tokens))
    issued = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: list[int] = []
    started = time.perf_counter()
    deadline = started + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", ports[index % len(ports)], timeout=30)
        while time.perf_counter() < deadline:
            with lock:
                if next(issued) >= attempts:
                    return
                student = next(students)
            body = TEMPLATE.replace("s1002", student).encode("utf-8")
            sent = time.perf_counter()
            try:
                connection.request("POST", PATH, body=body, headers={"Authorization": f"Bearer {tokens[student]}",
                                                                     "Content-Type": "application/yaml"})
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", ports[index % len(ports)], timeout=30)
            with lock:
                statuses.append(status)
                if status == 201:
                    latencies.append(time.perf_counter() - sent)

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - started


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def graded_in_database(folder: Path, db: str | None) -> int:
    from grader.serve.storage import open_storage

    storage = open_storage(db, folder)
    try:
        return storage.count_files(ASSIGNMENT, outcome="graded")
    finally:
        storage.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--attempts", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=120.0, help="stop after this long whatever happened")
    parser.add_argument("--postgres", metavar="URL", help="admin URL of a PostgreSQL server (a database is made "
                                                          "for the run and dropped after it)")
    parser.add_argument("--processes", type=int, default=1, help="server processes (more than 1 needs --postgres)")
    args = parser.parse_args()
    if args.processes > 1 and not args.postgres:
        parser.error("several server processes share a database: give --postgres")
    database, db = None, None
    if args.postgres:
        import psycopg

        database = f"grade_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(args.postgres, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        db = args.postgres.rsplit("/", 1)[0] + f"/{database}"
    servers: list[tuple[subprocess.Popen, int]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="grade-load-") as scratch:
            folder = Path(scratch)
            tokens = issue_tokens(folder, make_course(folder, args.students), db)
            servers = start_servers(folder, db, args.processes)
            cpu_before = [cpu_seconds(process.pid) for process, _ in servers]
            load_before = os.getloadavg()[0]
            latencies, statuses, elapsed = run_load([port for _, port in servers], tokens, args.clients,
                                                    args.attempts, args.seconds)
            cpu_after = [cpu_seconds(process.pid) for process, _ in servers]
            answered_201 = statuses.count(201)
            stored = graded_in_database(folder, db)
            for process, _ in servers:
                process.terminate()
                process.wait(timeout=30)
            servers = []
            kind = f"PostgreSQL, {args.processes} server processes" if db else "SQLite, 1 server process"
            quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
            errors = len(statuses) - answered_201
            print(f"{kind}; {args.clients} concurrent clients, {args.students} students, {os.cpu_count()} cores")
            print(f"graded attempts: {answered_201} in {elapsed:.1f} s = {answered_201 / elapsed:.0f} attempts/s")
            print(f"latency: p50 {1000 * quantiles[49]:.0f} ms, p90 {1000 * quantiles[89]:.0f} ms, "
                  f"p99 {1000 * quantiles[98]:.0f} ms, max {1000 * max(latencies, default=0):.0f} ms")
            print(f"errors: {errors}" + (f" (statuses: {sorted(set(statuses) - {201})})" if errors else ""))
            print(f"lost attempts: {answered_201 - stored} (201 answers {answered_201}, in the database {stored})")
            if None not in cpu_before + cpu_after and answered_201:
                used = sum(after - before for before, after in zip(cpu_before, cpu_after))
                print(f"server CPU: {1000 * used / len(statuses):.1f} ms per request; machine load average "
                      f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (shared with other work)")
            return 0 if errors == 0 and answered_201 == stored else 1
    finally:
        for process, _ in servers:
            process.kill()
        if database:
            import psycopg

            with psycopg.connect(args.postgres, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
