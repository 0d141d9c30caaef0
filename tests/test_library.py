"""`import clawkb`: the library face gives what `clawkb match` gives, for paths, bytes and text."""
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

import clawkb
from clawkb.kb import diagnosis

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "gateway-billing-lockout.log"


def _ids(result):
    return [d["id"] for d in result["diagnoses"]]


def test_diagnose_text_reports_what_the_command_prints(kb):
    cli = subprocess.run([sys.executable, "-m", "clawkb", "match", "--format", "json", "--detail", str(SAMPLE)],
                         capture_output=True, text=True)
    printed = json.loads(cli.stdout)
    result = clawkb.diagnose_text(SAMPLE.read_text(encoding="utf-8"), kb)
    assert _ids(result) == _ids(printed) and result["diagnoses"]
    assert result["diagnoses"] == printed["diagnoses"]


def test_a_path_bytes_gzip_and_text_read_alike(tmp_path, kb):
    text = SAMPLE.read_text(encoding="utf-8")
    gz = tmp_path / "gateway.log.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    docs = [clawkb.read_document(s, kb) for s in (SAMPLE, gz, gzip.compress(text.encode()), text.encode("utf-16"), text)]
    assert len({tuple(line.text for line in d.lines) for d in docs}) == 1
    assert {d.openclaw_version for d in docs} == {docs[0].openclaw_version} != {None}


def test_large_inputs_are_streamed_and_find_what_the_whole_text_shows(kb, monkeypatch):
    failure = SAMPLE.read_text(encoding="utf-8")
    quiet = "".join(f"2026-04-12T10:{i // 60 % 60:02d}:{i % 60:02d}.000Z [gateway] heartbeat ok seq={i}\n" for i in range(6000))
    big = quiet + failure + quiet
    assert len(big.encode()) > diagnosis.SMALL
    streamed = []
    real = diagnosis.Reader.scanner
    monkeypatch.setattr(diagnosis.Reader, "scanner", lambda self: streamed.append(1) or real(self))
    result = clawkb.diagnose_document(clawkb.read_document(big.encode(), kb), kb)
    assert streamed, "a large input went through the scanner"
    assert _ids(result)[:1] == _ids(clawkb.diagnose_text(failure, kb))[:1]


@pytest.mark.parametrize("source, message", [
    (Path("/no/such/gateway.log"), "no such file"),
    (b"\x00\x01\x02\x03" * 4096, "binary"),
])
def test_what_is_not_a_text_log_is_one_input_error(source, message, kb):
    with pytest.raises(clawkb.InputError, match=message):
        clawkb.read_document(source, kb)


def test_nothing_known_names_the_closest_instead(kb):
    result = clawkb.diagnose_text("the weather was fine and the gateway answered every message", kb)
    assert result["diagnoses"] == [] and "closest" in result


def test_importing_clawkb_loads_no_engine_until_a_name_is_asked_for():
    code = "import sys, clawkb; print(any(m.startswith('clawkb.') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
