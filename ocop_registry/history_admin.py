"""The change history every registry admin keeps (django-simple-history), in Vietnamese.

Shared by the product and evaluation admins, as are the dates staff type there (dd/mm/yyyy).
"""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class HistoryAdmin(SimpleHistoryAdmin):
    """Simple history, in Vietnamese, without the hole of reverting without the right to change.

    django-simple-history's "revert" form accepts a POST from anyone allowed to *view* the history;
    here reverting needs the change permission on the current object (so a recognised evaluation
    cannot be reverted by a non-superuser).
    """

    object_history_template = "admin/history/object_history.html"
    object_history_list_template = "admin/history/object_history_list.html"
    formfield_overrides = {
        models.DateField: {"form_class": forms.DateField, "input_formats": DATE_INPUT_FORMATS,
                           "widget": AdminDateWidget(format="%d/%m/%Y")},
    }

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            current = self.get_object(request, object_id)
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        if obj is not None and obj.pk is not None:
            current = self.model._default_manager.filter(pk=obj.pk).first()
            if current is None or not self.has_change_permission(request, current):
                return True
        return super().revert_disabled(request, obj)
