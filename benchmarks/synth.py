"""Synthetic signatures for growth measurements: N variants of the real ones.

Each keeps the real schema and shape (so validation, matching and page generation do the same work)
but gets its own id and distinctive made-up evidence, so it neither collides with nor matches the
real failures.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("quorum lattice ferrite obelisk murmur vellum cobalt tundra saffron gossamer basalt zephyr "
         "marrow cinder halcyon juniper lantern meridian nimbus orchid pylon quartz rampart sable").split()


def synthesize(n: int, dest: Path, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    real = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "signatures").glob("*.yaml"))]
    ids = [r["id"] for r in real]
    dest.mkdir(parents=True, exist_ok=True)
    for p in ids:  # keep the real ones: the set grows from the real set
        (dest / f"{p}.yaml").write_text((ROOT / "signatures" / f"{p}.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    out = []
    for i in range(n - len(real)):
        base = dict(real[i % len(real)])
        sid = f"synthetic-{i:04d}-{base['id']}"
        w = lambda k: " ".join(rng.choice(WORDS) for _ in range(k))
        base["id"] = sid
        base["title"] = f"Synthetic failure {i}: {w(3)}"
        base["related"] = [r for r in base.get("related", []) if r in ids]
        base["explains"] = [r for r in base.get("explains", []) if r in ids]
        token = f"zz{i:04d}"
        base["evidence"] = {
            "window": 30,
            "indicators": [
                {"id": "marker", "regex": f"{token} {rng.choice(WORDS)} failure", "weight": 0.6},
                {"id": "phrase", "phrase": f"{w(4)} {token} collapsed", "weight": 0.4},
                {"id": "support", "literal": f"{token}-detail", "weight": 0.3, "role": "support"},
            ],
            "negative": [{"id": "not", "literal": f"{token}-healthy", "weight": 0.9}],
        }
        base["examples"] = {"positive": [{"text": f"{token} {w(1)} failure\n{w(4)} {token} collapsed"}],
                            "negative": [{"text": f"{token}-healthy"}]}
        p = dest / f"{sid}.yaml"
        p.write_text("# yaml-language-server: $schema=./signature.schema.json\n" + yaml.safe_dump(base, sort_keys=False, allow_unicode=True), encoding="utf-8")
        out.append(p)
    return out


if __name__ == "__main__":
    synthesize(int(sys.argv[1]), Path(sys.argv[2]))
