"""`python -m clawkb ...`: the same entry point as the `clawkb` console script."""
from clawkb.kb.launch import entry

entry()
