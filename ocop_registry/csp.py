"""Content-Security-Policy per part of the site."""

from csp.middleware import CSPMiddleware


class PolicyMiddleware(CSPMiddleware):
    """The site-wide policy (settings.CONTENT_SECURITY_POLICY); the admin also allows inline styles, which
    Django's own admin templates and widgets use as style attributes. Scripts stay 'self' everywhere."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith("/admin/") and parts.update is None:
            parts.update = {"style-src": ["'unsafe-inline'"]}
        return parts
