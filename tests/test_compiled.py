"""The compiled knowledge base store: what `clawkb match` loads instead of parsing YAML every run."""
import os
import shutil
import subprocess
import sys
from itertools import combinations

import pytest

from clawkb.kb import compiled
from clawkb.kb.settings import Settings
from clawkb.kb.texts import Text, _render_dynamic, prepare
from clawkb.matcher import diagnose, normalise

from conftest import ROOT

PASTE = (ROOT / "examples" / "gateway-billing-lockout.log").read_text()


def _ids(kb):
    return [(d.id, d.confidence) for d in diagnose(normalise(PASTE), kb.index())]


def test_a_stored_knowledge_base_diagnoses_as_the_signature_files_do(tmp_path, kb):
    st = Settings(cache_dir=str(tmp_path / "cache"))
    first = compiled.load(ROOT / "signatures", st)  # built and stored
    assert list((tmp_path / "cache").glob("kb-*.pickle"))
    second = compiled.load(ROOT / "signatures", st)  # read back
    assert first is not second
    assert _ids(second) == _ids(first) == _ids(kb)
    assert second.ids == kb.ids


def test_a_stored_index_loads_only_the_rules_whose_anchors_the_paste_meets(tmp_path, kb):
    st = Settings(cache_dir=str(tmp_path / "cache"))
    compiled.load(ROOT / "signatures", st)
    index = compiled.load(ROOT / "signatures", st).index()  # read back: rules not yet loaded
    assert _ids_of(index) == _ids(kb)
    loaded = [i for i, r in enumerate(index.rules._rules) if r is not None]
    assert 0 < len(loaded) < len(index.rules) // 2
    assert {index.ids[i] for i in loaded} >= {d for d, _c in _ids(kb)}
    assert [r.rule.id for r in index.rules] == list(index.ids)  # and the rest load when asked for


def _ids_of(index):
    return [(d.id, d.confidence) for d in diagnose(normalise(PASTE), index)]


def test_editing_a_signature_rebuilds_the_store(tmp_path):
    st = Settings(cache_dir=str(tmp_path / "cache"))
    sigs = tmp_path / "sigs"
    shutil.copytree(ROOT / "signatures", sigs)
    before = compiled.load(sigs, st)
    victim = sigs / f"{before.ids[0]}.yaml"
    text = victim.read_text()
    old_title = before.get(before.ids[0]).title
    victim.write_text(text.replace(f"title: {old_title}", "title: Retitled for the test", 1)
                      if f"title: {old_title}" in text else text.replace("title:", "title: Retitled for the test #", 1))
    after = compiled.load(sigs, st)
    assert after.get(before.ids[0]).title.startswith("Retitled for the test")
    referenced = {r for sig in before.signatures for r in sig.data.get("related", []) + sig.data.get("explains", [])}
    gone = next(i for i in before.ids[1:] if i not in referenced)  # one no other signature names
    (sigs / f"{gone}.yaml").unlink()
    assert gone not in compiled.load(sigs, st).ids


def test_a_corrupt_or_unwritable_store_only_costs_time(tmp_path):
    cache = tmp_path / "cache"
    st = Settings(cache_dir=str(cache))
    compiled.load(ROOT / "signatures", st)
    for f in cache.glob("kb-*.pickle"):
        f.write_bytes(b"\x80\x05garbage")
    assert _ids(compiled.load(ROOT / "signatures", st))
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    st = Settings(cache_dir=str(blocker / "cache"))
    assert _ids(compiled.load(ROOT / "signatures", st))
    st = Settings()  # no cache directory: built in memory
    assert _ids(compiled.load(ROOT / "signatures", st))


def test_a_bad_signature_is_reported_not_stored(tmp_path):
    from clawkb.kb.signatures import SourceError

    st = Settings(cache_dir=str(tmp_path / "cache"))
    sigs = tmp_path / "sigs"
    shutil.copytree(ROOT / "signatures", sigs)
    (sigs / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n")
    with pytest.raises(SourceError):
        compiled.load(sigs, st)
    with pytest.raises(SourceError):  # and again: nothing half-built was kept
        compiled.load(sigs, st)


def test_matching_from_the_store_imports_no_yaml_schema_template_engine_json_or_similarity_layer(tmp_path):
    env = {**os.environ, "CLAWKB_CACHE_DIR": str(tmp_path / "cache")}
    code = ("import sys; from clawkb.kb.cli import main; rc = main(['match', sys.argv[1]]); "
            "print(sorted(m for m in ('yaml', 'jsonschema', 'jinja2', 'clawkb.kb.signatures', 'json', 'clawkb.matcher.similarity') "
            "if m in sys.modules))")
    args = [sys.executable, "-c", code, str(ROOT / "examples" / "gateway-billing-lockout.log")]
    subprocess.run(args, env=env, check=True, capture_output=True)  # builds the store
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("source, values, expected", [
    ("Plain text.", {}, "Plain text."),
    ("Key {{ provider }}.", {"provider": "openai"}, "Key openai."),
    ("Key {{ provider | default('anthropic') }}.", {}, "Key anthropic."),
    ("{% if model %}Model {{ model }}.{% endif %} Done.", {}, "Done."),
    ("{% if model %}Model {{ model }}.{% endif %} Done.", {"model": "gpt-5"}, "Model gpt-5. Done."),
])
def test_a_prepared_text_renders_as_jinja2_does(source, values, expected):
    t = prepare(source)
    assert t.forms is not None
    assert t.render(values) == expected == _render_dynamic(source, values)


def test_a_text_that_looks_at_values_is_left_to_jinja2():
    t = prepare("{% if provider == 'openai' %}OpenAI{% else %}other{% endif %}")
    assert t.forms is None
    assert t.render({"provider": "openai"}) == "OpenAI"
    assert prepare("{{ provider | upper }}").render({"provider": "x"}) == "X"


def test_every_signature_text_renders_as_jinja2_would_for_any_captured_values(kb):
    for sig in kb.signatures:
        names = [c for c in sig.evidence.get("captures", {})]
        for source in sig.template_sources():
            t: Text = prepare(source)
            for k in range(len(names) + 1):
                for present in combinations(names, k):
                    values = {n: f"v-{n}.1" for n in present}
                    assert t.render(values) == _render_dynamic(source, values), (sig.id, source[:60], present)
