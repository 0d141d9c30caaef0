import pytest

from clawkb.matcher import VersionRange, normalise, parse_version, verdict
from clawkb.matcher.versions import VersionError, in_range


def test_calendar_versions_order_betas_before_release_and_republishes_after():
    ordered = ["2026.3.28", "2026.4.7-beta.1", "2026.4.7-beta.2", "2026.4.7", "2026.4.7-1", "2026.4.7-2",
               "2026.4.8", "2026.4.15", "2026.10.1"]
    assert sorted(ordered, key=parse_version) == ordered


@pytest.mark.parametrize("bad", ["2026.13.1", "26.4.1", "2026.4", "latest", "2026.4.7-beta"])
def test_not_a_version(bad):
    with pytest.raises(VersionError):
        parse_version(bad)


def test_osv_range_fixed_is_exclusive_and_last_affected_inclusive():
    fixed = VersionRange((("introduced", "2026.4.1"), ("fixed", "2026.4.15")))
    assert in_range("2026.4.1", fixed) and in_range("2026.4.14-2", fixed)
    assert in_range("2026.4.15-beta.1", fixed)  # a beta of the fixing release comes before it
    assert not in_range("2026.4.15", fixed) and not in_range("2026.3.31", fixed)
    last = VersionRange((("introduced", "0"), ("last_affected", "2026.5.7")))
    assert in_range("2026.5.7", last) and not in_range("2026.5.7-1", last)


def test_verdicts_say_what_the_users_version_means():
    ranges = [VersionRange((("introduced", "2026.4.1"), ("fixed", "2026.4.15")))]
    assert verdict("2026.4.9", ranges).status == "fixed-later"
    assert verdict("2026.4.9", ranges).fixed_in == "2026.4.15"
    assert verdict("2026.5.1", ranges).status == "fixed-before"
    assert verdict("2026.3.1", ranges).status == "not-introduced"
    assert verdict("2026.5.1", [VersionRange((("introduced", "0"),))]).status == "affected"
    assert verdict("2026.5.1", []).status == "unknown"


@pytest.mark.parametrize("text, version", [
    ("🦞 OpenClaw 2026.4.9 (0512059) — I speak fluent bash", "2026.4.9"),
    ("### OpenClaw version\n\n2026.8.1 (ea80657)\n\n### Operating system", "2026.8.1"),
    ("- OpenClaw version: `2026.6.5`, build `5181e4f`", "2026.6.5"),
    ("npm install -g openclaw@2026.3.8", "2026.3.8"),
    ("Gateway v2026.7.1-2, provider commandcode", "2026.7.1-2"),
    ("Upgrade 2026.7.1-2 -> 2026.8.1-beta.2 in Docker", None),  # two versions, no label: undecided
    ("2026-03-17T00:09:56.734+03:00 [diagnostic] lane task error", None),  # a date is not a version
])
def test_the_openclaw_version_a_paste_names(text, version):
    assert normalise(text).openclaw_version == version


@pytest.mark.parametrize("version, floor, expected", [
    ("2026.10.2", "2026.10.1", True),
    ("OpenClaw 2026.10.2", "2026.10.1", None),     # not a version at the start: no answer, not a guess
    ("2026.10.2 (a1b2c3d)", "2026.10.2", True),     # `openclaw --version` may print the build after it
    ("v2026.4.7-beta.2", "2026.4.7", False),        # a pre-release comes before its release
    ("2026.4.7-1", "2026.4.7", True),               # a republish comes after it
    ("2026.4.7-beta.1", "2026.4.7-alpha.3", True),
    ("2026.13.1", "2026.4.7", None),                # no month 13
    (None, "2026.4.7", None),
])
def test_one_grammar_compares_versions_for_the_repairs_too(version, floor, expected):
    # the repair scripts inline matcher/calver.py: the same grammar and order as the matcher's
    from clawkb.matcher.calver import version_at_least

    assert version_at_least(version, floor) is expected


def test_every_pattern_naming_a_version_embeds_the_one_grammar():
    import re

    from clawkb.kb.schema import VERSION_PATTERN
    from clawkb.matcher.calver import SCAN_PREFIX, VERSION

    for v in ("2026.4.7", "2026.4.7-beta.2", "2026.4.7-rc1", "2026.4.7-12"):
        assert re.fullmatch(VERSION, v) and re.fullmatch(VERSION_PATTERN, v) and re.match(SCAN_PREFIX, v.encode())
    assert VERSION in VERSION_PATTERN


@pytest.mark.parametrize("version, status, fixed_in", [
    ("2026.4.5", "fixed-later", "2026.5.12"),   # in both ranges: the release that fixes both
    ("2026.5.1", "fixed-later", "2026.5.12"),   # past the first fix, before the second
    ("2026.3.30", "fixed-later", "2026.5.12"),
    ("2026.6.2", "fixed-before", "2026.5.12"),
])
def test_a_version_in_two_ranges_is_told_the_release_that_fixes_both(version, status, fixed_in):
    two = [VersionRange((("introduced", "2026.4.1"), ("fixed", "2026.4.15"))),
           VersionRange((("introduced", "2026.3.28"), ("fixed", "2026.5.12")))]
    got = verdict(version, two)
    assert (got.status, got.fixed_in) == (status, fixed_in)


@pytest.mark.parametrize("version, upgrade", [
    (None, "Upgrade to 2026.5.12 or later"),     # the page: the latest fix
    ("2026.5.1", "Upgrade to 2026.5.12 or later"),
    ("2026.4.5", "Upgrade to 2026.5.12 or later"),
    ("2026.6.2", None),                          # already has it: no upgrade step naming a version it runs
])
def test_the_upgrade_step_agrees_with_the_verdict(kb, version, upgrade):
    from clawkb.kb.report import fix_steps, verdict_message

    sig = kb.get("billing-cooldown-skip-generic-error")
    titles = [s["title"] for s in fix_steps(sig, {}, version)]
    upgrades = [t for t in titles if t.startswith("Upgrade")]
    assert upgrades == ([upgrade] if upgrade else [])
    if version:
        message = verdict_message(verdict(version, sig.version_ranges()), sig)
        if upgrade:
            assert upgrade.split()[2] in message


def test_an_upgrade_steps_alternative_goes_with_it(kb):
    from clawkb.kb.report import fix_steps

    sig = kb.get("cron-isolated-lane-deadlock")
    assert any(s.get("alternative") for s in fix_steps(sig, {}, "2026.3.8"))  # "Or go back to 2026.3.7"
    assert fix_steps(sig, {}, "2026.3.8")[0]["title"] == "Upgrade to 2026.3.13 or later"
    assert not any("go back" in s["title"] for s in fix_steps(sig, {}, "2026.4.1"))


def test_a_log_spanning_an_upgrade_is_judged_by_the_version_where_the_failure_occurs(kb):
    from clawkb.kb.diagnosis import diagnose_text

    failure = ("{t} [model-fallback] model fallback decision: decision=skip_candidate requested=anthropic/claude-sonnet-4-6 "
               "candidate=anthropic/claude-sonnet-4-6 reason=billing next=none detail=Provider anthropic has billing "
               "issue (skipping all models)\n{t} Embedded agent failed before reply: All models failed (1): "
               "anthropic/claude-sonnet-4-6: Provider anthropic has billing issue (skipping all models) (billing)\n")
    before = "2026-05-01T09:00:00.000Z [gateway] OpenClaw 2026.4.5 starting\n"
    after = "2026-05-20T09:00:00.000Z [gateway] OpenClaw 2026.6.2 starting\n"
    # upgraded after the failure: judged by 2026.4.5, so upgrading is the advice
    early = diagnose_text(before + failure.format(t="2026-05-02T10:00:00.000Z") + after, kb)
    d = next(d for d in early["diagnoses"] if d["id"] == "billing-cooldown-skip-generic-error")
    assert d["version"]["openclaw"] == "2026.4.5" and d["version"]["status"] == "fixed-later"
    assert early["openclaw_version"] == "2026.4.5"
    # the failure happens again on the new version: judged by 2026.6.2
    late = diagnose_text(before + after + failure.format(t="2026-05-21T10:00:00.000Z"), kb)
    d = next(d for d in late["diagnoses"] if d["id"] == "billing-cooldown-skip-generic-error")
    assert d["version"]["openclaw"] == "2026.6.2" and d["version"]["status"] == "fixed-before"
    assert late["diagnoses"][0]["id"] == "stale-billing-disabled-until"  # what 2026.6.2 still has ranks first
