"""Home page figures at every level of the tree: province root, a prefecture, a county, a township.

    python bench/home_levels.py [--size small|medium|large] [--reuse SCALE] [--no-page]

For each level, logged in as an org_admin granted that organization:

* `home[LEVEL]`: `GET /` through the test Client (the whole view: scope roots with their
  figures, warnings, organization and member figures, template), p50/p95 of warm runs;
  `parts_p95_ms` splits the selectors (roots, warnings, figures) for diagnosis.
* baseline: the straightforward per-organization ORM computation (worker.per_org_home_figures:
  two queries per active organization of the subtree, summed in Python), within a time budget.
* `limit`: the same figures (kinds, sectors, full/probationary, age bands, education) as ONE
  DuckDB query over copies of the same two tables (organizations, members) in an in-memory
  DuckDB database; only the query is timed, not the copy. DuckDB's sqlite/postgres scanners are
  extensions downloaded on first use (no internet here), so the rows are fetched through
  Django's connection, written to CSV and read with DuckDB's built-in `read_csv`.
  Its answer is checked against the platform's selectors, so the three compute the same thing.

`--reuse SCALE` measures the data already in DATABASE_URL (loaded by `generation.py` or
`dangjian demo-data --scale SCALE`, seed 1) instead of loading the size's scale first.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings.dev")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

import worker
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from sizes import SIZES, Size

from dangjian.dashboards.selectors import (
    member_figures,
    organization_figures,
    reads_stored_figures,
    scope_root_rows,
    stored_figures,
    stored_warnings_in_scope,
)
from dangjian.demo import generator
from dangjian.members.choices import Category, MemberStatus
from dangjian.members.filters import AGE_BANDS, birth_range_for_ages
from dangjian.members.models import Member, MemberFigures
from dangjian.members.services import member_figures_recompute
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import warnings_in_scope


def levels(scale_name: str) -> list[tuple[str, Organization]]:
    """(level, organization) from the root down to the first township, found by the codes the
    generator gives them with seed 1 (so it works on a database loaded earlier)."""
    scale = generator.SCALES[scale_name]
    uppers, counties = generator.plan_counties(scale, worker.SEED, worker.AS_OF)
    plan = generator.build_county(counties[0], scale, worker.SEED, worker.AS_OF)
    codes: list[tuple[str, str]] = []
    if scale.prefectures:
        codes.append(("province", uppers[0].code))
        codes.append(("prefecture", plan.county.path[: 2 * Organization.steplen]))
    elif uppers:
        codes.append(("prefecture", uppers[0].code))
    codes.append(("county", plan.county.code))
    codes.append(("township", plan.first_township.code))
    found = []
    for level, key in codes:
        # the prefecture of a province is found by its path (the plan knows it only that way)
        lookup = {"path": key} if level == "prefecture" and scale.prefectures else {"code": key}
        found.append((level, Organization.objects.get(**lookup)))
    return found


# --- the DuckDB "limit" reference -----------------------------------------------------------

ORG_COLUMNS = ("id", "path", "kind", "sector", "status")
MEMBER_COLUMNS = ("organization_id", "status", "category", "birth_date", "education")


def _copy_table(duck: Any, workdir: Path, table: str, sql: str, columns: tuple[str, ...], types: str) -> int:
    target = workdir / f"{table}.csv"
    rows = 0
    with connection.cursor() as cursor, target.open("w", newline="") as out:
        cursor.execute(sql)
        writer = csv.writer(out)
        while chunk := cursor.fetchmany(20_000):
            writer.writerows(chunk)
            rows += len(chunk)
    duck.execute(
        f"CREATE TABLE {table} AS SELECT * FROM read_csv('{target}', header=false, "
        f"columns={{{types}}}, nullstr='')"
    )
    target.unlink()
    return rows


def duckdb_database() -> Any:
    """An in-memory DuckDB with copies of the organizations and members tables."""
    import duckdb

    duck = duckdb.connect()
    workdir = Path(tempfile.mkdtemp(prefix="duck-"))
    org_table = Organization._meta.db_table
    member_table = Member._meta.db_table
    started = time.perf_counter()
    _copy_table(
        duck,
        workdir,
        "organizations",
        f"SELECT {', '.join(ORG_COLUMNS)} FROM {org_table}",
        ORG_COLUMNS,
        "'id': 'BIGINT', 'path': 'VARCHAR', 'kind': 'VARCHAR', 'sector': 'VARCHAR', 'status': 'VARCHAR'",
    )
    members = _copy_table(
        duck,
        workdir,
        "members",
        f"SELECT {', '.join(MEMBER_COLUMNS)} FROM {member_table}",
        MEMBER_COLUMNS,
        "'organization_id': 'BIGINT', 'status': 'VARCHAR', 'category': 'VARCHAR', "
        "'birth_date': 'DATE', 'education': 'VARCHAR'",
    )
    worker.log(f"DuckDB copy of {members} members in {time.perf_counter() - started:.1f} s")
    return duck


def duckdb_sql() -> str:
    """One query: every home-page figure of the subtree under `$prefix` as (dimension, key, n) rows."""
    today = timezone.localdate()
    bands = []
    for value, _, youngest, oldest in AGE_BANDS:
        born_after, born_before = birth_range_for_ages(youngest, oldest, today)
        bands.append(
            f"count(*) FILTER (WHERE birth_date BETWEEN DATE '{born_after}' AND DATE '{born_before}') AS \"age_{value}\""
        )
    return f"""
        WITH orgs AS (
            SELECT id, kind, sector, status FROM organizations WHERE starts_with(path, $prefix)
        ), roll AS (
            SELECT m.category, m.birth_date, m.education FROM members m JOIN orgs o ON o.id = m.organization_id
            WHERE m.status = 'active'
        ), totals AS (
            SELECT count(*) FILTER (WHERE category = 'full') AS "full",
                   count(*) FILTER (WHERE category = 'probationary') AS "probationary",
                   {", ".join(bands)}
            FROM roll
        )
        SELECT 'kind', kind, count(*) FROM orgs WHERE status = 'active' GROUP BY kind
        UNION ALL
        SELECT 'sector', sector, count(*) FROM orgs WHERE status = 'active' AND kind <> 'group' GROUP BY sector
        UNION ALL
        SELECT 'education', education, count(*) FROM roll GROUP BY education
        UNION ALL
        SELECT 'total', key, n FROM (UNPIVOT totals ON COLUMNS(*) INTO NAME key VALUE n)
    """


def duckdb_figures(duck: Any, sql: str, prefix: str) -> dict[str, dict[str, int]]:
    figures: dict[str, dict[str, int]] = {"kind": {}, "sector": {}, "education": {}, "total": {}}
    for dimension, key, n in duck.execute(sql, {"prefix": prefix}).fetchall():
        figures[dimension][key or ""] = n
    return figures


def platform_figures(user: Any, stored: bool) -> dict[str, dict[str, int]]:
    """The selectors' answer (from the source the home page reads) in the DuckDB query's shape,
    to check the two agree."""
    if stored:
        organizations, members = stored_figures(user)
    else:
        members = member_figures(user)
        organizations = organization_figures(user)
    from dangjian.members.choices import Education
    from dangjian.orgs.choices import OrgKind, Sector

    def by_value(rows: list[dict[str, Any]], choices: list[tuple[str, str]]) -> dict[str, int]:
        value_of = {str(label): value for value, label in choices}
        return {value_of.get(row["name"], row["name"]): row["value"] for row in rows}

    totals = {"full": members["full"], "probationary": members["probationary"]}
    for (value, _, _, _), row in zip(AGE_BANDS, members["ages"], strict=True):
        totals[f"age_{value}"] = row["value"]
    education = by_value(members["education"], Education.choices)
    if "未填" in education:
        education[""] = education.pop("未填")
    return {
        "kind": by_value(organizations["kinds"], OrgKind.choices),
        "sector": by_value(organizations["sectors"], Sector.choices),
        "education": education,
        "total": totals,
    }


def _nonzero(figures: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {dimension: {k: v for k, v in rows.items() if v} for dimension, rows in figures.items()}


# --- the benchmark --------------------------------------------------------------------------


# A baseline pass over more organizations than this is timed on the first ones and scaled up:
# at a province root one pass is ~240,000 queries (tens of minutes).
BASELINE_SAMPLE_ORGS = 2_000


def timed(call: Any, runs: int, budget_s: float) -> list[float]:
    """Milliseconds of up to `runs` calls after one warm-up call, stopping after `budget_s`
    (at least 3 timed calls): a province root page may take seconds on a shared machine."""
    call()
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < runs:
        begin = time.perf_counter()
        call()
        samples.append((time.perf_counter() - begin) * 1000)
        if len(samples) >= 3 and time.perf_counter() - started > budget_s:
            break
    return samples


def per_org_figures(organizations: Any) -> dict[str, Any]:
    """worker.per_org_home_figures over the given organizations (a sample for big subtrees):
    two queries per organization, summed in Python."""
    today = timezone.localdate()
    counts: dict[str, Any] = {
        "full": Count("id", filter=Q(category=Category.FULL)),
        "probationary": Count("id", filter=Q(category=Category.PROBATIONARY)),
    }
    for value, _, youngest, oldest in AGE_BANDS:
        counts[f"age_{value}"] = Count(
            "id", filter=Q(birth_date__range=birth_range_for_ages(youngest, oldest, today))
        )
    totals: dict[str, int] = {}
    kinds: dict[str, int] = {}
    education: dict[str, int] = {}
    for org in organizations:
        kinds[org.kind] = kinds.get(org.kind, 0) + 1
        members = Member.objects.filter(organization=org, status=MemberStatus.ACTIVE).order_by()
        for key, value in members.aggregate(**counts).items():
            totals[key] = totals.get(key, 0) + value
        for value, n in members.values_list("education").annotate(n=Count("id")):
            education[value] = education.get(value, 0) + n
    return {"totals": totals, "kinds": kinds, "education": education}


def per_org_baseline(organization: Organization, runs: int, budget_s: float) -> dict[str, Any]:
    """The per-organization computation over the whole subtree, or for big subtrees over its
    first BASELINE_SAMPLE_ORGS active organizations (in path order), scaled up linearly."""
    active = Organization.objects.filter(path__startswith=organization.path).active().order_by("path")
    total = active.count()
    if total <= BASELINE_SAMPLE_ORGS:
        samples = timed(lambda: worker.per_org_home_figures(organization), runs, budget_s)
        return {"name": "per_organization_orm_counts", **worker.latency_figures(samples)}
    samples = timed(lambda: per_org_figures(active[:BASELINE_SAMPLE_ORGS]), max(3, runs // 10), budget_s)
    scale_up = total / BASELINE_SAMPLE_ORGS
    return {
        "name": f"per_organization_orm_counts (timed on the first {BASELINE_SAMPLE_ORGS} of {total} "
        "organizations, extrapolated linearly)",
        **worker.latency_figures([ms * scale_up for ms in samples]),
    }


def bench_home_levels(
    size: Size, engine: str, *, reuse: str | None = None, page: bool = True, runs: int | None = None
) -> None:
    scale_name = reuse or size.scale
    runs = runs or size.runs
    if not reuse:
        worker.load_scale(size)
    # The precomputed member figures the home page reads above HOME_LIVE_ORG_LIMIT organizations:
    # a full recompute (a database loaded before they existed has none), then an incremental
    # run with nothing to do (what the periodic task costs on a quiet day).
    for mode in ("full", "incremental"):
        began = time.perf_counter()
        result = member_figures_recompute(full=mode == "full")
        seconds = time.perf_counter() - began
        worker.emit(
            engine,
            {
                "name": f"member_figures_recompute[{mode}]",
                "n": MemberFigures.objects.count(),
                "seconds": round(seconds, 3),
                "recomputed": result.recomputed,
                "load_average_1m": round(os.getloadavg()[0], 2),
            },
        )
    duck = duckdb_database()
    sql = duckdb_sql()
    for level, organization in levels(scale_name):
        user = worker.user_granted(f"bench_levels_{os.getpid()}_{level}", organization)
        client = worker.logged_in_client(user)

        def home(client: Any = client) -> None:
            response = client.get("/")
            assert response.status_code == 200, response.status_code

        def selector(call: Any, user: Any = user) -> Any:
            def run() -> None:
                user.__dict__.pop("_dangjian_scope", None)  # each request starts without the cache
                call(user)

            return run

        # The parts as the view runs them: stored figures above HOME_LIVE_ORG_LIMIT organizations.
        stored = reads_stored_figures(user)
        if stored:
            parts = {
                "scope_root_rows": selector(lambda u: scope_root_rows(u, stored=True)),
                "warnings_in_scope": selector(stored_warnings_in_scope),
                "member_and_org_figures": selector(stored_figures),
            }
        else:
            parts = {
                "scope_root_rows": selector(scope_root_rows),
                "warnings_in_scope": selector(warnings_in_scope),
                "member_and_org_figures": selector(lambda u: (member_figures(u), organization_figures(u))),
            }
        part_p95 = {
            name: worker.latency_figures(timed(call, max(3, runs // 3), 20.0))["p95_ms"]
            for name, call in parts.items()
        }
        samples = timed(home if page else parts["member_and_org_figures"], runs, 60.0)
        baseline = per_org_baseline(organization, runs, size.baseline_budget_s)
        limit = timed(lambda prefix=organization.path: duckdb_figures(duck, sql, prefix), runs, 30.0)
        expected = _nonzero(platform_figures(user, stored))
        got = _nonzero(duckdb_figures(duck, sql, organization.path))
        if expected != got:
            raise SystemExit(f"DuckDB and the selectors disagree at {level}: {expected} != {got}")
        worker.emit(
            engine,
            worker.latency_record(
                f"home[{level}]" if page else f"home_figures[{level}]",
                Member.objects.filter(organization__path__startswith=organization.path).count(),
                samples,
                baseline,
                organizations=Organization.objects.filter(path__startswith=organization.path).count(),
                parts_p95_ms=part_p95,
                source="stored" if stored else "live",
                limit={"name": "duckdb_one_query_in_memory", **worker.latency_figures(limit)},
                limit_ratio=round(
                    worker.latency_figures(limit)["p95_ms"] / worker.latency_figures(samples)["p95_ms"], 3
                ),
                load_average_1m=round(os.getloadavg()[0], 2),
            ),
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--reuse", choices=list(generator.SCALES), help="measure the data already loaded")
    parser.add_argument("--no-page", action="store_true", help="time the figure selectors, not GET /")
    parser.add_argument("--runs", type=int, default=None, help="timed calls per figure (default: the size's)")
    parser.add_argument("--engine", default=None)
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0, interactive=False)
    if not args.reuse:
        assert not Organization.objects.exists(), "the benchmark database must be empty"
    bench_home_levels(
        SIZES[args.size],
        args.engine or connection.vendor,
        reuse=args.reuse,
        page=not args.no_page,
        runs=args.runs,
    )


if __name__ == "__main__":
    main()
