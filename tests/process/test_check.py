"""`sluice check`, `--version`, `--help` and command-line errors, run as a real process."""

import os
import re

import harness

GOOD = """\
workers: 1
drain_timeout: 5s
log:
  level: info
  format: text
  access_log: "off"
admin:
  listen: 127.0.0.1:0
listeners:
  - name: main
    listen: 127.0.0.1:0
routes:
  - name: demo
    match: {host: "*", path_prefix: /}
    cluster: demo
clusters:
  - name: demo
    endpoints:
      - 127.0.0.1:9000
"""

# Each error is on a line of its own, so the reported line number can be checked exactly.
BAD = """\
drain_timeout: 10s
bogus_top: 1
listeners:
  - name: main
    listen: 127.0.0.1:0
    header_timeout: 10parsecs
    bogus_nested: true
routes:
  - name: r
    cluster: c
clusters:
  - name: c
    endpoints:
      - localhost
"""

# (line, a regex the rest of the line after "FILE:LINE:COL: " must match)
BAD_EXPECTED = [
    (2, r'unknown key "bogus_top"'),
    (6, r'^listeners\[0\]\.header_timeout: .*duration.*"10parsecs"'),
    (7, r'^listeners\[0\]: unknown key "bogus_nested"'),
    (14, r'^clusters\[0\]\.endpoints\[0\]: .*host:port.*"localhost"'),
]


class CheckTest(harness.ProcessTestCase):

    def test_good_file_is_ok(self):
        path = harness.write_config(self.tmp, GOOD, "good.yaml")
        r = harness.run_sluice("check", "-c", path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ok", r.stdout)
        self.assertIn(path, r.stdout)
        self.assertEqual(r.stderr.strip(), "")

    def test_long_config_option_forms(self):
        path = harness.write_config(self.tmp, GOOD, "good.yaml")
        for args in (["check", "--config", path], ["check", f"--config={path}"]):
            r = harness.run_sluice(*args)
            self.assertEqual(r.returncode, 0, f"{args}: {r.stdout}{r.stderr}")

    def test_bad_file_lists_every_error_compiler_style(self):
        path = harness.write_config(self.tmp, BAD, "bad.yaml")
        r = harness.run_sluice("check", "-c", path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertNotIn(": ok", r.stdout)
        error_line = re.compile(r"^" + re.escape(path) + r":(\d+):(\d+): (.*)$")
        reported = []
        for line in r.stderr.splitlines():
            m = error_line.match(line)
            if m:
                reported.append((int(m.group(1)), int(m.group(2)), m.group(3)))
        self.assertEqual(len(reported), len(BAD_EXPECTED),
                         f"expected {len(BAD_EXPECTED)} located errors, stderr:\n{r.stderr}")
        for line, pattern in BAD_EXPECTED:
            matches = [e for e in reported if e[0] == line and re.search(pattern, e[2])]
            self.assertTrue(matches, f"no error on line {line} matching /{pattern}/; "
                                     f"stderr:\n{r.stderr}")
            self.assertGreaterEqual(matches[0][1], 1, "columns are 1-based")
        # The summary line counts them.
        self.assertIn(f"{len(BAD_EXPECTED)} error(s)", r.stderr)

    def test_missing_file(self):
        path = os.path.join(self.tmp, "does-not-exist.yaml")
        r = harness.run_sluice("check", "-c", path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(path, r.stderr)
        self.assertRegex(r.stderr, r"(?i)cannot read|no such file")

    def test_run_with_bad_file_exits_1_without_listening(self):
        path = harness.write_config(self.tmp, BAD, "bad.yaml")
        r = harness.run_sluice("run", "-c", path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"{path}:6:", r.stderr)

    def test_version(self):
        for flag in ("--version", "-V"):
            r = harness.run_sluice(flag)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), "sluice 0.1.0")

    def test_help(self):
        for flag in ("--help", "-h"):
            r = harness.run_sluice(flag)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("usage:", r.stdout)
            self.assertIn("run", r.stdout)
            self.assertIn("check", r.stdout)

    def test_unknown_command_exits_2(self):
        r = harness.run_sluice("frobnicate")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("frobnicate", r.stderr)
        self.assertIn("usage:", r.stderr)

    def test_no_command_and_unknown_option_exit_2(self):
        self.assertEqual(harness.run_sluice().returncode, 2)
        r = harness.run_sluice("check", "--frob")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        r = harness.run_sluice("check", "-c")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)

    def test_repository_default_config_checks_ok(self):
        path = os.path.join(harness.REPO_ROOT, "config", "sluice.yaml")
        r = harness.run_sluice("check", "-c", path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ok", r.stdout)


if __name__ == "__main__":
    harness.main()
