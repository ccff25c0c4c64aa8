"""Real `feedback serve` processes for tests: start one on a free port, wait until it answers,
stop or kill it, read its log.

A plain module (not a conftest), imported as `from servers import ...` by tests in any folder
below tests/, and by bench/reliability.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

SECRET = "reliability-secret"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """`python -m feedback serve` in its own process, on a free port, killable at will.

    Its settings are the FEEDBACK_* variables set here, never the ones of the shell that runs
    the tests: the database, a fixed secret key, its own base URL, demo mode on and no alert
    checks, then `env` (a value of None leaves that variable unset, e.g.
    FEEDBACK_SECRET_KEY=None so that the processes share the secret kept in the database).
    """

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        port: int | None = None,
        *,
        workers: int = 1,
        **env: str | None,
    ):
        self.database_url = database_url
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"server-{self.port}.log"

    def start(self, timeout: float = 60) -> ServerProcess:
        """Start and wait until /healthz answers and, with several workers, every worker has
        logged its startup (a safety net, not a measurement)."""
        settings: dict[str, str | None] = {
            "FEEDBACK_DATABASE_URL": self.database_url,
            "FEEDBACK_SECRET_KEY": SECRET,
            "FEEDBACK_BASE_URL": self.url,
            "FEEDBACK_ALERT_CHECK_INTERVAL": "0",
            "FEEDBACK_DEMO": "1",
            **self.env,
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_")}
        env.update({k: v for k, v in settings.items() if v is not None})
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        command = [sys.executable, "-m", "feedback", "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        log = self.log_path.open("ab")
        # Run outside the checkout so the installed package is the one imported, as in CI.
        self.proc = subprocess.Popen(
            command,
            cwd=self.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200 and self._started(log_start):
                        return self
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def _started(self, log_start: int) -> bool:
        """Every worker of this start has logged "Application startup complete" (one worker
        that answers /healthz has; with several, another may still be starting)."""
        if self.workers == 1:
            return True
        with self.log_path.open("rb") as log:
            log.seek(log_start)
            return log.read().count(b"Application startup complete") >= self.workers

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, like a power cut to the process."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """A clean stop (SIGTERM), then SIGKILL if it lingers."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
