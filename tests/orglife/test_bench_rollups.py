"""bench/rollups.py at the `tiny` size, in-process on the test database, so the benchmark keeps
working as the code under it changes (the figures mean nothing at this size)."""

import json
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH_DIR))

import rollups  # noqa: E402
from sizes import SIZES  # noqa: E402


@pytest.mark.django_db
def test_rollup_benchmark_prints_figures_and_baselines(capsys, monkeypatch):
    monkeypatch.setenv("ORGLIFE_BENCH_RUNS", "3")
    rollups.bench_orglife_rollups(SIZES["tiny"], "sqlite")
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    names = [record["name"] for record in printed]
    assert names[0] == "orglife_recompute_full" and names[-2:] == [
        "orglife_recompute_incremental",
        "orglife_rollup_step_incremental",
    ]
    assert {"orglife_dashboard[root]", "orglife_dashboard[township]"} <= set(names)
    for record in printed:
        assert record["n"] > 0 and record["ratio"] > 0
        if "p50_ms" in record:
            assert 0 < record["p50_ms"] <= record["p95_ms"] and record["live_p95_ms"] > 0
            assert record["baseline"]["p95_ms"] > 0
    assert printed[-1]["baseline"]["seconds"] > 0 and printed[-1]["whole_recompute_seconds"] > 0
    incremental = printed[-2]
    # Only the branches that got a new record are recomputed.
    assert incremental["n"] <= incremental["new_records"] < printed[0]["n"]
