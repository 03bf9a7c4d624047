import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create the administrator account if it does not exist. Username from OCOP_ADMIN_USERNAME "
        "(default: admin); password from OCOP_ADMIN_PASSWORD, or generated and printed. A given password must "
        "pass the password validators (AUTH_PASSWORD_VALIDATORS)."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        username = os.environ.get("OCOP_ADMIN_USERNAME", "admin")
        password = os.environ.get("OCOP_ADMIN_PASSWORD")
        if password:  # before anything is read or written
            self.check_password(password, User(username=username))
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
        password = password or self.generated_password(User(username=username))
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Admin account created: {username}"))
        if generated:
            self.stdout.write(self.style.WARNING(f"Password (shown once, write it down): {password}"))

    @staticmethod
    def generated_password(user):
        for _attempt in range(10):  # 16 random characters pass the usual validators; check anyway
            password = secrets.token_urlsafe(12)
            try:
                validate_password(password, user=user)
            except ValidationError as error:
                refusal = error
                continue
            return password
        raise CommandError("No generated password passed the validators: " + " ".join(refusal.messages))

    @staticmethod
    def check_password(password, user):
        try:
            validate_password(password, user=user)
        except ValidationError as error:
            raise CommandError(
                "OCOP_ADMIN_PASSWORD is refused; nothing was changed:\n" + "\n".join(f"- {m}" for m in error.messages)
            ) from error
