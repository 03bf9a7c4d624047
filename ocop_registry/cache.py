"""Django's Redis cache that degrades to no cache at all when Redis is unreachable.

Every app server shares one Redis (``REDIS_URL``). If it stops, is restarted or hangs, no request may
fail: the cache then behaves like Django's ``DummyCache`` — reads miss, writes are dropped, ``add``
reports success, counters start afresh — and the pages are computed instead. The dashboard's and the
progress API's figures are keyed by the data they were computed from
(``evaluations.selectors.registry_version``), so a write made while Redis was away cannot leave stale figures
behind once it is back. While Redis is away django-axes counts no failed logins (its counts live there).

A short circuit breaker keeps an outage cheap: after Redis fails to answer, this process does not try
it again for ``retry_after`` seconds, so a hung Redis costs one socket timeout (0.5 s in settings) per
worker every few seconds instead of one per cache call.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, RedisError, TimeoutError

logger = logging.getLogger(__name__)

# Redis is not there (stopped, restarting, unreachable, not answering): skip it for a while.
_UNREACHABLE = (ConnectionError, TimeoutError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` around the pool on every call (~0.1 ms, as much as a cached
    page's one round trip): keep one per pool. The pool still gives each thread its own connection."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """A Redis outage must not fail a request. Each failure is logged at WARNING."""

    retry_after = 5.0  # seconds during which a process leaves an unreachable Redis alone

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._skip_until = 0.0

    def _call(self, method, default, *args):
        operation = method if callable(method) else getattr(super(), method)
        if time.monotonic() < self._skip_until:
            return default
        try:
            return operation(*args)
        except _UNREACHABLE as error:
            self._skip_until = time.monotonic() + self.retry_after
            logger.warning(
                "Redis cache unreachable (%s: %s): %s skipped, Redis not retried for %.0f s",
                error.__class__.__name__, error, method, self.retry_after,
            )
        except RedisError as error:  # reachable but refusing (out of memory, read-only replica, …)
            logger.warning("Redis cache error (%s: %s): %s skipped", error.__class__.__name__, error, method)
        return default

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):  # noqa: A003
        return self._call("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # As DummyCache: the key was not there, so the add "succeeds" (get_or_set then returns its default,
        # django-axes counts a first failure rather than calling incr on a missing key).
        return self._call("add", True, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)  # the keys that were not stored

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        # A counter Redis cannot keep starts afresh (decr goes through here too). A key that is missing from a
        # reachable Redis still raises ValueError, as Django documents.
        return self._call("incr", delta, key, delta, version)

    def clear(self):
        """Delete this registry's keys (KEY_PREFIX) only. Django's RedisCache.clear() empties the whole Redis
        database, with whatever else shares it (another instance's cache, a staging copy)."""
        if not self.key_prefix:
            return self._call("clear", False)
        return self._call(self._delete_own_keys, False)

    def _delete_own_keys(self):
        client = self._cache.get_client(None, write=True)
        keys = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
            keys.append(key)
            if len(keys) == 1000:
                client.delete(*keys)
                keys.clear()
        if keys:
            client.delete(*keys)
        return True
