"""`make bench` works end to end at a tiny scale: no time is asserted, only that it runs and reports.

The dataset builder loads with PostgreSQL's COPY, so this runs on PostgreSQL only.
"""

import json

import pytest
from django.conf import global_settings, settings
from django.db import connection

from accounts.models import Role, User
from bench import dataset, run
from customers.models import Customer, Project, ProjectStatus
from keypoints.models import KeyPoint, NextStepStatus, StageHistory
from keypoints.services import completeness
from tests.keypoints import test_activity

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="the benchmark's dataset is loaded with PostgreSQL's COPY",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_dataset_at_tiny_scale_keeps_the_models_rules():
    built = dataset.build(scale=0.001, log=lambda line: None)
    assert KeyPoint.objects.count() == built["keypoints"] == 300
    assert set(User.objects.values_list("role", flat=True)) == {Role.ADMIN, Role.LEAD, Role.MANAGER, Role.REP}
    for customer in Customer.objects.exclude(credit_code=""):
        customer.full_clean()  # a valid credit code, a unique name key
    for project in Project.objects.all():
        changes = list(StageHistory.objects.filter(project=project).order_by("at", "id"))
        assert (changes[-1].to_stage, changes[-1].to_status) == (project.stage, project.status)
        assert project.budget_min <= project.budget_max
    for keypoint in KeyPoint.objects.prefetch_related("customer_participants"):
        expected = completeness(keypoint, list(keypoint.customer_participants.all()))
        assert (keypoint.elements_filled, keypoint.elements_total, keypoint.missing_elements) == expected
        assert keypoint.stage <= keypoint.project.stage
    assert KeyPoint.objects.filter(project_id=built["long_projects"][0]).count() >= 10
    assert KeyPoint.objects.filter(next_step_status=NextStepStatus.OPEN, project__status=ProjectStatus.OPEN).exists()
    assert not Customer.history.exists()
    # Loaded with the triggers off, quiet_since and last_keypoint_at computed by the loader: as the
    # triggers keep them.
    assert test_activity.stored() == test_activity.as_the_records_say()


def test_bench_serves_every_page_under_load_and_reports_each_against_the_floor(monkeypatch, tmp_path, capsys, settings):
    # The served app checks passwords with the default hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    monkeypatch.setenv("DATABASE_URL", f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}")
    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.setenv("SALESRECORD_TESTING", "1")

    # Each person first logs in as every role with the default (slow) hasher: on a busy machine that
    # takes most of a short run, which then goes on until every page has answered once.
    assert run.main(["--scale", "0.001", "--seconds", "20", "--exports", "csv", "--out", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "results-0.001.json").read_text())
    assert results["pages"].keys() == run.pages().keys()
    for name, page in results["pages"].items():
        assert page["requests"] > 0, name
        # Every page answers 200; home answers the manager with the redirect to the dashboard.
        assert set(page["statuses"]) <= ({"200", "302"} if name == "home" else {"200"}), (name, page["statuses"])
        assert "200" in page["statuses"], name
        assert page["queries"] > 0, name
    printed = capsys.readouterr().out
    for name in results["pages"]:
        assert name in printed
    assert "a multiple of the floor's p95" in printed
    # Every page, scan and export is held to its target; no time is asserted at this scale.
    assert isinstance(results["over_target"], list)
    assert "Every target met" in printed or "Over target" in printed
    assert {"stalled_projects", "stall_events", "overdue_events"} <= results["scans"].keys()
    assert results["exports"]["csv"]["bytes"] > 0
