"""Staff sessions end after SESSION_COOKIE_AGE without a staff request (the 8-hour idle timeout)."""

from django.urls import reverse

# The staff areas: the admin and the officials' dashboard. Public pages never touch a session.
STAFF_URL_NAMES = ("admin:index", "evaluations:dashboard")


class StaffActivityMiddleware:
    """Each request to a staff area renews the session's expiry (a save, as SESSION_SAVE_EVERY_REQUEST would
    do for every request). A staff member reading the public catalogue costs no session write or Set-Cookie
    there, so public answers stay the same for everyone; the header reads the session (and the user's
    permissions) only to offer the dashboard link to those allowed it. Anonymous visitors cost nothing."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = None

    def __call__(self, request):
        response = self.get_response(request)
        if self.prefixes is None:
            self.prefixes = tuple(reverse(name) for name in STAFF_URL_NAMES)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and request.path.startswith(self.prefixes):
            session.modified = True  # SessionMiddleware saves it with a fresh expiry
        return response

