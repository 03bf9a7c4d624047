import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from evaluations import notices


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r}: give a date as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Email each producer one renewal notice (a Word letter attached) covering their certificates that lapse "
        "within the notice window (OCOP_RENEWAL_NOTICE_WINDOW; by default from the rules' notice period to their "
        "'expiring soon' period) and that no sent notice covers; record "
        "every notice. Meant to run daily (deploy/systemd/ocop-renewal-notices.timer): a certificate is never "
        "notified twice, a failed send is tried again the next day. Producers without an email are listed for a "
        "phone call or a posted letter. Fails (exit 1) when a send failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=_day, help="Count the days left from this date (default: today).")
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send and record nothing.")

    def handle(self, *args, as_of=None, dry_run=False, **options):
        as_of = as_of or timezone.localdate()
        low, high = notices.notice_window()
        letters = notices.letters_due(as_of)
        self.stdout.write(f"As of {as_of:%d/%m/%Y}: {len(letters)} producers with certificates lapsing in "
                          f"{low}-{high} days and not notified.")
        sent, failed, by_hand = 0, 0, []
        for letter in letters:
            products = "; ".join(f"{c.product.code} {c.product.name} (until {c.valid_until:%d/%m/%Y})"
                                 for c in letter.certificates)
            if not letter.recipients:
                by_hand.append(f"  {letter.producer.name} — phone {letter.producer.shown_phone or '?'}, "
                               f"address {letter.producer.address or '?'}: {products}")
                continue
            if dry_run:
                self.stdout.write(f"  would email {', '.join(letter.recipients + letter.copies)}: {products}")
                continue
            notice = notices.send_letter(letter, command=True)
            if notice.outcome == notice.Outcome.SENT:
                sent += 1
                self.stdout.write(f"  sent to {notice.recipients}: {products}")
            else:
                failed += 1
                self.stderr.write(f"  FAILED to {notice.recipients}: {notice.error}")
        if by_hand:
            self.stdout.write(f"{len(by_hand)} producers have no email: call them or post their letter "
                              "(admin: Producers → download the renewal letter):")
            self.stdout.write("\n".join(by_hand))
        late = list(notices.late_certificates(as_of))
        if late:
            self.stdout.write(f"{len(late)} certificates lapse within {low} days and were never notified "
                              "(send their producers' letters from the admin):")
            for c in late:
                self.stdout.write(f"  {c.product.code} {c.product.name} — {c.product.producer.name}, until "
                                  f"{c.valid_until:%d/%m/%Y}")
        if dry_run:
            self.stdout.write("Dry run: nothing sent or recorded.")
            return
        self.stdout.write(self.style.SUCCESS(f"Sent {sent}, failed {failed}, without email {len(by_hand)}."))
        if failed:
            raise CommandError(f"{failed} notices failed to send; they are recorded and will be tried again.")
