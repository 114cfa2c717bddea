"""The `dangjian` console script: Django's management commands under the platform's name.

`dangjian import-members FILE` is `manage.py import-members FILE`; every command of the
project and of Django (migrate, createsuperuser, ...) is reachable the same way.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings.dev")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "dangjian"
    if len(args) > 1 and not args[1].startswith("-"):
        # `dangjian import-members` reads better than import_members; Python modules cannot
        # hold a hyphen, and no Django command name contains one.
        args[1] = args[1].replace("-", "_")
    from django.db.utils import OperationalError, ProgrammingError

    try:
        execute_from_command_line(args)
    except (OperationalError, ProgrammingError) as error:
        # The usual cause is a database that was never migrated or cannot be reached.
        print(
            f"数据库错误：{error}\n请确认 DATABASE_URL 正确、数据库可以连接，并已运行 dangjian migrate。",
            file=sys.stderr,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
