"""Real servers for the fault tests: Redis, gunicorn, Celery worker and beat, a PostgreSQL cluster of
their own, each started as a subprocess that a test can stop, kill -9 and start again."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what}")
        time.sleep(interval)


def require_binary(name: str, hint: str) -> str:
    found = shutil.which(name)
    if found is None:
        if REQUIRE_SERVICES:
            pytest.fail(f"{name} is required here (SELLERCENTER_REQUIRE_SERVICES=1) but is not installed")
        pytest.skip(f"needs {name}: {hint}")
    return found


def database_url(settings_dict=None) -> str:
    db = settings_dict or connection.settings_dict
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else db["HOST"]
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"


# Without the workers' cluster chatter, which the tests never use: at start, mingle waits about a
# second for other workers to answer.
QUIET_WORKER = ["--without-gossip", "--without-mingle", "--without-heartbeat"]


class Server:
    """One subprocess in its own process group, with its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict, folder: Path):
        self.name, self.command, self.env = name, command, env
        self.log = folder / f"{name}.log"
        self.process = None

    def start(self):
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def kill(self, sig=signal.SIGKILL):
        """Send `sig` to the whole group (a worker and its pool children), then reap the process."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def stop(self):
        self.kill(signal.SIGTERM)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


class Redis(Server):
    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        command = [
            require_binary("redis-server", "apt-get install redis-server"),
            "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder),
        ]  # fmt: skip
        super().__init__("redis", command, dict(os.environ), folder)

    def start(self):
        super().start()
        wait_until(self._answers, timeout=10, what="redis-server to answer")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Stack:
    """The production processes around one broker and one database: web, workers, beat."""

    def __init__(self, folder: Path, *, broker_url: str, db_url: str, smtp_port: int):
        self.folder = folder
        self.servers: list[Server] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sellercenter.settings",
            "DJANGO_ENV": "development",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": db_url,
            "CELERY_BROKER_URL": broker_url,
            # The rate-limit counters on the same Redis, as production keeps them: a stopped Redis
            # must not stop the API. (No broker: in local memory.)
            "CACHE_URL": broker_url or "locmem://",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "DEFAULT_FROM_EMAIL": "Hoa Mai <no-reply@hoamai.example.vn>",
            "MEDIA_ROOT": str(folder / "media"),
            # Short enough for a test to see every recovery within seconds.
            "OUTBOX_RELAY_INTERVAL_SECONDS": "1",
            "OUTBOX_LEASE_SECONDS": "3",
            "OUTBOX_REDISPATCH_SECONDS": "5",
            "OUTBOX_RETRY_BACKOFF_SECONDS": "1",
            "JOB_LEASE_SECONDS": "3",
        }
        self.env.pop("CELERY_RESULT_BACKEND", None)
        self.web_url = ""
        self._workers = 0

    def _start(self, server: Server) -> Server:
        self.servers.append(server)
        return server.start()

    def web(self) -> Server:
        port = free_port()
        self.web_url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "gunicorn", "sellercenter.wsgi", "-b", f"127.0.0.1:{port}",
                   "-w", "1", "--threads", "4", "--timeout", "60"]  # fmt: skip
        server = self._start(Server("web", command, self.env, self.folder))
        import requests

        def answers():
            try:
                return requests.get(f"{self.web_url}/healthz", timeout=2).status_code in (200, 503)
            except requests.RequestException:
                return False

        wait_until(answers, timeout=60, what=f"gunicorn to answer\n{server.output()}", interval=0.3)
        return server

    def worker(self) -> Server:
        self._workers += 1
        command = [sys.executable, "-m", "celery", "-A", "sellercenter", "worker", "--pool=solo", "-l", "INFO",
                   "-n", f"worker{self._workers}@%h", *QUIET_WORKER]  # fmt: skip
        return self._start(Server(f"worker{self._workers}", command, self.env, self.folder))

    def beat(self) -> Server:
        command = [sys.executable, "-m", "celery", "-A", "sellercenter", "beat", "-l", "INFO",
                   "-s", str(self.folder / "beat-schedule")]  # fmt: skip
        return self._start(Server("beat", command, self.env, self.folder))

    def close(self):
        for server in reversed(self.servers):
            server.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {server.name}\n{server.output()}" for server in self.servers)


class PostgresCluster:
    """A throwaway PostgreSQL cluster of its own (unix socket only), filled with a copy of the test
    database, that a test may stop and start without disturbing the rest of the suite."""

    def __init__(self):
        self.bindir = self._bindir()
        self.folder = Path(tempfile.mkdtemp(prefix="sc-pg-", dir="/tmp"))
        self.data = self.folder / "data"

    @staticmethod
    def _bindir() -> Path:
        for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
            if (candidate / "pg_ctl").exists():
                return candidate
        found = shutil.which("pg_ctl")
        if found:
            return Path(found).parent
        if REQUIRE_SERVICES:
            pytest.fail("PostgreSQL server binaries are required here but pg_ctl was not found")
        pytest.skip("needs the PostgreSQL server binaries (pg_ctl)")

    def _as_owner(self, *command, **kwargs):
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        return subprocess.run(command, check=True, capture_output=True, timeout=120, **kwargs)

    def create(self):
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._as_owner(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                       "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        self.start()
        self._as_owner(str(self.bindir / "createdb"), "-h", str(self.folder), "-U", "postgres", "sellercenter")
        source = connection.settings_dict
        dump = subprocess.run(
            [str(self.bindir / "pg_dump"), "-h", source["HOST"], "-U", source["USER"], "--no-owner", source["NAME"]],
            check=True, capture_output=True, timeout=120,
            env={**os.environ, "PGPASSWORD": source["PASSWORD"] or ""},
        )  # fmt: skip
        subprocess.run(
            [str(self.bindir / "psql"), "-q", "-h", str(self.folder), "-U", "postgres", "-d", "sellercenter",
             "-v", "ON_ERROR_STOP=1"],
            input=dump.stdout, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return self

    @property
    def url(self) -> str:
        return f"postgres://postgres@{quote(str(self.folder), safe='')}/sellercenter"

    def start(self):
        self._as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "postgres.log"),
                       "-w", "-o", f"-c listen_addresses='' -k {self.folder} -c fsync=off", "start")  # fmt: skip

    def stop(self):
        self._as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self):
        if (self.data / "postmaster.pid").exists():
            self._as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
