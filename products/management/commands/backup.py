import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from products.backups import MEDIA_INCLUDED, MEDIA_OBJECT_STORE, BackupError, backup_create, backup_prune


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump custom format; SQLite: the online backup API) and the "
        "uploaded media under MEDIA_ROOT into one timestamped file, ocop-backup-<UTC time>.tar.gz. "
        "Restore it with: manage.py restore FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(os.environ.get("OCOP_BACKUP_DIR") or settings.BASE_DIR / "backups"),
            help="Directory for the backup file (default: $OCOP_BACKUP_DIR, else backups/ in the project).",
        )
        parser.add_argument("--no-media", action="store_true", help="Leave the uploaded media out.")
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            metavar="N",
            help="Afterwards, delete all but the N newest backups in the directory (default: keep all).",
        )

    def handle(self, *args, **options):
        try:
            result = backup_create(output_dir=options["output"], include_media=not options["no_media"])
        except BackupError as error:
            raise CommandError(f"Backup failed: {error}") from error
        if result.media == MEDIA_INCLUDED:
            media = f"{result.media_files} media files"
        elif result.media == MEDIA_OBJECT_STORE:
            media = "media not included: they are in the object store (keep bucket versioning on)"
        else:
            media = "media not included (--no-media)"
        self.stdout.write(f"Backed up the {result.engine} database and {media}: {result.size:,} bytes.")
        for path in backup_prune(directory=options["output"], keep=options["keep"]):
            self.stdout.write(f"Deleted old backup {path.name}")
        # Last line: the file, for scripts.
        self.stdout.write(self.style.SUCCESS(str(result.path)))
