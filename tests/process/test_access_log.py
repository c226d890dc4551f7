"""The access log (one JSON line per request, to a file) and the JSON error-log format."""

import json
import os
import signal

import harness

FIELDS = ["time", "request_id", "client", "route", "cluster", "endpoint", "status", "reason",
          "total_seconds", "upstream_seconds", "bytes_in", "bytes_out"]


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line for line in f.read().splitlines() if line.strip()]


class AccessLogTest(harness.ProcessTestCase):

    def test_one_json_line_per_request(self):
        log_path = os.path.join(self.tmp, "access.log")
        sluice, backend_port = self.start_pair(access_log=log_path, route_prefix="/api",
                                               route_name="api")
        s1, h1, b1 = sluice.get("/api/one")
        s2, h2, b2 = sluice.get("/api/echo", method="POST", body=b"x" * 11)
        s3, h3, b3 = sluice.get("/nothing-here")
        self.assertEqual((s1, s3), (200, 404))
        self.assertEqual(h3.get("x-sluice-reason"), "no_route")

        lines = harness.wait_until(lambda: len(read_lines(log_path)) >= 3 and read_lines(log_path),
                                   5, "3 access log lines")
        self.assertEqual(len(lines), 3, "\n".join(lines))
        records = [json.loads(line) for line in lines]
        for rec in records:
            for field in FIELDS:
                self.assertIn(field, rec, f"missing {field!r} in {rec}")
            self.assertEqual(rec["client"], "127.0.0.1")
            self.assertRegex(rec["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$")
            self.assertIsInstance(rec["total_seconds"], (int, float))
            self.assertGreaterEqual(rec["total_seconds"], 0)
            self.assertIsInstance(rec["bytes_in"], int)
            self.assertIsInstance(rec["bytes_out"], int)

        # Keyed by target: two workers may write their lines in either order.
        by_target = {rec.get("target"): rec for rec in records}
        self.assertEqual(set(by_target), {"/api/one", "/api/echo", "/nothing-here"}, lines)
        ids = {h.get("x-request-id") for h in (h1, h2, h3)}
        self.assertEqual({rec["request_id"] for rec in records}, ids,
                         "request_id must match the X-Request-Id response header")

        ok = by_target["/api/one"]
        self.assertEqual(ok["status"], 200)
        self.assertEqual(ok["route"], "api")
        self.assertEqual(ok["cluster"], "demo")
        self.assertEqual(ok["endpoint"], f"127.0.0.1:{backend_port}")
        self.assertEqual(ok["reason"], "")
        self.assertIsInstance(ok["upstream_seconds"], (int, float))
        self.assertLessEqual(ok["upstream_seconds"], ok["total_seconds"])
        self.assertEqual(ok["bytes_out"], len(b1))

        echo = by_target["/api/echo"]
        self.assertEqual(echo["status"], s2)
        self.assertEqual(echo["bytes_in"], 11)
        self.assertEqual(echo["bytes_out"], len(b2))

        miss = by_target["/nothing-here"]
        self.assertEqual(miss["status"], 404)
        self.assertEqual(miss["reason"], "no_route")
        self.assertEqual(miss["route"], "")
        self.assertEqual(miss["cluster"], "")
        self.assertEqual(miss["endpoint"], "")
        self.assertIsNone(miss["upstream_seconds"])
        self.assertEqual(miss["bytes_out"], len(b3))
        self.assertEqual(len(read_lines(log_path)), 3, "no extra access log lines")

    def test_json_error_log_lines_are_json(self):
        _, backend_port = self.start_backend()
        sluice = self.start_sluice(harness.make_config(backend_port, log_format="json"))
        self.assertEqual(sluice.get("/")[0], 200)
        # A reload of a broken file: an error line whose message spans several lines of text.
        harness.write_config(self.tmp, "workers: [\n", "sluice.yaml")
        sluice.signal(signal.SIGHUP)
        harness.wait_until(lambda: any("rejected" in l for l in sluice.stderr_lines()), 5,
                           "the rejected reload's error line")
        sluice.signal(signal.SIGTERM)  # drain and exit lines
        code, _ = sluice.wait_exit(10)
        self.assertEqual(code, 0, sluice.output())
        lines = sluice.stderr_lines()
        self.assertGreaterEqual(len(lines), 5, sluice.output())
        levels = set()
        for line in lines:
            try:
                rec = json.loads(line)
            except ValueError:
                self.fail(f"stderr line is not JSON: {line!r}\n{sluice.output()}")
            self.assertIsInstance(rec, dict, line)
            for key in ("time", "level", "msg"):
                self.assertIn(key, rec, line)
            levels.add(rec["level"])
        self.assertIn("info", levels)
        self.assertTrue(levels & {"error", "err"}, levels)
        self.assertTrue(any(json.loads(l)["msg"].startswith("listener main on") for l in lines))


if __name__ == "__main__":
    harness.main()
