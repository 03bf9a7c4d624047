"""The registry's data version: one number that every write bumps, shared by every worker and machine.

Public answers are cached under keys that include it, and their ETag/Last-Modified derive from it, so the
first request after a write (on any worker) computes afresh. (Stub: completed with the public page cache.)
"""

import time

from django.core.cache import cache
from django.db import transaction

KEY = "registry:data-version"


def current() -> int | None:
    """The version (microseconds since the epoch of the last write), or None when the cache has none."""
    return cache.get(KEY)


def bump() -> None:
    """Call from every write path: once the transaction commits, readers see a new version."""
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(KEY, time.time_ns() // 1000, None)
