"""Liveness and readiness probes for the load balancer and the process supervisor.

``/healthz`` says the process answers: it touches neither the database nor the cache, so a database
outage never makes a supervisor restart healthy app servers. ``/readyz`` says this app server can serve:
the database answers a trivial query and the cache stores and returns a value. A load balancer takes an
app server out of rotation while its ``/readyz`` is not 200.

Both are public (no login), never cached and set no cookie. They go through Django's host validation like
every request: the prober must send a ``Host`` header listed in ``DJANGO_ALLOWED_HOSTS`` (docs/deploy.md).
The JSON names the part that failed, never the error itself (addresses and credentials stay out of a public
answer); the error is logged.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

OK = "ok"
FAILED = "unavailable"


@never_cache
@require_safe
def healthz(request):
    """The process is alive: nothing else is consulted."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def database_is_ready(alias="default") -> bool:
    """The database answers ``SELECT 1``.

    A connection broken here is closed at the end of the request (Django's ``close_old_connections``), so the
    next probe reconnects.
    """
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not ready"; the reason goes to the log
        logger.exception("Readiness: database %r unavailable", alias)
        return False


def cache_is_ready() -> bool:
    """A value written to the cache comes back.

    The Redis cache swallows connection errors (a Redis outage must not fail a page), so an unreachable
    Redis shows up here as a value that does not come back, not as an exception.
    """
    key = f"ocop:readyz:{secrets.token_hex(8)}"
    token = secrets.token_hex(8)
    try:
        cache.set(key, token, timeout=10)
        ready = cache.get(key) == token
        cache.delete(key)
    except Exception:
        logger.exception("Readiness: cache unavailable")
        return False
    if not ready:
        logger.error("Readiness: cache unavailable (a value written was not read back)")
    return ready


@never_cache
@require_safe
def readyz(request):
    """200 when the database and the cache are reachable, 503 naming the one that is not."""
    checks = {
        "database": OK if database_is_ready() else FAILED,
        "cache": OK if cache_is_ready() else FAILED,
    }
    ready = all(state == OK for state in checks.values())
    return JsonResponse({"status": OK if ready else FAILED, "checks": checks}, status=200 if ready else 503)
