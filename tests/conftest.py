import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / "tests", ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

# the compiled knowledge base store (kb.compiled) of this test session, not the user's
os.environ.setdefault("CLAWKB_CACHE_DIR", tempfile.mkdtemp(prefix="clawkb-cache-"))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# OpenClaw's gateway port, for the state dirs the tests make: one nothing listens on, so that a gateway
# the developer runs on the default port is not taken for theirs (tests that need a gateway start one)
os.environ["OPENCLAW_GATEWAY_PORT"] = str(_free_port())

from browsing import browser, server, site  # noqa: E402,F401  (fixtures: the built site, in Chromium)

SHARED = Path(os.environ.get("CLAWKB_SHARED", ROOT.parent / "shared"))
DEV_CORPUS = SHARED / "corpus" / "dev.jsonl"


@pytest.fixture(scope="session")
def kb():
    from clawkb.kb.signatures import load_kb

    return load_kb(ROOT / "signatures")


@pytest.fixture(scope="session")
def index(kb):
    return kb.index()


@pytest.fixture(scope="session")
def dev_cases():
    import json

    if not DEV_CORPUS.exists():
        pytest.skip(f"dev corpus not found at {DEV_CORPUS}")
    with open(DEV_CORPUS, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# A test skipped because a tool or data set is missing names it in its reason (Chromium, the npm
# packages, ../shared); where `.ci/run` has installed everything (CI=1), such a skip fails the run.
# Skips for the platform (run as root, no /proc) stay skips.
_MISSING = ("not present", "not found", "not installed", "needs the npm", "needs axe", "needs chromium",
            "needs playwright")
_missing_pieces: list = []


def pytest_runtest_logreport(report):
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if any(m in reason.lower() for m in _MISSING):
            _missing_pieces.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI") and _missing_pieces and exitstatus == 0:
        print("\nCI: tests were skipped for a missing piece .ci/run should have installed:\n  "
              + "\n  ".join(_missing_pieces[:20]))
        session.exitstatus = 1
