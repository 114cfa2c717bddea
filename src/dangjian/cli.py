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
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
