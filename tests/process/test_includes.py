"""The module include directions of DESIGN.md §2 hold for the whole of src/.

Run by ctest like the other process tests (`python3 test_includes.py <sluice> <backend>`); the
binaries are not needed, so the arguments are ignored and the repository is found from this file.
"""

import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import check_includes  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def make_tree(test, files):
    """Writes {path: text} under a temporary repo root (removed after `test`) and returns it."""
    root = tempfile.mkdtemp(prefix="sluice-includes-")
    test.addCleanup(shutil.rmtree, root)
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    return root


class RepositoryTest(unittest.TestCase):
    def test_src_respects_include_directions(self):
        violations = check_includes.check(REPO_ROOT)
        if violations:
            self.fail("modules include what DESIGN.md §2 forbids:\n  "
                      + "\n  ".join(str(v) for v in violations))


class CheckerTest(unittest.TestCase):
    def test_flags_upward_include_with_file_and_line(self):
        root = make_tree(self, {
            "src/core/clock.h": '#pragma once\n#include "http/types.h"\n',
            "src/http/types.h": '#include "core/clock.h"\n',
        })
        violations = check_includes.check(root)
        self.assertEqual([(v.path, v.line, v.module) for v in violations],
                         [("src/core/clock.h", 2, "core")])

    def test_schema_is_its_own_module(self):
        root = make_tree(self, {
            "src/config/schema/config.h": '#include "config/loader.h"\n',
            "src/config/loader.h": '#include "config/schema/config.h"\n',
            "src/core/error.h": "",
        })
        violations = check_includes.check(root)
        self.assertEqual([v.path for v in violations], ["src/config/schema/config.h"])

    def test_proxy_may_use_net_but_not_its_listener_nor_front_ends(self):
        root = make_tree(self, {
            "src/proxy/gateway.cc": '#include "net/worker_pool.h"\n#include "net/listener.h"\n'
                                    '#include "http1/server_session.h"\n',
            "src/net/worker_pool.h": "", "src/net/listener.h": "",
            "src/http1/server_session.h": "",
        })
        lines = sorted(v.line for v in check_includes.check(root))
        self.assertEqual(lines, [2, 3])

    def test_ignores_third_party_and_commented_out_includes(self):
        root = make_tree(self, {
            "src/core/a.h": '#include "nghttp2/nghttp2.h"\n// #include "app/gateway.h"\n'
                            '#include <app/gateway.h>\n',
            "src/app/gateway.h": "",
        })
        self.assertEqual(check_includes.check(root), [])

    def test_unknown_module_must_be_added_to_the_map(self):
        root = make_tree(self, {"src/newthing/x.h": ""})
        violations = check_includes.check(root)
        self.assertEqual(len(violations), 1)
        self.assertIn("no entry in the include map", violations[0].reason)


if __name__ == "__main__":
    program = unittest.main(argv=sys.argv[:1], exit=False, verbosity=2)
    sys.exit(0 if program.result.wasSuccessful() else 1)
