"""`pip install .` into a fresh virtualenv gives a clawkb with every signature, run from elsewhere."""
import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_installed_wheel_ships_the_signatures(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(ROOT)], check=True, timeout=900, capture_output=True)
    clawkb = env_dir / "bin" / "clawkb"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    listing = subprocess.run([str(clawkb), "list"], cwd=elsewhere, capture_output=True, text=True, check=True)
    shipped = {line.split()[0] for line in listing.stdout.splitlines()}
    assert shipped == {p.stem for p in (ROOT / "signatures").glob("*.yaml")}
    sample = (ROOT / "examples" / "gateway-billing-lockout.log").read_bytes()
    p = subprocess.run([str(clawkb), "match", "--format", "json"], input=sample, cwd=elsewhere, capture_output=True)
    assert p.returncode == 0 and json.loads(p.stdout)["diagnoses"]
    # one package: the rooms and their data inside `clawkb`, nothing else at the top of site-packages
    where = subprocess.run([str(py), "-c", "import clawkb.signatures, clawkb.kb, clawkb.matcher, clawkb.site_templates as t; "
                            "print(clawkb.signatures.__file__); print(t.__file__)"],
                           cwd=elsewhere, capture_output=True, text=True, check=True).stdout.split()
    assert all("site-packages/clawkb/" in w for w in where), where
    site = Path(where[0]).parents[2]
    ours = {p.name for p in site.iterdir() if "clawkb" in p.name.lower() or p.name in ("matcher", "kb", "signatures", "site_templates")}
    assert {n for n in ours if not n.endswith((".dist-info", ".pth"))} == {"clawkb"}, ours
    scripts = subprocess.run([str(clawkb), "scripts", str(tmp_path / "scripts")], cwd=elsewhere, capture_output=True, text=True)
    assert scripts.returncode == 0 and len(list((tmp_path / "scripts").glob("openclaw-*.py"))) >= 4
