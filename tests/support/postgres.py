"""A real, throwaway PostgreSQL server for tests.

Why a real server: target-postgres is tested end to end (DDL, COPY/INSERT,
MERGE-style upserts), which no fake can stand in for.  The server lives in a
fresh temporary folder, listens on 127.0.0.1 only, on a free port, with trust
authentication, and is stopped and deleted by :meth:`PostgresServer.stop`.

Provisioning is not done here: ``make postgres`` (which ``make test`` runs,
see ``tests/support/provision_postgres.sh``) locates or installs the server
binaries and initialises one cluster under ``.venv/postgres``; each server
started here runs on a fresh copy of that cluster. Without it,
:class:`PostgresUnavailableError` says to run ``make postgres``.

Running as root: ``postgres`` refuses to run as root, so when the tests run
as root (as they do here and in CI) the server runs as the unprivileged
``postgres`` system user (which ``make postgres`` creates) via ``runuser``,
and the copied data folder is chowned to it.

Usage::

    with postgres_server() as pg:
        psycopg.connect(pg.dsn)
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import free_port

__all__ = [
    "PROVISIONED",
    "PostgresServer",
    "PostgresUnavailableError",
    "find_postgres_bin",
    "postgres_server",
]

# The unprivileged account the server runs as when the tests run as root.
SERVICE_USER = "postgres"
# Superuser created by initdb; trust auth, so no password is needed.
DEFAULT_SUPERUSER = "postgres"
_START_ATTEMPTS = 3  # a free port can be taken between probing and binding


class PostgresUnavailableError(RuntimeError):
    """``make postgres`` has not provisioned PostgreSQL for the tests."""


#: What ``make postgres`` provides (tests/support/provision_postgres.sh).
PROVISIONED = Path(__file__).resolve().parents[2] / ".venv" / "postgres"
_NOT_PROVISIONED = (
    "PostgreSQL is not provisioned for the tests ({missing} is missing): run `make postgres` "
    "(`make test` runs it), which finds or installs the server and initialises a cluster "
    "under .venv/postgres."
)


def _is_root() -> bool:
    """Whether we run as root, which postgres refuses."""
    return os.geteuid() == 0


def find_postgres_bin() -> Path:
    """The server's bin folder that ``make postgres`` found.

    Raises:
        PostgresUnavailableError: not provisioned, or the binaries went away since.
    """
    recorded = PROVISIONED / "bin-dir"
    if not recorded.is_file():
        raise PostgresUnavailableError(_NOT_PROVISIONED.format(missing=recorded))
    directory = Path(recorded.read_text().strip())
    for name in ("pg_ctl", "postgres", "createdb"):
        if not os.access(directory / name, os.X_OK):
            raise PostgresUnavailableError(_NOT_PROVISIONED.format(missing=directory / name))
    return directory


def _template_cluster() -> Path:
    """The cluster ``make postgres`` initialised, copied for every server."""
    template = PROVISIONED / "template"
    if not (template / "PG_VERSION").is_file():
        raise PostgresUnavailableError(_NOT_PROVISIONED.format(missing=template))
    return template


def _service_user() -> pwd.struct_passwd:
    """The unprivileged account the server runs as when we are root."""
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise PostgresUnavailableError(
            _NOT_PROVISIONED.format(missing=f"the {SERVICE_USER!r} system user")
        ) from None


def _tail(text: str, lines: int = 40) -> str:
    """The last lines of a command's output, enough to diagnose without flooding."""
    return "\n".join(text.strip().splitlines()[-lines:])


@dataclass
class PostgresServer:
    """One throwaway PostgreSQL cluster: ``start()`` it, use ``dsn``, ``stop()`` it.

    ``stop()`` is idempotent and also removes the temporary folder, so a
    failed test leaves nothing running or on disk.
    """

    dbname: str = "test"
    user: str = DEFAULT_SUPERUSER
    host: str = "127.0.0.1"
    port: int = 0
    bin_dir: Path | None = None
    base_dir: Path | None = None
    _service_user: pwd.struct_passwd | None = field(default=None, repr=False)
    _running: bool = field(default=False, repr=False)

    # -- connection details -------------------------------------------------
    @property
    def dsn(self) -> str:
        """libpq URL, accepted by psycopg.connect and psql."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def sqlalchemy_url(self) -> str:
        """SQLAlchemy URL with the psycopg 3 driver, as target-postgres expects."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def data_dir(self) -> Path:
        """The cluster's PGDATA inside the temporary folder."""
        return self._base / "data"

    @property
    def socket_dir(self) -> Path:
        """Unix-socket folder, kept inside the temporary folder (not /var/run)."""
        return self._base / "socket"

    @property
    def log_file(self) -> Path:
        """The server log, read back into error messages when start fails."""
        return self._base / "postgres.log"

    def target_postgres_env(self, schema: str | None = None) -> dict[str, str]:
        """Env vars that point meltano's target-postgres at this server.

        Without ``schema`` each tap's tables land in its extractor's
        ``load_schema``, as meltano.yml sets it up.
        """
        env = {
            "TARGET_POSTGRES_HOST": self.host,
            "TARGET_POSTGRES_PORT": str(self.port),
            "TARGET_POSTGRES_USER": self.user,
            "TARGET_POSTGRES_PASSWORD": "",
            "TARGET_POSTGRES_DATABASE": self.dbname,
        }
        if schema is not None:
            env["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"] = schema
        return env

    @property
    def _base(self) -> Path:
        if self.base_dir is None:
            raise RuntimeError("PostgresServer has not been started")
        return self.base_dir

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> PostgresServer:
        """Create the cluster, start it on a free loopback port and create ``dbname``."""
        if self._running:
            return self
        self.bin_dir = self.bin_dir or find_postgres_bin()
        template = _template_cluster()
        if _is_root():
            self._service_user = _service_user()
        # Directly under the system temp dir (not pytest's 0700 tmp_path) so the
        # unprivileged service user can reach it.
        self.base_dir = Path(tempfile.mkdtemp(prefix="pgtest-"))
        try:
            self._copy_cluster(template)
            self._start_server()
            self._run_client("createdb", "-h", self.host, "-p", str(self.port), "-U", self.user)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (immediately: the data is thrown away) and delete its folder."""
        if self.base_dir is None:
            return
        if self._running or (self.data_dir / "postmaster.pid").exists():
            result = self._run_server_cmd(
                [str(self._bin("pg_ctl")), "-D", str(self.data_dir), "-m", "immediate", "-w"]
                + ["-t", "30", "stop"],
                check=False,
            )
            if result.returncode != 0:
                self._kill_postmaster()
        self._running = False
        shutil.rmtree(self.base_dir, ignore_errors=True)
        self.base_dir = None

    def database(self, name: str) -> PostgresServer:
        """A new, empty database ``name`` on this running server, as a server of its own.

        The view shares the server: stopping it stops nothing (its owner stops the server).
        """
        self._run_client_on("createdb", name)
        return dataclasses.replace(self, dbname=name, base_dir=None, _running=False)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- internals -----------------------------------------------------------
    def _bin(self, name: str) -> Path:
        assert self.bin_dir is not None
        return self.bin_dir / name

    def _run_server_cmd(
        self, command: Sequence[str], *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a server-side command, as the service user when we are root."""
        argv = list(command)
        if self._service_user is not None:
            argv = ["runuser", "-u", self._service_user.pw_name, "--", *argv]
        # cwd: initdb/pg_ctl fail if they cannot stat the current directory,
        # which the service user cannot when the tests run from /root.
        result = subprocess.run(
            argv,
            cwd=self._base,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            capture_output=True,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
            raise RuntimeError(
                f"{Path(command[0]).name} failed (exit {result.returncode}): {' '.join(argv)}\n"
                f"{_tail(result.stdout + result.stderr)}\n--- server log ---\n{_tail(log)}"
            )
        return result

    def _run_client_on(self, name: str, dbname: str) -> None:
        """Run a client program (createdb) for ``dbname`` against the started server."""
        self._run_client(
            name, "-h", self.host, "-p", str(self.port), "-U", self.user, dbname=dbname
        )

    def _run_client(self, name: str, *args: str, dbname: str | None = None) -> None:
        """Run a client program (createdb) against the started server."""
        argv = [str(self._bin(name)), *args, dbname or self.dbname]
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{name} failed: {_tail(result.stdout + result.stderr)}")

    def _copy_cluster(self, template: Path) -> None:
        """A fresh copy of the provisioned cluster, owned by whoever runs the server."""
        self.socket_dir.mkdir()
        shutil.copytree(template, self.data_dir, symlinks=True)
        if self._service_user is not None:
            uid, gid = self._service_user.pw_uid, self._service_user.pw_gid
            os.chown(self._base, uid, gid)
            os.chown(self.socket_dir, uid, gid)
            for folder, folders, files in os.walk(self.data_dir):
                os.chown(folder, uid, gid)
                for name in folders + files:
                    os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)
        self.data_dir.chmod(0o700)

    def _start_server(self) -> None:
        last_error: Exception | None = None
        for _ in range(_START_ATTEMPTS):
            self.port = free_port()
            options = " ".join(
                [
                    f"-c listen_addresses={self.host}",
                    f"-c port={self.port}",
                    f"-c unix_socket_directories={self.socket_dir}",
                    # Durability is pointless for throwaway test data.
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                ]
            )
            try:
                self._run_server_cmd(
                    [str(self._bin("pg_ctl")), "-D", str(self.data_dir), "-l", str(self.log_file)]
                    + ["-o", options, "-w", "-t", "60", "start"]
                )
            except RuntimeError as error:  # most likely the port was taken meanwhile
                last_error = error
                self._kill_postmaster()
                continue
            self._running = True
            return
        raise RuntimeError(f"PostgreSQL did not start after {_START_ATTEMPTS} attempts") from (
            last_error
        )

    def _kill_postmaster(self) -> None:
        """Last resort when pg_ctl stop fails: SIGQUIT the postmaster from its pid file."""
        pid_file = self.data_dir / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)
            for _ in range(50):
                os.kill(pid, 0)  # raises once the process is gone
                time.sleep(0.1)
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def postgres_server(
    dbname: str = "test", user: str = DEFAULT_SUPERUSER
) -> Iterator[PostgresServer]:
    """Start a throwaway server for the ``with`` block; stop and delete it afterwards.

    Handy as a pytest fixture body::

        @pytest.fixture(scope="session")
        def pg():
            with postgres_server() as server:
                yield server
    """
    server = PostgresServer(dbname=dbname, user=user)
    server.start()
    try:
        yield server
    finally:
        server.stop()
