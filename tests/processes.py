"""Run Odoo in separate OS processes, each on a database of its own, as cron workers and servers do.

Multi-process tests need real commits that the test's own transaction cannot see or roll back: each test
copies the pristine template that `setup/test` prepares (`<test db>_template`) into a new database, runs
scripts from `tests/scripts/` or a whole server against it, and drops it afterwards.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import requests

SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"
# Odoo's command line as a script: a prefork server runs it again for its websocket process.
ODOO_LAUNCHER = Path(__file__).resolve().parent.parent / "setup" / "odoo_server.py"
# queue_job's root channel and the channels of our bridges (setup/run gives them the same capacities).
JOB_CHANNELS = ("root", "root.recurring_invoicing", "root.consumption_sources", "root.consumption_billing")


def _test_database():
    try:
        return os.environ["ODOO_TEST_DB"]
    except KeyError:
        raise RuntimeError("multi-process tests run through setup/test (ODOO_TEST_DB is not set)") from None


def admin_sql(sql):
    """Run one statement outside any transaction on the maintenance database (CREATE/DROP DATABASE)."""
    connection = psycopg2.connect(dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cr:
            cr.execute(sql)
    finally:
        connection.close()


def create_database_copy(prefix="mp", source=None):
    """A new database copied from `source` (default: the pristine template); returns its name.

    Nobody may be connected to the source while it is copied.
    """
    name = f"{_test_database()}_{prefix}_{uuid.uuid4().hex[:8]}"
    admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source or _test_database() + "_template"}"')
    return name


def drop_database(name):
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database_copy(prefix="mp", source=None):
    name = create_database_copy(prefix, source)
    try:
        yield name
    finally:
        drop_database(name)


def query(database, sql, params=None):
    """Rows of one SQL query on a database, read outside any Odoo transaction."""
    connection = psycopg2.connect(dbname=database)
    try:
        with connection.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()
    finally:
        connection.close()


def query_commit(database, sql, params=None):
    """Run one SQL statement on a database and commit it (a fix made by hand between two runs)."""
    connection = psycopg2.connect(dbname=database)
    try:
        with connection, connection.cursor() as cr:
            cr.execute(sql, params)
    finally:
        connection.close()


def _script_command(database, script, args):
    return [
        sys.executable,
        str(SCRIPTS_DIR / script),
        "--database",
        database,
        "--addons-path",
        os.environ["ODOO_ADDONS_PATH"],
        *[str(arg) for arg in args],
    ]


def run_script(database, script, *args, timeout=600):
    """Run a script of tests/scripts to completion; return what it printed on its last line, as JSON."""
    completed = subprocess.run(
        _script_command(database, script, args), capture_output=True, text=True, timeout=timeout, check=False
    )
    if completed.returncode != 0:
        raise AssertionError(
            f"{script} failed with status {completed.returncode}:\n{completed.stdout}\n{completed.stderr}"
        )
    lines = completed.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else None


def start_script(database, script, *args):
    """Start a script of tests/scripts in the background; the caller waits for it or kills it."""
    return subprocess.Popen(
        _script_command(database, script, args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(process, timeout=600):
    """Wait for a started script; return its last printed line as JSON, or raise with its output."""
    stdout, stderr = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise AssertionError(f"script failed with status {process.returncode}:\n{stdout}\n{stderr}")
    lines = stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else None


def kill_hard(process):
    """kill -9: no cleanup, no rollback handler, exactly what a crash or an OOM kill does."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def job_states(database, identity_prefix):
    """{state: count} of the queue_job jobs whose identity key starts with ``identity_prefix``."""
    return dict(
        query(
            database,
            "SELECT state, count(*) FROM queue_job WHERE identity_key LIKE %s GROUP BY state",
            [f"{identity_prefix}%"],
        )
    )


def wait_for_jobs(database, identity_prefix, count, timeout=600):
    """Wait until ``count`` jobs of ``identity_prefix`` are done and return their states; fail on a failed
    job or at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        states = job_states(database, identity_prefix)
        if states.get("failed"):
            errors = query(database, "SELECT exc_info FROM queue_job WHERE state = 'failed'")
            raise AssertionError(f"a job failed: {errors}")
        if states.get("done", 0) >= count:
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"jobs still not done after {timeout} s: {states}")
        time.sleep(0.5)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def odoo_server(database, workers=2, job_runner=False, channels=None, options=()):
    """A real Odoo server (prefork workers) on a free localhost port; yields its base URL.

    ``job_runner``: queue_job loaded server-wide, so the server's job runner hands the jobs to its workers,
    with ``channels`` (default: ``workers`` jobs at once, on root and on each of our channels).
    ``options``: more server options (``--logfile=...``).
    """
    port = free_port()
    command = [
        sys.executable,
        str(ODOO_LAUNCHER),
        "--addons-path",
        os.environ["ODOO_ADDONS_PATH"],
        "-d",
        database,
        f"--db-filter=^{database}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        f"--gevent-port={free_port()}",
        f"--workers={workers}",
        "--max-cron-threads=0",
        "--log-level=warn",
        "--log-handler=py.warnings:ERROR",
        *options,
    ]
    environment = dict(os.environ)
    if job_runner:
        command.append("--load=web,queue_job")
        default_channels = ",".join(f"{channel}:{workers}" for channel in JOB_CHANNELS)
        environment["ODOO_QUEUE_JOB_CHANNELS"] = channels or default_channels
    # The log goes to a file: a pipe nobody reads would block a server that logs much (killed workers...).
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed when the server is stopped)
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=log, text=True, start_new_session=True, env=environment
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/web/health", timeout=30).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise AssertionError(f"the Odoo server did not start:\n{log.read()}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
