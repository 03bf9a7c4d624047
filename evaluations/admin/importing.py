"""Importing a council's register from a file: its admin URLs, its permission and its button on the list.

The page itself is ``evaluations.import_views.register_import_view`` (upload → preview → confirm); the
template to fill in is ``register_template_view`` (an .xlsx built from the importer's own columns).
"""

from django.core.exceptions import PermissionDenied
from django.urls import path

from .. import import_views


class RegisterImportMixin:
    """For the evaluation ModelAdmin: ``admin:evaluations_evaluation_import`` and the list's "import" button."""

    change_list_template = "admin/evaluations/evaluation/change_list.html"

    def has_import_permission(self, request):
        return request.user.has_perm(import_views.PERMISSION)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info),
            path(
                "import/mau.xlsx",
                self.admin_site.admin_view(import_views.register_template_view),
                name="%s_%s_import_template" % info,
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        return import_views.register_import_view(request, model_admin=self)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)
