from django.core.management.base import BaseCommand, CommandError

from evaluations.demo import DemoDataExists, demo_load
from products.models import Commune


class Command(BaseCommand):
    help = "Load illustrative demo data (flagged as demo) telling Thanh Hóa's OCOP story 2019–2026."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (and succeed) when demo data is already loaded."
        )

    def handle(self, *args, **options):
        if not Commune.objects.exists():
            raise CommandError("Load the administrative units first: python manage.py load_communes")
        try:
            counts = demo_load()
        except DemoDataExists as exc:
            if options["if_empty"]:
                self.stdout.write("Demo data already loaded; nothing to do.")
                return
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded: {producers} producers, {products} products, {evaluations} evaluations.".format(
                    **counts
                )
            )
        )
