"""The benchmarks of generation.py, home_levels.py, sharding.py and http_load.py at the `tiny`
size, so they keep working as the code under them changes (the figures mean nothing here)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH_DIR))

import generation  # noqa: E402
import sharding  # noqa: E402
from sizes import SIZES  # noqa: E402

TINY = SIZES["tiny"]


def records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip().startswith("{")]


@pytest.mark.django_db
def test_generation_counts_organizations_and_members_and_times_every_county(capsys):
    record = generation.bench_generation(TINY, "sqlite")
    (printed,) = records(capsys.readouterr().out)
    assert printed == {**record, "engine": "sqlite"}
    assert printed["name"] == "generate[tiny] orgs+members/s"
    assert printed["n"] == printed["organizations"] + printed["members"] > 0
    assert printed["rows_per_s"] > 0 and printed["baseline"]["rows_per_s"] > 0
    assert printed["counties"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("live_org_limit", [1000, 0])
def test_home_levels_times_page_baseline_and_duckdb_limit_at_each_level(capsys, settings, live_org_limit):
    """At the tiny size every level is under the default limit (live); with the limit at 0 the
    page reads the stored figures, and the DuckDB check compares those."""
    pytest.importorskip("duckdb")
    import home_levels

    settings.HOME_LIVE_ORG_LIMIT = live_org_limit
    home_levels.bench_home_levels(TINY, "sqlite")
    printed = records(capsys.readouterr().out)
    recomputes, printed = printed[:2], printed[2:]
    assert [r["name"] for r in recomputes] == [
        "member_figures_recompute[full]",
        "member_figures_recompute[incremental]",
    ]
    assert recomputes[0]["recomputed"] == recomputes[0]["n"] > 0 and recomputes[1]["recomputed"] == 0
    assert [r["name"] for r in printed] == ["home[county]", "home[township]"]
    assert {r["source"] for r in printed} == {"live" if live_org_limit else "stored"}
    for record in printed:
        assert 0 < record["p50_ms"] <= record["p95_ms"]
        assert record["baseline"]["p95_ms"] > 0 and record["limit"]["p95_ms"] > 0
        assert set(record["parts_p95_ms"]) == {
            "scope_root_rows",
            "warnings_in_scope",
            "member_and_org_figures",
        }
    assert printed[0]["n"] > printed[1]["n"] > 0


@pytest.mark.django_db
def test_sharding_prunes_to_one_partition_for_a_province_and_scans_all_for_the_nation(capsys):
    if connection.vendor != "postgresql":
        sharding.bench_sharding(TINY, "sqlite")
        (printed,) = records(capsys.readouterr().out)
        assert printed["skipped"]
        return
    sharding.bench_sharding(TINY, "postgresql", provinces=3)
    printed = {r["name"]: r for r in records(capsys.readouterr().out)}
    assert set(printed) == {
        "sharding.subtree[county]",
        "sharding.subtree[township]",
        "sharding.children_rollup",
        "sharding.national_by_province",
    }
    assert printed["sharding.subtree[county]"]["partitions_scanned"] == 1
    assert printed["sharding.children_rollup"]["partitions_scanned"] == 1
    assert printed["sharding.national_by_province"]["partitions_scanned"] == 3
    assert printed["sharding.national_by_province"]["rows_in_answer"] == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [sharding.SCHEMA])
        assert cursor.fetchone()[0] == 0, "the simulation's schema is dropped afterwards"


def test_http_load_runs_gunicorn_with_no_errors(tmp_path):
    pytest.importorskip("httpx")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'http.sqlite3'}",
        DANGJIAN_HOME=str(tmp_path),
        DEBUG="0",
        LOG_LEVEL="WARNING",
    )
    completed = subprocess.run(
        [sys.executable, str(BENCH_DIR / "http_load.py"), "--size", "tiny"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    (record,) = records(completed.stdout)
    assert record["errors"] == 0, record["error_samples"]
    assert record["requests"] > 0 and record["p50_ms"] <= record["p95_ms"] <= record["p99_ms"]
    assert record["baseline"]["requests_per_s"] > 0
    assert sum(record["per_page_requests"].values()) == record["requests"]
