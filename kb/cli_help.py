"""The words of `clawkb --help`, `clawkb COMMAND --help` and `clawkb help TOPIC`: what each command
does, two examples of each, the exit codes and the environment (from `settings.VARIABLES`)."""
from __future__ import annotations

from .settings import VARIABLES

DESCRIPTIONS = {
    "match": "Diagnose OpenClaw logs, `openclaw` command output or whole GitHub issue bodies: the known "
             "failures they show, most likely first, with the evidence lines, what the OpenClaw version in "
             "the text means for each, and the fix. Files may be gzip, bz2, xz or UTF-16; directories are "
             "read recursively; large logs are streamed.",
    "list": "List the known failures: id, severity, category and title.",
    "show": "Show one known failure as its page says it: symptoms, how to confirm, why, versions, fix.",
    "validate": "Check every signature file (schema, regex safety, versions, templates, references).",
    "test": "Run every signature's positive and negative examples and the confusion between signatures.",
    "schema": "Print the JSON Schema of a signature file (signatures/signature.schema.json).",
    "doctor": "Read the local OpenClaw state (or what OpenClaw reports about it) and name the known failure "
              "conditions in it: billing lockouts, stale cooldowns, cron jobs billed to another bucket, dead "
              "profiles. Changes nothing.",
    "fix": "Repair the local OpenClaw state for one failure. A dry run unless --apply; --apply refuses while "
           "the gateway runs, backs every file up first and writes atomically; --restore puts a backup back.",
    "gh": "Diagnose GitHub issues and keep one diagnosis comment up to date on each (the Action runs this).",
    "scripts": "Write the standalone repair scripts (one Python file per repair, standard library only) into "
               "a folder.",
    "export": "Write the signatures as rules for another tool: `sigma`, one Sigma rule per signature (keywords "
              "from its anchors, plain negatives as filters, what Sigma cannot say in its description), for pySigma's "
              "backends to convert to Loki's LogQL, Elasticsearch or Splunk (docs/sigma.md).",
    "help": "Help on a command or a topic: exit-codes, environment, formats, completion.",
    "completion": "Print the shell completion script for bash, zsh or fish (argcomplete).",
}

EXAMPLES = {
    "match": [("clawkb match ~/.openclaw/logs/gateway.log", "diagnose a gateway log"),
              ("openclaw logs --limit 2000 | clawkb match --format json", "the last 2,000 log lines, as JSON Lines"),
              ("clawkb match --follow --format json /tmp/openclaw/openclaw.log", "follow a live log: one JSON line "
               "per new diagnosis")],
    "list": [("clawkb list", "every known failure"),
             ("clawkb list | grep billing", "the billing ones")],
    "show": [("clawkb show stale-billing-disabled-until", "one failure, as its page says it"),
             ("clawkb show stale-billing-disabled-until | less", "page through it")],
    "validate": [("clawkb validate", "check the bundled signatures"),
                 ("clawkb --signatures ./signatures validate", "check a checkout's signatures")],
    "test": [("clawkb test", "run every signature's examples"),
             ("clawkb test -v", "and show every example")],
    "schema": [("clawkb schema > signature.schema.json", "for an editor's YAML validation"),
               ("clawkb schema --output > match-output.schema.json", "the schema of match's JSON Lines")],
    "doctor": [("clawkb doctor", "look at ~/.openclaw (or $OPENCLAW_STATE_DIR)"),
               ("docker exec gw openclaw models status --json | clawkb doctor --from -",
                "a gateway in a container: read what it reports")],
    "fix": [("clawkb fix stale-billing-disabled-until", "see what the repair would change"),
            ("clawkb fix stale-billing-disabled-until --profile anthropic:default --apply", "make it, for one profile")],
    "gh": [("clawkb gh comment --event \"$GITHUB_EVENT_PATH\" --repo owner/name", "what the Action runs"),
           ("clawkb gh backfill --repo owner/name --since 2026-11-01 --dry-run", "what it would post on recent issues")],
    "scripts": [("clawkb scripts ./repairs", "write every repair script into ./repairs"),
                ("python3 ./repairs/openclaw-clear-billing-lockout.py", "then run one: a dry run first")],
    "export": [("clawkb export sigma ./sigma", "one rule per signature into ./sigma"),
               ("sigma convert -t loki ./sigma", "then LogQL for a Loki ruler (pySigma's sigma-cli)")],
    "help": [("clawkb help exit-codes", "what the exit status means"),
             ("clawkb help match", "the same as clawkb match --help")],
    "completion": [("clawkb completion bash >> ~/.bashrc", "bash"),
                   ("clawkb completion fish > ~/.config/fish/completions/clawkb.fish", "fish")],
}

EXIT_CODES = {
    "match": "0 a failure was diagnosed, 1 none was, 2 an error (an unreadable input, a bad option)",
    "doctor": "0 a known failure condition was found, 1 none was, 2 an error (the state could not be read)",
    "fix": "0 repaired (or nothing to do), 1 a change is left to make by hand or was refused, 2 an error",
    "validate": "0 every signature is valid, 1 a problem was found (each printed as file:line: field: message)",
    "test": "0 every example passes, 1 one fails, 2 an error",
    "gh": "0 done, 2 an error (GitHub unreachable, a bad token, a bad event)",
}

TOPICS = {
    "exit-codes": "Exit status, by command (grep-like: 0 found, 1 nothing found, 2 trouble):\n\n" + "\n".join(
        f"  {cmd:<9} {what}" for cmd, what in EXIT_CODES.items()) + "\n  others    0 done, 2 an error",
    "formats": "clawkb match --format:\n"
               "  text      for a person (colour on a terminal: --color auto|always|never, NO_COLOR)\n"
               "  json      JSON Lines: one object per input, with schema_version (docs/output-format.md,\n"
               "            the schema: docs/match-output.schema.json); --detail adds explanation and fix\n"
               "  markdown  the report the GitHub comment uses\n"
               "  sarif     SARIF 2.1.0 for code-scanning UIs and editors: one rule per known failure (its page\n"
               "            as helpUri), one result per diagnosis with the evidence lines as regions",
    "completion": "Shell completion (argcomplete):\n"
                  "  bash  clawkb completion bash >> ~/.bashrc\n"
                  "  zsh   clawkb completion zsh >> ~/.zshrc\n"
                  "  fish  clawkb completion fish > ~/.config/fish/completions/clawkb.fish",
}


def environment() -> str:
    return "Environment (read once when clawkb starts):\n\n" + "\n".join(
        f"  {v.name:<30} {v.help}" for v in VARIABLES if not v.name.startswith("_"))


def epilog(command: str) -> str:
    """Examples, exit status and where to read more, under a command's --help."""
    lines = ["examples:"] + [f"  {cmd}\n      {what}" for cmd, what in EXAMPLES.get(command, [])]
    if command in EXIT_CODES:
        lines += ["", f"exit status: {EXIT_CODES[command]}"]
    lines += ["", "environment: clawkb help environment"]
    return "\n".join(lines)


def topic(name: str) -> str:
    if name == "environment":
        return environment()
    return TOPICS[name]
