from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluations"
    verbose_name = _("Đánh giá và mục tiêu")

    def ready(self):
        from ocop_registry import data_version

        data_version.watch(self)  # every save or delete of an evaluation, phase or target bumps the data version
