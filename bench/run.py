"""Run the benchmarks of bench/, each in a fresh temporary database, printing one JSON line per
measurement on standard output (progress goes to standard error).

    python bench/run.py [--only NAME] [--size small|medium|large] [--database-url URL]

Without a database URL (argument or DATABASE_URL) every benchmark gets a new SQLite file in a
temporary directory. With a PostgreSQL URL a database `bench_<pid>` is created on that server
for each benchmark and dropped afterwards; the URL's own database is only used to connect.

Each benchmark runs in its own Python process: Django reads its database from the
environment once, and the process's peak memory then belongs to that benchmark alone.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from sizes import SIZES  # noqa: E402

# Benchmarks with a script of their own (same arguments: --size, --engine), run instead of worker.py.
SCRIPTS = {
    "orglife_rollups": "rollups.py",
    "generation": "generation.py",
    "home_levels": "home_levels.py",
    "http_load": "http_load.py",
    "sharding": "sharding.py",
}
BENCHMARKS = ("demo_data", "import_members", "export_members", "home_rollup", "member_list", *SCRIPTS)
# `api_members` is measured by the member_list benchmark, on the same loaded data.
ALIASES = {"api_members": "member_list"}


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    yield f"sqlite:///{workdir / 'bench.sqlite3'}"


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new database `<the URL's database>_bench_<pid>` on the server of `server_url` (so each
    engineer's benchmarks stay under their own database name), dropped on the way out."""
    import psycopg

    parts = urlsplit(server_url)
    own = parts.path.strip("/") or "postgres"
    name = f"{own}_bench_{os.getpid()}" if own != "postgres" else f"bench_{os.getpid()}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_one(name: str, size: str, server_url: str | None) -> int:
    with tempfile.TemporaryDirectory(prefix="dangjian-bench-") as tmp:
        workdir = Path(tmp)
        database = postgres_database(server_url) if server_url else sqlite_database(workdir)
        with database as url:
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "dangjian.settings.dev",
                "DEBUG": "0",  # DEBUG keeps every query in memory, which would skew time and memory
                "DANGJIAN_HOME": str(workdir),
                "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
                "LOG_LEVEL": "WARNING",
            }
            engine = "postgresql" if server_url else "sqlite"
            _log(f"{name} ({size}, {engine}) …")
            started = time.perf_counter()
            script = (
                [str(BENCH_DIR / SCRIPTS[name])] if name in SCRIPTS else [str(BENCH_DIR / "worker.py"), name]
            )
            command = [sys.executable, *script, "--size", size, "--engine", engine]
            completed = subprocess.run(command, env=env, cwd=workdir)
            _log(f"{name} finished in {time.perf_counter() - started:.1f} s (exit {completed.returncode})")
            return completed.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=[*BENCHMARKS, *ALIASES], help="run only this benchmark")
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="a PostgreSQL server to create the temporary databases on (default: $DATABASE_URL, else SQLite)",
    )
    args = parser.parse_args(argv)
    server_url = args.database_url or None
    if server_url and not server_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL; SQLite is the default without one")
    names = [ALIASES.get(args.only, args.only)] if args.only else list(BENCHMARKS)
    failures = [name for name in names if run_one(name, args.size, server_url) != 0]
    if failures:
        _log(f"failed: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
