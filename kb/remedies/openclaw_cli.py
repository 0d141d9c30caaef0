"""OpenClaw's own commands for what clawkb repairs, and the version each appeared in: one place.

Standard library only (shlex): read by `clawkb match` (kb.report), doctor and the standalone scripts.

`openclaw models auth clear-cooldown <profileId> [--agent <id>]` clears one profile's cooldown or
lockout. It is in no build up to 2026.9.6 (the `models auth` commands there are add, list, login,
login-github-copilot, order, paste-api-key, paste-token, setup-token, logout, activate; PRs
openclaw#107671 and openclaw#120305 proposed it). OpenClaw 2026.10 is said to ship it, but no 2026.10
build was available to confirm that: the floor below is that claim, and moves when a build shows
otherwise. Before it, `openclaw models auth login --provider <p>` (2026.3.13 on, openclaw#43057) clears
every lockout of a provider, and clawkb's file repair clears one profile's.
"""

import shlex
from typing import Optional

CLEAR_COOLDOWN_SINCE = "2026.10.0"
LOGIN_CLEARS_LOCKOUTS_SINCE = "2026.3.13"


def clear_cooldown_command(profile: str, agent: str = "") -> str:
    """The command line, for a profile of the default agent (no --agent) or of another agent."""
    tail = f" --agent {agent}" if agent and agent not in ("main", "shared", "(legacy)") else ""
    return f"openclaw models auth clear-cooldown {profile}{tail}"


def login_command(provider: str, profile: Optional[str] = None) -> str:
    """`openclaw models auth login --provider P`, which clears every lockout of P's profiles (2026.3.13
    on, clearStaleProfileLockouts); with `profile`, the re-authentication OpenClaw's own hint names for a
    rejected or dead credential (`buildAuthProfileUnusableHint`, 2026.8.2 on)."""
    words = ["openclaw", "models", "auth", "login", "--provider", provider] + (["--profile-id", profile] if profile else [])
    return " ".join(shlex.quote(w) for w in words)
