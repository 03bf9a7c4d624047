from django.contrib.admin.apps import AdminConfig


class OcopAdminConfig(AdminConfig):
    """django.contrib.admin, with the registry's admin site (second factor, lockout) as ``admin.site``."""

    default_site = "ocop_registry.admin_site.OcopAdminSite"

    def ready(self):
        super().ready()
        from . import site_url  # noqa: F401  registers the SITE_URL deploy check
