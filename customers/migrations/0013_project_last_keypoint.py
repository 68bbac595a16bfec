from django.db import migrations, models


class Migration(migrations.Migration):
    """A project's newest key point, kept by the triggers of keypoints/activity.py with quiet_since."""

    dependencies = [
        ("customers", "0012_project_quiet_since"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="last_keypoint_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="last key point"),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("archived_at__isnull", True)),
                fields=["customer", "last_keypoint_at"],
                name="project_customer_activity",
            ),
        ),
    ]
