"""Roles and what each may do inside the subtree of its grant.

Actions are words, not Django permissions, because every one of them is bounded by the
subtree of a grant: `view`, `change` (edit members and an organization's own details),
`manage_orgs` (create, move, dissolve organizations), `import`, `export`, `reveal_id`
(see and export full ID numbers), `grant` (hand out roles below one's own), `audit`
(read the audit and access logs).
"""

from django.db import models


class Role(models.TextChoices):
    SYSADMIN = "sysadmin", "系统管理员"
    ORG_ADMIN = "org_admin", "组织部管理员"
    SECRETARY = "secretary", "书记/组织委员"
    INSPECTOR = "inspector", "督查"
    AUDITOR = "auditor", "审计员"


ACTIONS = ("view", "change", "manage_orgs", "import", "export", "reveal_id", "grant", "audit")

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.SYSADMIN: frozenset({"view", "change", "manage_orgs", "import", "export", "reveal_id", "grant"}),
    Role.ORG_ADMIN: frozenset({"view", "change", "manage_orgs", "import", "export", "reveal_id", "grant"}),
    # A secretary keeps the roster of the own branch; creating or moving organizations is the
    # superior's business (支部工作条例: a branch is set up and dissolved by the superior committee).
    Role.SECRETARY: frozenset({"view", "change", "import", "export"}),
    Role.INSPECTOR: frozenset({"view", "export"}),
    Role.AUDITOR: frozenset({"audit"}),
}

# A secretary's grant belongs on a branch: the role means "the own branch".
BRANCH_ONLY_ROLES = frozenset({Role.SECRETARY})


def roles_allowing(action: str) -> list[str]:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]
