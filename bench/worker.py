"""One benchmark in one process, against the empty database named by DATABASE_URL (run.py
creates it). Prints one JSON line per measurement on standard output.

Rates (`rows_per_s`) compare with a per-row baseline as `ratio = rows_per_s / baseline rate`;
latencies compare as `ratio = baseline p95 / p95`. Either way a ratio above 1 means the
platform beats its baseline.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from sizes import SIZES, Size  # noqa: E402

from dangjian.access.models import Grant  # noqa: E402
from dangjian.access.roles import Role  # noqa: E402
from dangjian.access.services import grant_create  # noqa: E402
from dangjian.demo import generator  # noqa: E402
from dangjian.io.services import members_export, members_for_export, members_import, write_members_xlsx  # noqa: E402
from dangjian.members.choices import Category, MemberStatus  # noqa: E402
from dangjian.members.filters import AGE_BANDS, birth_range_for_ages  # noqa: E402
from dangjian.members.models import Member  # noqa: E402
from dangjian.orgs.choices import OrgKind  # noqa: E402
from dangjian.orgs.models import Organization  # noqa: E402

# A fixed "today" keeps generated ages, terms and probation periods the same on every run.
AS_OF = dt.date(2026, 1, 15)
SEED = 1


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def emit(engine: str, record: dict[str, Any]) -> None:
    print(json.dumps({**record, "engine": engine}, ensure_ascii=False), flush=True)


# --- memory --------------------------------------------------------------------------------


def reset_peak_rss() -> bool:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM)."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak resident memory of this process since the last reset (whole process, Django included)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


# --- timing --------------------------------------------------------------------------------


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `share` of the samples at or below it."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def latencies(call: Callable[[], Any], runs: int, budget_s: float | None = None) -> list[float]:
    """Milliseconds of `runs` calls after two warm-up calls; with a budget, stop early (at least 3)."""
    for _ in range(2):
        call()
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < runs:
        begin = time.perf_counter()
        call()
        samples.append((time.perf_counter() - begin) * 1000)
        if budget_s is not None and len(samples) >= 3 and time.perf_counter() - started > budget_s:
            break
    return samples


def latency_figures(samples: list[float]) -> dict[str, float]:
    return {
        "runs": len(samples),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
    }


def rate_record(
    name: str, rows: int, seconds: float, baseline: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    rate = rows / seconds if seconds else 0.0
    return {
        "name": name,
        "n": rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rate),
        "baseline": baseline,
        "ratio": round(rate / baseline["rows_per_s"], 2) if baseline.get("rows_per_s") else None,
        **extra,
    }


def latency_record(name: str, n: int, samples: list[float], baseline: dict[str, Any], **extra: Any) -> dict:
    figures = latency_figures(samples)
    return {
        "name": name,
        "n": n,
        "seconds": round(sum(samples) / 1000, 3),
        **figures,
        "baseline": baseline,
        "ratio": round(baseline["p95_ms"] / figures["p95_ms"], 2) if baseline.get("p95_ms") else None,
        **extra,
    }


def save_one_by_one(members: list[Member]) -> dict[str, Any]:
    """The naive way: `Member.save()` per row, each in its own transaction (Django's autocommit)."""
    started = time.perf_counter()
    for member in members:
        member.save()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows_per_s": round(len(members) / seconds) if seconds else 0}


# --- data ----------------------------------------------------------------------------------


def load_scale(size: Size) -> generator.LoadResult:
    started = time.perf_counter()
    result = generator.load_demo(size.scale, seed=SEED, as_of=AS_OF)
    log(
        f"loaded {size.scale}: {Organization.objects.count()} organizations, "
        f"{Member.objects.count()} members in {time.perf_counter() - started:.1f} s"
    )
    return result


def planned_members(size: Size, wanted: int) -> tuple[list[Organization], list[Member]]:
    """Organizations (upper levels and whole counties) and at least `wanted` valid members from
    the demo generator's plans, without writing anything."""
    uppers, counties = generator.plan_counties(generator.SCALES[size.scale], SEED, AS_OF)
    organizations, members = list(uppers), []
    for spec in counties:
        plan = generator.build_county(spec, generator.SCALES[size.scale], SEED, AS_OF)
        organizations += plan.organizations
        members += plan.members
        if len(members) >= wanted:
            break
    return organizations, members


def user_granted(username: str, organization: Organization) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username=username, password="Bench-pass-2026")
    grant_create(actor=None, user=user, organization=organization, role=Role.ORG_ADMIN)
    return user


def fresh_copies(members: Iterable[Member]) -> list[Member]:
    """Unsaved copies, so the same planned rows can be written twice (baseline, then real path)."""
    copies = []
    for member in members:
        # Relations by object: the planned organizations got their keys only when bulk-written.
        copy = Member(
            **{
                f.name if f.is_relation else f.attname: getattr(
                    member, f.name if f.is_relation else f.attname
                )
                for f in Member._meta.concrete_fields
                if not f.primary_key
            }
        )
        copies.append(copy)
    return copies


# --- benchmarks ----------------------------------------------------------------------------


def bench_demo_data(size: Size, engine: str) -> None:
    scale = generator.SCALES[size.scale]
    # Baseline first, on the same empty database: the first county's organizations bulk-written,
    # then a sample of its members saved one by one; then everything is removed again.
    organizations, members = planned_members(size, size.baseline_sample)
    Organization.objects.bulk_create(organizations, batch_size=1000)
    sample = fresh_copies(members[: size.baseline_sample])
    baseline = save_one_by_one(sample)
    generator.delete_all()

    started = time.perf_counter()
    result = generator.load_demo(size.scale, seed=SEED, as_of=AS_OF)
    seconds = time.perf_counter() - started
    rows = result.members + sum(result.organizations.values()) + result.events + result.roles
    emit(
        engine,
        rate_record(
            f"demo_data[{scale.name}] members/s",
            result.members,
            seconds,
            {
                "name": f"orm_save_per_member (sample {len(sample)}, rate extrapolated)",
                "rows_per_s": baseline["rows_per_s"],
                "extrapolated_seconds": round(result.members / baseline["rows_per_s"], 1),
            },
            organizations=sum(result.organizations.values()),
            all_rows=rows,
            all_rows_per_s=round(rows / seconds),
        ),
    )


def bench_import_members(size: Size, engine: str) -> None:
    organizations, members = planned_members(size, size.import_rows)
    members = members[: size.import_rows]
    Organization.objects.bulk_create(organizations, batch_size=1000)
    root = Organization.objects.order_by("path").first()
    user = user_granted("bench_importer", root)
    workdir = Path(tempfile.mkdtemp(prefix="import-"))
    roster = workdir / "roster.xlsx"
    # The rows exactly as an export would write them (full ID numbers): XlsxWriter via io.services.
    write_members_xlsx(str(roster), members, unmasked=True, watermark="bench")
    log(f"roster of {len(members)} rows: {roster.stat().st_size / 1e6:.1f} MB")

    sample = fresh_copies(members[: size.baseline_sample])
    baseline = save_one_by_one(sample)
    Member.objects.all().delete()

    # BENCH_PROFILE=FILE: write a cProfile of the import to FILE (its timing is then not comparable).
    profile_path = os.environ.get("BENCH_PROFILE")
    profiler = cProfile.Profile() if profile_path else None
    rss_before = current_rss_mb()
    reset_peak_rss()
    started = time.perf_counter()
    with roster.open("rb") as stream:
        if profiler:
            profiler.enable()
        report = members_import(actor=user, stream=stream, filename=roster.name, today=AS_OF)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile_path)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    if report.errors or report.written != len(members):
        raise SystemExit(
            f"import did not write every row: {report.written} written, errors {report.errors[:5]}"
        )
    emit(
        engine,
        rate_record(
            "import_members",
            report.written,
            seconds,
            {
                "name": f"orm_save_per_row (sample {len(sample)}, rate extrapolated)",
                "rows_per_s": baseline["rows_per_s"],
                "extrapolated_seconds": round(len(members) / baseline["rows_per_s"], 1),
            },
            peak_mb=peak,
            rss_before_mb=rss_before,
            file_mb=round(roster.stat().st_size / 1e6, 2),
        ),
    )


def bench_export_members(size: Size, engine: str) -> None:
    result = load_scale(size)
    root = result.root
    user = user_granted("bench_exporter", root)
    workdir = Path(tempfile.mkdtemp(prefix="export-"))

    # Baseline: the same writer fed by a queryset without select_related, so every row fetches
    # its organization and 党小组 on its own (the usual N+1 export), on a sample.
    plain = Member.objects.filter(
        organization__path__startswith=root.path, status=MemberStatus.ACTIVE
    ).order_by("organization__path", "name", "id")
    started = time.perf_counter()
    sampled = write_members_xlsx(
        str(workdir / "baseline.xlsx"), plain[: size.baseline_sample], unmasked=False, watermark="bench"
    )
    baseline_seconds = time.perf_counter() - started

    queryset = members_for_export(user).filter(
        organization__path__startswith=root.path, status=MemberStatus.ACTIVE
    )
    rss_before = current_rss_mb()
    reset_peak_rss()
    started = time.perf_counter()
    count = members_export(
        actor=user, queryset=queryset, target=str(workdir / "roster.xlsx"), organization=root
    )
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    ceilings = writer_ceilings(workdir, min(count, 20_000))
    emit(
        engine,
        rate_record(
            "export_members",
            count,
            seconds,
            {
                "name": f"n_plus_1_export (sample {sampled}, rate extrapolated)",
                "rows_per_s": round(sampled / baseline_seconds),
                "extrapolated_seconds": round(count / (sampled / baseline_seconds), 1),
            },
            peak_mb=peak,
            rss_before_mb=rss_before,
            **ceilings,
        ),
    )


def writer_ceilings(workdir: Path, rows: int) -> dict[str, int]:
    """Rows/s of the two writers fed one constant roster row, no database: what the export
    could reach at best with each (XlsxWriter as the export used it: write_string per cell,
    write_datetime for the three dates)."""
    import xlsxwriter

    from dangjian.io.xlsxstream import RosterSheet

    day = dt.date(2001, 7, 1)
    row = ["张建国", "男", "汉族", "532927********203X", day, "大学本科", "正式党员", "B000123",
           "某某村党支部", day, day, "13812345678", "农民", "云南省某县某镇某村1号"]  # fmt: skip
    started = time.perf_counter()
    workbook = xlsxwriter.Workbook(str(workdir / "ceiling_xlsxwriter.xlsx"), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for number in range(rows):
        for column, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(number, column, value, date_format)
            else:
                sheet.write_string(number, column, value)
    workbook.close()
    xlsxwriter_rate = rows / (time.perf_counter() - started)
    started = time.perf_counter()
    roster = RosterSheet(str(workdir / "ceiling_roster.xlsx"), "党员", [10] * len(row))
    for _ in range(rows):
        roster.row(row)
    roster.close()
    roster_rate = rows / (time.perf_counter() - started)
    return {
        "ceiling_rows": rows,
        "xlsxwriter_ceiling_rows_per_s": round(xlsxwriter_rate),
        "roster_writer_ceiling_rows_per_s": round(roster_rate),
    }


def places(result: generator.LoadResult) -> list[tuple[str, Organization]]:
    found = [("root", result.root)]
    if result.county is not None and result.county.pk != result.root.pk:
        found.append(("county", result.county))
    found.append(("township", result.first_township))
    return found


def logged_in_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def per_org_home_figures(organization: Organization) -> dict[str, Any]:
    """The home page's member and organization figures the straightforward way: one
    organization at a time, counting its members with two queries each."""
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
    sectors: dict[str, int] = {}
    education: dict[str, int] = {}
    for org in Organization.objects.filter(path__startswith=organization.path).active():
        kinds[org.kind] = kinds.get(org.kind, 0) + 1
        if org.kind != OrgKind.GROUP:
            sectors[org.sector] = sectors.get(org.sector, 0) + 1
        members = Member.objects.filter(organization=org, status=MemberStatus.ACTIVE).order_by()
        for key, value in members.aggregate(**counts).items():
            totals[key] = totals.get(key, 0) + value
        for value, n in members.values_list("education").annotate(n=Count("id")):
            education[value] = education.get(value, 0) + n
    return {"totals": totals, "kinds": kinds, "sectors": sectors, "education": education}


def bench_home_rollup(size: Size, engine: str) -> None:
    result = load_scale(size)
    for level, organization in places(result):
        user = user_granted(f"bench_home_{level}", organization)
        client = logged_in_client(user)

        def home(client: Client = client) -> None:
            response = client.get("/")
            assert response.status_code == 200, response.status_code

        samples = latencies(home, size.runs)
        baseline_samples = latencies(
            lambda org=organization: per_org_home_figures(org), size.runs, size.baseline_budget_s
        )
        organizations = Organization.objects.filter(path__startswith=organization.path).count()
        emit(
            engine,
            latency_record(
                f"home_rollup[{level}]",
                Member.objects.filter(organization__path__startswith=organization.path).count(),
                samples,
                {"name": "per_organization_orm_counts", **latency_figures(baseline_samples)},
                organizations=organizations,
            ),
        )


def bench_member_list(size: Size, engine: str) -> None:
    result = load_scale(size)
    for level, organization in [p for p in places(result) if p[0] in ("root", "township")]:
        user = user_granted(f"bench_list_{level}", organization)
        client = logged_in_client(user)
        in_subtree = Member.objects.filter(organization__path__startswith=organization.path)
        total = in_subtree.count()

        def floor(in_subtree: Any = in_subtree) -> None:
            # The least any list page must do: count the subtree and fetch one page of 50 rows.
            page = in_subtree.select_related("organization", "group").order_by("organization__path", "name")
            page.count()
            list(page[:50])

        floor_samples = latencies(floor, size.runs)
        for name, url in (("member_list", "/members/"), ("api_members", "/api/members/")):

            def page(url: str = url, client: Client = client, code: str = organization.code) -> None:
                response = client.get(url, {"org": code})
                assert response.status_code == 200, (url, response.status_code)

            emit(
                engine,
                latency_record(
                    f"{name}[{level}]",
                    total,
                    latencies(page, size.runs),
                    {
                        "name": "orm_count_plus_one_page_no_rendering (a floor)",
                        **latency_figures(floor_samples),
                    },
                ),
            )


BENCHMARKS: dict[str, Callable[[Size, str], None]] = {
    "demo_data": bench_demo_data,
    "import_members": bench_import_members,
    "export_members": bench_export_members,
    "home_rollup": bench_home_rollup,
    "member_list": bench_member_list,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=list(BENCHMARKS))
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--engine", default=connection.vendor)
    args = parser.parse_args()
    call_command("migrate", verbosity=0, interactive=False)
    assert not Grant.objects.exists() and not Organization.objects.exists(), (
        "the benchmark database must be empty"
    )
    BENCHMARKS[args.name](SIZES[args.size], args.engine)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
