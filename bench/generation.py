"""Generation benchmark: `dangjian demo-data --scale SCALE` (generator.load_demo, the function the
command calls) into the empty database of DATABASE_URL, timed, with the time of every county.

    python bench/generation.py --scale county|prefecture|province [--no-baseline]

Prints one JSON line `generate[SCALE] orgs+members/s`: `n` = organizations + members written,
`rows_per_s` over the whole load (plan + write, one transaction), and the per-row baseline
(organizations bulk-written, members `save()`d one by one, 2,000 sampled, rate extrapolated).
`per_county_s` lists the seconds each county took, so a run that is stopped early (or a scale
that is too big to run) can be extrapolated from the counties measured — `generation.py` never
does this itself; the README labels such figures as extrapolations.

Run by bench/run.py as the `generation` benchmark (size small = county, medium = prefecture,
large = province) in a throw-away database; run directly it leaves the data in DATABASE_URL for
the other benchmarks of this directory (`home_levels.py --reuse`, `sharding.py --reuse`,
`http_load.py --reuse`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings.dev")

import worker
from django.core.management import call_command
from sizes import SIZES, Size

from dangjian.demo import generator
from dangjian.orgs.models import Organization


def baseline_rate(size: Size) -> dict:
    """Per-row ORM writes on the same empty database: a county's organizations bulk-written,
    then a sample of its members saved one by one; everything is removed again afterwards."""
    organizations, members = worker.planned_members(size, size.baseline_sample)
    Organization.objects.bulk_create(organizations, batch_size=1000)
    sample = worker.fresh_copies(members[: size.baseline_sample])
    measured = worker.save_one_by_one(sample)
    generator.delete_all()
    return {
        "name": f"orm_save_per_member (sample {len(sample)}, rate extrapolated)",
        "rows_per_s": measured["rows_per_s"],
    }


def bench_generation(size: Size, engine: str, *, with_baseline: bool = True) -> dict:
    baseline = baseline_rate(size) if with_baseline else {"name": "none (--no-baseline)", "rows_per_s": 0}
    county_seconds: list[float] = []
    last = time.perf_counter()

    def progress(message: str) -> None:
        nonlocal last
        now = time.perf_counter()
        county_seconds.append(round(now - last, 2))
        last = now
        worker.log(f"{message} ({county_seconds[-1]} s)")

    started = time.perf_counter()
    result = generator.load_demo(size.scale, seed=worker.SEED, as_of=worker.AS_OF, progress=progress)
    seconds = time.perf_counter() - started
    organizations = sum(result.organizations.values())
    rows = organizations + result.members
    record = worker.rate_record(
        f"generate[{size.scale}] orgs+members/s",
        rows,
        seconds,
        baseline,
        organizations=organizations,
        members=result.members,
        members_per_s=round(result.members / seconds),
        events_and_roles=result.events + result.roles,
        # A single county also gets a year of organizational life (load_demo's default), whose
        # writes are inside `seconds` too: these rows say how much of the time they took.
        activities_and_attendance=result.activities + result.attendance,
        all_rows_per_s=round(
            (rows + result.events + result.roles + result.activities + result.attendance) / seconds
        ),
        counties=len(county_seconds) or 1,
        per_county_s=county_seconds,
    )
    worker.emit(engine, record)
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=list(SIZES), default=None)
    parser.add_argument("--scale", choices=list(generator.SCALES), default=None)
    parser.add_argument("--engine", default=None)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    size = SIZES[args.size or "small"]
    if args.scale:
        size = next(s for s in SIZES.values() if s.scale == args.scale)
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    assert not Organization.objects.exists(), "the benchmark database must be empty"
    bench_generation(size, args.engine or connection.vendor, with_baseline=not args.no_baseline)


if __name__ == "__main__":
    main()
