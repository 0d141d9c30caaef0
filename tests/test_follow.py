"""`clawkb match --follow`: a live log, each new diagnosis said once, across rotations, in bounded memory."""
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from clawkb.kb.follow import Follower, WINDOW_LINES

ROOT = Path(__file__).resolve().parent.parent
LOCKOUT = (ROOT / "examples" / "gateway-billing-lockout.log").read_text(encoding="utf-8").splitlines()
HEALTHY = (ROOT / "examples" / "healthy-gateway.log").read_text(encoding="utf-8").splitlines()
PORT = ["2026-05-03T08:00:00.000Z [gateway] Gateway failed to start: gateway already running (pid 4242); "
        "lock timeout after 5000ms",
        "2026-05-03T08:00:00.010Z [gateway] Error: listen EADDRINUSE: address already in use 127.0.0.1:18789"]


def test_a_failure_is_said_once_and_the_window_stays_bounded(kb):
    f = Follower(kb, "gateway.log", min_confidence=0.5)
    f.feed(HEALTHY)
    assert f.diagnose() == []
    f.feed(LOCKOUT)
    first = f.diagnose()
    ids = [r["diagnoses"][0]["id"] for r in first]
    assert "billing-cooldown-skip-generic-error" in ids and all(len(r["diagnoses"]) == 1 for r in first)
    f.feed(LOCKOUT)  # the same failure again: already said
    assert f.diagnose() == []
    f.feed(HEALTHY * (WINDOW_LINES // len(HEALTHY) + 5))
    assert len(f.lines) == WINDOW_LINES and f.dropped > 0
    f.feed(PORT)
    again = f.diagnose()
    assert [r["diagnoses"][0]["id"] for r in again] == ["gateway-port-in-use"]
    line = again[0]["diagnoses"][0]["evidence"][0]["line"]
    assert line > WINDOW_LINES  # counted from the start of the log, not of the window


def _lines_of(proc, into):
    for line in proc.stdout:
        into.append(line)


def _wait(into, n, seconds=60):
    deadline = time.monotonic() + seconds
    while len(into) < n and time.monotonic() < deadline:
        time.sleep(0.1)
    return into


def test_following_a_file_across_a_rotation(tmp_path):
    log = tmp_path / "gateway.log"
    log.write_text("\n".join(HEALTHY) + "\n", encoding="utf-8")
    p = subprocess.Popen([sys.executable, "-m", "clawkb", "match", "--follow", "--format", "json", "--poll", "0.1", str(log)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    out: list = []
    threading.Thread(target=_lines_of, args=(p, out), daemon=True).start()
    try:
        time.sleep(2)
        with open(log, "a", encoding="utf-8") as fh:  # the gateway writes a lockout
            fh.write("\n".join(LOCKOUT) + "\n")
        _wait(out, 3)
        first = [json.loads(line)["diagnoses"][0]["id"] for line in out]
        assert "billing-cooldown-skip-generic-error" in first
        os.rename(log, tmp_path / "gateway.log.1")  # rotation: renamed away, a new file at its name
        log.write_text("\n".join(PORT) + "\n", encoding="utf-8")
        _wait(out, len(first) + 1)
        records = [json.loads(line) for line in out]
        assert [r["diagnoses"][0]["id"] for r in records][len(first):] == ["gateway-port-in-use"]
        assert all(r["schema_version"] == 1 and len(r["diagnoses"]) == 1 for r in records)
        assert len({r["diagnoses"][0]["id"] for r in records}) == len(records)  # each said once
    finally:
        p.terminate()
        p.wait(timeout=30)


def test_following_stdin_ends_with_the_pipe():
    text = "\n".join(HEALTHY + LOCKOUT) + "\n"
    p = subprocess.run([sys.executable, "-m", "clawkb", "match", "--follow", "--poll", "0.1"], input=text,
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert "billing" in p.stdout.lower()


def test_follow_refuses_what_it_cannot_follow(tmp_path):
    p = subprocess.run([sys.executable, "-m", "clawkb", "match", "--follow", str(tmp_path)], capture_output=True,
                       text=True, timeout=60, cwd=ROOT)
    assert p.returncode == 2 and p.stderr.startswith("clawkb: ") and "not a file to follow" in p.stderr
