"""The command-line arguments of a repair, shared by `clawkb fix` and the standalone scripts (kept
apart from `repairs` so that `clawkb` can describe them without importing the repairs)."""
from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state-dir", metavar="DIR", help="OpenClaw state directory (default: $OPENCLAW_STATE_DIR or ~/.openclaw)")
    p.add_argument("--apply", action="store_true", help="write the changes (default: show them only)")
    p.add_argument("--force", action="store_true", help="apply even while the gateway is running; with --restore, "
                   "restore even when OpenClaw wrote the files since (what would be discarded is shown first)")
    p.add_argument("--agent", metavar="NAME", help="only this agent ('shared' for the shared store)")
    p.add_argument("--profile", metavar="ID", help="only this auth profile (e.g. anthropic:manual)")
    p.add_argument("--job", action="append", metavar="ID", help="only this cron job (repeatable)")
    p.add_argument("--restore", metavar="BACKUP", help="put a backup made by an earlier --apply back")
