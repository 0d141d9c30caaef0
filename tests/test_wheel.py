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
    assert "site-packages" in subprocess.run([str(py), "-c", "import kb, clawkb_signatures; print(clawkb_signatures.__file__)"],
                                             cwd=elsewhere, capture_output=True, text=True).stdout
    scripts = subprocess.run([str(clawkb), "scripts", str(tmp_path / "scripts")], cwd=elsewhere, capture_output=True, text=True)
    assert scripts.returncode == 0 and len(list((tmp_path / "scripts").glob("openclaw-*.py"))) >= 4
