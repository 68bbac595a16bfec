"""Benchmark: the ledger export at 300,000 key points, time and peak memory.

    make bench                        # 300,000 rows, SQLite file var/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/salesrecord_bench make bench BENCH_ROWS=300000

It fills the database once (kept between runs), then exports the whole ledger and a tenth of it, each
format in a fresh process, through the background job a large export runs as (keypoints.exports.run_job,
what the Celery task calls), and reports seconds and the process's peak resident memory. It fails when
the full export needs much more memory than the tenth: rows must stream, not pile up.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesrecord.settings")
os.environ.setdefault("SALESRECORD_TESTING", "1")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'bench.sqlite3'}")

# Memory the full export may use beyond the tenth's, in MiB: generous for interpreter noise, far
# below what 300,000 rows held at once would take (several hundred MiB).
ALLOWED_GROWTH_MB = 60
BATCH = 5000


def setup_django(migrate):
    import django

    (BASE_DIR / "var").mkdir(exist_ok=True)
    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def populate(rows):
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role
    from customers.models import Contact, Customer, Project
    from customers.validators import customer_name_key
    from keypoints.models import KeyPoint
    from keypoints.services import completeness

    have = KeyPoint.objects.count()
    if have >= rows:
        return have
    user_model = get_user_model()
    lead, _ = user_model.objects.get_or_create(username="bench-lead", defaults={"role": Role.LEAD})
    reps = [
        user_model.objects.get_or_create(username=f"bench-rep{i}", defaults={"role": Role.REP})[0] for i in range(20)
    ]
    projects = []
    with transaction.atomic():
        for i in range(200):
            name = f"基准客户{i:04d}有限公司"
            customer, _ = Customer.objects.get_or_create(
                name_key=customer_name_key(name),
                defaults={"legal_name": name, "industry": "manufacturing", "owner": reps[i % len(reps)]},
            )
            Contact.objects.get_or_create(customer=customer, name=f"联系人{i}")
            project, _ = Project.objects.get_or_create(
                customer=customer, name=f"基准项目{i}", defaults={"source": "inbound", "owner": customer.owner}
            )
            projects.append(project)
    now = timezone.now()
    start = have
    while start < rows:
        batch = []
        for n in range(start, min(rows, start + BATCH)):
            project = projects[n % len(projects)]
            keypoint = KeyPoint(
                project=project,
                stage=n % 7 + 1,
                occurred_at=now - timedelta(minutes=n),
                method="phone",
                summary=f"第 {n} 次沟通:客户确认预算与上线时间,对方案的兼容性提出问题。",
                customer_feedback="认可方案方向,关注交付周期。",
                obstacles="财务审批流程较长。",
                named_obstacle="财务审批流程较长。",
                our_response="提供分阶段付款方案。",
                next_step="发送报价单",
                next_step_owner=project.owner,
                next_step_due=(now + timedelta(days=n % 30 - 10)).date(),
                author=project.owner,
                need_keywords="高兼容性、快速部署" if n % 7 == 0 else "",
            )
            keypoint.elements_filled, keypoint.elements_total, keypoint.missing_elements = completeness(keypoint, [])
            keypoint.is_complete = not keypoint.missing_elements
            batch.append(keypoint)
        KeyPoint.objects.bulk_create(batch)
        start += len(batch)
        print(f"  {start:,} / {rows:,} key points", file=sys.stderr)
    through = KeyPoint.our_participants.through
    missing = KeyPoint.objects.filter(our_participants__isnull=True).values_list("pk", "author_id")
    links = [through(keypoint_id=pk, user_id=author) for pk, author in missing.iterator(chunk_size=BATCH)]
    through.objects.bulk_create(links, batch_size=BATCH)
    analyze()
    return rows


def analyze():
    """Fresh planner statistics after a bulk load, as autovacuum would make them a little later:
    without them PostgreSQL plans the export for a handful of rows."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def export(export_format, tenth):
    """Run one export as the lead would, as the background job the view starts for this many rows
    (the task's own work: scope, filters, file, progress), and report time and peak memory."""
    from django.contrib.auth import get_user_model
    from django.utils.http import urlencode

    from keypoints import exports
    from keypoints.models import KeyPoint, LedgerExport

    params = {}
    if tenth:
        newest = KeyPoint.objects.order_by("-occurred_at").values_list("occurred_at", flat=True)
        cut = newest[KeyPoint.objects.count() // 10]
        params["occurred_from"] = cut.date().isoformat()
    job = LedgerExport.objects.create(
        requested_by=get_user_model().objects.get(username="bench-lead"),
        format=export_format,
        query=urlencode(params),
        language="zh-hans",
    )
    started = time.perf_counter()
    exports.run_job(job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == "done", job.error
    path = exports.file_path(job)
    size = path.stat().st_size
    path.unlink()
    job.delete()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "format": export_format,
        "tenth": tenth,
        "seconds": round(elapsed, 1),
        "rows": job.rows_written,
        "bytes": size,
        "peak_mb": round(peak_mb),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", 300_000)))
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: "<format>:<tenth>" in a child process
    args = parser.parse_args()
    setup_django(migrate=not args.one)
    if args.one:
        export_format, tenth = args.one.split(":")
        print(json.dumps(export(export_format, tenth == "1")))
        return 0

    print(f"Database: {os.environ['DATABASE_URL'].split('@')[-1]}; filling to {args.rows:,} key points…")
    populate(args.rows)
    failed = False
    for export_format in args.formats.split(","):
        results = {}
        for tenth in ("1", "0"):
            child = subprocess.run(
                [sys.executable, __file__, "--one", f"{export_format}:{tenth}"],
                capture_output=True,
                text=True,
                check=True,
            )
            results[tenth] = json.loads(child.stdout.strip().splitlines()[-1])
        part, full = results["1"], results["0"]
        growth = full["peak_mb"] - part["peak_mb"]
        verdict = "ok" if growth <= ALLOWED_GROWTH_MB else "FAIL"
        failed |= verdict == "FAIL"
        print(
            f"{export_format:>4}: {full['rows']:,} rows {full['seconds']:>6}s {full['bytes'] / 1e6:7.1f} MB out,"
            f" peak {full['peak_mb']} MiB"
            f" | a tenth {part['seconds']:>5}s, peak {part['peak_mb']} MiB | growth {growth} MiB"
            f" (allowed {ALLOWED_GROWTH_MB}) {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
