"""HTTP under load: gunicorn (production settings, DEBUG off) on loopback, 20 users at once.

    python bench/http_load.py [--users 20] [--workers 3] [--duration 30] [--port 8103] [--reuse]

Needs the database of DATABASE_URL (PostgreSQL for the issue's target; SQLite works for the
smoke test). Loads the demo county unless `--reuse` (data already there), then:

* makes `--users` users, each an org_admin granted one organization directly under the county
  (townships and county units, in code order), and logs each in (a session row in the
  database, as after a real login; the password check is not what this benchmark measures);
* starts `gunicorn dangjian.wsgi` with `--workers` sync workers on 127.0.0.1:`--port`,
  DJANGO_SETTINGS_MODULE=dangjian.settings.prod (DEBUG off, sessions saved on every request);
* each user runs a closed loop (no think time) over a mix of pages of its own subtree:
  member lists (filtered by an organization of the subtree, sometimes page 2), organization
  pages, member pages, the home page and the organizational-life compliance dashboard;
  redirects are not followed, so anything but 200 is an error (a 302 to the login page
  would mean the session or the scope is wrong);
* after `--warmup` seconds, counts requests and latencies for `--duration` seconds.

Prints `http_load[mix]` with requests/s, p50/p95/p99, errors, per-page p95, and as its baseline
the same 20 users hammering `/login/` (a template render with a session, no business query):
the ceiling of this server and client on this machine, so `ratio` (mix / ceiling) shows what the
business queries cost. The client runs on the same cores; its CPU seconds are in `client_cpu_s`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings.dev")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The sessions made here must be readable by the server, so both sign them with this key.
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production-" + "x" * 20
os.environ["SECRET_KEY"] = BENCH_SECRET_KEY

import worker  # noqa: E402  (sets Django up)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from dangjian.members.choices import MemberStatus  # noqa: E402
from dangjian.members.models import Member  # noqa: E402
from dangjian.orgs.choices import BRANCH_KINDS  # noqa: E402
from dangjian.orgs.models import Organization  # noqa: E402


@dataclass
class BenchUser:
    username: str
    root: Organization
    cookie: str
    urls: list[tuple[str, str]] = field(default_factory=list)  # (page kind, url)


def subtree_urls(root: Organization, rng: random.Random) -> list[tuple[str, str]]:
    """The pages one user browses, all inside its own subtree, in the mix's proportions."""
    organizations = list(
        Organization.objects.filter(path__startswith=root.path).order_by("path").values_list("code", "kind")
    )
    codes = [code for code, _ in organizations]
    branches = [code for code, kind in organizations if kind in BRANCH_KINDS] or codes
    member_ids = list(
        Member.objects.filter(organization__path__startswith=root.path, status=MemberStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)[:2000]
    )
    sample_members = rng.sample(member_ids, min(30, len(member_ids)))
    sample_orgs = rng.sample(codes, min(30, len(codes)))
    sample_branches = rng.sample(branches, min(15, len(branches)))
    urls: list[tuple[str, str]] = []
    urls += [("member_list", f"/members/?org={root.code}")] * 6
    urls += [("member_list", f"/members/?org={root.code}&page=2")] * 2
    urls += [("member_list", f"/members/?org={code}") for code in sample_branches]
    urls += [("org_page", f"/orgs/{code}/") for code in sample_orgs]
    urls += [("member_page", f"/members/{pk}/") for pk in sample_members]
    urls += [("home", "/")] * 12
    urls += [("compliance", f"/orglife/compliance/{root.code}/")] * 8
    return urls


def organizations_with_members(under: str, depth: int) -> list[Organization]:
    candidates = Organization.objects.filter(path__startswith=under, depth=depth).order_by("path")
    return [
        org for org in candidates if Member.objects.filter(organization__path__startswith=org.path).exists()
    ]


def make_users(count: int) -> list[BenchUser]:
    from django.test import Client

    county = Organization.objects.filter(depth=1).order_by("path").first()
    assert county is not None, "no data: load the demo county first"
    roots = organizations_with_members(county.path, 2)
    # A county has fewer direct units with members than 20: the rest are villages and units one
    # level down (a village branch secretary next to the township's administrator), one under
    # each township in turn so that the load spreads over the county.
    below = organizations_with_members(county.path, 3)
    by_parent: dict[str, list[Organization]] = defaultdict(list)
    for org in below:
        by_parent[org.path[: 2 * Organization.steplen]].append(org)
    while len(roots) < count and any(by_parent.values()):
        for parent in sorted(by_parent):
            if by_parent[parent] and len(roots) < count:
                roots.append(by_parent[parent].pop(0))
    if len(roots) < count:
        raise SystemExit(f"only {len(roots)} organizations with members in the county; need {count}")
    with_members = roots
    rng = random.Random(1)
    users = []
    for number, root in enumerate(with_members[:count]):
        username = f"bench_http_{os.getpid()}_{number:02d}"
        user = worker.user_granted(username, root)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        users.append(BenchUser(username, root, cookie, subtree_urls(root, rng)))
    return users


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the server -----------------------------------------------------------------------------


def start_gunicorn(port: int, workers: int, workdir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dangjian.settings.prod",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS ends at the proxy in production
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DANGJIAN_HOME": str(workdir),
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "dangjian.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "256",
        "--error-logfile",
        str(workdir / "gunicorn.log"),
    ]
    return subprocess.Popen(command, env=env, cwd=workdir, start_new_session=True)


def wait_until_up(port: int, server: subprocess.Popen, timeout_s: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the master and its workers only
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- the load -------------------------------------------------------------------------------


@dataclass
class Outcome:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)


async def user_loop(
    user: BenchUser,
    base: str,
    pages: list[tuple[str, str]],
    measure_from: float,
    stop_at: float,
    outcome: Outcome,
    seed: int,
) -> None:
    import httpx

    rng = random.Random(seed)
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={user.cookie}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30.0) as client:
        while time.monotonic() < stop_at:
            kind, url = rng.choice(pages)
            begin = time.monotonic()
            try:
                response = await client.get(url)
                await response.aread()
                status = response.status_code
            except httpx.HTTPError as exc:
                status = 0
                detail = f"{type(exc).__name__}: {exc}"
            else:
                detail = f"{status} {response.headers.get('location', '')}"
            elapsed_ms = (time.monotonic() - begin) * 1000
            if begin < measure_from:
                continue
            if status == 200:
                outcome.latencies[kind].append(elapsed_ms)
            else:
                outcome.errors[kind] += 1
                if len(outcome.error_samples) < 5:
                    outcome.error_samples.append(f"{user.username} {url}: {detail}")


def run_load(
    users: list[BenchUser], base: str, warmup_s: float, duration_s: float, only: str | None = None
) -> tuple[Outcome, float, float]:
    outcome = Outcome()

    async def main() -> None:
        start = time.monotonic()
        measure_from, stop_at = start + warmup_s, start + warmup_s + duration_s
        await asyncio.gather(
            *(
                user_loop(
                    user,
                    base,
                    [("login_page", "/login/")] if only == "login" else user.urls,
                    measure_from,
                    stop_at,
                    outcome,
                    seed=number,
                )
                for number, user in enumerate(users)
            )
        )

    cpu_before = time.process_time()
    asyncio.run(main())
    return outcome, duration_s, time.process_time() - cpu_before


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc; gone processes count 0)."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / tick


def server_pids(server: subprocess.Popen) -> list[int]:
    """The gunicorn workers and the database backends serving them (PostgreSQL on this machine)."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.pid:
            workers.append(int(stat.parent.name))
    backends: list[int] = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            backends = [row[0] for row in cursor.fetchall()]
        connection.close()
    return [server.pid, *workers, *backends]


def summary(outcome: Outcome, seconds: float) -> dict[str, Any]:
    every = [ms for samples in outcome.latencies.values() for ms in samples]
    errors = sum(outcome.errors.values())
    if not every:
        return {"requests": 0, "errors": errors, "requests_per_s": 0.0}
    return {
        "requests": len(every),
        "errors": errors,
        "requests_per_s": round((len(every) + errors) / seconds, 1),
        "p50_ms": round(statistics.median(every), 1),
        "p95_ms": round(worker.percentile(every, 0.95), 1),
        "p99_ms": round(worker.percentile(every, 0.99), 1),
    }


def bench_http_load(
    engine: str,
    *,
    users: int = 20,
    workers: int = 3,
    duration_s: float = 30.0,
    warmup_s: float = 5.0,
    port: int = 8103,  # 8100 + this engineer's number in the house rules; main() picks a free one
    reuse: bool = False,
    scale: str = "county",
) -> dict[str, Any]:
    if not reuse:
        worker.load_scale(next(s for s in worker.SIZES.values() if s.scale == scale))
    bench_users = make_users(users)
    connection.close()  # the server's workers get the database; this process only drives the load
    workdir = Path(tempfile.mkdtemp(prefix="http-load-"))
    server = start_gunicorn(port, workers, workdir)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(port, server)
        worker.log(f"gunicorn up ({workers} workers); {users} users, {warmup_s}+{duration_s} s")
        run_load(bench_users, base, 0.0, warmup_s)  # warm-up: workers import, connect, fill caches
        pids = server_pids(server)
        server_cpu_before = cpu_seconds(pids)
        outcome, seconds, client_cpu = run_load(bench_users, base, 0.0, duration_s)
        server_cpu = cpu_seconds(pids) - server_cpu_before
        baseline_outcome, baseline_seconds, _ = run_load(
            bench_users, base, min(warmup_s, 2.0), max(duration_s / 3, 2.0), only="login"
        )
    finally:
        stop_gunicorn(server)
    figures = summary(outcome, seconds)
    baseline = {
        "name": "login_page_ceiling (same users, server, client)",
        **summary(baseline_outcome, baseline_seconds),
    }
    record = {
        "name": f"http_load[{users} users, {workers} workers]",
        "n": figures["requests"],
        "seconds": round(seconds, 1),
        **figures,
        "per_page_p95_ms": {
            kind: round(worker.percentile(samples, 0.95), 1)
            for kind, samples in sorted(outcome.latencies.items())
        },
        "per_page_requests": {kind: len(samples) for kind, samples in sorted(outcome.latencies.items())},
        "error_samples": outcome.error_samples,
        "baseline": baseline,
        "ratio": round(figures["requests_per_s"] / baseline["requests_per_s"], 2)
        if baseline.get("requests_per_s")
        else None,
        "client_cpu_s": round(client_cpu, 1),
        # CPU the server side used for the measured requests (gunicorn workers + their PostgreSQL
        # backends), and what that would give with two cores to itself: an estimate, not a
        # measurement, for a machine shared with other work (it assumes linear use of 2 cores).
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(figures["requests"], 1), 1),
        "estimated_rps_on_2_idle_cores": round(2 * figures["requests"] / server_cpu, 1)
        if server_cpu
        else None,
        "cores": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    worker.emit(engine, record)
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="small", help="ignored: the load always runs on a county")
    parser.add_argument("--engine", default=None)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--reuse", action="store_true", help="use the data already in the database")
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0, interactive=False)
    tiny = args.size == "tiny"  # the smoke test: the tiny county has only a few subtrees
    bench_http_load(
        args.engine or connection.vendor,
        users=min(args.users, 3) if tiny else args.users,
        workers=min(args.workers, 2) if tiny else args.workers,
        duration_s=min(args.duration, 2.0) if tiny else args.duration,
        warmup_s=min(args.warmup, 1.0) if tiny else args.warmup,
        port=args.port or free_port(),
        reuse=args.reuse,
        scale="tiny" if tiny else "county",
    )


if __name__ == "__main__":
    main()
