"""The regexes that importing clawkb compiles, kept compiled between runs.

Importing the command compiles some fifty regexes at module level, clawkb's own (normalisation,
masks, versions, redaction) and the standard library's (argparse's gettext and locale): about a
fifth of what a pasted log costs. `seed` puts them into `re`'s own cache, rebuilt from their stored
programs (`matcher.regex_code`), before those modules are imported, so their `re.compile` calls
find them there; `remember` stores what a run compiled that was not stored yet.

`re`'s cache (`re._cache`, keyed by pattern type, text and flags: CPython 3.11 to 3.13) is internal;
where it is not a dict, or a program does not rebuild, nothing is seeded and `re` compiles as it
always does. The file is marshal data (it cannot run code), read only when it is the user's own
and writable by no one else, and named for the interpreter and the regex engine it was made by.
"""
from __future__ import annotations

import marshal
import os
import re
import sys
from typing import Optional

from .cachedir import atomic_write, open_own


def _regex_code():
    """`matcher.regex_code`, loaded without importing the `matcher` package (whose modules compile
    the very regexes to be seeded): it is a module of its own, with no imports from the package."""
    module = sys.modules.get("clawkb.matcher.regex_code")
    if module is None:
        import importlib.util

        package = importlib.util.find_spec("clawkb.matcher")
        where = [os.path.join(d, "regex_code.py") for d in (package.submodule_search_locations or ())] if package else []
        spec = importlib.util.spec_from_file_location("clawkb.matcher.regex_code", where[0]) if where else None
        if spec is None or spec.loader is None:
            raise ImportError("clawkb.matcher.regex_code")
        module = importlib.util.module_from_spec(spec)
        sys.modules["clawkb.matcher.regex_code"] = module
        spec.loader.exec_module(module)
    return module

MAX_ENTRIES = 400  # far more than importing clawkb compiles; bounds the file whatever happens


def store_path(directory: Optional[str]) -> Optional[str]:
    if directory is None:
        return None
    try:
        import _sre

        engine = f"{_sre.MAGIC}-{_sre.CODESIZE}"
    except (ImportError, AttributeError):
        return None
    return os.path.join(directory, f"re-{sys.implementation.cache_tag}-{engine}.marshal")


def _cache() -> Optional[dict]:
    cache = getattr(re, "_cache", None)
    return cache if isinstance(cache, dict) else None


def _read(path: str) -> dict:
    fh = open_own(path)
    if fh is None:
        return {}
    try:
        with fh:
            data = marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def seed(path: Optional[str]) -> frozenset:
    """Put the stored regexes into `re`'s cache; the keys of the store (seeded, or in the cache already)."""
    cache = _cache()
    if path is None or cache is None:
        return frozenset()
    try:
        code_module = _regex_code()
    except ImportError:
        return frozenset()
    seeded = set()
    for key, code in _read(path).items():
        if not (isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], str) and isinstance(key[1], int)):
            continue
        pattern, flags = key
        if (str, pattern, flags) in cache:  # compiled already (the console script's own re.sub): stored
            seeded.add((pattern, flags))
            continue
        rx = code_module.rebuild(pattern, flags, code)
        if rx is not None:
            cache[str, pattern, flags] = rx
        seeded.add((pattern, flags))  # stored either way: one that does not rebuild is not stored again every run
    return frozenset(seeded)


def remember(path: Optional[str], seeded: frozenset) -> frozenset:
    """Store the regexes in `re`'s cache that were not seeded from the store (what this run compiled),
    with those that were; the keys added. Nothing is written when nothing is new."""
    cache = _cache()
    if path is None or cache is None:
        return frozenset()
    capture = _regex_code().capture
    new = {}
    for key in list(cache):
        if isinstance(key, tuple) and len(key) == 3 and key[0] is str and (key[1], key[2]) not in seeded:
            code = capture(key[1], key[2])
            if code is not None:
                new[key[1], key[2]] = code
    if not new:
        return frozenset()
    entries = dict(list({**_read(path), **new}.items())[-MAX_ENTRIES:])  # the newest, within the bound
    if not atomic_write(path, marshal.dumps(entries)):
        return frozenset()
    return frozenset(new)
