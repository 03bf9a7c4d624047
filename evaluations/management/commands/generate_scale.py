import time

from django.core.management.base import BaseCommand, CommandError

from evaluations.scale import scale_generate


class Command(BaseCommand):
    help = (
        "Create synthetic producers, products (across all communes and groups) and 1–3 evaluations each, "
        "for benchmarks. Records are flagged as demo data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, required=True, help="How many products to create.")
        parser.add_argument("--seed", type=int, default=2019, help="Random seed (default 2019).")

    def handle(self, *args, products, seed, **options):
        if products < 1:
            raise CommandError("--products must be at least 1.")
        started = time.perf_counter()
        try:
            report = scale_generate(products=products, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {report.producers} producers, {report.products} products and "
                f"{report.evaluations} evaluations in {elapsed:.1f} s."
            )
        )
