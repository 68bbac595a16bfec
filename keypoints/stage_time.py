"""Time in each stage, read from the stage history (SPEC: "time-in-stage and conversions are facts").

Each history row opens a span: the project is in the row's stage and status from the row's time until
the next row's (or until now, for the newest row). A project's time in a stage is the sum of its spans
in that stage with the status open: time on hold does not count, and a project that went back to a
stage adds its second stay to the first. A stay is *finished* once the project is no longer in that
stage (or is lost or completed); only finished stays enter the averages and medians, so a deal still
in a stage never drags its stage's figures down.

Everything is computed in one SQL statement (window functions, which PostgreSQL and SQLite share); the
median is the middle row, or the mean of the two middle rows, of each stage's ordered stays.
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
        return f"EXTRACT(EPOCH FROM ({end} - {start}))"
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def _stays_sql(projects, now):
    """SQL and parameters for one row per (project, stage): the seconds it spent open there, and
    whether that stay is finished."""
    history = StageHistory._meta.db_table
    project_table = projects.model._meta.db_table
    scope_sql, scope_params = projects.order_by().values("pk").query.sql_with_params()
    seconds = _seconds_between("s.entered", "s.left_at")
    sql = f"""
        WITH spans AS (
            SELECT h.project_id, h.to_stage AS stage, h.to_status AS status, h.at AS entered,
                   COALESCE(LEAD(h.at) OVER (PARTITION BY h.project_id ORDER BY h.at, h.id), %s) AS left_at
            FROM {history} h
            WHERE h.project_id IN ({scope_sql})
        ),
        stays AS (
            SELECT s.project_id, s.stage, SUM({seconds}) AS seconds,
                   CASE WHEN p.stage = s.stage AND p.status IN (%s, %s) THEN 0 ELSE 1 END AS finished
            FROM spans s JOIN {project_table} p ON p.id = s.project_id
            WHERE s.status = %s
            GROUP BY s.project_id, s.stage, p.stage, p.status
        )
    """
    params = [now, *scope_params, ProjectStatus.OPEN, ProjectStatus.ON_HOLD, ProjectStatus.OPEN]
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
