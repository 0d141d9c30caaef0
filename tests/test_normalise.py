import gzip
import json

import pytest

from clawkb.matcher import InputError, decode_bytes, normalise
from clawkb.matcher.normalise import fix_mojibake


def texts(raw):
    return [(l.no, l.text) for l in normalise(raw).lines]


def test_ansi_colour_and_crlf_are_removed_and_line_numbers_kept():
    raw = "first\r\n\x1b[31m2026-04-12T18:00:04Z [agent/embedded] error\x1b[0m\r\n"
    assert texts(raw) == [(1, "first"), (2, "2026-04-12T18:00:04Z [agent/embedded] error")]


def test_markdown_fences_and_quotes_go_but_the_lines_inside_stay():
    raw = "Here:\n\n> ```\n> reason=billing\n> ```\n"
    assert texts(raw) == [(1, "Here:"), (4, "reason=billing")]


def test_file_log_json_record_becomes_a_console_line():
    rec = {"0": json.dumps({"subsystem": "agent/embedded"}), "1": "embedded run agent end: isError=true",
           "_meta": {"logLevelName": "ERROR", "date": "2026-05-01T10:00:00.000Z"}, "time": "2026-05-01T10:00:00.000Z"}
    (line,) = normalise(json.dumps(rec)).lines
    assert line.text == "2026-05-01T10:00:00.000Z error [agent/embedded] embedded run agent end: isError=true"


def test_structured_event_keeps_its_fields_as_key_value():
    rec = {"event": "model_fallback_decision", "decision": "candidate_failed", "reason": "unknown"}
    (line,) = normalise(json.dumps(rec)).lines
    assert "decision=candidate_failed" in line.canon and "reason=unknown" in line.canon


def test_pretty_printed_json_pairs_read_as_key_value():
    (line,) = normalise('  "reason": "unknown",').lines
    assert line.canon == "reason=unknown,"


def test_json_escaped_string_is_split_into_its_lines():
    raw = '{"error":"first line\\nsecond \\"quoted\\" line"}'
    assert [l.text for l in normalise(raw).lines][-1] == 'second "quoted" line'


@pytest.mark.parametrize("raw, lines", [
    # npm on Windows prints paths as they are: `\n` of `\node_modules` is not a line break
    (r"npm error path C:\Users\me\AppData\Roaming\npm\node_modules\openclaw",
     [r"npm error path C:\Users\me\AppData\Roaming\npm\node_modules\openclaw"]),
    # the same path inside a JSON string is escaped: an escaped backslash starts no escape
    (r'{"msg":"EPERM C:\\Users\\me\\node_modules\nnext line"}', None),
    (r"first\nsecond", ["first", "second"]),
])
def test_a_windows_path_is_not_read_as_escaped_line_breaks(raw, lines):
    got = [l.text for l in normalise(raw).lines]
    if lines is None:
        assert any(r"C:\Users\me\node_modules" in t for t in got) and got[-1].endswith("next line")
    else:
        assert got == lines


@pytest.mark.parametrize("broken, fixed", [
    ("âš\u00a0ï¸\u008f Something went wrong", "⚠️ Something went wrong"),
    ("âš ï¸ Something went wrong", "⚠ Something went wrong"),  # NBSP pasted as space, 0x8f lost
    ("billing â€” top up", "billing — top up"),
    ("Youâ€™re out of extra usage", "You’re out of extra usage"),
    ("plain ascii stays", "plain ascii stays"),
    ("naïve café stays", "naïve café stays"),
])
def test_mojibake_is_repaired(broken, fixed):
    assert fix_mojibake(broken) == fixed


def test_terminal_hard_wrap_is_rejoined():
    line = "2026-04-12T18:02:11.140Z [model-fallback/decision] decision=skip_candidate detail=Provider anthropic has billing issue (skipping all models)"
    wrapped = "\n".join(line[i:i + 80] for i in range(0, len(line), 80))
    other = "x" * 80 + "\n" + "y" * 10  # a second wrapped line fixes the width
    out = normalise(wrapped + "\n" + other).lines
    assert out[0].text == line and out[0].no == 1


def test_indented_continuation_of_a_log_record_is_joined():
    raw = "cli terminal failure: provider=claude-cli durationMs=191534\n  error=Failed to authenticate. API Error: 401"
    (line,) = normalise(raw).lines
    assert line.text.endswith("error=Failed to authenticate. API Error: 401")


def test_volatile_values_are_masked_for_comparison_but_kept_for_display():
    (line,) = normalise("2026-04-12T18:00:04.920Z runId=8d0c55e1-3f2a-4b7e-9a11-0c2d4e6f8a90 durationMs=1547 status 402").lines
    assert "8d0c55e1" in line.text
    assert line.masked == "<ts> runid=<uuid> durationms=<num> status 402"


def test_gzip_is_read_transparently():
    from clawkb.kb.inputs import text_chunks

    assert b"".join(text_chunks([gzip.compress("reason=billing\n".encode())])) == b"reason=billing\n"


@pytest.mark.parametrize("data", [b"\x00\x01\x02\x03" * 100, bytes(range(256)) * 4])
def test_binary_input_is_refused_with_a_one_line_reason(data):
    from clawkb.kb.inputs import text_chunks

    with pytest.raises(InputError) as err:
        b"".join(text_chunks([data]))
    assert "\n" not in str(err.value)


def test_decode_bytes_reads_utf16_with_a_bom_and_utf8_junk_that_starts_like_one():
    text = "2026-05-01 error reason=billing \u2014 ok\n"
    assert decode_bytes(b"\xff\xfe" + text.encode("utf-16-le")) == text
    assert decode_bytes(b"\xfe\xff" + text.encode("utf-16-be")) == text
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode()) == text
    assert "reason=billing" in decode_bytes(b"\xff\xfe bad \xc3 bytes then reason=billing")


def test_invalid_utf8_is_read_without_losing_the_rest():
    assert "reason=billing" in decode_bytes(b"\xff\xfe bad \xc3 bytes then reason=billing")


def test_a_huge_line_is_cut_into_bounded_pieces():
    doc = normalise("a" * 100_000)
    assert max(len(l.text) for l in doc.lines) <= 8192 and all(l.no == 1 for l in doc.lines)


def test_of_a_line_too_long_to_be_a_log_line_only_the_ends_are_read_and_the_document_says_so():
    from clawkb.matcher.normalise import LONG_LINE_READ

    record = "2026-04-12T18:02:11Z [agent] profile failure state updated reason=billing "
    line = "HEAD " + record * 20_000 + " TAIL"  # 1.5 MB on one line: a JSON array of records, say
    doc = normalise(line)
    text = [l.text for l in doc.lines]
    assert text[0].startswith("HEAD") and text[-1].endswith("TAIL") and all(l.no == 1 for l in doc.lines)
    (note,) = [t for t in text if "characters of this line not read" in t]
    assert f"{len(line) - 2 * LONG_LINE_READ:,}" in note
    assert sum(len(t) for t in text) < 2 * LONG_LINE_READ + len(note) + 1


@pytest.mark.parametrize("edge", ["head", "tail"])
def test_a_secret_across_the_edge_of_what_is_read_is_redacted_whole(edge):
    from clawkb.matcher.normalise import LONG_LINE_READ

    secret = "sk-ant-api03-" + "FakeEdgeSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
    filler = "x " * LONG_LINE_READ
    if edge == "head":  # starts before the head's last character, ends after it
        line = "x" * (LONG_LINE_READ - 30) + " " + secret + " " + filler
    else:
        line = filler + " " + secret + " " + "x" * (LONG_LINE_READ - 30)
    text = "\n".join(l.text for l in normalise(line).lines)
    for part in (secret[13:], secret[13:40], secret[-25:]):
        assert part not in text


def test_provider_error_payload_keeps_its_nested_message():
    raw = '{"type":"error","error":{"type":"invalid_request_error","message":"You\'re out of extra usage."}}'
    (line,) = normalise(raw).lines
    assert "message=you're out of extra usage." in line.canon and "invalid_request_error" in line.canon


def test_a_whole_document_is_canonicalised_and_masked_as_each_line_alone_would_be():
    """`canonical_lines` and `mask_lines` work over the joined lines (a few substitutions per document):
    on every corpus line the same forms as line by line, and no pair or mask reaches into the next line."""
    from conftest import SHARED
    from clawkb.matcher.masks import mask, mask_lines
    from clawkb.matcher.normalise import canonical, canonical_lines, clean_lines

    crafted = ['"key":', '"value"', 'key:', '"v" 12:00:00', "am here", '"a": "x', 'y" "b": 1']
    assert canonical_lines(crafted) == [canonical(t) for t in crafted]
    assert mask_lines(canonical_lines(crafted)) == [mask(canonical(t)) for t in crafted]
    texts = [json.loads(line)["text"] for f in sorted((SHARED / "corpus").glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) > 300
    for text in texts:
        lines = [cleaned for _no, cleaned in clean_lines(text)]
        canons = canonical_lines(lines)
        assert canons == [canonical(t) for t in lines]
        assert mask_lines(canons) == [mask(t) for t in canons]


def test_lines_can_be_normalised_without_masks_for_checks_that_never_read_them():
    # the stream checks regex and literal anchors on candidate lines: only phrases read `masked`
    from clawkb.matcher.normalise import normalise_lines

    text = '2026-05-14T06:00:01.120Z [agent/embedded] embedded run agent end: runId=4c1d2a9e-77aa-4e0b-9c1f-3b2d1e0a8f11 isError=true\n{"0": "x", "1": "durationMs=27821"}'
    full, bare = normalise_lines(text), normalise_lines(text, masks=False)
    assert [(l.no, l.text, l.canon) for l in bare] == [(l.no, l.text, l.canon) for l in full]
    assert [l.masked for l in bare] == [l.canon for l in full] != [l.masked for l in full]
