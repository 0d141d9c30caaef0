"""The `clawkb` console script: seeds `re`'s cache with the regexes clawkb's modules compile
(`kb.regex_store`), then runs the command (`kb.cli`). Imports nothing else of clawkb first."""
from __future__ import annotations

import sys


def entry() -> None:
    import os

    from .regex_store import remember, seed, store_path
    from .settings import SettingError, Settings

    try:
        settings = Settings.from_env(os.environ)  # read once, here, and passed down
    except SettingError as exc:
        print(f"clawkb: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    path = store_path(settings.cache_dir)
    seeded = seed(path)
    from . import cli  # compiles at import whatever was not seeded

    seeded |= remember(path, seeded)
    code = cli.main(settings=settings)
    # and what the command compiled on first use (the redactor's patterns), unless it read signature
    # files: building the knowledge base compiles every rule's regex, which the index keeps itself
    if "clawkb.kb.signatures" not in sys.modules:
        remember(path, seeded)
    cli.finish(code)
