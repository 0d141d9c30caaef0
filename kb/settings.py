"""Everything clawkb takes from the environment, read in one place, once, and passed down.

The command line builds `Settings.from_env(os.environ)` when it starts and hands it to what it calls;
nothing below it reads `os.environ`. A library caller passes its own (`Settings()` is the defaults:
the shipped signatures, no cache on disk, the public site) or none. `VARIABLES` is the catalogue:
one record per variable, with the field it sets and what it means (the help and the docs list it).

Imports nothing of clawkb, so that the launcher can read the cache location before anything else.
"""
from __future__ import annotations

import os
from typing import Callable, Mapping, NamedTuple, Optional

DEFAULT_SITE_URL = "https://clawkb.github.io/clawkb/"  # mkdocs.yml's site_url (a test holds them equal)
PROGRESS_MIN_BYTES = 50 * 1024 * 1024  # a progress line on a terminal for inputs at least this large
SCANNERS = ("auto", "hyperscan", "grep", "re")


class SettingError(ValueError):
    """An environment variable with a value clawkb cannot use, said in one line."""


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _site_url(value: str) -> str:
    return value.rstrip("/") + "/"


def _scanner(value: str) -> str:
    if value not in SCANNERS:
        raise SettingError(f"must be one of {', '.join(SCANNERS)}, not {value!r}")
    return value


def _number(value: str, cast: Callable[[str], float], what: str, low: float, high: float, rule: str) -> float:
    """`value` read by `cast`, within [low, high]; else a SettingError saying `what` it is not or `rule`."""
    try:
        n = cast(value)
    except ValueError:
        raise SettingError(f"not {what}: {value!r}") from None
    if not low <= n <= high:
        raise SettingError(rule)
    return n


def _size(value: str) -> int:
    return int(_number(value, int, "a number of bytes", 0, float("inf"), "must be 0 or more"))


def confidence(value: str) -> float:
    """A confidence threshold, 0..1 (--min-confidence and CLAWKB_MIN_CONFIDENCE alike)."""
    return _number(value, float, "a number", 0.0, 1.0, "must be between 0 and 1")


def _cache(value: str) -> Optional[str]:
    return None if value.lower() in ("off", "0", "none") else value


class Variable(NamedTuple):
    name: str
    field: str
    parse: Callable[[str], object]
    help: str


VARIABLES: tuple[Variable, ...] = (
    Variable("CLAWKB_SIGNATURES", "signatures", str, "signature directory (default: the bundled set; --signatures wins)"),
    Variable("CLAWKB_TEMPLATES", "templates", str, "Jinja2 templates directory (default: the bundled site_templates)"),
    Variable("CLAWKB_CACHE_DIR", "cache_dir", _cache,
             "where compiled signatures are kept (default $XDG_CACHE_HOME/clawkb or ~/.cache/clawkb; off: nowhere)"),
    Variable("CLAWKB_SCANNER", "scanner", _scanner, "large-input scanner: auto, hyperscan, grep or re"),
    Variable("CLAWKB_SITE_URL", "site_url", _site_url, f"the troubleshooting site pages link to (default {DEFAULT_SITE_URL})"),
    Variable("CLAWKB_PROGRESS_MIN_BYTES", "progress_min_bytes", _size,
             "show the progress line for inputs at least this large (default 50 MiB)"),
    Variable("CLAWKB_DEBUG", "debug", _flag, "1: show the traceback of an internal error"),
    Variable("NO_COLOR", "no_color", lambda v: v != "", "set: no colour in text output"),
    Variable("TERM", "dumb_terminal", lambda v: v == "dumb", "dumb: no colour in text output"),
    Variable("GITHUB_TOKEN", "github_token", str, "gh: the token to read issues and write comments with"),
    Variable("GITHUB_API_URL", "github_api_url", str, "gh: the API (default https://api.github.com)"),
    Variable("GITHUB_OUTPUT", "github_output", str, "gh comment: the Action's output file (ids, comment-id)"),
    Variable("CLAWKB_BOT_LOGIN", "bot_login", str, "gh: the login the token writes as (else looked up)"),
    Variable("CLAWKB_TOKEN_IS_GITHUB_TOKEN", "token_is_github_token", _flag,
             "gh: 1 when the token is the workflow's GITHUB_TOKEN (github-actions[bot])"),
    Variable("CLAWKB_MIN_CONFIDENCE", "gh_min_confidence", confidence, "gh comment: overrides --min-confidence"),
    Variable("CLAWKB_LABELS", "gh_labels", _flag, "gh comment: 1 to add/remove clawkb:<id> labels"),
    Variable("CLAWKB_COMMENT_ON_NO_MATCH", "gh_comment_on_no_match", _flag, "gh comment: 1 to comment when nothing matches"),
    Variable("CLAWKB_NO_PACING", "gh_no_pacing", lambda v: v != "", "gh: set to skip the pause between writes"),
    Variable("CLAWKB_SHARED", "shared", str, "development: the shared corpus folder (default ../shared)"),
    Variable("_ARGCOMPLETE", "completing", lambda v: v != "", "set by the shell completion hook (clawkb completion)"),
)


class Settings(NamedTuple):
    signatures: Optional[str] = None
    templates: Optional[str] = None
    cache_dir: Optional[str] = None  # None: build in memory, write nothing
    scanner: str = "auto"
    site_url: str = DEFAULT_SITE_URL
    progress_min_bytes: int = PROGRESS_MIN_BYTES
    debug: bool = False
    no_color: bool = False
    dumb_terminal: bool = False
    github_token: str = ""
    github_api_url: Optional[str] = None
    github_output: Optional[str] = None
    bot_login: Optional[str] = None
    token_is_github_token: bool = False
    gh_min_confidence: Optional[float] = None
    gh_labels: bool = False
    gh_comment_on_no_match: bool = False
    gh_no_pacing: bool = False
    shared: Optional[str] = None
    completing: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        """The settings an environment gives; a value clawkb cannot use raises `SettingError` naming it.
        An empty variable is an unset one (except NO_COLOR, set when present and not empty)."""
        values: dict[str, object] = {"cache_dir": default_cache_dir(env)}
        for var in VARIABLES:
            raw = env.get(var.name)
            if raw is None or raw == "":
                continue
            try:
                values[var.field] = var.parse(raw)
            except SettingError as exc:
                raise SettingError(f"{var.name}: {exc}") from None
        return cls(**values)  # type: ignore[arg-type]

    @property
    def colour(self) -> bool:
        """Whether text output may be coloured (a terminal is still needed)."""
        return not (self.no_color or self.dumb_terminal)


def default_cache_dir(env: Mapping[str, str]) -> str:
    """`$XDG_CACHE_HOME/clawkb`, else `~/.cache/clawkb` (CLAWKB_CACHE_DIR overrides it)."""
    base = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cache")
    return os.path.join(base, "clawkb")
