"""The admin listener: /metrics (validated by promtool), /healthz, /readyz, /config, tokens."""

import json
import os
import re
import shutil
import subprocess

import harness

TOKEN = "s3cret-admin-token-for-tests"


class MetricsTest(harness.ProcessTestCase):

    def test_metrics_pass_promtool_and_count_requests(self):
        promtool = shutil.which("promtool")
        if promtool is None:
            self.fail("promtool not found: install it (Debian package 'prometheus', "
                      "`apt-get install prometheus`; the Makefile does this)")
        sluice, _ = self.start_pair()
        sent = 7
        for i in range(sent):
            status, _, _ = sluice.get(f"/?i={i}")
            self.assertEqual(status, 200)
        # Some non-200 traffic, which must not count as 200.
        self.assertEqual(sluice.get("/status?code=503")[0], 503)

        # Counters are recorded when the exchange ends, which may be just after the client has
        # read the body: wait for them rather than assume.
        harness.wait_until(
            lambda: sluice.metric("sluice_requests_total", code="200", route="demo") == sent, 5,
            f"sluice_requests_total{{code=\"200\"}} == {sent}")
        status, headers, body = sluice.admin_get("/metrics")
        self.assertEqual(status, 200)
        self.assertIn("text/plain", headers.get("content-type", ""))
        text = body.decode()

        path = os.path.join(self.tmp, "metrics.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        with open(path, "rb") as f:
            r = subprocess.run([promtool, "check", "metrics"], stdin=f, capture_output=True,
                               text=True, timeout=30)
        if r.stdout or r.stderr:
            print(f"promtool (exit {r.returncode}):\n{r.stdout}{r.stderr}")
        self.assertEqual(r.returncode, 0,
                         f"promtool check metrics failed:\n{r.stdout}{r.stderr}\n--- input ---\n{text}")

        samples = harness.parse_metrics(text)

        def value(name, **labels):
            found = [v for n, l, v in samples
                     if n == name and all(l.get(k) == x for k, x in labels.items())]
            self.assertEqual(len(found), 1, f"{name}{labels}: {found}\n{text}")
            return found[0]

        self.assertEqual(value("sluice_requests_total", listener="main", route="demo", code="200"),
                         sent)
        self.assertEqual(value("sluice_requests_total", listener="main", route="demo", code="503"),
                         1)
        self.assertEqual(value("sluice_request_duration_seconds_count", listener="main",
                               route="demo"), sent + 1)
        self.assertEqual(value("sluice_inflight", cluster="demo"), 0)
        self.assertEqual(value("sluice_draining"), 0)
        self.assertEqual(value("sluice_build_info", version="0.1.0"), 1)
        self.assertEqual(value("sluice_upstream_errors_total", cluster="demo", kind="connect"), 0)

    def test_healthz_and_readyz(self):
        sluice, _ = self.start_pair()
        status, _, body = sluice.admin_get("/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body.strip(), b"ok")
        status, _, _ = sluice.admin_get("/readyz")
        self.assertEqual(status, 200)
        self.assertEqual(sluice.admin_get("/nope")[0], 404)
        self.assertEqual(sluice.admin_get("/healthz", method="POST", body=b"")[0], 405)

    def test_config_is_json_without_token(self):
        sluice, backend_port = self.start_pair()
        status, headers, body = sluice.admin_get("/config")
        self.assertEqual(status, 200)
        self.assertIn("application/json", headers.get("content-type", ""))
        cfg = json.loads(body)
        self.assertEqual(cfg["listeners"][0]["name"], "main")
        self.assertEqual(cfg["clusters"][0]["endpoints"][0]["address"],
                         f"127.0.0.1:{backend_port}")
        self.assertEqual(cfg["admin"]["token"], "")

    def test_config_redacts_token_and_token_is_enforced(self):
        sluice, _ = self.start_pair(admin_token=TOKEN)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for path in ("/config", "/metrics", "/healthz"):
            status, headers, _ = sluice.admin_get(path)
            self.assertEqual(status, 401, path)
            self.assertIn("bearer", headers.get("www-authenticate", "").lower())
            status, _, _ = sluice.admin_get(path, headers={"Authorization": "Bearer wrong"})
            self.assertEqual(status, 401, path)
        status, _, body = sluice.admin_get("/config", headers=auth)
        self.assertEqual(status, 200)
        self.assertNotIn(TOKEN.encode(), body)
        cfg = json.loads(body)
        self.assertNotEqual(cfg["admin"]["token"], TOKEN)
        self.assertIn("redacted", cfg["admin"]["token"])
        self.assertEqual(sluice.admin_get("/metrics", headers=auth)[0], 200)

    def test_non_loopback_admin_without_token_fails_check(self):
        text = harness.make_config(9000).replace("listen: 127.0.0.1:0\n", "listen: 0.0.0.0:0\n", 1)
        self.assertIn("admin:\n  listen: 0.0.0.0:0", text)
        path = harness.write_config(self.tmp, text, "open-admin.yaml")
        r = harness.run_sluice("check", "-c", path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stderr, r"(?m)^" + re.escape(path) + r":\d+:\d+: admin\.token: ")
        # With a token the same address is accepted (only checked, never listened on).
        with_token = text.replace("listen: 0.0.0.0:0\n", f"listen: 0.0.0.0:0\n  token: {TOKEN}\n", 1)
        path = harness.write_config(self.tmp, with_token, "token-admin.yaml")
        r = harness.run_sluice("check", "-c", path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    harness.main()
