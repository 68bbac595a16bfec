"""Each existing account gets a first history row, so that an edit form opened before anyone changed
it carries a version, and a change made meanwhile is named field by field."""

from django.db import migrations
from django.utils import timezone

TRACKED = [
    "id", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active",
    "date_joined", "role", "display_name",
]


def start_history(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    HistoricalUser = apps.get_model("accounts", "HistoricalUser")
    now = timezone.now()
    HistoricalUser.objects.bulk_create(
        HistoricalUser(
            **{name: getattr(user, name) for name in TRACKED},
            history_date=now,
            history_type="+",
        )
        for user in User.objects.exclude(pk__in=HistoricalUser.objects.values("id")).iterator()
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_history")]

    operations = [migrations.RunPython(start_history, migrations.RunPython.noop)]
