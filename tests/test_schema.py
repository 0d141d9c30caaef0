"""Signature files are validated on load, with errors that name the file, the line and the field."""
import json
from pathlib import Path

import jsonschema
import pytest

from clawkb.kb.schema import SIGNATURE_SCHEMA, schema_json
from clawkb.kb.signatures import SourceError, load_kb, parse_signature

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "signatures" / "provider-wide-402-proxy.yaml").read_text(encoding="utf-8")


def broken(old, new):
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def error_of(text, name="provider-wide-402-proxy.yaml"):
    with pytest.raises(SourceError) as err:
        parse_signature(text, name)
    return err.value


def line_no(text, needle):
    return next(i for i, l in enumerate(text.splitlines(), 1) if needle in l)


def test_the_exported_schema_is_committed_and_current():
    committed = (ROOT / "signatures" / "signature.schema.json").read_text(encoding="utf-8")
    assert committed == schema_json(), "run: clawkb schema > signatures/signature.schema.json"
    jsonschema.Draft202012Validator.check_schema(SIGNATURE_SCHEMA)


def test_unknown_severity_names_line_and_field():
    text = broken("severity: high", "severity: apocalyptic")
    e = error_of(text)
    assert (e.line, e.field) == (line_no(text, "severity:"), "severity") and "apocalyptic" in e.message


def test_an_indicator_needs_exactly_one_pattern():
    text = broken("    - id: aggregator\n      regex:", "    - id: aggregator\n      phrase: litellm\n      regex:")
    e = error_of(text)
    assert e.field.startswith("evidence.indicators[") and e.line > 1


def test_backtracking_regex_is_refused():
    text = broken("regex: 'no available auth profile for \\S{1,120}", "regex: '(a+)+no available auth profile for \\S{1,120}")
    e = error_of(text)
    assert "regex rejected" in e.message and e.field.endswith(".regex")
    assert e.line == line_no(text, "(a+)+")


def test_bad_version_in_a_range():
    e = error_of(broken('{introduced: "0"}', '{introduced: "2026.4"}'))
    assert e.field.startswith("versions.ranges[0].events[0]")


def test_id_must_match_file_name():
    e = error_of(GOOD, "some-other-name.yaml")
    assert e.field == "id"


def test_invalid_yaml_is_located():
    e = error_of(GOOD + "\nexamples: [unclosed\n")
    assert e.line > 1 and "invalid YAML" in e.message


def test_errors_are_one_line():
    e = error_of(broken("severity: high", "severity: [1, 2]"))
    assert "\n" not in str(e)


def test_references_between_signatures_must_resolve(tmp_path):
    for f in (ROOT / "signatures").glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    p = tmp_path / "provider-wide-402-proxy.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("related: [stale-billing-disabled-until", "related: [no-such-failure"), encoding="utf-8")
    with pytest.raises(SourceError, match="unknown signature 'no-such-failure'"):
        load_kb(tmp_path)


def test_an_indicator_branch_without_a_word_is_refused():
    # large logs are read only where an anchor's words are: a branch of bare digits could match anywhere
    old = r"regex: '\blitellm\b|\baggregat\w{0,40}|"
    text = broken(old, r"regex: '\blitellm\b|[0-9]{6}|\baggregat\w{0,40}|")
    e = error_of(text)
    assert (e.line, e.field) == (line_no(text, "[0-9]{6}") - 1, "evidence.indicators[2]")  # its "- id:" line
    assert "prefiltering can look for" in e.message


def test_validate_collects_every_problem_and_the_loader_raises_the_first(tmp_path):
    from clawkb.kb.signatures import validate

    for f in (ROOT / "signatures").glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    a = tmp_path / "provider-wide-402-proxy.yaml"
    a.write_text(a.read_text(encoding="utf-8").replace("severity: high", "severity: [1, 2]", 1)
                 .replace("category:", "colour: red\ncategory:", 1), encoding="utf-8")
    b = tmp_path / "config-invalid.yaml"
    b.write_text(b.read_text(encoding="utf-8").replace("id: config-invalid", "id: config-broken", 1), encoding="utf-8")
    kb, problems = validate(tmp_path)
    assert kb is None
    assert {(p.path.rsplit("/", 1)[-1], p.field) for p in problems} >= {
        ("provider-wide-402-proxy.yaml", "severity"), ("provider-wide-402-proxy.yaml", ""), ("config-invalid.yaml", "id")}
    with pytest.raises(SourceError) as raised:
        load_kb(tmp_path)
    assert str(raised.value) == str(problems[0])


def test_a_value_cut_short_by_a_comment_is_refused():
    """YAML ends a plain value at ` #`: `title: ... fixed by #123` would load as `... fixed by`."""
    title = next(l for l in GOOD.splitlines() if l.startswith("title: "))
    text = broken(title, title + " (see #64224)")
    e = error_of(text)
    assert e.line == line_no(text, "(see #64224)") and "cut by a comment" in str(e) and "quote it" in str(e)
    parse_signature(broken(title, title + " (see openclaw#64224)"), "provider-wide-402-proxy.yaml")  # no space: fine
    parse_signature(broken(title, f'"{title[7:]} (see #64224)"'.join(["title: ", ""])), "provider-wide-402-proxy.yaml")


def test_fixed_needs_a_fixed_release_and_an_upgrade_step_names_one():
    """The verdict, the page and `clawkb fix` read the same ranges: a status or a step that names a
    release no range gives would contradict them."""
    text = GOOD.replace("  status: open", "  status: fixed", 1)
    e = error_of(text)
    assert e.field == "versions.status" and "needs a range with a fixed event" in str(e)
    cron = (ROOT / "signatures" / "cron-isolated-lane-deadlock.yaml").read_text(encoding="utf-8")
    step = 'title: "Upgrade to {{ fixed_in }} or later"'
    assert step in cron
    e = error_of(cron.replace(step, "title: Upgrade to 2026.3.13", 1), "cron-isolated-lane-deadlock.yaml")
    assert "'Upgrade to 2026.3.13' names a release by hand" in str(e)  # even a right one: derived, never typed
    e = error_of(cron.replace(step, "title: Upgrade OpenClaw", 1), "cron-isolated-lane-deadlock.yaml")
    assert "names `{{ fixed_in }}`" in str(e)


def test_an_alternative_step_is_marked_and_never_first():
    """'Or ...' steps are another way to do the step before: numbered lists then count steps, not options."""
    cron = (ROOT / "signatures" / "isolated-cron-extra-usage.yaml").read_text(encoding="utf-8")
    unmarked = cron.replace("  - title: Or route the model through the Claude CLI runtime\n    alternative: true\n",
                            "  - title: Or route the model through the Claude CLI runtime\n", 1)
    assert unmarked != cron
    e = error_of(unmarked, "isolated-cron-extra-usage.yaml")
    assert "mark it alternative: true" in str(e)
    first = cron.replace("  - title: Move the jobs to the main session\n", "  - title: Move the jobs to the main session\n    alternative: true\n", 1)
    assert "the first step cannot be an alternative" in str(error_of(first, "isolated-cron-extra-usage.yaml"))
