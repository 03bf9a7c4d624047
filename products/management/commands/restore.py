import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from products.backups import (
    MEDIA_INCLUDED,
    MEDIA_OBJECT_STORE,
    BackupError,
    backup_read_manifest,
    backup_restore,
    database_label,
    local_media_root,
    media_label,
    unknown_migrations,
)


class Command(BaseCommand):
    help = (
        "Replace the configured database (and the media files under MEDIA_ROOT) with a backup made by "
        "manage.py backup. Stop the app servers first. Asks for confirmation unless --yes is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The backup file, ocop-backup-<time>.tar.gz.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument("--no-media", action="store_true", help="Restore the database only.")

    def handle(self, *args, **options):
        try:
            manifest = backup_read_manifest(options["file"])
            target = database_label()
            newer = unknown_migrations(manifest)
        except BackupError as error:
            raise CommandError(str(error)) from error

        self.stdout.write(f"Backup:   {options['file']} (made {manifest['created']} from {manifest['database']})")
        self.stdout.write(f"Replaces: {target}")
        if manifest["media"] == MEDIA_INCLUDED and not options["no_media"]:
            self.stdout.write(f"Media:    {manifest['media_files']} files written into {media_label()}")
        if newer:
            self.stdout.write(self.style.WARNING(
                "This backup was made by a newer version of the registry (migrations this code does not have: "
                f"{', '.join(newer)}). Restore it with that version's code."
            ))

        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError("Refusing to replace the database without confirmation: add --yes.")
            answer = input(f"Everything now in {target} will be replaced. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")

        try:
            result = backup_restore(archive=options["file"], include_media=not options["no_media"])
        except BackupError as error:
            raise CommandError(f"Restore failed: {error}") from error

        if result.media == MEDIA_INCLUDED:
            self.stdout.write(f"Wrote {result.media_files} media files under {local_media_root()}.")
        elif result.media == MEDIA_OBJECT_STORE:
            self.stdout.write(
                "Media are in the object store: restore earlier object versions there if needed (docs/deploy.md)."
            )
        if result.unapplied_migrations:
            self.stdout.write(self.style.WARNING(
                f"{len(result.unapplied_migrations)} migrations of this code are not applied in the restored "
                "database: run manage.py migrate."
            ))
        self.stdout.write(self.style.SUCCESS(f"Restored {result.database} from {options['file']}."))
