from django.db import migrations
from django.db.models.functions import Length

from keypoints.models import OBSTACLE_KEY_LENGTH, named_obstacle_sql


def shorten_named_obstacles(apps, schema_editor):
    # Records saved before the obstacle was counted by its first characters (SQLite could hold them;
    # PostgreSQL's index refused them): named as save() now names them.
    KeyPoint = apps.get_model("keypoints", "KeyPoint")
    KeyPoint._base_manager.alias(length=Length("named_obstacle")).filter(length__gt=OBSTACLE_KEY_LENGTH).update(
        named_obstacle=named_obstacle_sql()
    )


class Migration(migrations.Migration):
    """A key point's obstacle is counted by its first characters (keypoints.models.OBSTACLE_KEY_LENGTH)."""

    dependencies = [("keypoints", "0012_day_counts")]

    operations = [migrations.RunPython(shorten_named_obstacles, migrations.RunPython.noop)]
