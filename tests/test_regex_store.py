"""The regexes importing the command compiles, kept between runs (`kb.regex_store`)."""
import os
import re
import subprocess
import sys

from clawkb.kb import regex_store

PATTERN = r"(?P<who>clawkb-store-test)\s+(\d+)"  # a pattern no module compiles


def test_a_remembered_regex_is_seeded_into_re_and_matches_as_re_compile_would(tmp_path):
    path = regex_store.store_path(str(tmp_path))
    re.purge()
    re.compile(PATTERN, re.I)
    assert (PATTERN, re.I.value) in regex_store.remember(path, frozenset()) and os.path.exists(path)
    re.purge()
    assert (PATTERN, re.I.value) in regex_store.seed(path)
    seeded = re.compile(PATTERN, re.I)  # served from re's cache: the pattern rebuilt from its program
    assert seeded.search("x CLAWKB-store-test 42").group("who", 2) == ("CLAWKB-store-test", "42")
    assert (seeded.flags, seeded.groupindex) == (re.I | re.U, {"who": 1})


def test_nothing_is_written_when_nothing_is_new(tmp_path):
    """Not even when a stored pattern was compiled before seeding (the console script's wrapper
    compiles one before it calls the entry point)."""
    path = regex_store.store_path(str(tmp_path))
    re.purge()
    re.compile(PATTERN)
    regex_store.remember(path, frozenset())
    before = os.stat(path).st_mtime_ns
    assert not regex_store.remember(path, regex_store.seed(path))  # PATTERN was in re's cache already
    re.purge()
    assert not regex_store.remember(path, regex_store.seed(path))
    assert os.stat(path).st_mtime_ns == before


def test_a_store_others_may_write_or_a_damaged_one_is_not_read(tmp_path):
    path = regex_store.store_path(str(tmp_path))
    re.compile(PATTERN)
    regex_store.remember(path, frozenset())
    os.chmod(path, 0o666)
    re.purge()
    assert regex_store.seed(path) == frozenset()
    os.chmod(path, 0o600)
    with open(path, "r+b") as fh:
        fh.truncate(os.path.getsize(path) // 2)
    assert regex_store.seed(path) == frozenset()  # cut short: ignored, and re compiles as ever
    with open(path, "wb") as fh:
        fh.write(b"\x00garbage")
    assert regex_store.seed(path) == frozenset()


def test_the_console_script_diagnoses_the_same_with_and_without_a_store(tmp_path):
    sample = os.path.join(os.path.dirname(__file__), "..", "examples", "gateway-billing-lockout.log")
    env = {**os.environ, "CLAWKB_CACHE_DIR": str(tmp_path), "NO_COLOR": "1"}
    run = lambda: subprocess.run([sys.executable, "-c", "from clawkb.kb.launch import entry; entry()", "match", sample],
                                 capture_output=True, text=True, env=env, timeout=300)
    first, second = run(), run()
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout and "stale-billing-disabled-until" in first.stdout
    assert [p for p in os.listdir(tmp_path) if p.startswith("re-") and p.endswith(".marshal")]
