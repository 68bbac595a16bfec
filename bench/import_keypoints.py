"""Benchmark: importing a spreadsheet of 50,000 key points, time and peak memory.

    make bench-import                                  # 50,000 rows into SQLite file var/bench-import.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sr_import_bench make bench-import BENCH_IMPORT_ROWS=50000

It builds a key-point workbook as a team's ledger would hold it (1,000 customers with 2 projects each,
the key points spread over them and over 18 months, authors among 20 reps), REPLACES every customer,
project and key point of the database with nothing, and runs the import as a worker runs a large file:
upload (read and kept), check (the dry run and its preview), import (the write, one transaction). Each
step's seconds and the process's peak resident memory are printed, and written as JSON with --json.
"""

import argparse
import datetime
import io
import json
import os
import resource
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesrecord.settings")
os.environ.setdefault("SALESRECORD_TESTING", "1")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'bench-import.sqlite3'}")

REPS = 20
CUSTOMERS = 1000
HEADER = ["日期", "客户", "项目", "阶段", "沟通方式", "客户参与人", "沟通内容", "客户反馈", "障碍", "我方应对",
          "下一步", "下一步期限", "线索评级", "记录人"]  # fmt: skip
STAGE_NAMES = ["线索获取", "需求挖掘", "方案呈现", "商务谈判"]


def setup_django():
    import django

    (BASE_DIR / "var").mkdir(exist_ok=True)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def empty_and_people():
    from django.contrib.auth import get_user_model

    from accounts.models import Role
    from customers.models import Contact, Customer, Project
    from imports.models import ImportJob
    from keypoints.models import KeyPoint, StageHistory

    KeyPoint.all_objects.all().delete()
    StageHistory.objects.all().delete()
    Project.all_objects.all().delete()
    Contact.all_objects.all().delete()
    Customer.all_objects.all().delete()
    ImportJob.objects.all().delete()
    users = get_user_model()
    lead, _ = users.objects.get_or_create(username="bench-import-lead", defaults={"role": Role.LEAD})
    for number in range(REPS):
        users.objects.get_or_create(username=f"bench-import-rep{number:02}", defaults={"role": Role.REP})
    return lead


def workbook(rows):
    """The key-point sheet, written as a spreadsheet program would (openpyxl, not our export)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("关键点记录明细")
    sheet.append(HEADER)
    start = datetime.datetime(2025, 1, 1, 9, 0)
    for number in range(rows):
        customer = number % CUSTOMERS
        project = number // CUSTOMERS % 2
        ordinal = number // (CUSTOMERS * 2)  # the how-many-th key point of its project
        when = start + datetime.timedelta(days=ordinal * 7 + customer % 5, hours=number % 8)
        stage = min(len(STAGE_NAMES), 1 + ordinal // 8)
        sheet.append([
            when, f"基准客户{customer:04}有限公司", f"项目{project + 1}", STAGE_NAMES[stage - 1], "电话",
            f"联系人{customer % 50}",
            f"第{ordinal + 1}次沟通:确认需求与预算", "认可方案方向", "预算审批周期长", "提供同行案例",
            "安排下一次沟通", (when + datetime.timedelta(days=7)).date(), "A" if stage == 1 else "",
            f"bench-import-rep{customer % REPS:02}",
        ])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(rows, services, settings):
    """Upload, check and import `rows` key points; returns the figures."""
    lead = empty_and_people()
    figures = {"rows": rows, "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]}
    clock = time.perf_counter()
    data = workbook(rows)
    figures["file_mb"] = round(len(data) / 1024 / 1024, 1)
    figures["build_file_s"] = round(time.perf_counter() - clock, 1)
    figures["before"] = peak_mb()
    clock = time.perf_counter()
    job = services.import_upload(actor=lead, data=data, filename="关键点.xlsx", language="zh-hans")
    figures["upload_s"] = round(time.perf_counter() - clock, 1)
    clock = time.perf_counter()
    job = services.import_map(
        job=job, actor=lead, kinds=[s["kind"] for s in job.sheets], mappings=[s["mapping"] for s in job.sheets],
        default_owner=lead,
    )  # fmt: skip
    figures["check_s"] = round(time.perf_counter() - clock, 1)
    job.refresh_from_db()
    clock = time.perf_counter()
    services.import_confirm(job=job, actor=lead)
    figures["import_s"] = round(time.perf_counter() - clock, 1)
    figures["job"] = job.pk
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_IMPORT_ROWS", 50_000)))
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.test import override_settings

    from imports import services
    from imports.models import ImportJob, ImportStatus
    from keypoints.models import KeyPoint

    # The steps run here, in this process, as a worker runs them for a large file: each on the commit of
    # the step that starts it. Settings changed for the run only: the test suite calls this in its process.
    with override_settings(MEDIA_ROOT=BASE_DIR / "var" / "bench-import-media", IMPORT_INLINE_ROWS=args.rows + 1):
        figures = run(args.rows, services, settings)
    job = ImportJob.objects.get(pk=figures.pop("job"))
    before = figures.pop("before")
    if job.status != ImportStatus.DONE:
        sys.exit(f"The import did not finish: {job.status} {job.error}")
    figures["keypoints_imported"] = KeyPoint.objects.count()
    figures["rejected"] = job.result["counts"]["rejected"]
    figures["peak_mb"] = round(peak_mb())
    figures["peak_mb_before_import"] = round(before)
    print(
        f"Imported {figures['keypoints_imported']:,} of {args.rows:,} key points ({figures['file_mb']} MB of XLSX) "
        f"on {figures['database']}: upload {figures['upload_s']} s, check {figures['check_s']} s, "
        f"import {figures['import_s']} s; peak resident memory {figures['peak_mb']} MiB "
        f"({figures['peak_mb_before_import']} MiB with the file built)."
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
