"""Signal handling of `sluice run`: SIGTERM drains, SIGINT stops at once, SIGHUP is ignored."""

import signal
import socket
import time

import harness


def inflight_is(sluice, value, cluster="demo"):
    return lambda: sluice.metric("sluice_inflight", cluster=cluster) == value


def read_one_response(sock):
    """Reads one HTTP/1.1 response with Content-Length from a raw socket; returns (head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a full head: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed inside the body")
        body += chunk
    return head.decode("latin-1"), body


class SignalTest(harness.ProcessTestCase):

    def start_request_in_flight(self, sluice, path, timeout=30.0):
        """Starts `path` on a thread and waits until sluice counts it in flight at the cluster."""
        req = harness.BackgroundRequest(sluice.port, path, timeout=timeout)
        req.start()
        self.addCleanup(req.join, 5)
        harness.wait_until(inflight_is(sluice, 1), 5, "sluice_inflight{cluster=\"demo\"} == 1")
        return req

    def test_sigterm_drains_in_flight_request_then_exits_0(self):
        sluice, _ = self.start_pair(drain_timeout="5s")
        req = self.start_request_in_flight(sluice, "/delay?ms=700")

        sent = time.monotonic()
        sluice.signal(signal.SIGTERM)

        # The listener closes promptly: new connections are refused while the old one drains.
        harness.wait_until(lambda: harness.connection_refused(sluice.port), 1.0,
                           "the listener to refuse new connections after SIGTERM")
        self.assertIsNone(req.finished_at, "the delayed request finished before the listener "
                          "closed; the test cannot tell drain from a normal finish")
        # Admin stays up while draining and reports not-ready.
        status, _, body = sluice.admin_get("/readyz")
        self.assertEqual(status, 503, body)
        self.assertEqual(sluice.metric("sluice_draining"), 1)

        req.join(5)
        self.assertIsNone(req.error, f"in-flight request failed during drain: {req.error!r}\n"
                          f"{sluice.output()}")
        status, headers, body = req.result
        self.assertEqual(status, 200)
        self.assertIn(b"hello", body)
        # A response finished during drain tells the client not to reuse the connection.
        self.assertEqual(headers.get("connection", "").lower(), "close", headers)

        code, _ = sluice.wait_exit(5 + 2)
        exit_after = time.monotonic() - sent
        self.assertEqual(code, 0, sluice.output())
        self.assertLess(exit_after, 5.0, "exit took longer than drain_timeout")
        # The drain really waited for the request (700 ms from its start, minus the wait above).
        self.assertGreaterEqual(req.finished_at, sent)
        self.assertTrue(any("drain" in line for line in sluice.stderr_lines()), sluice.output())

    def test_sigterm_with_idle_keepalive_connection_exits_promptly(self):
        sluice, _ = self.start_pair(drain_timeout="10s")
        sock = socket.create_connection(("127.0.0.1", sluice.port), timeout=5)
        self.addCleanup(sock.close)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        head, body = read_one_response(sock)
        self.assertTrue(head.startswith("HTTP/1.1 200"), head)
        self.assertNotIn("connection: close", head.lower())
        harness.wait_until(
            lambda: sluice.metric("sluice_connections", listener="main", protocol="http1") == 1, 5,
            "sluice_connections{listener=\"main\",protocol=\"http1\"} == 1")

        sent = time.monotonic()
        sluice.signal(signal.SIGTERM)
        code, _ = sluice.wait_exit(10)
        took = time.monotonic() - sent
        self.assertEqual(code, 0, sluice.output())
        self.assertLess(took, 2.0, f"an idle keep-alive connection held the drain for {took:.2f}s")
        # The idle connection was closed by the server, not left dangling.
        sock.settimeout(2)
        try:
            self.assertEqual(sock.recv(1024), b"")
        except ConnectionResetError:
            pass

    def test_drain_timeout_is_honoured(self):
        sluice, _ = self.start_pair(drain_timeout="500ms")
        req = self.start_request_in_flight(sluice, "/delay?ms=5000", timeout=10)

        sent = time.monotonic()
        sluice.signal(signal.SIGTERM)
        code, _ = sluice.wait_exit(4)
        took = time.monotonic() - sent
        self.assertEqual(code, 0, sluice.output())
        self.assertLess(took, 2.0, f"exit {took:.2f}s after SIGTERM with drain_timeout 500ms")
        self.assertGreaterEqual(took, 0.4, "exited before the drain timeout with a request open")
        self.assertTrue(any("drain timeout" in line for line in sluice.stderr_lines()),
                        sluice.output())
        req.join(5)
        self.assertFalse(req.result is not None and req.result[0] == 200,
                         "the 5 s request cannot have completed normally")

    def test_sigint_exits_at_once_with_request_in_flight(self):
        sluice, _ = self.start_pair(drain_timeout="10s")
        req = self.start_request_in_flight(sluice, "/delay?ms=5000", timeout=10)

        sent = time.monotonic()
        sluice.signal(signal.SIGINT)
        code, _ = sluice.wait_exit(5)
        took = time.monotonic() - sent
        self.assertLess(took, 1.0, f"SIGINT took {took:.2f}s")
        # "Exits", not "is killed": the handler ran and the process returned normally.
        self.assertGreaterEqual(code, 0, f"killed by signal {-code}\n{sluice.output()}")
        self.assertTrue(any("SIGINT" in line for line in sluice.stderr_lines()), sluice.output())
        req.join(5)
        self.assertFalse(req.result is not None and req.result[0] == 200)

    def test_sighup_does_not_kill_and_keeps_serving(self):
        sluice, _ = self.start_pair()
        self.assertEqual(sluice.get("/")[0], 200)
        sluice.signal(signal.SIGHUP)
        sluice.wait_for_line(r"SIGHUP.*reload", timeout=5)
        self.assertTrue(sluice.alive(), sluice.output())
        status, _, body = sluice.get("/")
        self.assertEqual(status, 200)
        self.assertIn(b"hello", body)
        # A second one is handled the same way (the handler re-arms).
        sluice.signal(signal.SIGHUP)
        harness.wait_until(
            lambda: sum("SIGHUP" in line for line in sluice.stderr_lines()) >= 2, 5,
            "the second SIGHUP to be logged")
        self.assertTrue(sluice.alive())
        self.assertEqual(sluice.admin_get("/readyz")[0], 200)
        self.assertEqual(sluice.get("/")[0], 200)


if __name__ == "__main__":
    harness.main()
