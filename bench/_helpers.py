"""Shared by the bench scripts (files starting with "_" are not run by `make bench`): a throwaway database to
run in, and the SQL one call sends."""

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def throwaway_database(prefix: str) -> tuple[str, Callable[[], None]]:
    """A database URL of our own and how to remove it afterwards; never anyone's real database. On the
    PostgreSQL server of DATABASE_URL if that is set (database kjfdy_<prefix>_<pid>), else a SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"kjfdy_{prefix}_{os.getpid()}"
        parts = urlsplit(url)
        server_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

        return urlunsplit(parts._replace(path=f"/{name}")), drop
    path = Path(f"/tmp/{prefix.replace('_', '-')}-{os.getpid()}.sqlite3")
    return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)


def run_in_throwaway_database(run: Callable[[], int], *, prefix: str) -> int:
    """Set Django up on a throwaway database, call `run` and remove the database whatever happens."""
    url, cleanup = throwaway_database(prefix)
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    try:
        return run()
    finally:
        cleanup()


def sql_of(func: Callable[[], object], *, warm_up: bool = True) -> list[str]:
    """The SQL statements one call of `func` sends, after a first call that fills the caches (unless told)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if warm_up:
        func()
    with CaptureQueriesContext(connection) as ctx:
        func()
    # Read now: `captured_queries` slices the connection's log lazily, and the next request clears that log.
    return [q["sql"] for q in ctx.captured_queries]
