"""TLS listeners through the real binary and real clients: curl negotiates h2 or HTTP/1.1 by ALPN
with the demo certificate of config/examples/tls.yaml, and a key that does not fit the
certificate stops startup with the file named."""

import os
import shutil
import subprocess

import harness

DEMO_TLS = os.path.join(harness.REPO_ROOT, "config", "examples", "tls")
DEMO_CERT = os.path.join(DEMO_TLS, "demo-cert.pem")
DEMO_KEY = os.path.join(DEMO_TLS, "demo-key.pem")


def tls_listener(cert=DEMO_CERT, key=DEMO_KEY):
    return ("    protocols: [h2, http1]\n"
            "    tls:\n"
            f"      cert: {cert}\n"
            f"      key: {key}\n")


def curl(*args):
    return subprocess.run(["curl", "-s", "--max-time", "5", "--cacert", DEMO_CERT, *args],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15)


class TlsTest(harness.ProcessTestCase):

    def test_curl_negotiates_h2_and_http11_with_demo_certificate(self):
        if shutil.which("curl") is None or "HTTP2" not in curl("-V").stdout:
            self.skipTest("curl with HTTP/2 is not installed")
        sluice, _ = self.start_pair(listener_extra=tls_listener())
        url = f"https://localhost:{sluice.port}/"
        h2 = curl("-o", "/dev/null", "-w", "%{http_version} %{http_code}", "--http2", url)
        self.assertEqual(h2.stdout, "2 200", h2.stderr)
        h1 = curl("-o", "/dev/null", "-w", "%{http_version} %{http_code}", "--http1.1", url)
        self.assertEqual(h1.stdout, "1.1 200", h1.stderr)
        self.assertEqual(sluice.metric("sluice_tls_handshake_failures_total", listener="main"), 0)

    def test_key_not_matching_certificate_fails_startup_naming_the_file(self):
        _, backend_port = self.start_backend()
        config = harness.make_config(backend_port, listener_extra=tls_listener(key=DEMO_CERT))
        path = harness.write_config(self.tmp, config)
        result = harness.run_sluice("run", "-c", path)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f"{DEMO_CERT}: listeners[0].tls.key:", result.stdout + result.stderr)

    def test_check_reads_the_certificates_like_a_start(self):
        good = harness.write_config(self.tmp, harness.make_config(9, listener_extra=tls_listener()),
                                    "good.yaml")
        self.assertEqual(harness.run_sluice("check", "-c", good).returncode, 0)
        bad = harness.write_config(
            self.tmp, harness.make_config(9, listener_extra=tls_listener(key=DEMO_CERT)), "bad.yaml")
        result = harness.run_sluice("check", "-c", bad)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f"{DEMO_CERT}: listeners[0].tls.key:", result.stdout + result.stderr)


if __name__ == "__main__":
    harness.main()
