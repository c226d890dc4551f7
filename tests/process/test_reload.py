"""Hot reload (issue 6) through the real binary: SIGHUP, POST /reload and `sluice reload` switch to
the edited file without losing a request, a connection or a tenant's bucket level; a broken file
changes nothing and every error in it is reported.

Synchronisation: POST /reload answers once the reload is done (and `sluice reload` with it), so
what follows it may assume the new generation serves; SIGHUP is waited on through the metrics.
"""

import concurrent.futures
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import harness


# --------------------------------------------------------------------------------------------
# Helpers


def free_port():
    """A port nobody listens on right now, for configs that must name a fixed port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_admin_port(config, port):
    """make_config's admin block listens on port 0; the first `listen:` in the text is admin's."""
    return config.replace("  listen: 127.0.0.1:0\n", f"  listen: 127.0.0.1:{port}\n", 1)


def tenant_section(rate, burst, name="alpha"):
    """One configured tenant identified by the X-Tenant header (appended at the top level)."""
    return ("tenants:\n"
            f"  - name: {name}\n"
            f"    rate: {rate}/s\n"
            f"    burst: {burst}\n"
            "identity:\n"
            "  sources: [{header: X-Tenant}]\n")


def post_reload(sluice, token=None):
    """POST /reload with no body; returns (status, outcome dict or raw body)."""
    headers = {"Content-Length": "0"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    status, _, body = sluice.admin_get("/reload", method="POST", headers=headers, timeout=30)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def generation(sluice, token=None):
    return sluice.metric("sluice_config_generation", token=token)


def reload_count(sluice, result, token=None):
    return sluice.metric("sluice_config_reloads_total", token=token, result=result) or 0


def config_hash(sluice, token=None):
    """The hash label of sluice_config_info, or None when the metric is absent."""
    for name, labels, value in sluice.metrics(token):
        if name == "sluice_config_info" and value == 1:
            return labels.get("hash")
    return None


def rss_bytes(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/PID/status")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


TCP_STATES = {"01": "ESTABLISHED", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
              "0A": "LISTEN", "04": "FIN_WAIT1", "05": "FIN_WAIT2", "09": "LAST_ACK"}


def tcp_sockets(pid):
    """inode -> (local port, remote port, state) of the process's network namespace."""
    sockets = {}
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}", encoding="ascii") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, remote = (int(a.rsplit(":", 1)[1], 16) for a in fields[1:3])
                    sockets[fields[9]] = (local, remote, TCP_STATES.get(fields[3], fields[3]))
        except OSError:
            pass
    return sockets


def fd_targets(pid):
    """[(fd, what it is)], TCP sockets as (local port, remote port, state)."""
    sockets = tcp_sockets(pid)
    out = []
    for fd in sorted(os.listdir(f"/proc/{pid}/fd"), key=int):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed while listing
        if target.startswith("socket:[") and target[8:-1] in sockets:
            target = sockets[target[8:-1]]
        out.append((int(fd), target))
    return out


def fd_census(pid, upstream_port):
    """(descriptors other than connections to upstream_port, connections to upstream_port, text).
    Idle upstream connections are closed lazily, when next taken from the pool, so their number
    follows the load's peak concurrency up to max_idle_per_endpoint per worker; they are counted
    apart from everything else."""
    targets = fd_targets(pid)
    upstream = sum(1 for _, t in targets if isinstance(t, tuple) and t[1] == upstream_port)
    text = "\n".join(f"{fd}: {t}" for fd, t in targets)
    return len(targets) - upstream, upstream, text


def check_errors(path):
    """The error lines `sluice check` prints for a file (without its count line)."""
    result = harness.run_sluice("check", "-c", path)
    lines = [line for line in result.stderr.splitlines() if line]
    return result.returncode, [line for line in lines if not line.endswith("error(s)")]


class TenantDriver(threading.Thread):
    """Sends requests back to back on one keep-alive connection until stopped, recording
    (sent, received, status) of each. Back to back keeps a tenant's bucket empty: a token that
    accrues is taken within one round trip, and exactly one request is in flight at any time."""

    def __init__(self, port, tenant=None, path="/"):
        super().__init__(daemon=True)
        self.port, self.path = port, path
        self.headers = {"X-Tenant": tenant} if tenant else {}
        self._lock = threading.Lock()
        self._samples = []
        self.errors = []
        self._stopping = threading.Event()

    def run(self):
        conn = None
        while not self._stopping.is_set():
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            sent = time.monotonic()
            try:
                conn.request("GET", self.path, headers=self.headers)
                res = conn.getresponse()
                res.read()
            except Exception as e:  # noqa: BLE001 - every failure is reported to the test
                self.errors.append(repr(e))
                conn.close()
                conn = None
                continue
            with self._lock:
                self._samples.append((sent, time.monotonic(), res.status))
            if res.will_close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def samples(self):
        with self._lock:
            return list(self._samples)

    def stop(self):
        self._stopping.set()
        self.join(15)


def gcra_violations(samples, since, reload_started, free_tokens, rate):
    """Checks every request sent at or after `since` against GCRA with `free_tokens` in the bucket
    when the new policy took over (some time after reload_started) and `rate` tokens/s after:
    the k-th admission, decided no later than its response arrived at t, needs
    k <= free_tokens + rate * (t - reload_started) + 1 (the 1: a token accruing at the edge).
    Returns the admissions that came too early, as text."""
    bad = []
    admitted = 0
    for sent, received, status in samples:
        if sent < since or status != 200:
            continue
        admitted += 1
        allowed = free_tokens + rate * (received - reload_started) + 1
        if admitted > allowed:
            bad.append(f"admission {admitted} at +{received - reload_started:.3f}s "
                       f"(GCRA allows {allowed:.2f})")
    return bad


def admitted_since(samples, since, until=float("inf")):
    return sum(1 for sent, _, status in samples if since <= sent <= until and status == 200)


def emptied_window(samples, since):
    """The span from `since` to the last 429 sent after it. A 429 says the bucket was empty, so
    every token that accrued before it went to a request; tokens accrued after the last one may
    be unspent only because the client had not asked yet (a client starved on a loaded machine
    must not read as a rate that did not take effect)."""
    last = max((sent for sent, _, status in samples if sent >= since and status == 429),
               default=None)
    return None if last is None else last - since


class CountingBackend:
    """An HTTP/1.1 keep-alive backend in this process that counts the requests it answers."""

    def __init__(self):
        counter = self
        self.count = 0
        self._lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - the stdlib's name
                with counter._lock:
                    counter.count += 1
                body = b"counted\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def requests(self):
        with self._lock:
            return self.count

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class OpenLoopLoad:
    """Requests at a fixed rate whatever the responses do (open loop), run by a thread pool:
    even-numbered ones on fresh connections, odd ones on a few keep-alive connections. Records
    every outcome; a request is lost when it gets no HTTP response at all."""

    def __init__(self, port, rate, workers=16, headers=None):
        self.port, self.period = port, 1.0 / rate
        self.headers = headers or {}
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
        self._idle = []  # keep-alive connections not in use
        self._lock = threading.Lock()
        self.statuses = {}
        self.failures = []
        self._futures = []
        self._stopping = threading.Event()
        self._scheduler = threading.Thread(target=self._schedule, daemon=True)

    def start(self):
        self._scheduler.start()

    def _schedule(self):
        next_at = time.monotonic()
        n = 0
        while not self._stopping.is_set():
            self._futures.append(self.pool.submit(self._one, n % 2 == 1))
            n += 1
            next_at += self.period
            delay = next_at - time.monotonic()
            if delay > 0:
                self._stopping.wait(delay)  # the schedule's pace, not synchronisation

    def _one(self, keep_alive):
        conn = None
        if keep_alive:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", "/", headers=self.headers)
            res = conn.getresponse()
            res.read()
        except Exception as e:  # noqa: BLE001 - a lost request, reported by the test
            conn.close()
            with self._lock:
                self.failures.append(f"{'keep-alive' if keep_alive else 'fresh'}: {e!r}")
            return
        with self._lock:
            self.statuses[res.status] = self.statuses.get(res.status, 0) + 1
            if keep_alive and not res.will_close:
                self._idle.append(conn)
                conn = None
        if conn is not None:
            conn.close()

    def stop(self):
        """Stops scheduling, waits for every request, closes the keep-alive connections."""
        self._stopping.set()
        self._scheduler.join(10)
        concurrent.futures.wait(self._futures, timeout=60)
        self.pool.shutdown(wait=True)
        with self._lock:
            for conn in self._idle:
                conn.close()
            self._idle.clear()

    def sent(self):
        return len(self._futures)


def make_cert(directory, name, common_name):
    """A self-signed EC certificate for localhost; returns (cert path, key path)."""
    cert = os.path.join(directory, f"{name}-cert.pem")
    key = os.path.join(directory, f"{name}-key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={common_name}",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert],
        check=True, capture_output=True, timeout=30)
    return cert, key


def der_of(pem_path):
    with open(pem_path, encoding="ascii") as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def replace_file(source, target):
    """Puts a copy of source at target in one step, as a deploy tool would."""
    temporary = target + ".new"
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def tls_client_context():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test compares the certificate itself
    return context


def served_certificate(port):
    """The DER certificate a fresh TLS connection to the listener is given."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with tls_client_context().wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.getpeercert(binary_form=True)


# --------------------------------------------------------------------------------------------
# Tests


class ReloadTest(harness.ProcessTestCase):

    def start_with(self, config_text):
        sluice = self.start_sluice(config_text)
        return sluice, os.path.join(self.tmp, "sluice.yaml")

    def reload_ok(self, sluice, token=None):
        status, outcome = post_reload(sluice, token)
        self.assertEqual(status, 200, f"{outcome}\n{sluice.output()}")
        self.assertEqual(outcome["result"], "success", outcome)
        self.assertEqual(outcome["errors"], [], outcome)
        return outcome


    def test_removed_cluster_leaves_no_gauges_behind(self):
        _, backend_port = self.start_backend()
        gated = harness.make_config(backend_port, cluster_extra="    concurrency_limit: 10\n")
        sluice, _ = self.start_with(gated)
        harness.wait_until(
            lambda: sluice.metric("sluice_concurrency_limit", cluster="demo") == 10, 5,
            "the demo cluster's limit gauge")
        harness.write_config(self.tmp, harness.make_config(backend_port, cluster_name="other"))
        self.reload_ok(sluice)
        self.assertIsNone(sluice.metric("sluice_concurrency_limit", cluster="demo"),
                          "a removed cluster's gauge still reported")
        self.assertIsNone(sluice.metric("sluice_queue_depth", cluster="demo"))
        self.assertEqual(sluice.get("/")[0], 200, "the new cluster serves")
    def drive(self, port, tenant=None):
        driver = TenantDriver(port, tenant)
        driver.start()
        self.addCleanup(driver.stop)
        return driver

    # -- tenant buckets ------------------------------------------------------------------------

    def reload_rate_under(self, sluice, driver, config_text):
        """Reloads to `config_text` while `driver` runs, lets 1.5 s of traffic follow, stops the
        driver and checks nothing failed. Returns (reload_started, reload_done, samples)."""
        harness.write_config(self.tmp, config_text)
        reload_started = time.monotonic()
        self.reload_ok(sluice)
        reload_done = time.monotonic()
        harness.wait_until(lambda: driver.samples()[-1][0] >= reload_done + 1.5, 10,
                           "1.5 s of traffic after the reload")
        driver.stop()
        self.assertEqual(driver.errors, [], "requests failed across the reload")
        return reload_started, reload_done, driver.samples()

    def test_lowered_rate_applies_from_the_next_request(self):
        burst, old_rate, new_rate = 5, 100, 5
        _, backend_port = self.start_backend()
        base = harness.make_config(backend_port)
        sluice, _ = self.start_with(base + tenant_section(old_rate, burst))
        driver = self.drive(sluice.port, "alpha")
        harness.wait_until(lambda: any(s[2] == 429 for s in driver.samples()), 10,
                           "the tenant to be held at its rate (a 429)")

        reload_started, reload_done, samples = self.reload_rate_under(
            sluice, driver, base + tenant_section(new_rate, burst))
        self.assertEqual({s[2] for s in samples} - {200, 429}, set(), "unexpected statuses")
        # The bucket's level before the reload is not known exactly; at most it was full.
        early = gcra_violations(samples, reload_done, reload_started, burst, new_rate)
        self.assertEqual(early, [], f"admitted faster than {new_rate}/s after lowering the rate "
                         f"from {old_rate}/s")
        sent_after = sum(1 for s in samples if s[0] >= reload_done)
        bound = burst + new_rate * (samples[-1][1] - reload_started) + 1
        self.assertGreater(sent_after, 3 * bound, "the client sent too few requests to tell the "
                           "rates apart (machine too slow?)")
        # The tenant is still served at the new rate, not blocked.
        window = emptied_window(samples, reload_done)
        self.assertIsNotNone(window, "no 429 after the reload: the client asked too little")
        self.assertGreaterEqual(admitted_since(samples, reload_done, reload_done + window),
                                new_rate * window - 3)

    def test_raised_rate_never_grants_a_burst_of_free_tokens(self):
        burst, old_rate, new_rate = 50, 5, 20
        _, backend_port = self.start_backend()
        base = harness.make_config(backend_port)
        sluice, _ = self.start_with(base + tenant_section(old_rate, burst))
        driver = self.drive(sluice.port, "alpha")
        # Empty the bucket (50 tokens), then hold it empty for a while at 5/s.
        first_rejection = harness.wait_until(
            lambda: next((s[0] for s in driver.samples() if s[2] == 429), None), 10,
            "the tenant's bucket to be empty")
        harness.wait_until(lambda: driver.samples()[-1][0] >= first_rejection + 0.5, 10,
                           "half a second at the old rate")

        reload_started, reload_done, samples = self.reload_rate_under(
            sluice, driver, base + tenant_section(new_rate, burst))

        # Under one token was left at the last 429 before the reload; the old rate refilled at most
        # old_rate * (reload_done - then) more until the new policy took over. The burst is the
        # same, so Rescale keeps that many tokens and adds none.
        last_rejection = max(s[0] for s in samples if s[2] == 429 and s[0] < reload_started)
        free = 1 + old_rate * (reload_done - last_rejection)
        self.assertLess(free, burst / 5, "the bucket was not kept empty before the reload")
        early = gcra_violations(samples, reload_done, reload_started, free, new_rate)
        self.assertEqual(early, [], f"the reload to {new_rate}/s handed out free tokens")
        window = emptied_window(samples, reload_done)
        self.assertIsNotNone(window, "no 429 after the reload: the client asked too little")
        self.assertGreaterEqual(admitted_since(samples, reload_done, reload_done + window),
                                new_rate * window - 3, "the raised rate did not take effect")

    # -- broken file ---------------------------------------------------------------------------

    def test_broken_file_changes_nothing_and_every_error_is_reported(self):
        _, backend_port = self.start_backend()
        good = harness.make_config(backend_port) + tenant_section(1000, 100)
        sluice, path = self.start_with(good)
        self.assertEqual(sluice.get("/", headers={"X-Tenant": "alpha"})[0], 200)
        generation_before = generation(sluice)
        hash_before = config_hash(sluice)
        config_before = sluice.admin_get("/config")[2]
        failures_before = reload_count(sluice, "failure")
        self.assertIsNotNone(generation_before, "no sluice_config_generation\n" + sluice.output())
        self.assertIsNotNone(hash_before, "no sluice_config_info")

        # Two independent errors, far apart in the file.
        broken = harness.make_config(backend_port, workers="many").replace(
            f"127.0.0.1:{backend_port}", "localhost") + tenant_section(1000, 100)
        harness.write_config(self.tmp, broken)
        code, expected = check_errors(path)
        self.assertEqual(code, 1)
        self.assertGreaterEqual(len(expected), 2, expected)
        for line in expected:
            self.assertRegex(line, r"^" + re.escape(path) + r":\d+:\d+: ")

        def unchanged(failures):
            self.assertEqual(generation(sluice), generation_before)
            self.assertEqual(config_hash(sluice), hash_before)
            self.assertEqual(sluice.admin_get("/config")[2], config_before)
            self.assertEqual(reload_count(sluice, "failure"), failures_before + failures)
            self.assertEqual(sluice.metric("sluice_config_last_reload_success"), 0)
            status, _, body = sluice.get("/", headers={"X-Tenant": "alpha"})
            self.assertEqual((status, body), (200, b"hello from demo backend\n"))

        # POST /reload: 422 with the same errors `sluice check` finds (one validation path).
        status, outcome = post_reload(sluice)
        self.assertEqual(status, 422, outcome)
        self.assertEqual(outcome["result"], "failure")
        self.assertEqual(outcome["generation"], generation_before)
        self.assertEqual(outcome["errors"], expected)
        unchanged(1)

        # `sluice reload`: exit 1, the server's errors one per line.
        cli = harness.run_sluice("reload", "-c", path, "--admin",
                                 f"127.0.0.1:{sluice.admin_port}", timeout=40)
        self.assertEqual(cli.returncode, 1, cli.stdout + cli.stderr)
        lines = cli.stderr.splitlines()
        self.assertEqual(lines[:-1], expected, cli.stderr)
        self.assertEqual(lines[-1], f"reload rejected: {len(expected)} error(s); generation "
                         f"{int(generation_before)} keeps serving")
        unchanged(2)

        # SIGHUP: every error in the log.
        sluice.signal(signal.SIGHUP)
        harness.wait_until(lambda: reload_count(sluice, "failure") == failures_before + 3, 10,
                           "the SIGHUP reload to fail")
        log = "\n".join(sluice.stderr_lines())
        for line in expected:
            self.assertIn(line, log)
        unchanged(3)
        self.assertTrue(sluice.alive())

    # -- 100 reloads under load ----------------------------------------------------------------

    def test_hundred_reloads_under_open_loop_load_lose_nothing_and_leak_nothing(self):
        _, backend_port = self.start_backend()
        workers, max_idle = 2, 2
        # Two valid configs that differ in tenant rate and in the cluster's gate; few idle
        # upstream connections per worker, so the pool's share of the descriptors stays small.
        def config(rate, limit):
            return harness.make_config(
                backend_port, workers=workers,
                cluster_extra=f"    max_idle_per_endpoint: {max_idle}\n"
                f"    concurrency_limit: {limit}\n") + tenant_section(rate, 100000)
        configs = [config(100000, 64), config(50000, 128)]
        sluice, path = self.start_with(configs[0])
        headers = {"X-Tenant": "alpha"}

        def run_phase(reloads, first_index):
            load = OpenLoopLoad(sluice.port, rate=150, headers=headers)
            load.start()
            generations = []
            # One reload every 40 ms at most (a reload takes a few ms), so about 6 requests are
            # sent around each one and the load is not over before the reloads are.
            started = time.monotonic()
            try:
                for i in range(reloads):
                    pause = started + i * 0.04 - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)  # the reloads' pace, not synchronisation
                    harness.write_config(self.tmp, configs[(first_index + i) % 2])
                    generations.append(self.reload_ok(sluice)["generation"])
            finally:
                load.stop()
            return load, generations

        def settled_census():
            # No client connection is open and the descriptor table has stopped changing.
            harness.wait_until(lambda: sluice.metric("sluice_connections", listener="main",
                                                     protocol="http1") == 0, 10,
                               "client connections to close")
            censuses = []

            def stable():
                censuses.append(fd_census(sluice.pid, backend_port))
                return len(censuses) >= 10 and len({c[:2] for c in censuses[-10:]}) == 1
            harness.wait_until(stable, 15, "the descriptor table to settle", interval=0.1)
            return censuses[-1]

        # Warm-up: allocator arenas, pools and metric series exist before the baseline.
        warm, _ = run_phase(10, 1)
        self.assertEqual(warm.failures, [])
        other_before, _, text_before = settled_census()
        rss_before = rss_bytes(sluice.pid)

        load, generations = run_phase(100, 1)
        self.assertEqual(load.failures, [], f"{len(load.failures)} of {load.sent()} requests got "
                         "no response")
        self.assertEqual(load.statuses, {200: load.sent()}, "every request must be answered 200")
        self.assertEqual(generations, list(range(generations[0], generations[0] + 100)),
                         "each reload must publish exactly one new generation")
        self.assertGreater(load.sent(), 300, "too little load to mean anything")

        other_after, upstream_after, text_after = settled_census()
        rss_after = rss_bytes(sluice.pid)
        detail = f"\nbefore:\n{text_before}\nafter:\n{text_after}"
        self.assertLessEqual(other_after, other_before + 1,
                             "descriptors other than upstream connections grew over 100 reloads"
                             + detail)
        # More than the pools can keep idle means some retired pool still holds its connections.
        self.assertLessEqual(upstream_after, workers * max_idle,
                             "more upstream connections than the pools keep idle" + detail)
        growth = rss_after - rss_before
        self.assertLess(growth, 16 * 1024 * 1024,
                        f"RSS grew {growth / 1048576:.1f} MiB over 100 reloads "
                        f"({rss_before} -> {rss_after} bytes)")
        self.assertTrue(sluice.alive())

    # -- listeners and endpoints ---------------------------------------------------------------

    def test_listener_and_endpoint_added_and_removed_while_traffic_flows(self):
        first, second = CountingBackend(), CountingBackend()
        self.addCleanup(first.close)
        self.addCleanup(second.close)
        extra_port = free_port()
        extra_listener = f"  - name: extra\n    listen: 127.0.0.1:{extra_port}\n"

        def config(backend, extra):
            return harness.make_config(backend.port, listener_extra=extra_listener if extra else "")
        sluice, path = self.start_with(config(first, extra=False))
        driver = self.drive(sluice.port)
        harness.wait_until(lambda: first.requests() >= 20, 10, "traffic to the first endpoint")
        self.assertTrue(harness.connection_refused(extra_port))
        self.assertEqual(second.requests(), 0)

        # Add the listener, swap the endpoint.
        harness.write_config(self.tmp, config(second, extra=True))
        self.reload_ok(sluice)
        at_reload = first.requests()
        status, _, body = harness.http_request(extra_port, "/")
        self.assertEqual((status, body), (200, b"counted\n"), "the added listener must serve")
        harness.wait_until(lambda: second.requests() >= 20, 10, "traffic to the added endpoint")
        # At most the one request in flight during the reload still went to the removed endpoint.
        self.assertLessEqual(first.requests(), at_reload + 1, "the removed endpoint got requests")

        # And back: the listener goes, the first endpoint returns.
        harness.write_config(self.tmp, config(first, extra=False))
        self.reload_ok(sluice)
        at_reload = second.requests()
        harness.wait_until(lambda: harness.connection_refused(extra_port), 2,
                           "the removed listener to refuse connections")
        mark = first.requests()
        harness.wait_until(lambda: first.requests() >= mark + 20, 10,
                           "traffic back on the first endpoint")
        self.assertLessEqual(second.requests(), at_reload + 1, "the removed endpoint got requests")

        driver.stop()
        self.assertEqual(driver.errors, [], "the main listener's connection broke")
        self.assertEqual({s[2] for s in driver.samples()}, {200})

    # -- TLS ----------------------------------------------------------------------------------

    def test_certificates_replaced_on_disk_are_served_after_the_reload(self):
        if shutil.which("openssl") is None:
            self.skipTest("openssl is not installed")
        old_cert, old_key = make_cert(self.tmp, "old", "sluice-old")
        new_cert, new_key = make_cert(self.tmp, "new", "sluice-new")
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        replace_file(old_cert, cert)
        replace_file(old_key, key)
        _, backend_port = self.start_backend()
        tls = f"    protocols: [http1]\n    tls:\n      cert: {cert}\n      key: {key}\n"
        sluice, path = self.start_with(harness.make_config(backend_port, listener_extra=tls))
        self.assertEqual(served_certificate(sluice.port), der_of(old_cert))

        # A connection open across the reload keeps working on the certificate it began with.
        kept = http.client.HTTPSConnection("127.0.0.1", sluice.port, timeout=10,
                                           context=tls_client_context())
        self.addCleanup(kept.close)
        kept.request("GET", "/")
        self.assertEqual(kept.getresponse().read(), b"hello from demo backend\n")

        replace_file(new_cert, cert)
        replace_file(new_key, key)
        self.assertEqual(served_certificate(sluice.port), der_of(old_cert),
                         "certificates must change on reload, not on their own")
        self.reload_ok(sluice)
        self.assertEqual(served_certificate(sluice.port), der_of(new_cert))

        kept.request("GET", "/")
        res = kept.getresponse()
        self.assertEqual((res.status, res.read()), (200, b"hello from demo backend\n"))
        self.assertEqual(kept.sock.getpeercert(binary_form=True), der_of(old_cert))

    # -- the three ways to ask -----------------------------------------------------------------

    def test_sighup_post_reload_and_sluice_reload_all_reload(self):
        token = "s3cret"
        admin_port = free_port()
        _, backend_port = self.start_backend()

        def config(prefix):
            return with_admin_port(
                harness.make_config(backend_port, admin_token=token, route_prefix=prefix),
                admin_port)
        sluice, path = self.start_with(config("/a"))
        self.assertEqual(sluice.admin_port, admin_port)
        self.assertEqual(sluice.get("/a")[0], 200)
        start_generation = generation(sluice, token)
        successes = reload_count(sluice, "success", token)

        def serves_only(prefix):
            for other in ("/a", "/b", "/c", "/d"):
                want = 200 if other == prefix else 404
                self.assertEqual(sluice.get(other)[0], want, f"GET {other} after moving to {prefix}")

        # SIGHUP.
        harness.write_config(self.tmp, config("/b"))
        sluice.signal(signal.SIGHUP)
        harness.wait_until(lambda: generation(sluice, token) == start_generation + 1, 10,
                           "the SIGHUP reload")
        serves_only("/b")
        self.assertEqual(reload_count(sluice, "success", token), successes + 1)
        self.assertEqual(sluice.metric("sluice_config_last_reload_success", token), 1)
        hash_b = config_hash(sluice, token)

        # POST /reload: the token is required like everywhere on this listener.
        harness.write_config(self.tmp, config("/c"))
        self.assertEqual(post_reload(sluice)[0], 401)
        self.assertEqual(post_reload(sluice, "wrong")[0], 401)
        self.assertEqual(generation(sluice, token), start_generation + 1)
        outcome = self.reload_ok(sluice, token)
        self.assertEqual(outcome["generation"], start_generation + 2)
        self.assertNotEqual(outcome["config_hash"], hash_b)
        self.assertEqual(config_hash(sluice, token), outcome["config_hash"])
        serves_only("/c")
        self.assertEqual(sluice.admin_get("/reload")[0], 401, "GET needs the token first")
        status, headers, _ = sluice.admin_get("/reload",
                                              headers={"Authorization": f"Bearer {token}"})
        self.assertEqual((status, headers.get("allow")), (405, "POST"))

        # `sluice reload -c FILE`: admin.listen and admin.token come from the file.
        harness.write_config(self.tmp, config("/d"))
        cli = harness.run_sluice("reload", "-c", path, timeout=40)
        self.assertEqual(cli.returncode, 0, cli.stdout + cli.stderr)
        hash_d = config_hash(sluice, token)
        self.assertEqual(cli.stdout, f"reloaded: generation {int(start_generation) + 3}, "
                         f"config {hash_d}\n")
        serves_only("/d")
        self.assertEqual(reload_count(sluice, "success", token), successes + 3)
        self.assertEqual(reload_count(sluice, "failure", token), 0)

        # A wrong token from the command line is not an outcome: exit 2.
        cli = harness.run_sluice("reload", "-c", path, "--token", "wrong", timeout=40)
        self.assertEqual(cli.returncode, 2, cli.stdout + cli.stderr)
        self.assertIn("answered 401", cli.stderr)

    def test_no_reload_while_draining(self):
        _, backend_port = self.start_backend()
        sluice, path = self.start_with(harness.make_config(backend_port, drain_timeout="10s"))
        held = harness.BackgroundRequest(sluice.port, "/delay?ms=2000", timeout=15)
        held.start()
        self.addCleanup(held.join, 5)
        harness.wait_until(lambda: sluice.metric("sluice_inflight", cluster="demo") == 1, 5,
                           "a request in flight to hold the drain open")
        generation_before = generation(sluice)
        sluice.signal(signal.SIGTERM)
        harness.wait_until(lambda: sluice.metric("sluice_draining") == 1, 5, "the drain")

        # The new file adds a listener: a reload now would open it on a process that is leaving.
        extra_port = free_port()
        harness.write_config(self.tmp, harness.make_config(
            backend_port, drain_timeout="10s",
            listener_extra=f"  - name: extra\n    listen: 127.0.0.1:{extra_port}\n"))
        status, body = post_reload(sluice)
        self.assertEqual((status, body), (503, b"draining: not reloading"))
        cli = harness.run_sluice("reload", "-c", path, "--admin", f"127.0.0.1:{sluice.admin_port}")
        self.assertEqual(cli.returncode, 2, cli.stdout + cli.stderr)
        self.assertIn("answered 503", cli.stderr)
        self.assertTrue(harness.connection_refused(extra_port))
        self.assertEqual(generation(sluice), generation_before)

        held.join(10)
        self.assertEqual(held.result[0] if held.result else held.error, 200)
        self.assertEqual(sluice.wait_exit(10)[0], 0, sluice.output())

    def test_sluice_reload_without_a_listener_exits_2(self):
        path = harness.write_config(self.tmp, "workers: 1\n")
        port = free_port()
        cli = harness.run_sluice("reload", "-c", path, "--admin", f"127.0.0.1:{port}")
        self.assertEqual(cli.returncode, 2, cli.stdout + cli.stderr)
        self.assertIn(f"cannot reach the admin listener at 127.0.0.1:{port}", cli.stderr)


if __name__ == "__main__":
    harness.main()
