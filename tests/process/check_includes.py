#!/usr/bin/env python3
"""Checks the include directions between sluice modules (DESIGN.md §2).

Every `#include "x/..."` in src/<module>/ names the module it reaches into (its first path
component, except that src/config/schema/ is the module `config/schema`). A module may include its
own headers and those listed in ALLOWED; anything else is a violation. Quoted includes whose first
component is not a folder of src/ (third-party headers) are ignored.

    python3 tests/process/check_includes.py [REPO_ROOT]    # prints violations, exit 1 if any
"""

import os
import re
import sys
from dataclasses import dataclass

SOURCE_SUFFIXES = (".h", ".hh", ".hpp", ".cc", ".cpp", ".ipp", ".inl")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')

# Modules that make up the sluice binary (demo_backend is a separate program).
PRODUCT = {
    "core", "config/schema", "config", "observability", "net", "http", "http1", "http2",
    "admission", "control", "upstream", "proxy", "app",
}

# module -> modules it may include (besides itself).
ALLOWED = {
    "core": set(),
    "config/schema": {"core"},
    "config": {"core", "config/schema"},
    "observability": {"core"},
    "net": {"core", "observability"},
    "http": {"core"},
    "http1": {"core", "net", "http", "observability"},
    "http2": {"core", "net", "http", "observability"},
    "admission": {"core", "config/schema", "control", "observability"},
    "control": {"core", "config/schema", "observability"},
    "upstream": {"core", "config/schema", "net", "http", "control", "observability"},
    # The pipeline sits above everything but the front ends and the composition root.
    "proxy": PRODUCT - {"app", "http1", "http2"},
    "app": PRODUCT,
    "demo_backend": set(),
}

# Single headers a module may not include even though their module is allowed.
FORBIDDEN_HEADERS = {
    "proxy": {"net/listener.h"},  # the proxy never owns listeners; app wires them up
}


@dataclass(frozen=True)
class Violation:
    path: str  # relative to the repository root
    line: int
    module: str
    include: str
    reason: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.reason}"


def module_of(rel_path):
    """Module of a path relative to src/ ("config/schema/x.h" -> "config/schema")."""
    parts = rel_path.replace(os.sep, "/").split("/")
    if len(parts) >= 3 and parts[0] == "config" and parts[1] == "schema":
        return "config/schema"
    return parts[0]


def check(repo_root):
    """Returns the list of Violations under repo_root/src (empty when the shape is intact)."""
    src = os.path.join(repo_root, "src")
    top_dirs = {d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))}
    violations = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            full = os.path.join(dirpath, name)
            rel_src = os.path.relpath(full, src)
            rel_repo = os.path.relpath(full, repo_root).replace(os.sep, "/")
            if os.sep not in rel_src:
                continue  # files directly in src/ belong to no module
            module = module_of(rel_src)
            if module not in ALLOWED:
                violations.append(Violation(rel_repo, 1, module, "",
                                            f"module '{module}' has no entry in the include map "
                                            f"(tests/process/check_includes.py ALLOWED, DESIGN.md §2)"))
                continue
            violations.extend(_check_file(full, rel_repo, module, top_dirs))
    return violations


def _check_file(full, rel_repo, module, top_dirs):
    allowed = ALLOWED[module] | {module}
    forbidden = FORBIDDEN_HEADERS.get(module, set())
    found = []
    with open(full, encoding="utf-8", errors="replace") as f:
        for number, text in enumerate(f, start=1):
            match = INCLUDE_RE.match(text)
            if not match or "/" not in match.group(1):
                continue
            include = match.group(1)
            if include.split("/")[0] not in top_dirs:
                continue  # not one of ours
            target = module_of(include)
            if target not in allowed:
                may = ", ".join(sorted(allowed))
                found.append(Violation(rel_repo, number, module, include,
                                       f"{module} may not include {target} (\"{include}\"); "
                                       f"{module} may include: {may}"))
            elif include in forbidden:
                found.append(Violation(rel_repo, number, module, include,
                                       f"{module} may not include \"{include}\""))
    return found


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "..", "..")
    violations = check(os.path.abspath(root))
    for v in violations:
        print(v)
    print(f"{len(violations)} include violation(s)" if violations else "include directions ok")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
