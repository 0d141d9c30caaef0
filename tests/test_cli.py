"""`clawkb` as users run it: a subprocess, real files, real exit codes."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "gateway-billing-lockout.log"


def clawkb(*args, stdin=None, env=None, cwd=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "clawkb", *map(str, args)], input=stdin, capture_output=True,
                          env=e, cwd=cwd or ROOT, timeout=300)


def records(proc):
    return [json.loads(l) for l in proc.stdout.decode().splitlines() if l.strip()]


def test_json_lines_one_object_per_input_best_first():
    p = clawkb("match", "--format", "json", SAMPLE)
    assert p.returncode == 0, p.stderr
    (rec,) = records(p)
    assert rec["input"] == str(SAMPLE) and rec["openclaw_version"] == "2026.4.12"
    first = rec["diagnoses"][0]
    assert {"id", "title", "confidence", "evidence", "url"} <= set(first)
    assert first["id"] == "isolated-cron-extra-usage"  # the root cause before the lockout it caused
    assert all(0 <= d["confidence"] <= 1 for d in rec["diagnoses"])
    skip = next(d for d in rec["diagnoses"] if d["id"] == "billing-cooldown-skip-generic-error")
    assert skip["version"]["status"] == "fixed-later" and skip["version"]["fixed_in"] == "2026.5.12"  # fixes both ranges
    assert skip["url"].endswith("/failures/billing-cooldown-skip-generic-error/")


def test_evidence_lines_are_numbered_as_in_the_input():
    (rec,) = records(clawkb("match", "--format", "json", SAMPLE))
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    for d in rec["diagnoses"]:
        for e in d["evidence"]:
            assert e["text"][:40] in lines[e["line"] - 1]


def test_stdin_is_dash():
    p = clawkb("match", "--format", "json", stdin=SAMPLE.read_bytes())
    assert p.returncode == 0 and records(p)[0]["input"] == "-"


def test_nothing_found_exits_1_and_says_what_to_collect():
    p = clawkb("match", stdin=b"2026-05-01T10:00:00Z [gateway] listening on ws://127.0.0.1:18789\n")
    assert p.returncode == 1
    out = p.stdout.decode()
    assert "no known failure found" in out and "openclaw models status" in out and "openclaw --version" in out


def test_near_miss_names_the_closest_signatures():
    p = clawkb("match", "--format", "json", stdin=b"409 Conflict\n")  # one weak sign, nothing more
    (rec,) = records(p)
    assert rec["diagnoses"] == [] and rec["closest"][0]["id"] == "telegram-409-getupdates-conflict"
    assert rec["closest"][0]["confidence"] < 0.5  # on the same calibrated scale as what is reported


def test_text_has_no_colour_when_piped_and_markdown_links_the_page():
    text = clawkb("match", SAMPLE).stdout.decode()
    assert "\x1b[" not in text and "confidence" in text
    md = clawkb("match", "--format", "markdown", SAMPLE).stdout.decode()
    assert "](https://" in md and "/failures/isolated-cron-extra-usage/" in md


def test_several_files_and_a_directory(tmp_path):
    (tmp_path / "a.log").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("all good\n")
    (tmp_path / "ignored.png").write_bytes(b"\x89PNG")
    recs = records(clawkb("match", "--format", "json", tmp_path))
    assert sorted(Path(r["input"]).name for r in recs) == ["a.log", "b.txt"]


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xff\xfe\xfd invalid utf-8 \x80\x81 nothing known"])
def test_empty_or_invalid_utf8_is_a_clean_no_diagnosis(tmp_path, content):
    f = tmp_path / "in.log"
    f.write_bytes(content)
    p = clawkb("match", f)
    assert p.returncode == 1 and b"Traceback" not in p.stderr


def test_binary_input_is_a_one_line_error(tmp_path):
    f = tmp_path / "core.bin"
    f.write_bytes(bytes(range(256)) * 64)
    p = clawkb("match", f)
    err = p.stderr.decode().strip()
    assert p.returncode == 2 and "\n" not in err and "binary" in err and "Traceback" not in err


def test_missing_file_is_a_one_line_error():
    p = clawkb("match", "/nonexistent/openclaw.log")
    assert p.returncode == 2 and p.stderr.decode().strip() == "clawkb: /nonexistent/openclaw.log: no such file"


def test_a_50_mb_line_without_newline(tmp_path):
    f = tmp_path / "one-line.log"
    f.write_bytes(b"x" * (50 * 1024 * 1024))
    p = clawkb("match", "--format", "json", f)
    assert p.returncode == 1 and records(p)[0]["diagnoses"] == [] and not p.stderr


def test_a_malformed_signature_file_is_a_located_one_line_error(tmp_path):
    for f in (ROOT / "signatures").glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    bad = tmp_path / "provider-wide-402-proxy.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("severity: high", "severity: apocalyptic"), encoding="utf-8")
    for cmd in (["match", SAMPLE], ["validate"], ["list"]):
        p = clawkb("--signatures", tmp_path, *cmd)
        err = p.stderr.decode().strip().splitlines()
        assert p.returncode in (1, 2) and "Traceback" not in p.stderr.decode()
        assert any("provider-wide-402-proxy.yaml:" in l and "severity" in l for l in err)


def test_bad_usage_exits_2():
    assert clawkb("match", "--min-confidence", "7").returncode == 2
    assert clawkb("show", "no-such-id").returncode == 2


def test_list_show_validate_and_test():
    assert clawkb("validate").returncode == 0
    listing = clawkb("list").stdout.decode()
    assert "stale-billing-disabled-until" in listing
    show = clawkb("show", "stale-billing-disabled-until").stdout.decode()
    assert "## Fix" in show and "openclaw models auth login --provider anthropic" in show
    t = clawkb("test")
    assert t.returncode == 0 and "0 failed" in t.stdout.decode()


def test_no_secret_leaves_the_process(tmp_path):
    secret = "sk-ant-oat01-" + "Q" * 60
    f = tmp_path / "leak.log"
    f.write_text(SAMPLE.read_text(encoding="utf-8") + f"\nanthropic:manual token {secret} has billing issue\n")
    for fmt in ("json", "text", "markdown"):
        out = clawkb("match", "--format", fmt, f).stdout.decode()
        assert secret not in out and "Q" * 20 not in out


def test_validate_points_at_a_broken_template_in_a_fix_command(tmp_path):
    sigs = tmp_path / "signatures"
    shutil.copytree(ROOT / "signatures", sigs)
    path = sigs / "provider-wide-402-proxy.yaml"
    text = path.read_text(encoding="utf-8")
    good = '--provider {{ provider | default("litellm") }}'
    path.write_text(text.replace(good, "--provider {{ provider | default( }}", 1), encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if good in l)
    proc = clawkb("--signatures", sigs, "validate")
    assert proc.returncode != 0
    err = proc.stderr.decode()
    assert f"provider-wide-402-proxy.yaml:{line}: fix[" in err and "].commands[0]: template error" in err
    assert "1 problem(s) in 1 file(s)" in err  # the signatures that refer to it are not wrong too


# --------------------------------------------------------------------------- as grep and ripgrep users expect

def said(*args, **kwargs):
    """`clawkb(...)` with its output as text."""
    p = clawkb(*args, **kwargs)
    return subprocess.CompletedProcess(p.args, p.returncode, p.stdout.decode(), p.stderr.decode())


def test_version_and_python_dash_m():
    p = said("--version")
    assert p.returncode == 0 and p.stdout.startswith("clawkb ") and p.stdout.split()[1][0].isdigit()


@pytest.mark.parametrize("argv, says", [
    (["bogus"], "invalid choice: 'bogus'"),
    (["match", "--max-evidence", "0", "x"], "--max-evidence: must be at least 1"),
    (["match", "--format", "yaml"], "--format: invalid choice"),
    (["show"], "the following arguments are required: ID"),
])
def test_a_usage_error_is_one_line_and_exit_2(argv, says):
    p = said(*argv)
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("clawkb: ") and says in lines[0], p.stderr


def test_global_options_work_after_the_command_too(tmp_path):
    before = said("--signatures", ROOT / "signatures", "match", "--format", "json", SAMPLE)
    after = said("match", "--signatures", ROOT / "signatures", "--format", "json", SAMPLE)
    assert before.returncode == after.returncode == 0 and before.stdout == after.stdout
    empty = tmp_path / "none"
    empty.mkdir()
    p = said("list", "--signatures", empty)  # the option is read where it stands
    assert p.returncode == 2 and "signature" in p.stderr.lower()


@pytest.mark.parametrize("mode, coloured", [("always", True), ("never", False), ("auto", False)])
def test_color_always_never_auto(mode, coloured):
    p = said("match", "--color", mode, SAMPLE)  # stdout is a pipe here: auto means none
    assert ("\x1b[" in p.stdout) is coloured


def test_every_command_says_what_it_does_with_examples_and_every_option_has_help():
    from clawkb.kb.cli import _COMMANDS, build_parser

    for name in _COMMANDS:
        parser = build_parser(name)
        sub = next(a for a in parser._actions if a.dest == "command").choices[name]
        assert sub.description and len(sub.description) > 20, name
        examples = sub.epilog.split("\n\n")[0].splitlines()[1:]
        assert len([e for e in examples if e.startswith("  ") and not e.startswith("      ")]) >= 2, name
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, (name, action.dest)
    assert "examples:" in said("match", "--help").stdout


def test_help_topics_name_every_variable_and_exit_code():
    from clawkb.kb.settings import VARIABLES

    env = said("help", "environment").stdout
    assert all(v.name in env for v in VARIABLES if not v.name.startswith("_"))
    assert "1 none was" in said("help", "exit-codes").stdout
    assert said("help", "match").stdout == said("match", "--help").stdout
    p = said("help", "nothing")
    assert p.returncode == 2 and p.stderr.startswith("clawkb: no help topic")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_scripts(shell):
    p = said("completion", shell)
    assert p.returncode == 0 and "clawkb" in p.stdout and "_ARGCOMPLETE" in p.stdout


def test_bash_completion_completes_commands_and_options():
    def complete(line):  # as the shell hook asks: the answer on fd 8
        env = dict(os.environ, _ARGCOMPLETE="1", COMP_LINE=line, COMP_POINT=str(len(line)), _ARGCOMPLETE_IFS="\n")
        p = subprocess.run(["bash", "-c", f"{sys.executable} -m clawkb 8>&1 9>&2 1>/dev/null 2>/dev/null"], env=env,
                           capture_output=True, text=True, timeout=60, cwd=ROOT)
        return p.stdout.split()

    assert "match" in complete("clawkb mat")
    assert "--max-evidence" in complete("clawkb match --max")


def test_the_commands_a_report_asks_for_are_valid_shell(tmp_path):
    healthy = said("match", ROOT / "examples" / "healthy-gateway.log")
    commands = [line.strip()[2:] for line in healthy.stdout.splitlines() if line.strip().startswith("$ ")]
    assert commands
    for c in commands:
        assert subprocess.run(["bash", "-n", "-c", c]).returncode == 0, c


def test_state_evidence_is_placed_by_its_file_not_line_0():
    from clawkb.kb.output import evidence_place

    assert evidence_place({"line": 12, "text": "x"}) == "12"
    assert evidence_place({"line": 0, "file": "agents/main/agent/auth-state.json", "text": "x"}) == \
        "agents/main/agent/auth-state.json"


def test_clawkb_test_and_the_why_lines_fit_the_terminal(kb):
    from clawkb.kb.selftest import run_examples, summary

    results = run_examples(kb)
    for width in (60, 100):
        assert max(len(line) for line in summary(results, True, width=width).splitlines()) <= width
    text = said("match", SAMPLE).stdout
    why = text.split("   why:\n", 1)[1].split("   fix:", 1)[0]
    assert max(len(line) for line in why.splitlines()) <= 100  # a pipe: 100 columns
