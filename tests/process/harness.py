"""Shared helpers for the process tests (stdlib only).

Each tests/process/test_*.py is run by ctest as

    python3 tests/process/test_x.py <sluice-binary> <demo-backend-binary>

Call `harness.main()` at the bottom of a test file: it takes the two binaries from argv, then runs
unittest and exits non-zero on failure.

Processes are started with port 0 everywhere; the bound ports are read from the log lines
("listening on HOST:PORT" for the demo backend; "listener NAME on HOST:PORT" and
"admin listener on HOST:PORT" for sluice). Synchronisation is always a predicate polled until a
deadline (`wait_until`), never a fixed sleep.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SLUICE = None
BACKEND = None

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# Generous enough for a loaded CI machine, short enough that a hang fails fast.
START_TIMEOUT = 10.0


def take_binaries():
    """Removes <sluice> <backend> from sys.argv and remembers them."""
    global SLUICE, BACKEND
    if len(sys.argv) < 3:
        sys.stderr.write(f"usage: {sys.argv[0]} <sluice-binary> <demo-backend-binary> [unittest args]\n")
        sys.exit(2)
    SLUICE = os.path.abspath(sys.argv[1])
    BACKEND = os.path.abspath(sys.argv[2])
    for path in (SLUICE, BACKEND):
        if not os.access(path, os.X_OK):
            sys.stderr.write(f"not an executable: {path}\n")
            sys.exit(2)
    rest = sys.argv[3:]
    del sys.argv[1:]
    return rest


def main():
    rest = take_binaries()
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    sys.exit(0 if program.result.wasSuccessful() else 1)


# --------------------------------------------------------------------------------------------
# Waiting


def wait_until(predicate, timeout, message="condition", interval=0.02):
    """Polls predicate() until it returns a truthy value, which is returned; fails at the deadline.

    Exceptions from the predicate count as "not yet" (e.g. a connection refused while starting).
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - any failure means "not yet"
            last_error = e
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {message}{detail}")
        time.sleep(interval)


# --------------------------------------------------------------------------------------------
# Processes


class Process:
    """A child process whose stdout and stderr are collected line by line by reader threads."""

    def __init__(self, argv, preexec_fn=None, name=None):
        self.argv = list(argv)
        self.name = name or os.path.basename(argv[0])
        self._lock = threading.Lock()
        self._stdout = []
        self._stderr = []
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=preexec_fn)
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._stdout), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._stderr), daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _pump(self, stream, sink):
        for raw in iter(stream.readline, b""):
            with self._lock:
                sink.append(raw.decode("utf-8", "replace").rstrip("\n"))
        stream.close()

    @property
    def pid(self):
        return self.proc.pid

    def stdout_lines(self):
        with self._lock:
            return list(self._stdout)

    def stderr_lines(self):
        with self._lock:
            return list(self._stderr)

    def output(self):
        return ("--- stdout of %s ---\n%s\n--- stderr of %s ---\n%s\n" % (
            self.name, "\n".join(self.stdout_lines()), self.name, "\n".join(self.stderr_lines())))

    def alive(self):
        return self.proc.poll() is None

    def wait_for_line(self, pattern, timeout=START_TIMEOUT, stream="stderr"):
        """Returns the re.Match of the first line (stdout or stderr) matching pattern."""
        regex = re.compile(pattern)

        def find():
            lines = self.stderr_lines() if stream == "stderr" else self.stdout_lines()
            for line in lines:
                m = regex.search(line)
                if m:
                    return m
            if not self.alive():
                raise ProcessExited(f"{self.name} exited with {self.proc.returncode} before "
                                    f"printing /{pattern}/\n{self.output()}")
            return None

        try:
            return wait_until(find, timeout, f"{self.name} to print /{pattern}/")
        except ProcessExited:
            raise
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.output()}") from None

    def signal(self, signo):
        if self.alive():
            self.proc.send_signal(signo)

    def wait_exit(self, timeout):
        """Waits for the process to exit; returns (returncode, seconds waited). Fails on timeout."""
        start = time.monotonic()
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} did not exit within {timeout:.1f}s\n"
                                 f"{self.output()}") from None
        for t in self._threads:
            t.join(timeout=2)
        return code, time.monotonic() - start

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for t in self._threads:
            t.join(timeout=2)


class ProcessExited(AssertionError):
    pass


def start_backend():
    """Starts the demo backend on an ephemeral port. Returns (Process, port)."""
    p = Process([BACKEND, "--listen", "127.0.0.1:0"], name="demo-backend")
    try:
        m = p.wait_for_line(r"listening on [\d.]+:(\d+)", stream="stdout")
    except BaseException:
        p.kill()
        raise
    return p, int(m.group(1))


def write_config(directory, text, name="sluice.yaml"):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def make_config(backend_port, *, drain_timeout="5s", log_level="info", log_format="text",
                access_log="off", admin_token=None, listener_extra="", route_prefix="/",
                route_name="demo", cluster_name="demo", cluster_extra="", workers=2):
    """A minimal runnable config: one listener (port 0), one route, one cluster, admin on port 0."""
    admin = "admin:\n  listen: 127.0.0.1:0\n"
    if admin_token is not None:
        admin += f"  token: {json.dumps(admin_token)}\n"
    return (
        f"workers: {workers}\n"
        f"drain_timeout: {drain_timeout}\n"
        "log:\n"
        f"  level: {log_level}\n"
        f"  format: {log_format}\n"
        f"  access_log: {json.dumps(access_log)}\n"
        f"{admin}"
        "listeners:\n"
        "  - name: main\n"
        "    listen: 127.0.0.1:0\n"
        f"{listener_extra}"
        "routes:\n"
        f"  - name: {route_name}\n"
        f"    match: {{host: \"*\", path_prefix: {route_prefix}}}\n"
        f"    cluster: {cluster_name}\n"
        "clusters:\n"
        f"  - name: {cluster_name}\n"
        "    endpoints:\n"
        f"      - 127.0.0.1:{backend_port}\n"
        f"{cluster_extra}"
    )


class Sluice(Process):
    """`sluice run -c CONFIG`, waited on until both the main listener and admin are up."""

    def __init__(self, config_path, preexec_fn=None):
        super().__init__([SLUICE, "run", "-c", config_path], preexec_fn=preexec_fn, name="sluice")
        try:
            self.port = int(self.wait_for_line(r"listener main on [\d.]+:(\d+)").group(1))
            self.admin_port = int(self.wait_for_line(r"admin listener on [\d.]+:(\d+)").group(1))
        except BaseException:
            self.kill()
            raise

    def get(self, path, **kwargs):
        return http_request(self.port, path, **kwargs)

    def admin_get(self, path, **kwargs):
        return http_request(self.admin_port, path, **kwargs)

    def metrics(self, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else None
        status, _, body = self.admin_get("/metrics", headers=headers)
        if status != 200:
            raise AssertionError(f"/metrics answered {status}: {body!r}")
        return parse_metrics(body.decode())

    def metric(self, name, token=None, **labels):
        """The value of one sample, or None when it is absent."""
        for sample_name, sample_labels, value in self.metrics(token):
            if sample_name == name and all(sample_labels.get(k) == v for k, v in labels.items()):
                return value
        return None


def run_sluice(*args, timeout=15):
    """Runs the sluice binary to completion (e.g. `check`); returns CompletedProcess with text."""
    return subprocess.run([SLUICE, *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


# --------------------------------------------------------------------------------------------
# HTTP


def http_request(port, path, method="GET", headers=None, body=None, timeout=10.0,
                 host="127.0.0.1"):
    """One request on a fresh connection (http.client: no proxy from the environment).

    Returns (status, headers as a dict with lower-case names, body bytes)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, data
    finally:
        conn.close()


def connection_refused(port, host="127.0.0.1"):
    """True when a TCP connect to host:port is refused (nobody listening)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect((host, port))
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    finally:
        s.close()
    return False


class BackgroundRequest(threading.Thread):
    """An HTTP request run on a thread; result is (status, headers, body) or the exception."""

    def __init__(self, port, path, timeout=30.0):
        super().__init__(daemon=True)
        self.port, self.path, self.timeout = port, path, timeout
        self.result = None
        self.error = None
        self.finished_at = None

    def run(self):
        try:
            self.result = http_request(self.port, self.path, timeout=self.timeout)
        except Exception as e:  # noqa: BLE001 - reported to the test
            self.error = e
        self.finished_at = time.monotonic()


# --------------------------------------------------------------------------------------------
# Prometheus text format (just enough for assertions; promtool does the real validation)

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Returns a list of (name, {label: value}, float)."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise AssertionError(f"unparseable metrics line: {line!r}")
        labels = {k: v for k, v in _LABEL.findall(m.group(3) or "")}
        samples.append((m.group(1), labels, float(m.group(4))))
    return samples


# --------------------------------------------------------------------------------------------
# Base test case


class ProcessTestCase(unittest.TestCase):
    """Gives each test a temp dir and kills every process it started in tearDown."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="sluice-process-")
        self.tmp = self._tmp.name
        self._procs = []
        # Runs after tearDown and after every other cleanup, even when setUp fails later on.
        self.addCleanup(self._cleanup)

    def tearDown(self):
        # Before the cleanups registered by the test (e.g. joining a request thread, which a
        # killed server unblocks at once).
        self._kill_all()

    def _kill_all(self):
        for p in reversed(self._procs):
            p.kill()

    def _cleanup(self):
        self._kill_all()
        self._tmp.cleanup()

    def track(self, proc):
        self._procs.append(proc)
        return proc

    def start_backend(self):
        proc, port = start_backend()
        self.track(proc)
        return proc, port

    def start_sluice(self, config_text, preexec_fn=None, name="sluice.yaml"):
        path = write_config(self.tmp, config_text, name)
        return self.track(Sluice(path, preexec_fn=preexec_fn))

    def start_pair(self, **config_kwargs):
        """Backend plus a sluice in front of it. Returns (sluice, backend_port)."""
        _, port = self.start_backend()
        return self.start_sluice(make_config(port, **config_kwargs)), port
