"""Run by bench/load.py in a process of its own: export every order the administrator sees, print
`rows peak_kb start_kb seconds` (peak = VmHWM, this process's resident high-water mark; not ru_maxrss, which
Linux carries over from the parent across exec)."""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def high_water_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(fmt: str, user_pk: int) -> None:
    import django

    django.setup()
    from certification.models import User
    from payments.exports import order_export_source

    user = User.objects.get(pk=user_pk)
    # Loaded what a worker has loaded before its first export: the export code and its libraries.
    import openpyxl  # noqa: F401

    from certification import exports

    start_kb = high_water_kb()
    start = time.perf_counter()
    if fmt == "csv":
        response = exports.csv_streaming_response(order_export_source(user=user, params={}))
        rows = -2  # the byte-order mark and the header line
        with open(os.devnull, "wb") as sink:
            for chunk in response.streaming_content:
                sink.write(chunk)
                rows += 1
    else:
        job = exports.export_job_create(kind="payments.orders", params={}, actor=user)
        job = exports.export_job_run(job_id=job.pk)
        assert job.status == job.Status.DONE, job.failure_message
        rows = job.processed_rows
    seconds = time.perf_counter() - start
    print(rows, high_water_kb(), start_kb, round(seconds, 1))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
