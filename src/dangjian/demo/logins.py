"""The demo's logins: one user per role, all with the same published password."""

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from dangjian.access.roles import Role
from dangjian.access.services import grant_create, user_create
from dangjian.core.audit import audit_record
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.models import Organization

DEMO_PASSWORD = "Demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: str
    organization: Organization | None
    superuser: bool = False

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def organization_label(self) -> str:
        if self.superuser:
            return "全部（超级用户）"
        return self.organization.name if self.organization else "（未创建：没有合适的党组织）"


def demo_places(
    county: Organization | None = None,
    township: Organization | None = None,
    branch: Organization | None = None,
) -> tuple[Organization | None, Organization | None, Organization | None]:
    """Where the logins go. Given by the generator; otherwise found in whatever tree is loaded:
    the first root, its first 党委 child, and a branch under that (a village one if any)."""
    county = county or Organization.objects.filter(depth=1).order_by("path").first()
    if county is not None and township is None:
        township = (
            Organization.objects.get_children(county).filter(kind=OrgKind.COMMITTEE).order_by("path").first()
        )
    if township is not None and branch is None:
        branches = Organization.objects.filter(
            path__startswith=township.path, kind=OrgKind.BRANCH, status="active"
        ).order_by("path")
        rural = branches.filter(sector=Sector.RURAL)
        # The same choice as the generator's: a village branch with a committee to look at.
        branch = rural.filter(has_committee=True).first() or rural.first() or branches.first()
    return county, township, branch


def demo_logins(
    county: Organization | None, township: Organization | None, branch: Organization | None
) -> list[DemoLogin]:
    return [
        DemoLogin("county", "李建华", Role.ORG_ADMIN, county),
        DemoLogin("township", "张丽萍", Role.ORG_ADMIN, township),
        DemoLogin("secretary", (branch.secretary_name if branch else "") or "王志强", Role.SECRETARY, branch),
        DemoLogin("auditor", "赵敏", Role.AUDITOR, county),
        DemoLogin("security", "陈安", Role.SECURITY_ADMIN, county),
        DemoLogin("admin", "系统管理员", Role.SYSADMIN, county, superuser=True),
    ]


@transaction.atomic
def ensure_demo_logins(
    county: Organization | None = None,
    township: Organization | None = None,
    branch: Organization | None = None,
) -> list[DemoLogin]:
    """Create the demo users that are missing and give each its grant.

    An existing user keeps its password (someone may have changed it on purpose) and its
    grant, and gets one again if it lost it, e.g. after `demo-data --replace` removed the old
    organizations with their grants."""
    User = get_user_model()
    logins = demo_logins(*demo_places(county, township, branch))
    for login in logins:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            # The demo's password is published on purpose: no forced change at first login.
            user = user_create(
                actor=None,
                username=login.username,
                password=DEMO_PASSWORD,
                full_name=login.full_name,
                must_change_password=False,
            )
        if login.superuser and not user.is_superuser:
            _make_superuser(user)
        # A login keeps the one grant of its role it already has (a second run must not add a
        # second branch to the secretary when the tree was edited in between).
        if login.organization is not None and not user.grants.filter(role=login.role).exists():
            grant_create(actor=None, user=user, organization=login.organization, role=login.role)
    return logins


def _make_superuser(user: Any) -> None:
    user.is_superuser = True
    user.is_staff = True
    user.save(update_fields=["is_superuser", "is_staff"])
    audit_record(
        actor=None,
        action="user.superuser",
        obj=user,
        before={"is_superuser": False},
        after={"is_superuser": True, "is_staff": True},
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def logins_table(logins: list[DemoLogin]) -> str:
    """The logins as an aligned text table (Chinese characters count double in a terminal)."""
    rows = [("用户名", "密码", "角色", "党组织")] + [
        (login.username, DEMO_PASSWORD, login.role_label, login.organization_label) for login in logins
    ]
    widths = [max(_width(row[column]) for row in rows) for column in range(3)]
    lines = []
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(_pad(cell, widths[column]) for column, cell in enumerate(row[:3])) + "  " + row[3]
        )
        if index == 0:
            lines.append("  ".join("-" * width for width in widths) + "  " + "-" * _width(row[3]))
    return "\n".join(lines)
