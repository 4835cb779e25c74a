"""The database's schema version: a new database gets it, an older one is upgraded, a newer or foreign one refused."""

from __future__ import annotations

import sqlite3

import pytest

from schema_support import downgrade_to_version_1

from grader.errors import UsageError
from grader.serve import storage as storage_module
from grader.serve.storage import SCHEMA_VERSION, database_url, open_storage


def test_a_new_database_carries_the_current_version(tmp_path):
    storage = open_storage(None, tmp_path)
    assert storage.schema_version() == SCHEMA_VERSION
    assert len(storage.secret()) == 32
    storage.close()
    with sqlite3.connect(tmp_path / "grade.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_older_database_is_upgraded_in_place(tmp_path, monkeypatch):
    storage = open_storage(None, tmp_path)
    secret = storage.secret()
    storage.close()
    steps = []

    def add_a_column(connection):  # what a real migration does: change the schema, keep the data
        connection.exec_driver_sql("ALTER TABLE students ADD COLUMN section TEXT")
        steps.append(SCHEMA_VERSION)

    monkeypatch.setattr(storage_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(storage_module.MIGRATIONS, SCHEMA_VERSION, add_a_column)
    upgraded = open_storage(None, tmp_path)
    assert upgraded.schema_version() == SCHEMA_VERSION + 1 and upgraded.secret() == secret
    upgraded.close()
    assert steps == [SCHEMA_VERSION]
    again = open_storage(None, tmp_path)  # already upgraded: no step runs twice
    again.close()
    assert steps == [SCHEMA_VERSION]


def test_an_older_database_without_an_upgrade_step_is_refused(tmp_path, monkeypatch):
    open_storage(None, tmp_path).close()
    monkeypatch.setattr(storage_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(UsageError, match=f"schema version {SCHEMA_VERSION}, which this grade cannot upgrade"):
        open_storage(None, tmp_path)


def test_a_newer_database_is_refused(tmp_path):
    open_storage(None, tmp_path).close()
    with sqlite3.connect(tmp_path / "grade.db") as connection:
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(UsageError, match="newer than this grade's") as raised:
        open_storage(None, tmp_path)
    assert "pip install -U" in str(raised.value)


def test_a_database_of_something_else_is_refused(tmp_path):
    with sqlite3.connect(tmp_path / "grade.db") as connection:
        connection.execute("CREATE TABLE accounts (id INTEGER)")
    with pytest.raises(UsageError, match="not made by `grade serve`"):
        open_storage(None, tmp_path)


def test_a_file_that_is_not_a_database_is_a_message(tmp_path):
    (tmp_path / "grade.db").write_text("hello, not sqlite" * 100)
    with pytest.raises(UsageError, match="cannot open the database"):
        open_storage(None, tmp_path)


@pytest.mark.parametrize("given, expected", [
    (None, "sqlite:///{folder}/grade.db"),
    ("postgresql://u:p@localhost/db", "postgresql+psycopg://u:p@localhost/db"),
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("other.db", "sqlite:///{cwd}/other.db"),
])
def test_database_urls(tmp_path, given, expected, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert database_url(given, tmp_path) == expected.format(folder=tmp_path.resolve(), cwd=tmp_path.resolve())


def test_an_unknown_database_kind_is_a_message(tmp_path):
    with pytest.raises(UsageError, match="mysql"):
        database_url("mysql://x/y", tmp_path)



def test_a_version_1_database_gains_sizes_and_sessions_and_keeps_every_file(tmp_path):
    import datetime as dt

    now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)
    storage = open_storage(None, tmp_path)
    storage.save_tokens([("s1", "Ada", None, "0" * 64)], now)
    file_id = storage.record_received("s1", "hw", b"assignment: hw\n", now, limit=None)
    storage.close()
    with sqlite3.connect(tmp_path / "grade.db") as connection:
        downgrade_to_version_1(connection.execute, "sqlite")
    upgraded = open_storage(None, tmp_path)
    try:
        assert upgraded.schema_version() == SCHEMA_VERSION == 4
        assert file_id is not None and upgraded.count_files() == 1
        with sqlite3.connect(tmp_path / "grade.db") as connection:
            assert connection.execute("SELECT size, kept, body FROM files").fetchall() == [(15, 1, b"assignment: hw\n")]
        upgraded.start_session("f" * 64, "s1", now)
        assert upgraded.open_sessions()[0].student_id == "s1"
    finally:
        upgraded.close()


@pytest.mark.parametrize("value", ["two", "", "1.5"])
def test_a_damaged_schema_version_is_a_message(tmp_path, value):
    open_storage(None, tmp_path).close()
    with sqlite3.connect(tmp_path / "grade.db") as connection:
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (value,))
    with pytest.raises(UsageError, match="schema version is damaged") as raised:
        open_storage(None, tmp_path)
    assert "backup" in str(raised.value)
