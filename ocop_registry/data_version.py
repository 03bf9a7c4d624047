"""The registry's data version: one number that every write bumps, shared by every worker and machine.

Public answers are cached under it (``ocop_registry.public_cache``) and their ETag and Last-Modified derive
from it, so the first request after a write, on any worker of any machine, computes afresh.

The version is the time of the last write, in microseconds since the epoch, kept in the shared cache
(Redis). Writes bump it once their transaction commits:

- every save, delete and many-to-many change of a model of ``products`` or ``evaluations`` (the admin, its
  batch actions, history reverts, the services, ``load_communes``), through the signal receivers that each
  app connects in its ``ready()`` (:func:`watch`);
- the paths that skip signals (``bulk_create``, ``QuerySet.update``) call :func:`bump` themselves:
  ``products.services`` for bulk producers and products, ``evaluations.services.recognitions_resequence``
  after every evaluation write (the register import, the scale generator, the demo);
- ``migrate`` (a data migration, or a release's new code).

A bump is not domain logic in a signal (house style): it records *that* something changed, not what.

When the cache has no version (a new or restarted Redis, a flushed or evicted key), the first worker to
notice starts one at the current time with ``cache.add``, so every worker agrees on it; answers cached
under an older version are never served again. While Redis is unreachable there is no version to share:
each request gets a new one, and nothing is served from the cache.
"""

import functools
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

KEY = "registry:data-version"


def _now() -> int:
    return time.time_ns() // 1000


def current() -> int:
    """The version now: the one in the cache, or a new one if the cache has none."""
    return ensure(cache.get(KEY))


def ensure(version: int | None) -> int:
    """``version`` as read from the cache, or, when it was missing, the version every worker now agrees on."""
    if version is not None:
        return version
    started = _now()
    if cache.add(KEY, started, None):
        return started
    return cache.get(KEY) or started  # another worker started it first (or Redis went away meanwhile)


def memoised(compute):
    """``compute()`` (no arguments) remembered in this process until the data version changes: one cache read a
    call, and ``compute`` once per version per process. For a small answer that many pages need."""
    memo = {}

    @functools.wraps(compute)
    def answer():
        version = current()
        if version not in memo:
            memo.clear()
            memo[version] = compute()
        return memo[version]

    return answer


def last_modified(version: int) -> int:
    """The version as an HTTP date (whole seconds since the epoch): the second after the write, so that two
    writes within one second never share a Last-Modified date that a client already holds."""
    return version // 1_000_000 + 1


def bump() -> None:
    """Call from every write path that skips model signals: once the transaction commits, readers see a new
    version (at once outside a transaction; never if it rolls back). A transaction bumps once, however many
    rows it writes: every call registers a callback, and the first of them to run after the commit bumps for
    all (they share the connection's token, which that first one clears)."""
    connection = transaction.get_connection()
    token = getattr(connection, "ocop_bump_token", None)
    if token is None:
        token = connection.ocop_bump_token = object()

    def bump_once():  # a function, not a partial: Django names a failed robust callback by its __qualname__
        _bump_once(connection, token)

    transaction.on_commit(bump_once, robust=True)


def _bump_once(connection, token) -> None:
    if getattr(connection, "ocop_bump_token", None) is not token:
        return  # an earlier callback of the same transaction bumped already
    connection.ocop_bump_token = None
    _bump()


# Derived data rebuilt after every bump (``after_bump``), in registration order.
_rebuilds = []


def after_bump(rebuild) -> None:
    """Call ``rebuild(version)`` after every committed write, with the new data version: for derived data that
    readers use only while it was built for the current version. Registered from an app's ready()."""
    if rebuild not in _rebuilds:
        _rebuilds.append(rebuild)


def _bump() -> None:
    # Later than the previous version even if this machine's clock is behind the one that wrote it, so that
    # Last-Modified never goes back.
    previous = cache.get(KEY)
    now = _now()
    version = max(now, previous + 1) if previous else now
    cache.set(KEY, version, None)
    for rebuild in _rebuilds:
        rebuild(version)


def _changed(sender, **kwargs) -> None:
    bump()


def watch(app_config) -> None:
    """Bump the version on every save, delete and many-to-many change of ``app_config``'s models (their
    history models and many-to-many tables included), and after ``migrate``. Called from the app's ready()."""
    for model in app_config.get_models(include_auto_created=True):
        post_save.connect(_changed, sender=model)
        post_delete.connect(_changed, sender=model)
        m2m_changed.connect(_changed, sender=model)
    post_migrate.connect(_changed, sender=app_config)
