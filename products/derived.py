"""Derived data kept true by rebuilding it whole after every committed write (``products.facet_summary``,
``products.search_names``): each piece is stamped with the data version (and, for data that depends on the day,
the day) it was built for, and read only while that stamp is current; otherwise its readers fall back to the
tables it is derived from."""

import datetime

from django.core.cache import cache
from django.db import transaction

from ocop_registry import data_version

from .models import DerivedDataVersion


def stamp(name: str, version: int, day: datetime.date | None = None) -> None:
    """Record that ``name`` was built for ``version`` (and ``day``). No model signals: a save would bump the
    version, and so rebuild again."""
    if not DerivedDataVersion.objects.filter(name=name).update(version=version, day=day):
        DerivedDataVersion.objects.bulk_create([DerivedDataVersion(name=name, version=version, day=day)])


def is_current(name: str, *, rebuild, day: datetime.date | None = None) -> bool:
    """Whether ``name`` was built for the current data version (and ``day``), by its stamp; when it was built for
    another, whether this reader rebuilt it (:func:`rebuilt_by_reader`). One query."""
    version = data_version.current()
    if DerivedDataVersion.objects.filter(name=name).values_list("version", "day").first() == (version, day):
        return True
    return rebuild is not None and rebuilt_by_reader(name, version, day, rebuild)


def rebuilt_by_reader(name: str, version: int, day: datetime.date | None, rebuild) -> bool:
    """A reader that found ``name`` built for another version or day rebuilds it (``rebuild(version)``) when it
    may: only while the version is really shared (with Redis down every request has its own), only outside a
    transaction (whose writes, not yet committed, must not go into it) and once per version and day (a key added
    to the shared cache; a rebuild that fails is not retried by readers: the next write rebuilds). Readers
    meanwhile use the tables it is derived from."""
    if transaction.get_connection().in_atomic_block or cache.get(data_version.KEY) != version:
        return False
    # Once per version (and day): with Redis, by one process; without (each process its own cache, and so its own
    # version), by each process once, not again and again as the processes find each other's stamps.
    if not cache.add(f"{name}:rebuilt-by-reader:{version}:{day.isoformat() if day else ''}", True, 24 * 3600):
        return False  # another process rebuilt it or is rebuilding it, or this one did already
    rebuild(version)
    return True
