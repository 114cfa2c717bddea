"""Each benchmark at the `tiny` size, so bench/ keeps working as the code under it changes.

The benchmarks run in-process on the test database (the figures mean nothing at this size);
one run goes through bench/run.py to keep the driver and its temporary database working."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH_DIR))

import worker  # noqa: E402
from sizes import SIZES  # noqa: E402

EXPECTED_NAMES = {
    "demo_data": {"demo_data[tiny] members/s"},
    "import_members": {"import_members"},
    "export_members": {"export_members"},
    "home_rollup": {"home_rollup[root]", "home_rollup[township]"},
    "member_list": {
        "member_list[root]",
        "api_members[root]",
        "member_list[township]",
        "api_members[township]",
    },
}


def records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(worker.BENCHMARKS))
def test_benchmark_prints_a_figure_and_its_baseline(name, capsys):
    worker.BENCHMARKS[name](SIZES["tiny"], "sqlite")
    printed = records(capsys.readouterr().out)
    assert {record["name"] for record in printed} == EXPECTED_NAMES[name]
    for record in printed:
        assert record["n"] > 0
        assert record["baseline"]["name"]
        assert record["ratio"] > 0
        if "rows_per_s" in record:
            assert record["rows_per_s"] > 0 and record["baseline"]["rows_per_s"] > 0
        else:
            assert 0 < record["p50_ms"] <= record["p95_ms"]
            assert record["baseline"]["p95_ms"] > 0
        if "peak_mb" in record:
            assert record["peak_mb"] >= record["rss_before_mb"] > 0
    if name == "import_members":
        assert printed[0]["n"] == SIZES["tiny"].import_rows


def test_run_py_uses_a_fresh_sqlite_database_per_benchmark(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    completed = subprocess.run(
        [sys.executable, str(BENCH_DIR / "run.py"), "--size", "tiny", "--only", "demo_data"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    (record,) = records(completed.stdout)
    assert record["engine"] == "sqlite"
    assert record["name"] == "demo_data[tiny] members/s"
