"""Cost of encryption at rest per member row: AES-GCM of the ID and phone numbers plus the
HMAC-SHA256 look-up digest, and the decryption a read pays. Prints one JSON line per measure.

    .venv/bin/python bench/crypto_throughput.py [N]      (N = 100000 by default)

No database: this times the work the model fields add to each written or read row."""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings.test")
import django

django.setup()

from dangjian.core import crypto  # noqa: E402
from dangjian.core.idnumber import build_id_number  # noqa: E402
from dangjian.members.models import Member  # noqa: E402


def measure(name: str, n: int, work) -> None:
    # CPU time too: on a shared machine the wall clock also counts other people's processes.
    started, cpu_started = time.perf_counter(), time.process_time()
    work()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        json.dumps(
            {
                "name": name,
                "n": n,
                "seconds": round(seconds, 3),
                "rows_per_s": round(n / seconds),
                "cpu_seconds": round(cpu, 3),
                "rows_per_cpu_s": round(n / cpu),
            }
        )
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    import datetime as dt

    numbers = [
        build_id_number("530121", dt.date(1960, 1, 1) + dt.timedelta(days=i % 15000), i % 1000)
        for i in range(n)
    ]
    phones = [f"139{i:08d}" for i in range(n)]
    id_field, phone_field = Member._meta.get_field("id_number"), Member._meta.get_field("phone")
    tokens: list[tuple[str, str]] = []

    def write() -> None:
        for number, phone in zip(numbers, phones, strict=True):
            tokens.append((id_field.get_prep_value(number), phone_field.get_prep_value(phone)))
            crypto.digest(number, purpose="id_number")

    def read() -> None:
        for id_token, phone_token in tokens:
            id_field.from_db_value(id_token, None, None)
            phone_field.from_db_value(phone_token, None, None)

    measure("encrypt_id_phone_and_digest", n, write)
    measure("decrypt_id_and_phone", n, read)


if __name__ == "__main__":
    main()
