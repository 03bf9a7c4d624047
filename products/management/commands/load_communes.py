from django.core.management.base import BaseCommand

from products.models import Commune, LegacyCommune, LegacyDistrict
from products.services import administrative_units_load


class Command(BaseCommand):
    help = (
        "Load Thanh Hóa's 166 current communes and wards and the pre-2025 districts and communes, "
        "with each legacy commune's successor, from the vietnamadminunits package. Safe to run again."
    )

    def handle(self, *args, **options):
        report = administrative_units_load()
        for bucket in ("created", "updated"):
            for name, count in getattr(report, bucket).items():
                self.stdout.write(f"{name}: {count} {bucket}")
        if not report.changed:
            self.stdout.write("Nothing changed.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{Commune.objects.count()} current communes, {LegacyDistrict.objects.count()} legacy districts, "
                f"{LegacyCommune.objects.count()} legacy communes."
            )
        )
