"""Content-Security-Policy per part of the site, and the Cross-Origin-Resource-Policy that goes with it."""

from csp.middleware import CSPMiddleware
from django.conf import settings

ADMIN_PREFIX = "/admin/"


class PolicyMiddleware(CSPMiddleware):
    """The site-wide policy (settings.CONTENT_SECURITY_POLICY: nothing inline, nothing from elsewhere).

    Only the admin also allows inline styles, which Django's own admin templates and widgets use as style
    attributes (and its scripts set). Scripts stay 'self' everywhere, the admin included; the registry's
    own templates carry no inline style or script at all (tests/test_headers.py checks the markup).

    Every page and API answer also says ``Cross-Origin-Resource-Policy: same-origin``: other sites may link
    to them but not load them as subresources. Uploaded media (served by ocop_registry.media when no proxy
    does) are left out, so product photos can still be shown elsewhere.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(ADMIN_PREFIX):
            update = dict(parts.update or {})
            update["style-src"] = [*update.get("style-src", []), "'unsafe-inline'"]
            parts.update = update
        return parts

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if not request.path_info.startswith(settings.MEDIA_URL):
            response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
