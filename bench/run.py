"""`make bench`: the app under real load at a chosen scale, every page against the floor.

    make bench                                   # scale 1: 300,000 key points, database salesrecord_bench
    make bench BENCH_SCALE=0.1 BENCH_SECONDS=60
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sr_bench .venv/bin/python bench/run.py --scale 0.1

1. Builds the dataset (bench/dataset.py) unless the database already holds it at this scale.
2. Serves the app with gunicorn (2 workers, DEBUG off, a secret key, HTTPS off, BENCH on: the floor
   page and the X-Queries header) and drives it with locust, headless: two people at once (one per
   worker, so that requests do not queue), each logged in as every role in turn.
3. Prints, per page: requests, p50 and p95 latency, requests per second, SQL queries per request,
   and p50 and p95 as multiples of the floor's p95 (the floor: login required, base template, one
   query of its own, measured in the same run).
4. Times the reminder scans over all open projects in process, with their queries, and the ledger
   exports of every row (bench/export_ledger.py, each in a fresh process, with peak memory).

PostgreSQL only, and it REPLACES what the database holds: give it a database of its own.
Results also go to var/bench/results-<scale>.json; a run at another scale found there is compared
with this one's queries per page, which should be the same.
"""

import argparse
import json
import math
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/salesrecord_bench"
BIN = Path(sys.executable).parent
FLOOR = "floor"
# Issue 11's targets, at scale 1: a page's p95 at most 3x the floor's p95, the ledger's pages, the
# dashboard and the board at most 5x; each reminder scan at most 2 s; the export of every key point in
# at most 15 s (CSV) and 45 s (XLSX), each within 250 MB of peak resident memory.
PAGE_TARGET = 3.0
WIDE_PAGES = ("ledger", "dashboard", "board")
WIDE_TARGET = 5.0
SCAN_SECONDS = 2.0
EXPORT_SECONDS = {"csv": 15.0, "xlsx": 45.0}
EXPORT_PEAK_MB = 250.0


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_ready():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesrecord.settings")
    import django

    django.setup()


def ensure_dataset(scale, rebuild, log):
    from bench import dataset
    from keypoints.models import KeyPoint

    wanted = dataset.scaled(dataset.FULL["keypoints"], scale)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    have = KeyPoint.all_objects.count()
    if rebuild or have != wanted:
        log(f"Building the dataset at scale {scale} ({wanted:,} key points; the database held {have:,})…")
        return dataset.build(scale=scale, log=log)
    log(f"The database already holds the dataset at scale {scale} ({have:,} key points): reused.")
    # Migrations may have added indexes since it was built: vacuumed, they answer as they will in production.
    dataset.vacuum()
    return None


def pages():
    """The pages to measure, as paths, chosen from the data: what every role may open."""
    from django.db.models import Count

    from bench.dataset import ROLE_USERS
    from customers.models import Customer
    from keypoints import paging
    from keypoints.filters import KeyPointFilter
    from keypoints.models import KeyPoint

    rep_customers = list(
        Customer.objects.filter(owner__username=ROLE_USERS["rep"]).order_by("id").values_list("id", flat=True)[:2]
    )
    key_account, small_account = rep_customers[0], rep_customers[-1]
    long_project = (
        KeyPoint.objects.filter(project__customer_id=key_account)
        .values("project_id")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")[0]["project_id"]
    )
    # Nine tenths down the newest-first ledger, named as its "older" link names it (a position, not
    # a page number: for a rep, the same point in time in their own, smaller ledger).
    deep_position = KeyPoint.objects.count() * 9 // 10
    deep_row = KeyPoint.objects.order_by("-occurred_at", "-id")[deep_position]
    deep_cursor = paging.write_cursor(KeyPointFilter.order_keys_for(KeyPointFilter.DEFAULT_SORT), deep_row)
    newest = KeyPoint.objects.order_by("-occurred_at").values_list("occurred_at", flat=True)[0]
    year_ago = (newest.date().replace(year=newest.year - 1)).isoformat()
    return {
        FLOOR: "/bench/floor/",
        "home": "/",
        "customer list, industry filter": "/customers/?industry=manufacturing",
        "customer detail (key account)": f"/customers/{key_account}/",
        "opportunity list, stage 3": "/projects/?stage=3",
        "project page, longest": f"/projects/{long_project}/",
        "ledger, first page": "/keypoints/",
        "ledger, stage 3 since a year": f"/keypoints/?stage=3&occurred_from={year_ago}",
        f"ledger, deep page (row {deep_position})": f"/keypoints/?after={deep_cursor}",
        "dashboard": "/dashboard/",
        "board (pipeline)": "/pipeline/",
        "export, one customer, CSV": f"/keypoints/export/?customer={small_account}&format=csv",
    }


def static_collected():
    """Whether staticfiles/ holds a manifest newer than every file under static/."""
    manifest = BASE_DIR / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return False
    newest = max((path.stat().st_mtime for path in (BASE_DIR / "static").rglob("*") if path.is_file()), default=0)
    return manifest.stat().st_mtime > newest


def serve(database_url, port, out_dir, log):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "BENCH": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HTTPS": "false",
        "SALESRECORD_TESTING": "",
    }
    if not static_collected():
        log("Collecting static files (DEBUG off serves them from the manifest)…")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True
        )
    server_log = open(out_dir / "gunicorn.log", "w", encoding="utf-8")  # noqa: SIM115 (closed by stop())
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
            "salesrecord.wsgi",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=server_log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    log(f"gunicorn (2 workers, DEBUG off) serves on port {port}")
                    server.log_file = server_log
                    return server
        except OSError:
            time.sleep(0.5)
        if server.poll() is not None:
            raise SystemExit(f"gunicorn did not start: see {out_dir / 'gunicorn.log'}")
    server.log_file = server_log
    stop(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    server.log_file.close()


def drive(port, paths, seconds, people, out_dir, log):
    from bench.dataset import BENCH_PASSWORD, ROLE_USERS

    config = out_dir / "pages.json"
    users = list(ROLE_USERS.values())
    config.write_text(json.dumps({"pages": paths, "users": users, "password": BENCH_PASSWORD}), encoding="utf-8")
    counts_file = out_dir / "queries.json"
    prefix = out_dir / "locust"
    # The run lasts `seconds`, then until every page has answered once (bench/locustfile.py); this cap
    # ends it if a page never answers, and the report shows that page with no answer.
    cap = seconds + max(120, seconds)
    log(f"locust: {people} people at once, each logged in as every role, {seconds} s…")
    with open(out_dir / "locust.log", "w", encoding="utf-8") as locust_log:
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(BASE_DIR / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(people),
                "--spawn-rate",
                str(people),
                "--run-time",
                f"{cap}s",
                "--stop-timeout",
                "120",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **os.environ,
                "BENCH_PAGES": str(config),
                "BENCH_QUERIES": str(counts_file),
                "BENCH_SECONDS": str(seconds),
            },
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=locust_log,
        )
    counts = json.loads(counts_file.read_text(encoding="utf-8"))
    results = {}
    for name in paths:
        times = sorted(counts["times_ms"].get(name, []))
        queries = counts["queries"].get(name, [])
        results[name] = {
            "requests": len(times),
            "failures": counts["failures"].get(name, 0),
            "p50_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95),
            "rps": len(times) / counts["seconds"] if counts["seconds"] else 0.0,
            "queries": statistics.median(queries) if queries else None,
            "queries_range": [min(queries), max(queries)] if queries else None,
            "statuses": counts["statuses"].get(name, {}),
        }
    return results


def percentile(ordered, p):
    """The nearest-rank percentile of ordered figures: the smallest that p percent of them do not exceed."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def time_scans():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from customers.models import Project, ProjectStatus
    from reminders import services

    scans = {
        "stalled_projects": lambda: list(services.stalled_projects()),
        "stall_events": services.stall_events,
        "overdue_events": services.overdue_events,
    }
    results = {"open projects": Project.objects.filter(status=ProjectStatus.OPEN).count()}
    for name, scan in scans.items():
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            found = scan()
            seconds = time.perf_counter() - started
        results[name] = {"seconds": round(seconds, 2), "queries": len(captured.captured_queries), "found": len(found)}
    return results


def time_exports(database_url, formats):
    results = {}
    for export_format in formats:
        child = subprocess.run(
            [sys.executable, str(BASE_DIR / "bench" / "export_ledger.py"), "--one", f"{export_format}:0"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "DATABASE_URL": database_url},
        )
        results[export_format] = json.loads(child.stdout.strip().splitlines()[-1])
    return results


def page_target(name):
    """The most a page's p95 may be, as a multiple of the floor's p95 (None for the floor itself)."""
    if name == FLOOR:
        return None
    return WIDE_TARGET if name.startswith(WIDE_PAGES) else PAGE_TARGET


def page_kind(name):
    """A page's name without what depends on the scale (the deep page's row)."""
    return re.sub(r" \(row \d+\)$", "", name)


def query_range(page):
    low, high = page["queries_range"] or ("-", "-")
    return str(low) if low == high else f"{low}-{high}"


def query_differences(results, others):
    """Pages whose queries per request differ from another scale's run: they should be the same."""
    found = []
    for other in others:
        theirs = {page_kind(name): page for name, page in other["pages"].items()}
        for name, page in results["pages"].items():
            their = theirs.get(page_kind(name))
            if not (their and page["queries_range"] and their["queries_range"]):
                continue
            if list(page["queries_range"]) != list(their["queries_range"]):
                found.append(
                    f"{page_kind(name)}: {query_range(page)} queries at scale {results['scale']:g},"
                    f" {query_range(their)} at scale {other['scale']:g}"
                )
    return found


def misses(results):
    """What is over its target, one line each (none: every target met)."""
    found = list(results.get("query_differences", []))
    floor_p95 = results["pages"][FLOOR]["p95_ms"]
    for name, page in results["pages"].items():
        target = page_target(name)
        if target is None:
            continue
        if page["p95_ms"] is None or not floor_p95:
            found.append(f"{name}: no answer")
        elif page["p95_ms"] > target * floor_p95:
            ratio = page["p95_ms"] / floor_p95
            found.append(f"{name}: p95 {page['p95_ms']:.0f} ms, {ratio:.2f}× the floor (at most {target:g}×)")
    for name, scan in results.get("scans", {}).items():
        if isinstance(scan, dict) and scan["seconds"] > SCAN_SECONDS:
            found.append(f"{name}: {scan['seconds']} s (at most {SCAN_SECONDS:g} s)")
    for export_format, export in results.get("exports", {}).items():
        limit = EXPORT_SECONDS.get(export_format)
        if limit is not None and export["seconds"] > limit:
            found.append(f"export {export_format}: {export['seconds']} s (at most {limit:g} s)")
        if export["peak_mb"] > EXPORT_PEAK_MB:
            found.append(f"export {export_format}: peak {export['peak_mb']} MiB (at most {EXPORT_PEAK_MB:g})")
    return found


def report(results, log):
    floor_p95 = results["pages"][FLOOR]["p95_ms"] or 1
    log("")
    log(
        f"{'page':<34} {'reqs':>5} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>6} {'queries':>8} {'p50×':>7} {'p95×':>7}"
        f" {'target':>7}"
    )
    for name, page in results["pages"].items():
        if page["p95_ms"] is None:
            log(f"{name:<34} {'no answer':>5}")
            continue
        queries = query_range(page)
        target = page_target(name)
        ratio = page["p95_ms"] / floor_p95
        verdict = "" if target is None else f"{target:g}×" + (" over" if ratio > target else "")
        log(
            f"{name:<34} {page['requests']:>5} {page['p50_ms']:>8.0f} {page['p95_ms']:>8.0f} {page['rps']:>6.2f}"
            f" {queries:>8} {page['p50_ms'] / floor_p95:>7.1f} {ratio:>7.2f} {verdict:>7}"
        )
    log(f"(× = a multiple of the floor's p95, {floor_p95:.0f} ms)")
    if "compared_with" in results:
        compared = ", ".join(f"{scale:g}" for scale in results["compared_with"])
        same = "the same" if not results["query_differences"] else "not the same (below)"
        log(f"Queries per page against the run at scale {compared} in the same folder: {same}.")
    if "scans" in results:
        scans = results["scans"]
        log(f"\nReminder scans over {scans['open projects']:,} open projects:")
        for name, scan in scans.items():
            if isinstance(scan, dict):
                log(f"  {name:<18} {scan['seconds']:>6.2f} s  {scan['queries']:>4} queries  {scan['found']:,} found")
    for export_format, export in results.get("exports", {}).items():
        log(
            f"Export {export_format}: {export['seconds']} s for every row, {export['bytes'] / 1e6:.1f} MB,"
            f" peak {export['peak_mb']} MiB"
        )
    over = misses(results)
    scale = results["scale"]
    scale_note = "" if scale == 1 else f" (the targets are set for scale 1; this is scale {scale:g})"
    if over:
        log(f"\nOver target{scale_note}:")
        for line in over:
            log(f"  {line}")
    else:
        log(f"\nEvery target met{scale_note}.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", 1)))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 120)))
    parser.add_argument("--people", type=int, default=2, help="at once; more than the 2 workers queue")
    parser.add_argument("--rebuild", action="store_true", help="build the dataset even if it is there")
    parser.add_argument("--exports", default="csv,xlsx", help="formats to time ('' for none)")
    parser.add_argument("--no-scans", action="store_true")
    parser.add_argument("--out", default=str(BASE_DIR / "var" / "bench"))
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if anything is over its target (at scale 1) or the queries differ from another scale's run",
    )
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("make bench needs PostgreSQL: set DATABASE_URL to a database of its own.")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SALESRECORD_TESTING", "1")  # in this process only: a key for migrate and the scans
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    def log(line):
        print(line, flush=True)

    django_ready()
    results = {"scale": args.scale, "database": database_url.split("@")[-1], "cpus": os.cpu_count()}
    built = ensure_dataset(args.scale, args.rebuild, log)
    if built:
        results["dataset"] = built
    paths = pages()
    port = free_port()
    server = serve(database_url, port, out_dir, log)
    try:
        results["pages"] = drive(port, paths, args.seconds, args.people, out_dir, log)
    finally:
        stop(server)
    if not args.no_scans:
        results["scans"] = time_scans()
    formats = [name for name in args.exports.split(",") if name]
    if formats:
        log(f"Timing the exports of every key point ({', '.join(formats)}), each in a fresh process…")
        results["exports"] = time_exports(database_url, formats)
    # Another scale's run in the same folder: the queries per page must be the same as there.
    others = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(out_dir.glob("results-*.json"))
        if path.name != f"results-{args.scale:g}.json"
    ]
    if others:
        results["compared_with"] = [other["scale"] for other in others]
        results["query_differences"] = query_differences(results, others)
    report(results, log)
    results["over_target"] = misses(results)
    (out_dir / f"results-{args.scale:g}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    failed = results["over_target"] if args.scale == 1 else results.get("query_differences")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
