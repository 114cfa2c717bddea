"""The home page on the stored member figures at a province's size, without generating a province.

    DATABASE_URL=…/COPY_OF_A_PREFECTURE_DB python bench/home_stored_province.py [--copies 15] [--runs 10]

Generating the province data set takes over an hour on a loaded 2-core machine. Above
HOME_LIVE_ORG_LIMIT organizations the home page reads only the organizations and their stored
figures (members.MemberFigures), never the members, so a province's worth of *those* rows is
enough to time it: this script copies the prefecture data set's organizations and stored
figures `--copies` times under a new root (the prefectures of a simulated province; members are
not copied, so the copies have figures but no member rows) and times `GET /` for an org_admin
of that root, and of the original prefecture for comparison. Run it on a COPY of a prefecture
database (`createdb -T`): it adds the copies and does not remove them.

Baseline in the same run: the live path at the same root (HOME_LIVE_ORG_LIMIT raised above the
tree's size), which builds every organization with its member count and applies the warnings in
Python; timed on fewer runs, it takes seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings.dev")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

import worker
from django.conf import settings
from django.db import connection, transaction
from home_levels import timed

from dangjian.dashboards.selectors import reads_stored_figures, stored_figures, stored_warnings_in_scope
from dangjian.members.models import MemberFigures
from dangjian.members.services import member_figures_recompute
from dangjian.orgs.models import Organization
from dangjian.orgs.services import organization_create

ROOT_CODE = "SIMPROV"
STEP = Organization.steplen


def base36(number: int, width: int = STEP) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out.rjust(width, "0")


def simulate_province(copies: int) -> Organization:
    """A new root with `copies` copies of the existing (prefecture) tree and its stored figures
    under it, written with INSERT … SELECT (a benchmark's copy, like sharding.py's: the platform
    itself changes the tree only through orgs.services); once (found again by its code later)."""
    existing = Organization.objects.filter(code=ROOT_CODE).first()
    if existing is not None:
        return existing
    if not MemberFigures.objects.exists():
        member_figures_recompute(full=True)
    (source,) = Organization.objects.get_root_nodes()
    org = Organization._meta.db_table
    figures = MemberFigures._meta.db_table
    quote = connection.ops.quote_name
    columns = [
        quote(f.column)
        for f in Organization._meta.concrete_fields
        if f.column not in {"id", "path", "depth", "code", "numchild"}
    ]
    figure_columns = [
        quote(f.column)
        for f in MemberFigures._meta.concrete_fields
        if f.column not in {"organization_id", "path"}
    ]
    with transaction.atomic():
        root = organization_create(
            actor=None, parent=None, code=ROOT_CODE, name="模拟省委", kind="committee", sector="government"
        )
        with connection.cursor() as cursor:
            for number in range(1, copies + 1):
                prefix = root.path + base36(number)
                suffix = f"-{number}"
                cursor.execute(
                    f"""INSERT INTO {org} (path, depth, numchild, code, {", ".join(columns)})
                    SELECT %s || substr(path, {STEP + 1}), depth + 1, numchild, code || %s, {", ".join(columns)}
                    FROM {org} WHERE path LIKE %s""",
                    [prefix, suffix, source.path + "%"],
                )
                cursor.execute(
                    f"""INSERT INTO {figures} (organization_id, path, {", ".join(figure_columns)})
                    SELECT copy.id, copy.path, {", ".join("f." + c for c in figure_columns)}
                    FROM {figures} f JOIN {org} original ON original.id = f.organization_id
                    JOIN {org} copy ON copy.code = original.code || %s
                    WHERE original.path LIKE %s""",
                    [suffix, source.path + "%"],
                )
            cursor.execute(f"UPDATE {org} SET numchild = %s WHERE id = %s", [copies, root.pk])
        member_figures_recompute()  # the new root's own row
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {org}")
        cursor.execute(f"ANALYZE {figures}")
    return Organization.objects.get(pk=root.pk)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=15)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    root = simulate_province(args.copies)
    prefecture = Organization.objects.get_root_nodes().exclude(pk=root.pk).first()
    assert prefecture is not None
    for level, organization in (("simulated_province", root), ("prefecture", prefecture)):
        user = worker.user_granted(f"bench_simprov_{os.getpid()}_{level}", organization)
        client = worker.logged_in_client(user)
        assert reads_stored_figures(user)

        def home(client=client) -> None:
            response = client.get("/")
            assert response.status_code == 200, response.status_code

        def part(call, user=user):
            def run() -> None:
                user.__dict__.pop("_dangjian_scope", None)
                call(user)

            return run

        parts = {
            "warnings": worker.latency_figures(timed(part(stored_warnings_in_scope), args.runs, 20.0))[
                "p95_ms"
            ],
            "figures": worker.latency_figures(timed(part(stored_figures), args.runs, 20.0))["p95_ms"],
        }
        samples = timed(home, args.runs, 60.0)
        saved = getattr(settings, "HOME_LIVE_ORG_LIMIT", None)
        settings.HOME_LIVE_ORG_LIMIT = 10**9
        try:
            live = timed(home, 3, 30.0)
        finally:
            if saved is None:
                del settings.HOME_LIVE_ORG_LIMIT
            else:
                settings.HOME_LIVE_ORG_LIMIT = saved
        worker.emit(
            connection.vendor,
            worker.latency_record(
                f"home_stored[{level}]",
                MemberFigures.objects.filter(path__startswith=organization.path).count(),
                samples,
                {"name": "the live path at the same root", **worker.latency_figures(live)},
                parts_p95_ms=parts,
                load_average_1m=round(os.getloadavg()[0], 2),
            ),
        )


if __name__ == "__main__":
    main()
