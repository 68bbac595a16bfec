from django.core.management.base import BaseCommand

from reminders import delivery, services
from reminders.models import ScanRun


class Command(BaseCommand):
    help = "Run the stall and overdue next-step scans once and send what they find (for cron, and for checks)."

    def handle(self, *args, **options):
        failed = 0
        for job in (ScanRun.Job.STALLS, ScanRun.Job.OVERDUE):
            created = services.run_scan(job)
            run = ScanRun.objects.filter(job=job).first()
            self.stdout.write(f"{job}: {run.found} found, {run.created} new reminders")
            for reminder in created + services.stranded():
                try:
                    delivery.deliver(reminder.pk)
                except delivery.DeliveryFailed as error:
                    failed += 1
                    self.stderr.write(f"{reminder.key}: {error}")
        if failed:
            self.stderr.write(f"{failed} deliveries failed; the next run tries them again.")
