from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from evaluations.selectors import recognitions_out_of_step
from evaluations.services import recognitions_resequence


class Command(BaseCommand):
    help = (
        "Check the data derived from the recognition decisions (each evaluation's superseded_on, each product's "
        "current recognition) against the decisions themselves; with --repair, bring the products out of step "
        "back in step. Fails when something was out of step and not repaired."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Recompute the derived data where it differs.")

    def handle(self, *args, repair, **options):
        stale = recognitions_out_of_step()
        if not stale:
            self.stdout.write(self.style.SUCCESS("Derived data in step with the decisions."))
            return
        shown = ", ".join(str(pk) for pk in sorted(stale)[:20]) + (", …" if len(stale) > 20 else "")
        if not repair:
            raise CommandError(f"{len(stale)} products out of step (ids {shown}); run with --repair.")
        with transaction.atomic():
            recognitions_resequence(product_ids=stale)
        left = recognitions_out_of_step()
        if left:
            raise CommandError(f"{len(left)} products still out of step after the repair.")
        self.stdout.write(self.style.SUCCESS(f"Repaired {len(stale)} products (ids {shown})."))
