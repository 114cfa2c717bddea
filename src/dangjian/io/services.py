"""Importing organizations and members from Excel, and exporting rosters back to Excel.

The importer reads the whole file once, looks up every organization and member it mentions
in a few chunked queries, judges each row by the same rules as the forms (`validate_member`,
`orgs.rules`), and writes through the domain services so every change is audited. By default
one error stops the whole import; `keep_valid` writes the rows without errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dangjian.core.audit import access_log_record, changed, snapshot
from dangjian.core.errors import validation_messages
from dangjian.core.idnumber import mask_id_number
from dangjian.core.models import AccessLog
from dangjian.core.restrict import path_in_scope, scope_q
from dangjian.members.models import Member
from dangjian.members.rules import probation_overdue
from dangjian.members.services import EDITABLE_FIELDS as MEMBER_EDITABLE
from dangjian.members.services import (
    member_values_errors,
    members_by_id_number,
    members_create_bulk,
    members_upsert,
)
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import placement_error
from dangjian.orgs.services import organization_create, organization_update

from . import rules
from .readers import Table, UnreadableFile, open_table, read_table
from .report import ImportReport
from .writers import watermark_text
from .xlsxstream import HEADER_STYLE, WATERMARK_STYLE, RosterSheet

Progress = Callable[[int, int], None]
# Report progress this often while parsing: often enough for a bar, rarely enough to be free.
PROGRESS_EVERY = 250
LOOKUP_CHUNK = 900
NOT_FOUND_OR_OUT_OF_SCOPE = "不存在或不在您的导入范围内"


class Rollback(Exception):
    """Raised inside the write transaction to undo everything written so far."""


@dataclass
class RowContext:
    """One data row while it is judged: its raw cells and where to report its problems."""

    row: int
    raw: dict[str, Any]
    table: Table
    columns: tuple[rules.ColumnSpec, ...]
    report: ImportReport
    bad_fields: set[str] = field(default_factory=set)
    month_fields: set[str] = field(default_factory=set)

    def header(self, field_name: str) -> str:
        return self.table.header_for(field_name) or next(
            (spec.header for spec in self.columns if spec.field == field_name), ""
        )

    def error(self, field_name: str, message: str) -> None:
        self.bad_fields.add(field_name)
        self.report.error(self.row, self.header(field_name), rules.display(self.raw.get(field_name)), message)

    def warn(self, field_name: str, message: str) -> None:
        self.report.warn(self.row, self.header(field_name), rules.display(self.raw.get(field_name)), message)

    @property
    def ok(self) -> bool:
        return not self.bad_fields

    def read(self, field_name: str, parser: Callable[[Any], Any], default: Any = None) -> Any:
        """Parse one cell; a CellError is reported and the default stands in for the value."""
        try:
            return parser(self.raw.get(field_name))
        except rules.CellError as exc:
            self.error(field_name, str(exc))
            return default

    def read_date(self, field_name: str) -> dt.date | None:
        value, month_only = self.read(field_name, rules.date_value, (None, False))
        if month_only:
            self.month_fields.add(field_name)
        return value

    def required(self, field_name: str) -> bool:
        if rules.display(self.raw.get(field_name)) == "":
            self.error(field_name, "必填，不能为空")
            return False
        return True


def _chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _orgs_where(lookup: str, values: Iterable[str]) -> list[Organization]:
    """Organizations whose `lookup` field is one of `values`, in IN queries every database accepts."""
    unique = sorted(set(values))
    found: list[Organization] = []
    for chunk in _chunks(unique):
        found.extend(Organization.objects.filter(**{f"{lookup}__in": chunk}))
    return found


def _open_table(
    report: ImportReport,
    stream: IO[bytes],
    filename: str,
    columns: tuple[rules.ColumnSpec, ...],
    *,
    streamed: bool = False,
) -> Table | None:
    """The table of the file with its header checked; `streamed` leaves the rows in
    `table.stream` (the caller counts them), otherwise they are listed in `table.rows`."""
    opener = open_table if streamed else read_table
    try:
        table = opener(stream, filename, rules.header_map(columns))
    except UnreadableFile as exc:
        report.error(None, "", filename, str(exc))
        return None
    for header in table.unknown_headers:
        report.warn(table.header_row, header, "", "未识别的列，已忽略")
    missing = [spec.header for spec in columns if spec.required and spec.field not in table.fields]
    for header in missing:
        report.error(table.header_row, header, "", f"缺少必填列“{header}”")
    if columns is rules.MEMBER_COLUMNS and not table.fields & set(rules.MEMBER_ORG_FIELDS):
        report.error(
            table.header_row, "所在党组织代码", "", "缺少“所在党组织代码”或“所在党组织”列（至少填一列）"
        )
    report.total = len(table.rows)
    return None if report.errors else table


class CommonPath:
    """The longest organization path prefix shared by every path added, kept as paths stream by."""

    def __init__(self) -> None:
        self.prefix: str | None = None

    def add(self, path: str) -> None:
        if self.prefix is None:
            self.prefix = path
            return
        prefix = self.prefix
        while not path.startswith(prefix):
            prefix = prefix[: -Organization.steplen]
        self.prefix = prefix

    @property
    def paths(self) -> list[str]:
        return [self.prefix] if self.prefix is not None else []


def common_organization(paths: Iterable[str]) -> Organization | None:
    """The lowest organization above all the given paths: where an import or export is logged."""
    paths = list(paths)
    if not paths:
        return None
    prefix = paths[0]
    for path in paths[1:]:
        while not path.startswith(prefix):
            prefix = prefix[: -Organization.steplen]
    if not prefix:
        return None
    return Organization.objects.filter(path=prefix).first()


def _log_import(
    actor: Any, kind: str, filename: str, report: ImportReport, dry_run: bool, paths: Iterable[str]
):
    access_log_record(
        actor=actor,
        kind=AccessLog.Kind.IMPORT,
        organization=common_organization(paths),
        detail={
            "what": kind,
            "file": filename,
            "dry_run": dry_run,
            "total": report.total,
            "valid": report.valid,
            "written": report.written,
            "errors": len(report.errors),
        },
    )


def _may(actor: Any, action: str, path: str) -> bool:
    return actor is None or path_in_scope(actor, action, path)


# --- organizations -------------------------------------------------------------------------

ORG_DATE_FIELDS = ("established_on", "term_started_on")
ORG_OPTIONAL_FIELDS = ("established_on", "term_started_on", "term_years")


@dataclass
class OrgRow:
    ctx: RowContext
    values: dict[str, Any]
    code: str = ""
    parent_code: str = ""
    existing: Organization | None = None
    parent_row: OrgRow | None = None
    parent_org: Organization | None = None

    @property
    def kind(self) -> str:
        return self.values.get("kind", "")


def _parse_org_row(ctx: RowContext) -> OrgRow:
    values: dict[str, Any] = {}
    row = OrgRow(ctx, values)
    if ctx.required("code"):
        row.code = ctx.read("code", rules.org_code, "")
    if ctx.required("name"):
        values["name"] = ctx.read("name", lambda v: rules.text(v, 120), "")
    row.parent_code = ctx.read("parent_code", lambda v: rules.org_code(v) if rules.text(v) else "", "")
    if ctx.required("kind"):
        values["kind"] = ctx.read("kind", lambda v: rules.choice(v, rules.KIND_LABELS, "组织类别"), "")
    if ctx.required("sector"):
        values["sector"] = ctx.read("sector", lambda v: rules.choice(v, rules.SECTOR_LABELS, "单位属性"), "")
    for name in ORG_DATE_FIELDS:
        if name in ctx.table.fields:
            values[name] = ctx.read_date(name)
    if "term_years" in ctx.table.fields:
        values["term_years"] = ctx.read("term_years", rules.term_years)
    return row


def _org_changes(row: OrgRow, existing: Organization) -> dict[str, Any]:
    """The fields the file sets differently from the stored organization (absent columns keep theirs)."""
    incoming = dict(row.values)
    present_dates = [name for name in ORG_DATE_FIELDS if name in incoming]
    kept_flags = [name for name in existing.month_precision_dates if name not in present_dates]
    incoming["month_precision_dates"] = sorted({*kept_flags, *row.ctx.month_fields})
    return {name: value for name, value in incoming.items() if getattr(existing, name) != value}


def _org_cycle(start: OrgRow) -> list[OrgRow] | None:
    """The rows of the file that lead back to `start` through their 上级组织代码, if any."""
    chain = [start]
    current = start.parent_row
    while current is not None:
        if current is start:
            return chain
        if current in chain:
            return None  # a cycle further up; its own rows report it
        chain.append(current)
        current = current.parent_row
    return None


def organizations_import(
    *,
    actor: Any,
    stream: IO[bytes],
    filename: str,
    dry_run: bool = False,
    keep_valid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update organizations keyed by 组织代码; parents may follow their children."""
    report = ImportReport()
    table = _open_table(report, stream, filename, rules.ORG_COLUMNS)
    if table is None:
        _log_import(actor, "organizations", filename, report, dry_run, [])
        return report
    rows: list[OrgRow] = []
    for number, (row_number, raw) in enumerate(table.rows, start=1):
        rows.append(_parse_org_row(RowContext(row_number, raw, table, rules.ORG_COLUMNS, report)))
        if progress and number % PROGRESS_EVERY == 0:
            progress(number, report.total)
    if progress:
        progress(report.total, report.total)

    written_paths: list[str] = []
    try:
        with transaction.atomic():
            _judge_org_rows(actor, rows)
            valid = [row for row in rows if row.ctx.ok]
            report.valid = len(valid)
            if not dry_run and valid and (keep_valid or not report.errors):
                written_paths = _write_org_rows(actor, valid, report)
                if report.errors and not keep_valid:
                    raise Rollback
    except Rollback:
        report.written = 0
        written_paths = []
    report.valid = len([row for row in rows if row.ctx.ok])
    report.sort()
    paths = written_paths or [row.existing.path for row in rows if row.existing is not None]
    _log_import(actor, "organizations", filename, report, dry_run, paths)
    return report


def _judge_org_rows(actor: Any, rows: list[OrgRow]) -> None:
    first_row: dict[str, OrgRow] = {}
    for row in rows:
        if not row.code:
            continue
        if row.code in first_row:
            row.ctx.error("code", f"与第{first_row[row.code].ctx.row}行的组织代码重复")
        else:
            first_row[row.code] = row
    in_file = first_row
    stored = {org.code: org for org in _orgs_where("code", [*in_file, *(r.parent_code for r in rows)])}
    stored_parents = {
        org.path: org
        for org in _orgs_where("path", [org.parent_path for org in stored.values() if org.depth > 1])
    }
    is_system = actor is None or getattr(actor, "is_superuser", False)

    for row in rows:
        if not row.code or in_file.get(row.code) is not row:
            continue
        row.existing = stored.get(row.code)
        if row.existing is not None and not (
            _may(actor, "import", row.existing.path) and _may(actor, "change", row.existing.path)
        ):
            row.ctx.error("code", f"组织代码“{row.code}”已被占用且不在您的导入范围内，请核对代码")
            continue
        _resolve_org_parent(actor, row, in_file, stored, stored_parents, is_system)

    for row in rows:
        if row.parent_row is not None and (cycle := _org_cycle(row)) is not None:
            codes = " → ".join([r.code for r in cycle] + [row.code])
            row.ctx.error("parent_code", f"上级组织关系构成循环：{codes}")

    children: dict[str, list[OrgRow]] = {}
    for row in rows:
        if row.parent_row is not None:
            children.setdefault(row.parent_row.code, []).append(row)
    for row in rows:
        parent_kind = (
            row.parent_row.kind if row.parent_row else (row.parent_org.kind if row.parent_org else None)
        )
        if row.kind and parent_kind and (problem := placement_error(row.kind, parent_kind)):
            row.ctx.error("parent_code" if parent_kind == OrgKind.GROUP else "kind", problem)
        if row.kind == OrgKind.GROUP:
            if row.code in children:
                lines = "、".join(str(child.ctx.row) for child in children[row.code])
                row.ctx.error("kind", f"党小组不能有下级组织（第{lines}行以它为上级）")
            elif row.existing is not None and row.existing.numchild:
                row.ctx.error("kind", "该组织在系统中已有下级组织，不能改为党小组")
        # Whether a branch changed to another kind still has members is checked by the
        # service when writing, and reported against the row.
        if (
            row.existing is not None
            and row.kind
            and row.kind != row.existing.kind
            and not _may(actor, "manage_orgs", row.existing.path)
        ):
            row.ctx.error("kind", "您无权更改组织类别")

    # A row under a parent row with errors cannot be created either; say so, parents first.
    for row in _parents_first(rows):
        if row.ctx.ok and row.parent_row is not None and not row.parent_row.ctx.ok:
            row.ctx.error("parent_code", f"上级组织（第{row.parent_row.ctx.row}行）有错误，本行无法导入")


def _resolve_org_parent(
    actor: Any,
    row: OrgRow,
    in_file: dict[str, OrgRow],
    stored: dict[str, Organization],
    stored_parents: dict[str, Organization],
    is_system: bool,
) -> None:
    existing = row.existing
    current_parent = stored_parents.get(existing.parent_path) if existing and existing.depth > 1 else None
    if not row.parent_code:
        if existing is not None and existing.depth > 1:
            row.ctx.error("parent_code", "不能为空：只有顶层组织可以不填上级组织代码")
        elif existing is None and not is_system:
            row.ctx.error("parent_code", "不能为空：请填写上级组织代码")
        return
    if row.parent_code == row.code:
        row.ctx.error("parent_code", "上级组织不能是自己")
        return
    if existing is not None and (current_parent is None or current_parent.code != row.parent_code):
        row.ctx.error(
            "parent_code",
            "与系统中登记的上级组织不一致；调整隶属关系请在组织页面使用“移动”功能",
        )
        return
    if row.parent_code in in_file:
        row.parent_row = in_file[row.parent_code]
        row.parent_org = stored.get(row.parent_code)
        if row.parent_org is not None and not _may(actor, "import", row.parent_org.path):
            row.ctx.error("parent_code", f"上级组织代码“{row.parent_code}”{NOT_FOUND_OR_OUT_OF_SCOPE}")
        return
    parent = stored.get(row.parent_code)
    if parent is None or not _may(actor, "import", parent.path):
        row.ctx.error("parent_code", f"上级组织代码“{row.parent_code}”{NOT_FOUND_OR_OUT_OF_SCOPE}")
        return
    if existing is None and not _may(actor, "manage_orgs", parent.path):
        row.ctx.error("parent_code", f"您无权在“{parent.name}”下新建组织")
        return
    if not parent.is_active:
        row.ctx.error("parent_code", f"上级组织“{parent.name}”已撤销")
        return
    row.parent_org = parent


def _parents_first(rows: list[OrgRow]) -> list[OrgRow]:
    """Rows ordered so each in-file parent precedes its children; rows in a cycle go last."""
    ordered: list[OrgRow] = []
    placed: set[int] = set()
    pending = list(rows)
    while pending:
        remaining = []
        for row in pending:
            if row.parent_row is None or id(row.parent_row) in placed:
                ordered.append(row)
                placed.add(id(row))
            else:
                remaining.append(row)
        if len(remaining) == len(pending):
            ordered.extend(remaining)  # a cycle: already reported as an error
            break
        pending = remaining
    return ordered


def _write_org_rows(actor: Any, rows: list[OrgRow], report: ImportReport) -> list[str]:
    written: dict[str, Organization] = {}
    paths: list[str] = []
    labels = {spec.field: spec.header for spec in rules.ORG_COLUMNS} | {"parent": "上级组织代码"}
    for row in _parents_first(rows):
        if row.parent_row is not None and not row.parent_row.ctx.ok:
            row.ctx.error("parent_code", f"上级组织（第{row.parent_row.ctx.row}行）未能导入")
            continue
        try:
            if row.existing is None:
                parent = written.get(row.parent_code) or row.parent_org
                optional = {name: row.values[name] for name in ORG_OPTIONAL_FIELDS if name in row.values}
                organization = organization_create(
                    actor=actor,
                    parent=parent,
                    code=row.code,
                    name=row.values["name"],
                    kind=row.values["kind"],
                    sector=row.values["sector"],
                    month_precision_dates=sorted(row.ctx.month_fields),
                    **optional,
                )
                report.written += 1
            else:
                organization = row.existing
                changes = _org_changes(row, row.existing)
                if changes:
                    organization = organization_update(actor=actor, organization=row.existing, **changes)
                    report.written += 1
        except ValidationError as exc:
            for message in validation_messages(exc, labels):
                row.ctx.error("code", message)
            continue
        except PermissionDenied as exc:
            row.ctx.error("code", str(exc) or "不在您的导入范围内")
            continue
        written[row.code] = organization
        paths.append(organization.path)
    return paths


# --- members -------------------------------------------------------------------------------

MEMBER_DATE_FIELDS = ("birth_date", "joined_on", "converted_on")
# Columns that may be left out of a file: a stored member keeps these values when they are.
MEMBER_OPTIONAL_FIELDS = (
    "sex",
    "ethnicity",
    "birth_date",
    "education",
    "converted_on",
    "phone",
    "job",
    "address",
)
MEMBER_FIELD_TO_COLUMN = {"organization": "org_code", "group": "org_code"}


@dataclass
class MemberRow:
    ctx: RowContext
    values: dict[str, Any]
    id_number: str = ""
    org_code: str = ""
    org_name: str = ""
    stored: Member | None = None


def _parse_member_row(ctx: RowContext, today: dt.date) -> MemberRow:
    values: dict[str, Any] = {}
    row = MemberRow(ctx, values)
    fields = ctx.table.fields
    if ctx.required("name"):
        values["name"] = ctx.read("name", lambda v: rules.text(v, 50), "")
    number = None
    if ctx.required("id_number"):
        number = ctx.read("id_number", lambda v: rules.id_number(v, today))
        if number is not None:
            row.id_number = number.value
            if number.upgraded_from_15:
                ctx.warn("id_number", f"15位旧身份证号已按国家标准升级为18位：{number.value}")
    if ctx.required("category"):
        values["category"] = ctx.read("category", rules.category, "")
    if ctx.required("joined_on"):
        values["joined_on"] = ctx.read_date("joined_on")
    for name, parser in (
        ("sex", rules.sex),
        ("ethnicity", rules.ethnicity),
        ("education", rules.education),
        ("phone", rules.phone),
    ):
        if name in fields:
            values[name] = ctx.read(name, parser, "")
    for name in ("birth_date", "converted_on"):
        if name in fields:
            values[name] = ctx.read_date(name)
    if number is not None and "birth_date" in ctx.month_fields:
        # A birth month agrees with the number when year and month match; the day comes from it.
        birth = values["birth_date"]
        if (birth.year, birth.month) == (number.birth_date.year, number.birth_date.month):
            values["birth_date"] = number.birth_date
            ctx.month_fields.discard("birth_date")
    if "job" in fields:
        values["job"] = ctx.read("job", lambda v: rules.text(v, 100), "")
    if "address" in fields:
        values["address"] = ctx.read("address", lambda v: rules.text(v, 200), "")
    row.org_code = ctx.read("org_code", lambda v: rules.text(v).replace(" ", ""), "")
    row.org_name = ctx.read("org_name", rules.text, "")
    if not row.org_code and not row.org_name:
        ctx.error(
            "org_code" if "org_code" in fields else "org_name", "必填：所在党组织代码或所在党组织至少填一项"
        )
    return row


class OrgDirectory:
    """Every organization the rows name, by code and by full name, read in a few queries per
    chunk of rows and kept for the next chunks (a roster names few organizations, many times)."""

    def __init__(self) -> None:
        self.by_code: dict[str, Organization] = {}
        self.by_name: dict[str, list[Organization]] = {}
        self.by_path: dict[str, Organization] = {}
        self._codes_asked: set[str] = set()
        self._names_asked: set[str] = set()
        self._importable: dict[str, bool] = {}

    def may_import(self, actor: Any, path: str) -> bool:
        # Asked once per organization, not once per row: the grants do not change mid-import.
        if path not in self._importable:
            self._importable[path] = _may(actor, "import", path)
        return self._importable[path]

    def load(self, rows: list[MemberRow]) -> None:
        codes = {r.org_code for r in rows if r.org_code} - self._codes_asked
        names = {r.org_name for r in rows if r.org_name and not r.org_code} - self._names_asked
        self._codes_asked |= codes
        self._names_asked |= names
        found = _orgs_where("code", codes) if codes else []
        self.by_code.update({org.code: org for org in found})
        for org in _orgs_where("name", names) if names else []:
            self.by_name.setdefault(org.name, []).append(org)
        group_parents = {org.parent_path for org in found if org.kind == OrgKind.GROUP} - set(self.by_path)
        if group_parents:
            self.by_path.update({org.path: org for org in _orgs_where("path", group_parents)})


def _resolve_member_org(
    actor: Any, row: MemberRow, directory: OrgDirectory
) -> tuple[Organization, Organization | None] | None:
    """(branch, group named by the row or None), or None after reporting why not."""
    ctx = row.ctx
    if row.org_code:
        org = directory.by_code.get(row.org_code)
        if org is None or not directory.may_import(actor, org.path):
            ctx.error("org_code", f"所在党组织代码“{row.org_code}”{NOT_FOUND_OR_OUT_OF_SCOPE}")
            return None
        if org.kind == OrgKind.GROUP:
            branch, group = directory.by_path[org.parent_path], org
        else:
            branch, group = org, None
        if row.org_name and row.org_name not in {branch.name, group.name if group else branch.name}:
            ctx.error("org_name", f"与所在党组织代码“{row.org_code}”（{branch.name}）不一致")
            return None
        return branch, group
    candidates = [
        org for org in directory.by_name.get(row.org_name, []) if directory.may_import(actor, org.path)
    ]
    active = [org for org in candidates if org.is_active]
    candidates = active or candidates
    if not candidates:
        ctx.error("org_name", f"党组织“{row.org_name}”{NOT_FOUND_OR_OUT_OF_SCOPE}")
        return None
    if len(candidates) > 1:
        ctx.error("org_name", "有多个党组织使用这个名称，请改填所在党组织代码")
        return None
    org = candidates[0]
    if org.kind == OrgKind.GROUP:
        ctx.error("org_name", "这是党小组的名称；请填写所在党支部名称，或填写党小组的组织代码")
        return None
    return org, None


def _member_values(
    row: MemberRow, branch: Organization, group: Organization | None, stored: Member | None
) -> dict[str, Any]:
    """The member's fields from the row; a stored member keeps what the file leaves out."""
    values = dict(row.values)
    fields = row.ctx.table.fields
    if stored is not None:
        for name in MEMBER_OPTIONAL_FIELDS:
            if name not in fields:
                values[name] = getattr(stored, name)
        if group is None and stored.group is not None and stored.group.parent_path == branch.path:
            # A branch code says nothing about the 党小组, so a stored group assignment stands.
            group = stored.group
        present_dates = [name for name in MEMBER_DATE_FIELDS if name in fields]
        kept = [name for name in stored.month_precision_dates if name not in present_dates]
    else:
        kept = []
    values.update(
        organization=branch,
        group=group,
        id_number=row.id_number,
        month_precision_dates=sorted({*kept, *row.ctx.month_fields}) if kept or row.ctx.month_fields else [],
    )
    return values


KNOWN_MEMBER_COLUMNS = frozenset(spec.field for spec in rules.MEMBER_COLUMNS)


def _check_member(row: MemberRow, values: dict[str, Any], today: dt.date) -> None:
    """The rules `member_create` applies, reported against the columns of the file.

    A field whose cell was already reported (or, for birth date and sex, whose ID number was)
    is not reported again: one problem, one message."""
    ctx = row.ctx
    problems = member_values_errors(
        values, organization=values["organization"], group=values["group"], today=today
    )
    if not problems:
        return
    skip = set(ctx.bad_fields)
    if "id_number" in skip:
        skip |= {"birth_date", "sex"}
    if "category" in skip:
        skip.add("converted_on")  # whether it belongs depends on the category
    for name, message in problems:
        column = MEMBER_FIELD_TO_COLUMN.get(name, name)
        if column == "org_code" and "org_code" not in ctx.table.fields:
            column = "org_name"
        if column in skip:
            continue
        if column in KNOWN_MEMBER_COLUMNS:
            ctx.error(column, message)
        else:
            ctx.bad_fields.add(column)
            ctx.report.error(ctx.row, "", "", message)


# Rows judged and written together: lookups are one query per chunk, memory stays flat.
IMPORT_CHUNK = 2000


def _batches(rows: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class MemberImport:
    """One member import, fed chunk by chunk inside one transaction.

    Rows are written chunk by chunk while the file has no error (or always with keep_valid);
    after the first error of an all-or-nothing import the remaining chunks are only checked,
    so every problem is still reported, and the caller rolls everything back."""

    actor: Any
    table: Table
    report: ImportReport
    today: dt.date
    write: bool
    keep_valid: bool
    total: int = 0
    first_row: dict[str, int] = field(default_factory=dict)  # ID number -> row it first appeared in
    directory: OrgDirectory = field(default_factory=OrgDirectory)
    paths: CommonPath = field(default_factory=CommonPath)

    def run(self, chunk: list[tuple[int, dict[str, Any]]]) -> None:
        self.total += len(chunk)
        report, table, today = self.report, self.table, self.today
        rows = [
            _parse_member_row(RowContext(number, raw, table, rules.MEMBER_COLUMNS, report), today)
            for number, raw in chunk
        ]
        valid = self._judge(rows)
        report.valid += len(valid)
        for _row, values in valid:
            self.paths.add(values["organization"].path)
        if not self.write or (report.errors and not self.keep_valid):
            return
        created = [values for row, values in valid if row.stored is None]
        updated = [
            Member(**values)
            for row, values in valid
            if row.stored is not None and _changes_stored(row, values)
        ]
        report.written += len(members_create_bulk(actor=self.actor, members=created))
        if updated:
            report.written += members_upsert(actor=self.actor, members=updated).written

    def _judge(self, rows: list[MemberRow]) -> list[tuple[MemberRow, dict[str, Any]]]:
        firsts = []
        for row in rows:
            if not row.id_number:
                continue
            earlier = self.first_row.get(row.id_number)
            if earlier is not None:
                row.ctx.error("id_number", f"与第{earlier}行的公民身份号码重复")
            else:
                self.first_row[row.id_number] = row.ctx.row
                firsts.append(row)
        first_ids = {id(row) for row in firsts}
        stored = members_by_id_number([row.id_number for row in firsts])
        self.directory.load(rows)
        valid = []
        for row in rows:
            placement = (
                _resolve_member_org(self.actor, row, self.directory) if row.org_code or row.org_name else None
            )
            existing = stored.get(row.id_number) if id(row) in first_ids else None
            if placement is None:
                continue
            branch, group = placement
            if existing is not None and existing.organization_id != branch.pk:
                row.ctx.error(
                    "id_number",
                    "该公民身份号码已登记在其他党组织，导入不能更改所在党组织；请办理组织关系转接",
                )
                existing = None
            values = _member_values(row, branch, group, existing)
            _check_member(row, values, self.today)
            row.stored = existing
            if (
                values.get("category")
                and values.get("joined_on")
                and probation_overdue(values["category"], values["joined_on"], self.today)
            ):
                row.ctx.warn("joined_on", "预备党员入党已满两年仍未转正，请及时讨论转正（转正逾期）")
            if row.ctx.ok:
                valid.append((row, values))
        return valid


def _changes_stored(row: MemberRow, values: dict[str, Any]) -> bool:
    """False when the row only repeats what is stored: re-importing a file costs no write."""
    stored = row.stored
    if stored is None:
        return True
    incoming = Member(**values)
    return bool(changed(snapshot(stored, MEMBER_EDITABLE), snapshot(incoming, MEMBER_EDITABLE))[1])


def members_import(
    *,
    actor: Any,
    stream: IO[bytes],
    filename: str,
    dry_run: bool = False,
    keep_valid: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ImportReport:
    """Create or update members keyed by 公民身份号码, into branches inside the actor's scope.

    The file is read as a stream and judged and written in chunks of IMPORT_CHUNK rows inside
    one transaction; one error anywhere undoes everything unless `keep_valid`."""
    today = today or timezone.localdate()
    report = ImportReport()
    table = _open_table(report, stream, filename, rules.MEMBER_COLUMNS, streamed=True)
    if table is None:
        _log_import(actor, "members", filename, report, dry_run, [])
        return report
    job = MemberImport(actor, table, report, today, write=not dry_run, keep_valid=keep_valid)
    try:
        with transaction.atomic():
            for chunk in _batches(table.stream, IMPORT_CHUNK):
                job.run(chunk)
                if progress:
                    progress(job.total, max(job.total, table.estimated_rows))
            if report.errors and not keep_valid and report.written:
                raise Rollback
    except Rollback:
        report.written = 0
    report.total = job.total
    if progress:
        progress(report.total, report.total)
    report.sort()
    _log_import(actor, "members", filename, report, dry_run, job.paths.paths)
    return report


# --- export --------------------------------------------------------------------------------

EXPORT_HEADERS = [spec.header for spec in rules.MEMBER_COLUMNS]


def members_for_export(user: Any) -> QuerySet:
    """The members a user may export (everyone for the system), in roster order, with what each
    row shows joined in, so an export is one query however many rows it has."""
    base = Member.objects.restrict(user, "export") if user is not None else Member.objects.all()
    return base.select_related("organization", "group").order_by("organization__path", "name", "id")


def may_export_unmasked(user: Any, queryset: QuerySet) -> bool:
    """True when the user holds reveal_id on the organization of every member in the export."""
    if user is None:
        return True
    return not queryset.exclude(scope_q(user, "reveal_id", "organization__path")).exists()


def _export_row(member: Member, unmasked: bool) -> list[Any]:
    org_code = member.group.code if member.group_id and member.group else member.organization.code
    id_number = member.id_number if unmasked else mask_id_number(member.id_number)
    return [
        member.name,
        member.get_sex_display(),
        member.ethnicity,
        id_number,
        member.birth_date,
        member.get_education_display() if member.education else "",
        member.get_category_display(),
        org_code,
        member.organization.name,
        member.joined_on,
        member.converted_on,
        member.phone,
        member.job,
        member.address,
    ]


EXPORT_WIDTHS = [10, 6, 8, 22, 12, 10, 10, 14, 24, 12, 12, 14, 20, 30]


def write_roster_xlsx(target: Any, rows: Iterable[Sequence[Any]], *, watermark: str) -> int:
    """Write export rows (cells in EXPORT_HEADERS order) to an .xlsx, streamed; returns the count.

    Row 1 is the watermark, row 2 the headers (see io.writers for both and for formula safety)."""
    sheet = RosterSheet(target, "党员", EXPORT_WIDTHS)
    sheet.text_row([watermark], WATERMARK_STYLE)
    sheet.text_row(EXPORT_HEADERS, HEADER_STYLE)
    for cells in rows:
        sheet.row(cells)
    sheet.close()
    return sheet.rows - 2


def write_members_xlsx(target: str, members: Iterable[Member], *, unmasked: bool, watermark: str) -> int:
    """Write members (model instances) to an .xlsx at `target`; returns the row count."""
    return write_roster_xlsx(
        target, (_export_row(member, unmasked) for member in members), watermark=watermark
    )


# What the export reads per member: plain values, no model instances (one query, streamed).
EXPORT_VALUES = (
    "name",
    "sex",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "category",
    "organization__code",
    "group__code",
    "organization__name",
    "joined_on",
    "converted_on",
    "phone",
    "job",
    "address",
)
SEX_DISPLAY = dict(Member._meta.get_field("sex").flatchoices)
EDUCATION_DISPLAY = dict(Member._meta.get_field("education").flatchoices)
CATEGORY_DISPLAY = dict(Member._meta.get_field("category").flatchoices)


def _export_rows_from_values(values: Iterable[tuple[Any, ...]], unmasked: bool) -> Iterable[tuple[Any, ...]]:
    """The cells of `_export_row`, from EXPORT_VALUES tuples; masking and labels by lookup."""
    mask = (lambda number: number) if unmasked else mask_id_number
    sex_label, education_label, category_label = SEX_DISPLAY, EDUCATION_DISPLAY, CATEGORY_DISPLAY
    for (
        name,
        sex,
        ethnicity,
        id_number,
        birth_date,
        education,
        category,
        org_code,
        group_code,
        org_name,
        joined_on,
        converted_on,
        phone,
        job,
        address,
    ) in values:
        yield (
            name,
            sex_label.get(sex, sex),
            ethnicity,
            mask(id_number),
            birth_date,
            education_label.get(education, education) if education else "",
            category_label.get(category, category),
            group_code or org_code,
            org_name,
            joined_on,
            converted_on,
            phone,
            job,
            address,
        )


def members_export(
    *,
    actor: Any,
    queryset: QuerySet,
    target: str,
    unmasked: bool = False,
    organization: Organization | None = None,
) -> int:
    """Export members (already restricted for `actor`) to `target`, logging who took what."""
    if unmasked and not may_export_unmasked(actor, queryset):
        raise PermissionDenied("您无权导出完整身份证号：部分党员不在您可查看完整身份证号的范围内")
    values = queryset.values_list(*EXPORT_VALUES).iterator(chunk_size=5000)
    count = write_roster_xlsx(
        target,
        _export_rows_from_values(values, unmasked),
        watermark=watermark_text(actor, unmasked=unmasked),
    )
    access_log_record(
        actor=actor,
        kind=AccessLog.Kind.EXPORT_UNMASKED if unmasked else AccessLog.Kind.EXPORT,
        organization=organization,
        detail={"what": "members", "rows": count, "unmasked": unmasked},
    )
    return count


def write_template_xlsx(target: Any, columns: tuple[rules.ColumnSpec, ...]) -> None:
    """A blank import template: the headers (required ones marked *) and text-formatted cells."""
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    sheet = workbook.add_worksheet("导入模板")
    header = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    as_text = workbook.add_format({"num_format": "@"})
    for index, spec in enumerate(columns):
        sheet.write_string(0, index, spec.header + ("*" if spec.required else ""), header)
        # Codes, ID numbers and phones typed as numbers lose digits; dates stay free to type.
        is_date = spec.field.endswith("_on") or spec.field == "birth_date"
        sheet.set_column(index, index, 16 if spec.field != "id_number" else 22, None if is_date else as_text)
    sheet.freeze_panes(1, 0)
    workbook.close()
