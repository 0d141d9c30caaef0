"""Streaming must not cost recall: the document of the lines the stream keeps gives the same
diagnoses as scoring every line, on the dev corpus, its paste variants and long logs with failures
buried at random depths, with every scanner engine and with blocks small enough to cut through
failures."""
import gzip
import json
import random
import subprocess
import sys

import pytest

from clawkb.matcher import diagnose, normalise
from clawkb.matcher.prefilter import build
from clawkb.matcher.score import REACH
from clawkb.matcher.stream import stream_document
from variants import TRANSFORMS

from engines import ENGINES


def streamed(text: str, index, scanner, block: int = 4096):
    data = text.encode("utf-8", "surrogatepass")
    chunks = [data[i:i + 1000] for i in range(0, len(data), 1000)]
    doc, _ = stream_document(chunks, index, scanner, block=block)
    return diagnose(doc, index)


def same(a, b):
    key = lambda ds: [(d.id, d.confidence, tuple(e.line for e in d.evidence), d.occurrences, d.first_line, d.last_line)
                      for d in ds]
    return key(a) == key(b)


@pytest.mark.parametrize("engine", ENGINES)
# Not "mojibake" or "hard-wrap-80": the scanner reads raw bytes, where a word broken by a terminal
# wrap or by a wrong code page is not there. Those are damaged pastes, which are small, and small
# inputs are normalised whole (kb.cli.SMALL); gateway log files are neither wrapped nor re-encoded.
@pytest.mark.parametrize("variant", ["none", "ansi", "json-records", "quoted"])
def test_same_diagnoses_streamed_and_whole(dev_cases, index, engine, variant):
    scanner = build(index, engine)
    transform = TRANSFORMS.get(variant, lambda t: t)
    diff = []
    for case in dev_cases:
        text = transform(case["text"])
        if not same(diagnose(normalise(text), index), streamed(text, index, scanner)):
            diff.append(case["id"])
    assert not diff, diff


@pytest.mark.parametrize("engine", ENGINES)
def test_failures_buried_at_random_depths_are_found_the_same(dev_cases, index, engine):
    from benign import benign_log, inject

    scanner = build(index, engine)
    rng = random.Random(11)
    failing = [c["text"] for c in dev_cases if c["labels"] != ["none"]]
    for form in ("console", "json"):
        background = benign_log(6000, rng, form).split("\n")
        excerpts = rng.sample(failing, 3)
        lines, starts = inject(background, excerpts, rng)
        text = "\n".join(lines)
        whole = diagnose(normalise(text), index)
        assert whole and same(whole, streamed(text, index, scanner, block=64 * 1024))


def test_healthy_traffic_keeps_almost_nothing(index):
    from benign import benign_log

    text = benign_log(20000, random.Random(3), "console")
    data = text.encode()
    doc, stream = stream_document([data], index, build(index), block=1 << 20)
    assert stream.lines_read == text.count("\n") + 1
    assert stream.kept < stream.lines_read * 0.05
    assert diagnose(doc, index) == []


def test_cli_streams_a_large_gzip_rotation_and_reports_occurrence_times(tmp_path, dev_cases):
    from benign import benign_log, inject

    rng = random.Random(5)
    case = next(c for c in dev_cases if c["labels"] == ["provider-wide-402-proxy"])
    background = benign_log(60000, rng, "console").split("\n")
    lines, _ = inject(background, [case["text"], case["text"]], rng)
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) > 4 * 1024 * 1024  # streamed, not read whole
    log = tmp_path / "openclaw-2026-05-14.log.gz"
    log.write_bytes(gzip.compress(data[: len(data) // 2]) + gzip.compress(data[len(data) // 2:]))
    out = subprocess.run([sys.executable, "-m", "clawkb", "match", "--format", "json", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    import json

    result = json.loads(out.stdout.splitlines()[0])
    whole = diagnose(normalise(data.decode()), __import__("clawkb.kb.signatures", fromlist=["x"]).load_kb(None).index())
    assert [d["id"] for d in result["diagnoses"]] == [d.id for d in whole if d.confidence >= 0.5]
    if result["diagnoses"]:
        d = result["diagnoses"][0]
        assert d["occurrences"] >= 1 and d["first_line"] <= d["last_line"]


def _match_json(path):
    out = subprocess.run([sys.executable, "-m", "clawkb", "match", "-q", "--format", "json", str(path)],
                         capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)["diagnoses"]


@pytest.mark.parametrize("sig_id", ["billing-misclassified-as-format", "stale-billing-disabled-until",
                                    "provider-wide-402-proxy", "isolated-cron-extra-usage", "overloaded-529",
                                    "stale-oauth-profile-poisons-provider"])
def test_a_gateway_log_says_what_its_failing_excerpt_says_alone(tmp_path, kb, sig_id):
    """A 5 MiB gateway log (streamed: over kb.cli.SMALL) with one failure buried amid healthy
    traffic gives the diagnoses, confidences and evidence of the excerpt pasted alone, at the
    excerpt's place in the file. Quiet lines surround the excerpt as far as evidence reaches: healthy
    fallback decisions are negatives of the billing rules and healthy usage lines support the
    extra-usage rule, and near an excerpt they rightly change its reading."""
    from loggen import write_log

    excerpt = kb.get(sig_id).examples["positive"][0]["text"]
    alone = tmp_path / "excerpt.log"
    alone.write_text(excerpt)
    big = tmp_path / "gateway.log"
    with open(big, "wb") as fh:
        (start,) = write_log(fh, 5 << 20, random.Random(sig_id), excerpts=(excerpt,), margin=REACH + 120)
    assert big.stat().st_size > (4 << 20)
    expected = _match_json(alone)
    got = _match_json(big)
    assert expected and sig_id in [d["id"] for d in expected]
    key = lambda ds, shift: [(d["id"], d["confidence"], [(e["line"] - shift, e["text"]) for e in d["evidence"]])
                             for d in ds]
    assert key(got, start - 1) == key(expected, 0)


def test_the_scanner_is_not_shown_what_the_normaliser_will_not_read():
    from clawkb.matcher.stream import blank_unread

    short = b"ordinary line\n" * 1000
    assert blank_unread(short, keep=64) is short
    long = b"A" * 100 + b"reason=billing " * 2000 + b"Z" * 100
    block = short + long + b"\n" + short + long
    out = blank_unread(block, keep=4096)
    assert len(out) == len(block) and out.count(b"\n") == block.count(b"\n")
    assert out[: len(short)] == short  # short lines as they were
    start = len(short)
    assert out[start : start + 4096] == block[start : start + 4096]  # the ends of a long line kept
    end = start + len(long)
    assert out[end - 4096 : end] == block[end - 4096 : end]
    assert set(out[start + 4096 : end - 4096]) == {ord(" ")}  # its middle blanked
    assert out.endswith(block[-4096:])  # also a long line the block ends in


def test_a_long_one_line_dump_of_records_is_diagnosed_streamed_as_whole(index, tmp_path):
    """A log written as one line (a JSON array, `\\n` escapes): only its ends are read, the same way
    whole (a paste) and streamed (a large file), and a failure there is found."""
    from conftest import ROOT

    record = (ROOT / "examples" / "gateway-billing-lockout.log").read_text().replace("\n", " ")
    filler = "2026-04-12T18:02:11Z [gateway] heartbeat ok channel=telegram " * 80_000
    text = record + filler + "\n"  # 5 MB: over the streaming size
    whole = [d.id for d in diagnose(normalise(text), index)]
    assert whole
    for engine in ENGINES:
        doc, _s = stream_document([text.encode()], index, build(index, engine=engine))
        assert [d.id for d in diagnose(doc, index)] == whole, engine


def test_blocks_end_at_line_breaks_and_lose_nothing():
    from clawkb.matcher.stream import reblock

    rng = random.Random(7)
    for _ in range(200):
        lines = [b"x" * rng.choice([0, 3, 40, 900, 5000]) for _ in range(rng.randrange(0, 60))]
        data = b"\n".join(lines) + rng.choice([b"", b"\n"])
        cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.randrange(0, 12))))
        chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
        size = rng.choice([1, 64, 1000, 4096])
        blocks = list(reblock(chunks, size))
        assert b"".join(blocks) == data
        for b, after in zip(blocks, blocks[1:]):
            assert b.endswith(b"\n") or b"\n" not in b
            # short only where the next block starts with a line longer than the block size
            assert len(b) >= size or len(after.split(b"\n", 1)[0]) >= size - len(b)


def test_a_failure_repeated_all_day_is_counted_without_keeping_every_occurrence(dev_cases, index):
    # A gateway stuck in a billing lockout logs the same failure for hours: the stream reads the
    # first occurrences of each anchor in full and counts the rest, so what it keeps does not grow
    # with the log, and the diagnosis still says how often and until when the failure showed.
    from benign import benign_log, inject
    from clawkb.matcher.prefilter import VERSION_CONTEXT
    from clawkb.matcher.stream import MAX_VERSION_LINES, MAX_WINDOWS

    excerpt = next(c["text"] for c in dev_cases if c["labels"] == ["stale-billing-disabled-until"])
    alone = {d.id: d for d in diagnose(normalise(excerpt), index)}

    def run(copies: int):
        rng = random.Random(copies)
        background = benign_log(copies * 30, rng, "console").split("\n")
        lines, starts = inject(background, [excerpt] * copies, rng)
        doc, stream = stream_document([("\n".join(lines)).encode()], index, build(index), block=1 << 20)
        return {d.id: d for d in diagnose(doc, index)}, stream, starts

    few, stream_few, _ = run(300)  # past the caps: MAX_WINDOWS per anchor, MAX_VERSION_LINES
    many, stream, starts = run(900)
    assert set(many) == set(few) and "stale-billing-disabled-until" in many
    d = many["stale-billing-disabled-until"]
    assert d.occurrences == 900 * alone["stale-billing-disabled-until"].occurrences
    assert d.last_line >= starts[-1]
    # what is kept is bounded by the caps, not by the log: three times the failures, about the same
    cap = len(stream._windows) * MAX_WINDOWS * (2 * stream.margin + 1) + MAX_VERSION_LINES * (VERSION_CONTEXT + 1)
    assert stream.kept <= cap
    assert stream.kept < 1.2 * stream_few.kept
