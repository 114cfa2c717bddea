"""Every subtree filter (`path LIKE 'prefix%'`, what `restrict()` and the org pages send) is
answered from the path index on PostgreSQL (issue 6, item 6).

A B-tree index serves LIKE 'prefix%' only when its operator class compares bytes
(`varchar_pattern_ops`) or the column's collation is "C"; with the database's default
collation (en_US.UTF-8 here) the plain unique index on `path` cannot be used for it, and
every subtree query would read the whole table. The index is `org_path_pattern_idx`
(orgs/models.py).

The check is realistic rather than forced: no `SET enable_seqscan = off`. The tables get
enough rows (a county's worth of organizations, a few members per branch) and fresh
statistics that the planner prefers the index for a township-sized subtree on its own;
with a handful of rows any planner rightly reads the whole (one-page) table.
"""

import pytest
from django.db import connection

from dangjian.members.models import Member
from dangjian.orgs.models import Organization

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="EXPLAIN output and operator classes are PostgreSQL's; SQLite has no varchar_pattern_ops",
    ),
]

ORGS_PER_LEVEL = 40
INDEX_NODES = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")


def _fill_tree() -> None:
    """A root, 40 committees, 40 branches under each (1,641 organizations) and 10 members per
    branch (16,000), written with SQL so the test stays fast."""
    org_table = Organization._meta.db_table
    member_table = Member._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {org_table} (path, depth, numchild, code, name, short_name, kind, sector,
                has_committee, secretary_name, contact_phone, status, month_precision_dates,
                created_at, updated_at)
            SELECT path, depth, 0, 'C' || row_number() OVER (), 'org ' || path, '', 'branch', 'rural',
                   false, '', '', 'active', '[]', now(), now()
            FROM (
                SELECT '0001' AS path, 1 AS depth
                UNION ALL
                SELECT '0001' || lpad(a::text, 4, '0'), 2 FROM generate_series(1, %(n)s) a
                UNION ALL
                SELECT '0001' || lpad(a::text, 4, '0') || lpad(b::text, 4, '0'), 3
                FROM generate_series(1, %(n)s) a, generate_series(1, %(n)s) b
            ) tree
            """,
            {"n": ORGS_PER_LEVEL},
        )
        cursor.execute(
            f"""
            INSERT INTO {member_table} (organization_id, name, name_pinyin, name_initials, sex,
                ethnicity, id_number, birth_date, education, category, joined_on, phone, job,
                address, status, month_precision_dates, created_at, updated_at)
            SELECT o.id, 'm', '', '', 'M', '', lpad((o.id * 10 + s)::text, 18, '0'), '1980-01-01',
                   '', 'full', '2001-07-01', '', '', '', 'active', '[]', now(), now()
            FROM {org_table} o, generate_series(1, 10) s
            WHERE o.depth = 3
            """
        )
        cursor.execute(f"ANALYZE {org_table}")
        cursor.execute(f"ANALYZE {member_table}")


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _uses_path_index(plan: str) -> bool:
    return any(
        node in line and "org_path_pattern_idx" in line for line in plan.splitlines() for node in INDEX_NODES
    )


def test_the_path_index_compares_bytes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'org_path_pattern_idx'")
        (definition,) = cursor.fetchone()
    assert "varchar_pattern_ops" in definition


def test_subtree_of_organizations_uses_the_path_index():
    _fill_tree()
    township = "00010007"  # one committee: 41 of 1,641 organizations
    plan = _plan(Organization.objects.filter(path__startswith=township))
    assert _uses_path_index(plan), plan


def test_members_of_a_subtree_use_the_path_index():
    _fill_tree()
    township = "00010007"
    queryset = Member.objects.filter(organization__path__startswith=township, status="active").values_list(
        "id", "name"
    )
    plan = _plan(queryset)
    assert _uses_path_index(plan), plan
