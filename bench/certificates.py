"""Certificate PDFs: cost of our pipeline against bare WeasyPrint, and the speed-up of 2 worker processes.

Run: `.venv/bin/python bench/certificates.py` (or `make bench`). Prints ratios measured in this run:

1. one certificate PDF through our whole pipeline (context, template, WeasyPrint, PAdES signature) against
   bare WeasyPrint rendering the same HTML in the same process: must be ≤ 1.2×; the PDF's fonts are subset;
2. CERT_BENCH_COUNT certificates (default 1,000, as the issue asks; set e.g. CERT_BENCH_COUNT=60 for a quick
   run) rendered on 2 worker processes against one process: must be ≤ 0.6×; each worker process is replaced
   after CELERY_WORKER_MAX_TASKS_PER_CHILD chunks (as the Celery workers are), and its peak memory is printed.

Uses a throwaway SQLite file (or a throwaway database on the PostgreSQL server of DATABASE_URL). Exits
non-zero when a bound is missed.
"""

import concurrent.futures
import logging
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

COUNT = int(os.environ.get("CERT_BENCH_COUNT", "1000"))
HOLDERS = 20
REPEATS = 7


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def _warm_worker(url):
    """A worker process's start, as a Celery worker child's: Django set up, fonts and keys loaded once."""
    _setup_django(url)
    from certificates.models import Certificate
    from certificates.render import certificate_pdf

    certificate_pdf(Certificate.objects.select_related("campaign").first())


def _noop(_):
    time.sleep(0.2)
    return os.getpid()


def _render_chunk(args):
    """Worker: render the given certificates (no saving) and report time and this process's peak memory."""
    url, ids = args
    from certificates.models import Certificate
    from certificates.render import certificate_pdf

    certs = {c.pk: c for c in Certificate.objects.select_related("campaign").filter(pk__in=set(ids))}
    for i in ids:
        certificate_pdf(certs[i])
    return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> int:
    from list_pages import throwaway_database

    url, drop = throwaway_database()
    try:
        _setup_django(url)
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from certificates import services
        from certificates.demo import certify_demo_applicant, ensure_demo_seals
        from certificates.render import certificate_context, certificate_html, certificate_pdf, html_to_pdf
        from certification.seed import load_demo_campaigns, load_seed_campaigns

        load_seed_campaigns()
        campaign = {c.level: c for c in load_demo_campaigns()}["junior"]
        ensure_demo_seals()
        certs = []
        for i in range(HOLDERS):
            app = certify_demo_applicant(campaign=campaign, email=f"bench{i}@example.cn", full_name=f"测试{i}号",
                                         employer=f"第{i}中学", seq=500 + i)
            certs.append(services.certificate_issue(application=app))
        cert = certs[0]
        certificate_pdf(cert)  # warm caches (fonts, keys) before measuring either side
        html = certificate_html(cert)
        html_to_pdf(html)

        def best(fn):
            times = []
            for _ in range(REPEATS):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            return statistics.median(times)

        bare = best(lambda: html_to_pdf(html))
        ours = best(lambda: certificate_pdf(cert))
        pdf = certificate_pdf(cert)
        from io import BytesIO

        from pypdf import PdfReader

        page = PdfReader(BytesIO(pdf)).pages[0]
        fonts = [str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()]
        subset = all(len(f) > 8 and f[7] == "+" for f in fonts)
        ratio_one = ours / bare
        print(f"one certificate: ours {ours * 1000:.0f} ms vs bare WeasyPrint {bare * 1000:.0f} ms "
              f"→ {ratio_one:.2f}× (bound 1.2×); PDF {len(pdf) // 1024} KB, fonts subset: {subset} {fonts}")
        assert certificate_context(cert)["qr"]

        ids = [certs[i % HOLDERS].pk for i in range(COUNT)]
        chunk = settings.CERTIFICATE_CHUNK_SIZE
        chunks = [(url, ids[i:i + chunk]) for i in range(0, len(ids), chunk)]
        recycle = settings.CELERY_WORKER_MAX_TASKS_PER_CHILD
        from django.db import connections

        connections.close_all()
        def timed(workers):
            # Workers are started and warmed before the clock starts, as long-lived Celery workers are; a
            # recycled child pays its start-up inside the measurement, as it would in production.
            with concurrent.futures.ProcessPoolExecutor(workers, max_tasks_per_child=recycle + 1,
                                                        initializer=_warm_worker, initargs=(url,)) as pool:
                list(pool.map(_noop, range(workers)))
                t = time.perf_counter()
                mem = list(pool.map(_render_chunk, chunks))
                return time.perf_counter() - t, mem

        serial, serial_mem = timed(1)
        parallel, parallel_mem = timed(2)
        ratio_many = parallel / serial
        peak = max(m for _, m in parallel_mem + serial_mem)
        print(f"{COUNT} certificates: 1 process {serial:.1f} s, 2 processes {parallel:.1f} s → {ratio_many:.2f}× "
              f"(bound 0.6×); {len({p for p, _ in parallel_mem})} worker processes used (recycled every "
              f"{recycle} chunks of {chunk}), peak memory per worker {peak} MB")
        failures = []
        if ratio_one > 1.2:
            failures.append("one certificate costs more than 1.2× bare WeasyPrint")
        if not subset:
            failures.append("fonts are not subset")
        if ratio_many > 0.6:
            failures.append("2 workers are slower than 0.6× serial (is the machine busy or single-core?)")
        for f in failures:
            print("FAIL:", f)
        return 1 if failures else 0
    finally:
        drop()


if __name__ == "__main__":
    sys.exit(main())
