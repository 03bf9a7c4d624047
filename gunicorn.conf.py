"""Gunicorn settings for the registry: `gunicorn -c gunicorn.conf.py` (deploy/systemd/ocop.service).

Every value can be changed from the environment (the service's EnvironmentFile), so the file itself stays
as it is on every machine. See docs/deploy.md.
"""

import os
from pathlib import Path


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def cpu_count() -> int:
    """CPUs this process may run on (respects CPU affinity and cpusets, unlike os.cpu_count())."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# The project directory, wherever gunicorn is started from.
chdir = str(Path(__file__).resolve().parent)
wsgi_app = "ocop_registry.wsgi:application"
proc_name = "ocop-registry"

# Where nginx finds us. A comma-separated list binds several addresses (e.g. "127.0.0.1:8000,[::1]:8000").
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address]

# Sync workers: the registry's requests are short database reads. Each worker holds one persistent
# PostgreSQL connection, so (workers × app servers) must stay below PostgreSQL's max_connections.
workers = _int("GUNICORN_WORKERS", 2 * cpu_count() + 1)

# A request that has not answered in 30 s is stuck: its worker is killed and replaced. On SIGTERM (a
# restart, a deploy) workers get 30 s to finish what they are serving. Idle keep-alive connections from nginx
# are held 5 s.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Each worker is replaced after about twenty thousand requests (the jitter keeps them from all restarting at
# once), so a slow leak never grows into an outage. Not more often: a restart costs a cached page's worth of
# time a thousand times over, and a worker's memory is flat under load (bench/load.py prints it).
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)

# Only the reverse proxy may tell us the original scheme (X-Forwarded-Proto). nginx runs on the same machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stdout/stderr, which systemd's journal keeps. nginx already logs every request, so gunicorn's
# access log is off unless GUNICORN_ACCESS_LOG names a destination ("-": the journal); writing a line per
# request costs a sync worker measurably under load. When on, it leads with the client address nginx
# forwards (X-Forwarded-For), then the proxy's address, and ends with the time taken in milliseconds.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

# The worker heartbeat file in memory, not on a disk that may stall (Gunicorn's advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# The control socket (gunicornc) only where asked for: several instances on one machine would otherwise
# compete for the same default path in the home directory.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
