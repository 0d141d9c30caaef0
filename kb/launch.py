"""The `clawkb` console script: seeds `re`'s cache with the regexes clawkb's modules compile
(`kb.regex_store`), then runs the command (`kb.cli`). Imports nothing else of clawkb first."""
from __future__ import annotations

import sys


def entry() -> None:
    from .cachedir import cache_dir
    from .regex_store import remember, seed, store_path

    path = store_path(cache_dir())
    seeded = seed(path)
    from . import cli  # compiles at import whatever was not seeded

    seeded |= remember(path, seeded)
    code = cli.main()
    # and what the command compiled on first use (the redactor's patterns), unless it read signature
    # files: building the knowledge base compiles every rule's regex, which the index keeps itself
    if "clawkb.kb.signatures" not in sys.modules:
        remember(path, seeded)
    cli.finish(code)
