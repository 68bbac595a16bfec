from django.db import migrations


class Migration(migrations.Migration):
    """Installed the first triggers that kept Project.quiet_since. A database that applied it has them;
    0010_activity_triggers replaces them (keypoints/activity.py, FORMER) with the triggers that keep
    quiet_since and last_keypoint_at. Kept under its name, with nothing left to do, so that a database
    migrated to it goes on from here."""

    dependencies = [
        ("customers", "0012_project_quiet_since"),
        ("keypoints", "0009_obstacle_stored"),
    ]

    operations = []
