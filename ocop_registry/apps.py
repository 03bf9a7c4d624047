from django.contrib.admin.apps import AdminConfig


class OcopAdminConfig(AdminConfig):
    """django.contrib.admin, with the registry's admin site (second factor, lockout) as ``admin.site``."""

    default_site = "ocop_registry.admin_site.OcopAdminSite"
