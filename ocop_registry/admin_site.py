"""The registry's admin site."""

from django.contrib import admin


class OcopAdminSite(admin.AdminSite):
    pass
