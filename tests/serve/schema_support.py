"""Older databases for the upgrade tests: a current database taken back to what an older schema made."""

from __future__ import annotations

from collections.abc import Callable

from grader.serve.db_schema import V2_SESSION_COLUMNS, V2_SESSIONS


LTI_TABLES = ("lti_outbox", "lti_links", "lti_memberships", "lti_identities", "lti_handoffs", "lti_logins")


def downgrade_to_version_3(run_sql: Callable[[str], object], dialect: str) -> None:
    """What a database made by version 3 of the schema looked like: no LTI tables (the rest is as it is now)."""
    for table in LTI_TABLES:  # children first: the outbox refers to links, handoffs to students and staff
        run_sql(f"DROP TABLE {table}")
    run_sql("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def downgrade_to_version_2(run_sql: Callable[[str], object], dialect: str) -> None:
    """What a database made by version 2 of the schema looked like: no staff, decisions, regrades or audit,
    no extension reasons, and sessions of students only (student_id NOT NULL). Students' sessions are kept."""
    downgrade_to_version_3(run_sql, dialect)
    for table in ("audit", "regrades", "decisions"):
        run_sql(f"DROP TABLE {table}")
    if dialect == "postgresql":
        run_sql("DELETE FROM sessions WHERE staff_id IS NOT NULL")
        run_sql("ALTER TABLE sessions DROP COLUMN staff_id")
        run_sql("ALTER TABLE sessions ALTER COLUMN student_id SET NOT NULL")
    else:
        run_sql("DROP INDEX ix_sessions_student_id")
        run_sql("DROP INDEX ix_sessions_staff_id")
        run_sql("ALTER TABLE sessions RENAME TO sessions_v3")
        run_sql(V2_SESSIONS)
        run_sql("CREATE INDEX ix_sessions_student_id ON sessions (student_id)")
        run_sql(f"INSERT INTO sessions ({V2_SESSION_COLUMNS}) SELECT {V2_SESSION_COLUMNS} FROM sessions_v3 "
                "WHERE student_id IS NOT NULL")
        run_sql("DROP TABLE sessions_v3")
    run_sql("DROP TABLE staff")
    run_sql("ALTER TABLE extensions DROP COLUMN reason")
    run_sql("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def downgrade_to_version_1(run_sql: Callable[[str], object], dialect: str) -> None:
    """What a database made by version 1 of the schema looked like: no sizes, no sessions table."""
    downgrade_to_version_2(run_sql, dialect)
    for statement in ("ALTER TABLE files DROP COLUMN size", "ALTER TABLE files DROP COLUMN kept",
                      "DROP TABLE sessions", "UPDATE meta SET value = '1' WHERE key = 'schema_version'"):
        run_sql(statement)
