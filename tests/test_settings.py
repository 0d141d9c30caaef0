"""Settings: every variable clawkb reads, read once in kb/settings.py and passed down."""
import ast
import subprocess
import sys

import pytest
import yaml

from clawkb.kb.settings import DEFAULT_SITE_URL, VARIABLES, SettingError, Settings

from conftest import ROOT


def test_an_empty_environment_gives_the_defaults_and_the_users_cache():
    s = Settings.from_env({"HOME": "/home/ada"})
    assert s._replace(cache_dir=None) == Settings()
    assert s.cache_dir == "/home/ada/.cache/clawkb"
    assert Settings.from_env({"XDG_CACHE_HOME": "/x", "HOME": "/h"}).cache_dir == "/x/clawkb"


@pytest.mark.parametrize("env, field, value", [
    ({"CLAWKB_CACHE_DIR": "off"}, "cache_dir", None),
    ({"CLAWKB_CACHE_DIR": "/tmp/c"}, "cache_dir", "/tmp/c"),
    ({"CLAWKB_SITE_URL": "https://kb.example/x"}, "site_url", "https://kb.example/x/"),
    ({"CLAWKB_SCANNER": "grep"}, "scanner", "grep"),
    ({"CLAWKB_PROGRESS_MIN_BYTES": "1000"}, "progress_min_bytes", 1000),
    ({"CLAWKB_LABELS": "true"}, "gh_labels", True),
    ({"CLAWKB_TOKEN_IS_GITHUB_TOKEN": "false"}, "token_is_github_token", False),
    ({"CLAWKB_MIN_CONFIDENCE": "0.7"}, "gh_min_confidence", 0.7),
    ({"CLAWKB_MIN_CONFIDENCE": ""}, "gh_min_confidence", None),  # the Action's empty input is unset
    ({"NO_COLOR": "1"}, "colour", False),
    ({"TERM": "dumb"}, "colour", False),
    ({"TERM": "xterm-256color"}, "colour", True),
])
def test_each_variable_sets_its_field(env, field, value):
    assert getattr(Settings.from_env(env), field) == value


@pytest.mark.parametrize("env, message", [
    ({"CLAWKB_SCANNER": "fast"}, "CLAWKB_SCANNER: must be one of auto, hyperscan, grep, re, not 'fast'"),
    ({"CLAWKB_MIN_CONFIDENCE": "2"}, "CLAWKB_MIN_CONFIDENCE: must be between 0 and 1"),
    ({"CLAWKB_PROGRESS_MIN_BYTES": "lots"}, "CLAWKB_PROGRESS_MIN_BYTES: not a number of bytes: 'lots'"),
])
def test_a_value_clawkb_cannot_use_is_named_in_one_line(env, message):
    with pytest.raises(SettingError) as e:
        Settings.from_env(env)
    assert str(e.value) == message


def test_every_variable_sets_a_field_of_its_own():
    fields = [v.field for v in VARIABLES]
    assert len(set(fields)) == len(fields) and set(fields) <= set(Settings._fields) | {"colour"}
    assert all(v.help for v in VARIABLES)


def test_the_default_site_is_the_one_mkdocs_publishes():
    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)  # mkdocs.yml's !!python tags
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_Loader)
    assert config["site_url"].rstrip("/") + "/" == DEFAULT_SITE_URL


# the environment is read where a process starts (Settings.from_env(os.environ)); the repairs read
# OpenClaw's own variables (OPENCLAW_STATE_DIR, HOME, ...) as OpenClaw does, from a mapping they are given
STARTS = {"kb/launch.py", "kb/cli.py", "kb/diagnosis.py", "kb/build_similarity.py", "kb/site/mkdocs_hook.py"}
OPENCLAWS_OWN = {"kb/remedies/openclaw_state.py", "kb/remedies/gateway.py"}


def test_nothing_but_the_settings_reads_clawkbs_environment():
    for path in sorted((ROOT / "kb").rglob("*.py")) + sorted((ROOT / "matcher").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "kb/settings.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                parent_ok = rel in STARTS | OPENCLAWS_OWN
                assert parent_ok, f"{rel}:{node.lineno} reads the environment (use kb.settings)"
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("CLAWKB_"):
                assert rel in STARTS, f"{rel}:{node.lineno} names {node.value} (a Settings field instead)"
        if rel in STARTS:
            src = path.read_text(encoding="utf-8")
            assert src.count("os.environ") == src.count("Settings.from_env(os.environ)"), rel


def test_the_command_line_says_a_bad_variable_in_one_line():
    r = subprocess.run([sys.executable, "-m", "clawkb", "list"], capture_output=True, text=True, cwd=ROOT,
                       env={"PATH": "/usr/bin:/bin", "CLAWKB_SCANNER": "fast"})
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == "clawkb: CLAWKB_SCANNER: must be one of auto, hyperscan, grep, re, not 'fast'\n"


def test_a_library_caller_passes_its_own_settings(tmp_path):
    from clawkb.kb.compiled import load
    from clawkb.kb.diagnosis import diagnose_document, read_document

    settings = Settings(site_url="https://kb.internal/", cache_dir=str(tmp_path))
    kb = load(None, settings)
    doc = read_document((ROOT / "examples" / "gateway-billing-lockout.log").read_bytes(), kb, settings=settings)
    result = diagnose_document(doc, kb)
    assert result["diagnoses"] and all(d["url"].startswith("https://kb.internal/failures/") for d in result["diagnoses"])
    assert list(tmp_path.glob("kb-*.pickle"))  # and its cache is where it said
