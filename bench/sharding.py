"""Sharding by province, simulated on one PostgreSQL: LIST partitions by `province_code` stand in
for Citus shards (docs/scaling.md explains the mapping).

    python bench/sharding.py [--size small|medium|large] [--reuse SCALE] [--provinces 4] [--keep]

Needs PostgreSQL (on SQLite it prints one `skipped` line). Steps:

1. The platform's organizations and members (the size's scale loaded by the demo generator,
   or with `--reuse SCALE` the data already in DATABASE_URL) are copied `--provinces` times into
   schema `shard_bench`, each copy a "province" with its own `province_code` (1..N), its own first
   path step (`P001`, `P002`, …; the rest of the path kept) and ids offset by N × 10⁹ — the same
   tree N times, like N provinces of equal size.
2. Two layouts of the same rows: `org_plain`/`member_plain` (one table each, as today, plus the
   `province_code` column) and `org_part`/`member_part`, PARTITION BY LIST (province_code), one
   partition per province (a shard in Citus), with the same indexes.
3. The query shapes of the platform, each on both layouts (warm, p50/p95 of `runs`):
   `subtree[LEVEL]` — the home page's member figures (full, probationary) of a subtree at the
   province root, a prefecture, a county and a township of province 1 (path prefix + join);
   `children_rollup` — one GROUP BY over substr(path, 1, 8): every prefecture's figures at once;
   `national_by_province` — members per province across all partitions.
   On the partitioned layout the queries also say `province_code = 1` (the distribution column,
   as the code would with Citus); the plain layout gets the same filter, so the two differ only
   in the layout. `ratio` = plain p95 / partitioned p95.
4. `EXPLAIN` of the province-root query on the partitioned layout: `partitions_scanned` counts the
   member partitions in the plan (1 of N when pruning works), recorded in the JSON line.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings.dev")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

import worker
from django.core.management import call_command
from django.db import connection
from sizes import SIZES, Size

from dangjian.members.models import Member
from dangjian.orgs.models import Organization

SCHEMA = "shard_bench"
ID_OFFSET = 1_000_000_000
STEP = Organization.steplen


def province_step(province: int) -> str:
    return f"P{province:03d}"


def execute(sql: str, params: Any = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def build_layouts(provinces: int) -> dict[str, int]:
    org_table, member_table = Organization._meta.db_table, Member._meta.db_table
    statements = [
        f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE",
        f"CREATE SCHEMA {SCHEMA}",
    ]
    org_columns = """province_code integer NOT NULL, id bigint NOT NULL, path varchar(255) COLLATE "C" NOT NULL,
        depth integer NOT NULL, kind varchar(32) NOT NULL, sector varchar(32) NOT NULL, status varchar(16) NOT NULL"""
    member_columns = """province_code integer NOT NULL, id bigint NOT NULL, organization_id bigint NOT NULL,
        status varchar(16) NOT NULL, category varchar(16) NOT NULL, birth_date date NOT NULL,
        education varchar(24) NOT NULL"""
    statements += [
        f"CREATE TABLE {SCHEMA}.org_plain ({org_columns}, PRIMARY KEY (id))",
        f"CREATE TABLE {SCHEMA}.member_plain ({member_columns}, PRIMARY KEY (id))",
        # Citus, like declarative partitioning, wants the distribution column in every unique key.
        f"CREATE TABLE {SCHEMA}.org_part ({org_columns}, PRIMARY KEY (province_code, id)) PARTITION BY LIST (province_code)",
        f"CREATE TABLE {SCHEMA}.member_part ({member_columns}, PRIMARY KEY (province_code, id)) PARTITION BY LIST (province_code)",
    ]
    for province in range(1, provinces + 1):
        statements += [
            f"CREATE TABLE {SCHEMA}.org_part_p{province} PARTITION OF {SCHEMA}.org_part FOR VALUES IN ({province})",
            f"CREATE TABLE {SCHEMA}.member_part_p{province} PARTITION OF {SCHEMA}.member_part FOR VALUES IN ({province})",
        ]
    for statement in statements:
        execute(statement)
    started = time.perf_counter()
    for province in range(1, provinces + 1):
        offset = province * ID_OFFSET
        for layout in ("plain", "part"):
            execute(
                f"""INSERT INTO {SCHEMA}.org_{layout}
                SELECT %s, id + %s, %s || substr(path, {STEP + 1}), depth, kind, sector, status FROM {org_table}""",
                [province, offset, province_step(province)],
            )
            execute(
                f"""INSERT INTO {SCHEMA}.member_{layout}
                SELECT %s, id + %s, organization_id + %s, status, category, birth_date, education
                FROM {member_table}""",
                [province, offset, offset],
            )
    for layout in ("plain", "part"):
        # The platform's indexes: path prefix (C collation: LIKE 'x%' uses the b-tree) and
        # members by (organization, status).
        execute(f"CREATE INDEX ON {SCHEMA}.org_{layout} (path)")
        execute(f"CREATE INDEX ON {SCHEMA}.member_{layout} (organization_id, status)")
        execute(f"ANALYZE {SCHEMA}.org_{layout}")
        execute(f"ANALYZE {SCHEMA}.member_{layout}")
    members = execute(f"SELECT count(*) FROM {SCHEMA}.member_plain")[0][0]
    organizations = execute(f"SELECT count(*) FROM {SCHEMA}.org_plain")[0][0]
    worker.log(
        f"{provinces} provinces: {organizations} organizations, {members} members per layout, "
        f"copied and indexed in {time.perf_counter() - started:.1f} s"
    )
    return {"members": members, "organizations": organizations}


def subtree_sql(layout: str) -> str:
    return f"""
        SELECT count(*) FILTER (WHERE m.category = 'full'), count(*) FILTER (WHERE m.category = 'probationary')
        FROM {SCHEMA}.member_{layout} m JOIN {SCHEMA}.org_{layout} o
          ON o.id = m.organization_id AND o.province_code = m.province_code
        WHERE m.province_code = %(province)s AND o.province_code = %(province)s
          AND o.path LIKE %(prefix)s AND m.status = 'active'"""


def children_rollup_sql(layout: str) -> str:
    return f"""
        SELECT substr(o.path, 1, {2 * STEP}) AS child, count(*) FILTER (WHERE m.category = 'full'),
               count(*) FILTER (WHERE m.category = 'probationary')
        FROM {SCHEMA}.member_{layout} m JOIN {SCHEMA}.org_{layout} o
          ON o.id = m.organization_id AND o.province_code = m.province_code
        WHERE m.province_code = %(province)s AND o.province_code = %(province)s
          AND o.path LIKE %(prefix)s AND m.status = 'active'
        GROUP BY 1"""


def national_sql(layout: str) -> str:
    return f"""SELECT province_code, count(*) FROM {SCHEMA}.member_{layout}
        WHERE status = 'active' GROUP BY province_code"""


def subtree_prefixes(scale_name: str | None) -> list[tuple[str, str]]:
    """(level, path prefix in province 1) from the root down to a township."""
    from home_levels import levels

    found: list[tuple[str, str]] = []
    if scale_name:
        for level, organization in levels(scale_name):
            found.append((level, province_step(1) + organization.path[STEP:]))
    return found


def time_query(sql: str, params: dict[str, Any], runs: int) -> tuple[list[float], list[tuple]]:
    answer: list[tuple] = []

    def run() -> None:
        nonlocal answer
        answer = execute(sql, params)

    return worker.latencies(run, runs), answer


def partitions_in_plan(sql: str, params: dict[str, Any]) -> tuple[int, list[str]]:
    plan = [row[0] for row in execute("EXPLAIN (COSTS OFF) " + sql, params)]
    scanned = {match for line in plan for match in re.findall(r"member_part_p\d+", line)}
    return len(scanned), plan


def bench_sharding(
    size: Size,
    engine: str,
    *,
    reuse: str | None = None,
    provinces: int = 4,
    keep: bool = False,
    runs: int | None = None,
) -> None:
    runs = runs or size.runs
    if connection.vendor != "postgresql":
        worker.emit(engine, {"name": "sharding", "skipped": "needs PostgreSQL (declarative partitioning)"})
        return
    if not reuse:
        worker.load_scale(size)
    totals = build_layouts(provinces)
    try:
        shapes: list[tuple[str, str, dict[str, Any]]] = [
            (f"subtree[{level}]", "subtree", {"province": 1, "prefix": prefix + "%"})
            for level, prefix in subtree_prefixes(reuse or size.scale)
        ]
        shapes.append(("children_rollup", "children", {"province": 1, "prefix": province_step(1) + "%"}))
        shapes.append(("national_by_province", "national", {}))
        builders = {"subtree": subtree_sql, "children": children_rollup_sql, "national": national_sql}
        for name, shape, params in shapes:
            plain_sql, part_sql = builders[shape]("plain"), builders[shape]("part")
            plain, plain_answer = time_query(plain_sql, params, runs)
            part, part_answer = time_query(part_sql, params, runs)
            if sorted(plain_answer) != sorted(part_answer):
                raise SystemExit(f"{name}: the layouts disagree: {plain_answer} != {part_answer}")
            scanned, plan = partitions_in_plan(part_sql, params)
            baseline = {"name": "unpartitioned_table_same_filter", **worker.latency_figures(plain)}
            extra: dict[str, Any] = {
                "provinces": provinces,
                "partitions_scanned": scanned,
                "rows_in_answer": len(part_answer),
                "explain_partitioned": plan,
            }
            worker.emit(
                engine,
                worker.latency_record(
                    f"sharding.{name}",
                    totals["members"],
                    part,
                    baseline,
                    **extra,
                ),
            )
    finally:
        if not keep:
            execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--reuse", help="the scale already loaded in the database (seed 1)")
    parser.add_argument("--provinces", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="leave schema shard_bench for inspection")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per query (default: the size's)")
    parser.add_argument("--engine", default=None)
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0, interactive=False)
    if not args.reuse:
        assert not Organization.objects.exists(), "the benchmark database must be empty"
    bench_sharding(
        SIZES[args.size],
        args.engine or connection.vendor,
        reuse=args.reuse,
        provinces=args.provinces,
        keep=args.keep,
        runs=args.runs,
    )


if __name__ == "__main__":
    main()
