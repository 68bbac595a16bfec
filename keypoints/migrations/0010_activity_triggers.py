from django.db import migrations

from keypoints import activity


def install(apps, schema_editor):
    # SQLite's are installed after every migrate instead (keypoints/activity.py).
    if schema_editor.connection.vendor == "postgresql":
        activity.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    activity.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    """The triggers that keep Project.quiet_since and last_keypoint_at (keypoints/activity.py), and every
    project's values."""

    dependencies = [
        ("customers", "0013_project_last_keypoint"),
        ("keypoints", "0010_quiet_since_triggers"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
