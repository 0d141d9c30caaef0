"""The `clawkb` console script: seeds `re`'s cache with the regexes importing the command compiles
(`kb.regex_store`), then runs the command (`kb.cli`). Imports nothing else of clawkb first."""
from __future__ import annotations


def entry() -> None:
    from .cachedir import cache_dir
    from .regex_store import remember, seed, store_path

    path = store_path(cache_dir())
    seeded = seed(path)
    from . import cli  # compiles at import whatever was not seeded

    remember(path, seeded)
    cli.entry()
