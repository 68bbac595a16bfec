from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _

from . import activity, day_counts


class KeypointsConfig(AppConfig):
    name = "keypoints"
    verbose_name = _("Key points")

    def ready(self):
        # The triggers that keep a project's quiet_since and last_keypoint_at: out of the way of SQLite's
        # table rebuilds while migrating, and in place after every migrate (and every flush, which sends
        # post_migrate too).
        pre_migrate.connect(activity.removed_before_migrate, sender=self, dispatch_uid="keypoints_activity_off")
        post_migrate.connect(activity.installed_after_migrate, sender=self, dispatch_uid="keypoints_activity")
        # The counts per day the dashboard reads (PostgreSQL): the trigger in place, the rows counted again
        # if the site's time zone changed.
        post_migrate.connect(day_counts.installed_after_migrate, sender=self, dispatch_uid="keypoints_day_counts")
