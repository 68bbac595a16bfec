from django.db import migrations

from keypoints import quiet_since


def install(apps, schema_editor):
    # SQLite's are installed after every migrate instead (keypoints/quiet_since.py).
    if schema_editor.connection.vendor == "postgresql":
        quiet_since.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    quiet_since.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    """The triggers that keep Project.quiet_since (keypoints/quiet_since.py), and every project's value."""

    dependencies = [
        ("customers", "0012_project_quiet_since"),
        ("keypoints", "0009_obstacle_stored"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
