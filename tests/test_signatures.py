"""Every signature's own examples, as `clawkb test` runs them, and the rules every signature keeps."""
import re

import pytest

from clawkb.kb.selftest import run_examples

SEED = ["billing-misclassified-as-format", "billing-cooldown-skip-generic-error", "stale-billing-disabled-until",
        "isolated-cron-extra-usage", "provider-wide-402-proxy", "stale-oauth-profile-poisons-provider"]


def test_the_six_seed_signatures_exist(kb):
    assert set(SEED) <= set(kb.ids)


def test_every_example_passes(kb):
    failures = [f"{r.signature} {r.kind}[{r.index}]: {r.message}" for r in run_examples(kb) if not r.ok]
    assert not failures, "\n".join(failures)


def test_every_signature_cites_upstream_evidence(kb):
    for sig in kb.signatures:
        urls = [r["url"] for r in sig.references]
        assert any(re.match(r"https://github\.com/openclaw/openclaw/(issues|pull)/\d+", u) for u in urls), sig.id
        assert sig.examples["positive"] and sig.examples["negative"], sig.id


def test_every_signature_has_a_version_story(kb):
    for sig in kb.signatures:
        assert sig.versions["ranges"], sig.id
        for rng in sig.versions["ranges"]:
            assert "introduced" in rng["events"][0]
