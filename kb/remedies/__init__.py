"""Safe repairs of OpenClaw's local state: `clawkb doctor`, `clawkb fix` and the standalone scripts.

`openclaw_state` and `repairs` use the standard library only, so that `bundle` can build one
self-contained script per repair from this same code.
"""
