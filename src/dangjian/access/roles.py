"""Roles and what each may do inside the subtree of its grant.

Actions are words, not Django permissions, because every one of them is bounded by the
subtree of a grant: `view`, `change` (edit members and an organization's own details),
`manage_orgs` (create, move, dissolve organizations), `import`, `export`, `reveal_id`
(see and export full ID numbers), `grant` (hand out roles below one's own), `audit`
(read the audit and access logs), `manage_users` (create and disable accounts), `security`
(hand out the administrative roles, reset second factors, lift lockouts).

三员分立 (GB/T 22239-2019 level 3, 8.1.4.2 d) "实现管理用户的权限分离" and 8.1.5.1-8.1.5.3:
系统管理员、审计管理员、安全管理员 are separate accounts with separate powers): the system administrator keeps accounts and
settings and reads no business data; the security administrator hands out grants and keeps
the login policies; the auditor reads the logs and changes nothing. One account holds at
most one of the three, and none of them holds a business role besides (`grant_create`).
"""

from django.db import models


class Role(models.TextChoices):
    SYSADMIN = "sysadmin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    ORG_ADMIN = "org_admin", "组织部管理员"
    SECRETARY = "secretary", "书记/组织委员"
    INSPECTOR = "inspector", "督查"
    AUDITOR = "auditor", "审计员"


ACTIONS = (
    "view",
    "change",
    "manage_orgs",
    "import",
    "export",
    "reveal_id",
    "grant",
    "audit",
    "manage_users",
    "security",
)

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.SYSADMIN: frozenset({"manage_users"}),
    # `grant` lets the security administrator hand out and revoke grants; `security` is what
    # an administrative role needs from its grantor (see `grant_create`).
    Role.SECURITY_ADMIN: frozenset({"grant", "security"}),
    Role.ORG_ADMIN: frozenset({"view", "change", "manage_orgs", "import", "export", "reveal_id", "grant"}),
    # A secretary keeps the roster of the own branch; creating or moving organizations is the
    # superior's business (支部工作条例: a branch is set up and dissolved by the superior committee).
    Role.SECRETARY: frozenset({"view", "change", "import", "export"}),
    Role.INSPECTOR: frozenset({"view", "export"}),
    Role.AUDITOR: frozenset({"audit"}),
}

# 三员: each is held alone, by a dedicated account.
ADMINISTRATIVE_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})

# A secretary's grant belongs on a branch: the role means "the own branch".
BRANCH_ONLY_ROLES = frozenset({Role.SECRETARY})


def roles_allowing(action: str) -> list[str]:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]
