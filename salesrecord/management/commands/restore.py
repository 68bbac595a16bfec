from django.core.management.base import BaseCommand, CommandError

from salesrecord import backup


class Command(BaseCommand):
    help = "Replace every record in the database with those of a backup written by `backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file")
        parser.add_argument("--confirm", action="store_true", help="yes, replace all the data now in the database")

    def handle(self, *args, file, confirm, **options):
        if not confirm:
            raise CommandError(
                f"Restoring replaces every record now in {backup.database_label()} with those of {file}. "
                "Stop the web app and the workers, then run it again with --confirm "
                "(make restore FILE=... CONFIRM=yes)."
            )
        backup.restore(file)
        self.stdout.write(f"Restored {backup.database_label()} from {file}.")
