"""Time in each stage, read from the stage history (SPEC: "time-in-stage and conversions are facts").

Each history row opens a span: the project is in the row's stage and status from the row's time until
the next row's (or until now, for the newest row). A project's time in a stage is the sum of its spans
in that stage with the status open: time on hold does not count, and a project that went back to a
stage adds its second stay to the first. A stay is *finished* once the project is no longer in that
stage (or is lost or completed); only finished stays enter the averages and medians, so a deal still
in a stage never drags its stage's figures down.

Everything is computed in one SQL statement; the median is the middle row, or the mean of the two middle
rows, of each stage's ordered stays. On PostgreSQL each project's history is read on its own (a lateral
join through the history's project index, its spans numbered within it) and the median is
`percentile_cont`: reading a period's few thousand projects that way costs a fraction of hashing the
whole history. SQLite, which has neither, numbers the spans and the stays with window functions over
the joined rows. Both give the same figures (tests/keypoints/test_stage_time.py runs on both).
"""

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from customers.models import ProjectStatus

from .models import StageHistory


@dataclass(frozen=True)
class StageTime:
    stage: int
    count: int  # finished stays
    mean_days: float
    median_days: float


def _seconds_between(start, end):
    if connection.vendor == "postgresql":
        return f"date_part('epoch', {end} - {start})"
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def _stays_sql(projects, now):
    """SQL and parameters for one row per (project, stage): the seconds it spent open there, and
    whether that stay is finished. The projects' stage and status come with them from the scope, so the
    history is joined to the projects asked about and no other project is read."""
    history = StageHistory._meta.db_table
    scope_sql, scope_params = projects.order_by().values("pk", "stage", "status").query.sql_with_params()
    seconds = _seconds_between("s.entered", "s.left_at")
    if connection.vendor == "postgresql":
        spans = f"""
            SELECT p.id AS project_id, h.to_stage AS stage, h.to_status AS status, h.at AS entered,
                   COALESCE(h.left_at, %s) AS left_at, p.stage AS project_stage, p.status AS project_status
            FROM scope p CROSS JOIN LATERAL (
                SELECT x.to_stage, x.to_status, x.at, LEAD(x.at) OVER (ORDER BY x.at, x.id) AS left_at
                FROM {history} x WHERE x.project_id = p.id
            ) h
        """
    else:
        spans = f"""
            SELECT h.project_id, h.to_stage AS stage, h.to_status AS status, h.at AS entered,
                   COALESCE(LEAD(h.at) OVER (PARTITION BY h.project_id ORDER BY h.at, h.id), %s) AS left_at,
                   p.stage AS project_stage, p.status AS project_status
            FROM {history} h JOIN scope p ON p.id = h.project_id
        """
    sql = f"""
        WITH scope (id, stage, status) AS ({scope_sql}),
        spans AS ({spans}),
        stays AS (
            SELECT s.project_id, s.stage, SUM({seconds}) AS seconds,
                   CASE WHEN s.project_stage = s.stage AND s.project_status IN (%s, %s) THEN 0 ELSE 1 END AS finished
            FROM spans s
            WHERE s.status = %s
            GROUP BY s.project_id, s.stage, s.project_stage, s.project_status
        )
    """
    params = [*scope_params, now, ProjectStatus.OPEN, ProjectStatus.ON_HOLD, ProjectStatus.OPEN]
    return sql, params


def stage_days(projects, now=None):
    """{(project id, stage): (days open in that stage, finished)} for the given projects, the stay in
    the current stage counted up to now."""
    sql, params = _stays_sql(projects, now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql + "SELECT project_id, stage, seconds, finished FROM stays", params)
        return {(pk, stage): (float(seconds) / 86400, bool(finished)) for pk, stage, seconds, finished in cursor}


def stage_times(projects, now=None):
    """{stage: StageTime} over the finished stays of the given projects; a stage no project has
    finished is absent."""
    sql, params = _stays_sql(projects, now or timezone.now())
    if connection.vendor == "postgresql":
        sql += """
            SELECT stage, COUNT(*), AVG(seconds), percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)
            FROM stays WHERE finished = 1 GROUP BY stage ORDER BY stage
        """
    else:
        sql += """,
            ranked AS (
                SELECT stage, seconds,
                       ROW_NUMBER() OVER (PARTITION BY stage ORDER BY seconds) AS position,
                       COUNT(*) OVER (PARTITION BY stage) AS n
                FROM stays WHERE finished = 1
            )
            SELECT stage, MAX(n), AVG(seconds),
                   AVG(CASE WHEN position IN ((n + 1) / 2, (n + 2) / 2) THEN seconds END)
            FROM ranked GROUP BY stage ORDER BY stage
        """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            stage: StageTime(stage=stage, count=n, mean_days=float(mean) / 86400, median_days=float(median) / 86400)
            for stage, n, mean, median in cursor
        }
