"""clawkb's knowledge base: one YAML file per known OpenClaw failure (installed as `clawkb.signatures`)."""
