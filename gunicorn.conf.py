"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py intimacy_app.wsgi`.

Every value comes from the environment with a default sized for a small (2-core) server; see
docs/deploy.md. Threaded workers (gthread) keep connections from the load balancer alive and
let a worker serve other requests while one waits on PostgreSQL. Measured on 2 cores with
other work running, 3 workers x 4 threads served 2 to 4 times the requests per second of 5 sync
workers, which pay for a new TCP connection on every request. gunicorn writes no access log: the app
logs each request itself as one JSON line (intimacy_app.middleware).
"""

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Where to listen. Behind a load balancer on another host: GUNICORN_BIND=0.0.0.0:8000.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# One process per core plus one, each with a few threads. Every thread holds one persistent
# database connection (DATABASE_CONN_MAX_AGE), so workers x threads x app servers must stay
# well below PostgreSQL's max_connections. GUNICORN_THREADS=1 gives plain sync workers.
workers = _int("GUNICORN_WORKERS", (os.cpu_count() or 1) + 1)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"

# A worker that stops answering its master for this many seconds is killed and replaced. With
# threads this catches a wedged process, not one slow request; statement timeouts in
# PostgreSQL bound those.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a deploy, a scale-down) workers get this long to finish what they are serving.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Idle connections stay open this long: longer than the load balancer's own idle timeout (60 s
# for most), so gunicorn never closes a connection just as the balancer sends on it.
keepalive = _int("GUNICORN_KEEPALIVE", 75)

# Recycle each worker after about this many requests, staggered so they never all restart at
# once; 0 turns recycling off. A restart costs a second of CPU (Django and the app load again)
# and empties the worker's caches: at 1,000 a loaded 2-core server restarted a worker every few
# seconds and spent a third of its time doing so. 10,000 still bounds any slow leak.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1_000)

# The app's JSON request lines are the access log; gunicorn's own errors go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Worker heartbeats on tmpfs, so a slow disk never makes the master think a worker hung
# (gunicorn's own advice; it only touches a file there, nothing is stored).
_SHM = Path("/dev/shm")  # noqa: S108
worker_tmp_dir = str(_SHM) if _SHM.is_dir() else None
# Several gunicorns on one host (or in CI) would fight over one default control socket.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "") == ""
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

proc_name = os.environ.get("GUNICORN_PROC_NAME", "stayintheroom")
