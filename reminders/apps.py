from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from salesrecord import health


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self):
        health.register("reminder_scans", "reminders.selectors.scan_health")
