"""Descriptor limits: sluice survives running out of file descriptors, and raises its soft limit."""

import os
import re
import resource
import socket
import time

import harness

CLK_TCK = os.sysconf("SC_CLK_TCK")


def set_nofile(soft, hard):
    def preexec():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return preexec


def cpu_seconds(pid):
    """utime + stime of a process, in seconds, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        stat = f.read()
    # The command name (field 2) may contain spaces; fields after it are space-separated.
    fields = stat[stat.rindex(")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of the whole line
    return (utime + stime) / CLK_TCK


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class LimitsTest(harness.ProcessTestCase):

    def test_descriptor_exhaustion_does_not_kill_or_spin(self):
        limit = 64
        _, backend_port = self.start_backend()
        # Long header/idle timeouts: the idle clients must stay open for the whole test.
        config = harness.make_config(
            backend_port, listener_extra="    header_timeout: 60s\n    idle_timeout: 60s\n")
        sluice = self.start_sluice(config, preexec_fn=set_nofile(limit, limit))
        self.assertEqual(sluice.get("/")[0], 200)

        clients = []
        self.addCleanup(lambda: [c.close() for c in clients])
        for _ in range(80):
            # The kernel completes the handshake from the backlog even when sluice cannot accept.
            clients.append(socket.create_connection(("127.0.0.1", sluice.port), timeout=5))

        # Sluice is out of descriptors once it logs the accept failure (or sits at the limit).
        harness.wait_until(
            lambda: any(re.search(r"(?i)too many open files|pausing accept", line)
                        for line in sluice.stderr_lines()) or open_fds(sluice.pid) >= limit,
            10, "sluice to run out of file descriptors")
        self.assertTrue(sluice.alive(), sluice.output())

        # Not spinning on EMFILE: under 0.3 s of CPU over a 1 s window.
        before = cpu_seconds(sluice.pid)
        window_start = time.monotonic()
        while time.monotonic() - window_start < 1.0:  # measurement window, not synchronisation
            time.sleep(0.1)
            self.assertTrue(sluice.alive(), sluice.output())
        used = cpu_seconds(sluice.pid) - before
        self.assertLess(used, 0.3, f"sluice used {used:.2f}s CPU in 1s while out of descriptors")
        self.assertTrue(sluice.alive(), sluice.output())

        for c in clients:
            c.close()
        clients.clear()

        def request_ok():
            return sluice.get("/", timeout=2)[0] == 200

        harness.wait_until(request_ok, 15, "a normal request to succeed after closing the clients")
        self.assertTrue(sluice.alive(), sluice.output())
        self.assertEqual(sluice.admin_get("/healthz")[0], 200)

    def test_soft_limit_raised_to_hard_limit(self):
        hard = 4096
        current_soft, current_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if current_hard != resource.RLIM_INFINITY and current_hard < hard:
            hard = current_hard  # an unprivileged runner cannot raise its hard limit
        soft = min(256, hard // 2)
        _, backend_port = self.start_backend()
        sluice = self.start_sluice(harness.make_config(backend_port),
                                   preexec_fn=set_nofile(soft, hard))
        with open(f"/proc/{sluice.pid}/limits", encoding="ascii") as f:
            limits = f.read()
        m = re.search(r"^Max open files\s+(\d+)\s+(\d+)\s+files", limits, re.M)
        self.assertIsNotNone(m, limits)
        self.assertEqual((int(m.group(1)), int(m.group(2))), (hard, hard), limits)
        self.assertTrue(any(f"open files limit {hard}" in line for line in sluice.stderr_lines()),
                        sluice.output())


if __name__ == "__main__":
    harness.main()
