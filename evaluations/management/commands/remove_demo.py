from django.core.management.base import BaseCommand, CommandError

from evaluations.demo import DemoDataInUse, demo_records, demo_remove


class Command(BaseCommand):
    help = (
        "Delete every demo record (flagged is_demo, as load_demo and generate_scale make them), and only those: "
        "demo products with their evaluations, images and history, and demo producers. One transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, interactive, **options):
        found = demo_records()
        if not found:
            self.stdout.write("No demo data; nothing to remove.")
            return
        summary = self._summary(found)
        if interactive:
            answer = input(f"This deletes {summary} for good. Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Cancelled; nothing was removed.")
        try:
            removed = demo_remove()
        except DemoDataInUse as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Removed {self._summary(removed)}."))

    @staticmethod
    def _summary(records) -> str:
        return (
            f"{records.products} demo products, {records.producers} demo producers, "
            f"{records.evaluations} evaluations and {records.images} images"
        )
