"""What the scale-out tests share: app servers started as separate processes (each a host with a
folder of its own) on the test database and the suite's Redis, and plain HTTP requests to them."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"

# State shared between processes needs a database and a cache that every process reaches.
needs_shared_state = pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL", "").startswith("postgres") and settings.REDIS_URL),
    reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL: state shared between processes",
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "scaleout: starts server processes against the shared PostgreSQL and Redis; "
        "skipped unless DATABASE_URL and REDIS_URL are set",
    )


class Host:
    def __init__(self, port, process, folder):
        self.port, self.process, self.folder = port, process, folder

    @property
    def log_dir(self):
        return self.folder / "views"

    def kill(self):
        """The host dies: its server and every worker, at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@contextmanager
def app_servers(tmp_path, count=2, **extra_env):
    """`count` gunicorn processes on the test database and the suite's Redis database and
    prefix, each with a folder of its own (LIFESCOPE_VAR_DIR: its view logs) as hosts have;
    yields them as `Host`s once each answers /healthz, and stops those still running."""
    db = connection.settings_dict
    user, password = (urllib.parse.quote(db[key] or "") for key in ("USER", "PASSWORD"))
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    database_url = f"postgres://{user}:{password}@{host}:{port}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lifescope.settings",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DATABASE_URL": database_url,
        "LIFESCOPE_CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "LIFESCOPE_TRUSTED_PROXIES": "127.0.0.1",
        "LIFESCOPE_COMMENTS_MIN_SECONDS": "0",
        "LIFESCOPE_COMMENTS_RATE_LIMIT": "1000",
        **extra_env,
    }
    # Production settings serve hashed static files, so the pages need a manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**env, "LIFESCOPE_VAR_DIR": str(tmp_path)},
        check=True,
    )
    started = []
    try:
        for n in range(count):
            folder = tmp_path / f"host-{n}"
            # Bound and listening before the server starts: requests queue until it answers,
            # so nothing has to poll for it.
            listener = socket.create_server(("127.0.0.1", 0))
            command = [
                sys.executable, "-m", "gunicorn", "lifescope.wsgi",
                "--bind", f"fd://{listener.fileno()}",
                "--workers", "2", "--threads", "2", "--log-level", "warning",
            ]  # fmt: skip
            with (tmp_path / f"gunicorn-{n}.log").open("w") as log:
                process = subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env={**env, "LIFESCOPE_VAR_DIR": str(folder)},
                    stdout=log,
                    stderr=log,
                    pass_fds=[listener.fileno()],
                    start_new_session=True,  # a process group of its own, for kill()
                )
            started.append(Host(listener.getsockname()[1], process, folder))
            listener.close()  # the server holds it now
        for server in started:
            status, _, body = request(server.port, "GET", "/healthz", timeout=120)
            assert status == 200, body
        yield started
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)
                server.process.wait(timeout=30)


def request(port, method, path, body=None, timeout=30, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"User-Agent": BROWSER, "Host": "127.0.0.1", **headers}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()
