"""The progress line: on a terminal for large inputs, never when piped or quiet."""
import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from clawkb.kb.progress import Progress

ROOT = Path(__file__).resolve().parent.parent


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_shows_bytes_rate_and_eta_on_a_terminal():
    t = iter([0.0, 1.0, 1.0, 2.0, 2.0])
    out = Tty()
    p = Progress("gateway.log", 200 * 1024 * 1024, stream=out, clock=lambda: next(t))
    p.update(100 * 1024 * 1024)
    assert "reading gateway.log" in out.getvalue() and "100.0 MiB / 200.0 MiB" in out.getvalue()
    assert "100.0 MiB/s" in out.getvalue() and "ETA 1s" in out.getvalue()


def test_nothing_when_piped_quiet_or_small():
    for kwargs in ({"stream": io.StringIO()}, {"stream": Tty(), "quiet": True}):
        out = kwargs["stream"]
        Progress("x", 500 * 1024 * 1024, **kwargs).update(10)
        assert out.getvalue() == ""
    small = Tty()
    Progress("x", 1024, stream=small).update(1024)
    assert small.getvalue() == ""


def test_the_cli_draws_it_on_a_terminal_and_not_with_quiet(tmp_path):
    big = tmp_path / "big.log"
    with open(big, "wb") as fh:
        line = b"2026-05-14T06:00:01.331Z [gateway] heartbeat ok\n"
        fh.write(line * 40_000)

    def run(*extra):
        master, slave = pty.openpty()
        env = dict(os.environ, CLAWKB_PROGRESS_MIN_BYTES="1000000")
        p = subprocess.run([sys.executable, "-m", "clawkb", "match", *extra, str(big)], stdout=subprocess.DEVNULL,
                           stderr=slave, cwd=ROOT, timeout=600, env=env)
        os.close(slave)
        data = b""
        try:
            while True:
                chunk = os.read(master, 65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        os.close(master)
        return p.returncode, data.decode("utf-8", "replace")

    code, err = run()
    assert code == 1 and "reading big.log" in err and "/s" in err and "ETA" in err
    code, err = run("--quiet")
    assert code == 1 and "reading" not in err
