"""Time `mkdocs build --strict` for the real signature set and for N synthetic signatures.

    python benchmarks/site_build.py [N]     (default 1000)
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import synthesize  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def build(signatures: Path) -> float:
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, CLAWKB_SIGNATURES=str(signatures), NO_MKDOCS_2_WARNING="1")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", out], cwd=ROOT, env=env, check=True)
        return time.perf_counter() - t0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    real = build(ROOT / "signatures")
    with tempfile.TemporaryDirectory() as d:
        synthesize(n, Path(d))
        big = build(Path(d))
    real_n = len(list((ROOT / "signatures").glob("*.yaml")))
    print(f"site build, real set ({real_n} signatures): {real:.1f} s")
    print(f"site build, {n} signatures: {big:.1f} s ({big / real:.1f}x the real set)")


if __name__ == "__main__":
    main()
