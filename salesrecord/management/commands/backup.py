from django.conf import settings
from django.core.management.base import BaseCommand

from salesrecord import backup


class Command(BaseCommand):
    help = "Write a backup of the whole database (SQLite or PostgreSQL) into BACKUP_DIR, named by the time."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.BACKUP_DIR), help="where to write it (BACKUP_DIR)")

    def handle(self, *args, dir, **options):
        path = backup.back_up(dir)
        self.stdout.write(str(path))
