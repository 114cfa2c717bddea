"""Peak memory of reading a large member roster the way the importer does (issue 6, item 2).

    python bench/import_read_memory.py [ROWS] [--calamine]    (default 1,000,000)

Writes a ROWS-row roster (.xlsx, 14 columns) with io.xlsxstream.RosterSheet into a temporary
directory, then reads it in a fresh subprocess with io.readers.open_table, consuming
`table.stream` row by row, and prints one JSON line with that subprocess's peak RSS
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`). No database: this is the floor of an import's
memory, what the reader alone holds. `--calamine` also reads the same file the way .xlsx was
read before io.xlsxreader (python-calamine `iter_rows`), for a before/after in one run.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Django is set up in both readers: the streaming one reads its zip-bomb limit from settings,
# and an import runs inside Django anyway (about 40 MB of the peak).
READ = """
import json, os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings.dev")
import django
django.setup()
from dangjian.io import rules
from dangjian.io.readers import open_table
started = time.perf_counter()
with open(sys.argv[1], "rb") as stream:
    table = open_table(stream, "roster.xlsx", rules.header_map(rules.MEMBER_COLUMNS))
    rows = sum(1 for _ in table.stream)
print(json.dumps({"rows": rows, "seconds": round(time.perf_counter() - started, 1),
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""

READ_WITH_CALAMINE = """
import json, os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings.dev")
import django
django.setup()
from python_calamine import CalamineWorkbook
started = time.perf_counter()
with open(sys.argv[1], "rb") as stream:
    sheet = CalamineWorkbook.from_filelike(stream).get_sheet_by_index(0)
    rows = sum(1 for _ in sheet.iter_rows()) - 1
print(json.dumps({"rows": rows, "seconds": round(time.perf_counter() - started, 1),
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def write_roster(path: Path, rows: int) -> None:
    from dangjian.io import rules
    from dangjian.io.xlsxstream import HEADER_STYLE, RosterSheet

    day = dt.date(2001, 7, 1)
    sheet = RosterSheet(str(path), "党员", [10] * len(rules.MEMBER_COLUMNS))
    sheet.text_row([spec.header for spec in rules.MEMBER_COLUMNS], HEADER_STYLE)
    for number in range(rows):
        sheet.row(
            [f"党员{number}", "男", "汉族", f"53292719800101{number % 10000:04d}", day, "大学本科", "正式党员",
             f"B{number % 5000:06d}", "某某村党支部", day, day, "13812345678", "农民", f"某村{number}号"]
        )  # fmt: skip
    sheet.close()


def main() -> None:
    arguments = [argument for argument in sys.argv[1:] if not argument.startswith("--")]
    rows = int(arguments[0]) if arguments else 1_000_000
    readers = [("import_read_memory", READ)]
    if "--calamine" in sys.argv:
        readers.append(("import_read_memory_calamine", READ_WITH_CALAMINE))
    with tempfile.TemporaryDirectory(prefix="roster-") as tmp:
        path = Path(tmp) / "roster.xlsx"
        started = time.perf_counter()
        write_roster(path, rows)
        print(f"wrote {rows} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        for name, script in readers:
            result = subprocess.run(
                [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
            )
            record = json.loads(result.stdout)
            print(
                json.dumps({"name": name, "file_mb": round(path.stat().st_size / 1e6, 1), **record}),
                flush=True,
            )


if __name__ == "__main__":
    main()
