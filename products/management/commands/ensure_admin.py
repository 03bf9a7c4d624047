import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the administrator account if it does not exist. Username from OCOP_ADMIN_USERNAME "
        "(default: admin); password from OCOP_ADMIN_PASSWORD, or generated and printed."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        username = os.environ.get("OCOP_ADMIN_USERNAME", "admin")
        password = os.environ.get("OCOP_ADMIN_PASSWORD")
        user = User.objects.filter(username=username).first()
        if user is not None:
            if password:
                user.set_password(password)
                user.save(update_fields=["password"])
                self.stdout.write(f"Admin account '{username}': password set from OCOP_ADMIN_PASSWORD.")
            else:
                self.stdout.write(f"Admin account '{username}' exists; its password is unchanged.")
            return
        generated = not password
        password = password or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Admin account created: {username}"))
        if generated:
            self.stdout.write(self.style.WARNING(f"Password (shown once, write it down): {password}"))
