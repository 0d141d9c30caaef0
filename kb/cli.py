"""The `clawkb` command: a thin shell over `matcher` and the knowledge base."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Optional, Sequence

from clawkb.matcher import InputError
from clawkb.matcher.model import MAX_EVIDENCE, MIN_CONFIDENCE

from . import output
from .inputs import Input, read_whole
from .knowledge import KnowledgeBase, SourceError, default_dir
from .settings import SettingError, Settings, confidence

# Only what `clawkb match` needs is imported here: YAML, JSON Schema and Jinja2 are imported by the
# commands that use them (validate, test, show, site), so a pasted log is diagnosed about as fast
# as Python starts.

EXIT_FOUND, EXIT_NONE, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


# --------------------------------------------------------------------------- commands

def _kb(args: argparse.Namespace) -> KnowledgeBase:
    """The knowledge base, compiled: from the cache when the signatures have not changed."""
    from .compiled import load

    return load(args.signatures, args.settings)


def _signature(kb: KnowledgeBase, sig_id: str):
    try:
        return kb.get(sig_id)
    except KeyError:
        raise UsageError(f"no signature {sig_id!r} (see `clawkb list`)") from None


def cmd_follow(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    """match --follow: each new diagnosis of a growing log, once, as it shows; until interrupted or
    the input (a pipe) ends."""
    from .follow import Follower, file_batches, stream_batches

    if len(args.files) > 1:
        raise UsageError("--follow reads one file (or stdin)")
    if args.format not in ("text", "json"):
        raise UsageError("--follow prints text or json (one line per new diagnosis)")
    path = args.files[0] if args.files else "-"
    if path != "-" and not os.path.isfile(path):
        raise UsageError(f"{path}: not a file to follow")
    follower = Follower(kb, path, min_confidence=args.min_confidence, max_evidence=args.max_evidence)
    style = output.Style(sys.stdout, args.settings.colour, args.color, terminal_width(100))
    batches = stream_batches(sys.stdin, args.poll) if path == "-" else file_batches(path, args.poll)
    said = 0
    for batch in batches:
        follower.feed(batch)
        for record in follower.diagnose():
            said += 1
            text = output.render(record, args.format, style, templates=args.settings.templates)
            output.write(sys.stdout, text if args.format == "json" else text + "\n")
            sys.stdout.flush()  # an alerting pipe reads it now
    return EXIT_FOUND if said else EXIT_NONE


def cmd_match(args: argparse.Namespace) -> int:
    from .diagnosis import ReadError, Reader, diagnose_document, read_inputs
    from .progress import Progress

    kb = _kb(args)
    if args.follow:
        return cmd_follow(args, kb)
    reader = Reader(kb, args.settings.scanner, args.settings.cache_dir)
    style = output.Style(sys.stdout, args.settings.colour, args.color, terminal_width(100))

    def watch(inp: Input):  # a progress line on stderr for large files on a terminal
        p = Progress(os.path.basename(inp.name), inp.size, quiet=args.quiet, min_bytes=args.settings.progress_min_bytes)
        return p.update, p.finish

    found, errors = False, 0
    sarif_results: list = []
    try:
        for read in read_inputs(args.files, reader, watch):
            if read.document is None:
                errors += not read.skipped
                print(f"clawkb: {'note: ' if read.skipped else ''}{read.name}: {'skipped: ' if read.skipped else ''}"
                      f"{read.error}", file=sys.stderr)
                continue
            result = diagnose_document(read.document, kb, name=read.name, min_confidence=args.min_confidence,
                                       max_evidence=args.max_evidence, detail=args.format not in ("json", "sarif") or args.detail)
            found |= bool(result["diagnoses"])
            if args.format == "sarif":  # one log for every input, written at the end
                sarif_results.append(result)
                continue
            text = output.render(result, args.format, style, templates=args.settings.templates)
            output.write(sys.stdout, text if args.format == "json" else text + "\n")
    except ReadError as exc:  # the scanner asked for cannot run here
        raise UsageError(f"CLAWKB_SCANNER: {exc}") from None
    if args.format == "sarif":
        import json

        from .sarif import sarif_log

        log = sarif_log(sarif_results, kb, installed_version() or "0")
        output.write(sys.stdout, json.dumps(log, ensure_ascii=False, indent=1))
    if errors:
        return EXIT_ERROR
    return EXIT_FOUND if found else EXIT_NONE


def cmd_list(args: argparse.Namespace) -> int:
    output.write(sys.stdout, output.signature_table(_kb(args).signatures))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .pages import signature_markdown  # the same text as the site page

    kb = _kb(args)
    output.write(sys.stdout, signature_markdown(_signature(kb, args.id), kb, for_terminal=True,
                                                templates=args.settings.templates))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .signatures import validate

    root = args.signatures or args.settings.signatures or default_dir()
    kb, problems = validate(root)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        files = len({p.path for p in problems})
        print(f"clawkb: {len(problems)} problem(s) in {files} file(s) of {root}", file=sys.stderr)
        return EXIT_NONE
    assert kb is not None
    output.write(sys.stdout, f"{len(kb.signatures)} signatures valid ({root})")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    kb = _kb(args)
    from .selftest import run_examples, summary

    results = run_examples(kb, min_confidence=args.min_confidence)
    output.write(sys.stdout, summary(results, args.verbose, width=terminal_width(100)))
    return 0 if all(r.ok for r in results) else 1


def cmd_doctor(args: argparse.Namespace) -> int:
    """Read-only: the conditions behind known failures, found in the local OpenClaw state, or with
    --from in what OpenClaw reports about it."""
    from .doctor import DoctorError, check_report, check_state

    kb = _kb(args)
    try:
        if args.from_file is None:
            checkup = check_state(kb, args.state_dir)
        else:
            checkup = check_report(kb, read_whole(args.from_file), args.from_file)
    except (DoctorError, InputError) as exc:
        print(f"clawkb: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for problem in checkup.unreadable:
        print(f"clawkb: not checked: {problem}", file=sys.stderr)
    for note in checkup.notes:
        print(f"clawkb: note: {note}", file=sys.stderr)
    result = checkup.result
    style = output.Style(sys.stdout, args.settings.colour, args.color, terminal_width(100))
    output.write(sys.stdout, output.render(result, args.format, style, templates=args.settings.templates,
                                           healthy=checkup.healthy))
    if result["diagnoses"]:
        return EXIT_FOUND
    return EXIT_ERROR if checkup.unreadable else EXIT_NONE


def cmd_fix(args: argparse.Namespace) -> int:
    """Dry-run (or --apply) the local repair a signature's page recommends."""
    from .remedies.repairs import run

    if args.restore:
        return run([], args)
    kb = _kb(args)
    if args.id is None:
        raise UsageError("say which failure to fix: clawkb fix ID (see clawkb doctor)")
    sig = _signature(kb, args.id)
    if not sig.repairs:
        raise UsageError(f"{args.id} has no local repair; its page says what to do: {kb.url(sig.id)}")
    return run(sig.repairs, args, note=sig.upstream_fix)


def cmd_scripts(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .remedies.bundle import write_scripts

    for p in write_scripts(Path(args.dest)):
        output.write(sys.stdout, str(p))
    return 0


def _gh(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The token and the options every `gh` command shares: a flag wins over its variable."""
    st = args.settings
    if not st.github_token:
        raise UsageError("GITHUB_TOKEN is not set")
    return st.github_token, {
        "labels": args.labels or st.gh_labels, "site_url": (args.site_url or st.site_url).rstrip("/") + "/",
        "base_url": args.api_url or st.github_api_url, "pace": not st.gh_no_pacing,
        "bot_login": args.bot_login or st.bot_login, "github_token": st.token_is_github_token}


def cmd_gh_comment(args: argparse.Namespace) -> int:
    """The Action's step: diagnose the issue of the event and keep one comment up to date."""
    from .gh import GitHubError, action_outputs, network_error, run_event

    token, options = _gh(args)
    st = args.settings
    min_conf = st.gh_min_confidence if st.gh_min_confidence is not None else args.min_confidence
    try:
        plan, comment_id = run_event(args.event, args.repo, token, _kb(args), min_confidence=min_conf,
                                     comment_on_no_match=args.comment_on_no_match or st.gh_comment_on_no_match, **options)
        if st.github_output:
            action_outputs(st.github_output, plan, comment_id)
    except (GitHubError, OSError, ValueError) as exc:
        print(f"clawkb: {network_error(exc, options['base_url']) or exc}", file=sys.stderr)
        return EXIT_ERROR
    if plan.withheld:
        print(f"clawkb: withheld {plan.withheld} secret-shaped span(s) from the comment", file=sys.stderr)
    what = plan.skipped or ("updated" if plan.writes else "unchanged")
    output.write(sys.stdout, f"issue #{plan.issue}: {', '.join(plan.ids) or 'no known failure'} ({what})")
    return 0


def cmd_gh_backfill(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from .gh import GitHubError, backfill, network_error

    token, options = _gh(args)
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since).replace(tzinfo=timezone.utc)
        except ValueError:
            raise UsageError(f"--since: not a date (YYYY-MM-DD): {args.since!r}") from None
    try:
        counts = backfill(args.repo, token, _kb(args), state=args.state, since=since, dry_run=args.dry_run,
                          min_confidence=args.min_confidence, **options)
    except (GitHubError, OSError) as exc:  # requests' errors are OSErrors
        print(f"clawkb: {network_error(exc, options['base_url']) or exc}", file=sys.stderr)
        return EXIT_ERROR
    output.write(sys.stdout, " ".join(f"{k}={v}" for k, v in counts.items()) + (" (dry run)" if args.dry_run else ""))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    if args.output:
        from .output_schema import output_schema_json as schema_json
    else:
        from .schema import schema_json

    output.write(sys.stdout, schema_json().rstrip("\n"))
    return 0


# --------------------------------------------------------------------------- entry point

class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help layout, sized with `os.get_terminal_size` (argparse imports `shutil` for it,
    and `shutil` imports the bz2 and lzma modules: a tenth of a pasted log's match time); the
    examples under each command's help are kept as written."""

    def __init__(self, prog: str, **kwargs: Any):
        kwargs.setdefault("width", terminal_width() - 2)
        super().__init__(prog, **kwargs)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        # a description is a paragraph to wrap; an epilog (examples) is kept line by line
        if "\n" in text:
            return super()._fill_text(text, width, indent)
        return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent)


def terminal_width(default: int = 80) -> int:
    """The width of the terminal on stderr or stdout (at least 40), else `default`."""
    for stream in (sys.stdout, sys.stderr):
        try:
            return max(os.get_terminal_size(stream.fileno()).columns, 40)
        except (OSError, ValueError, AttributeError):
            continue
    return default


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser with `_Formatter`, whose errors are one line, `clawkb: ...`, exit status 2."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        command = self.prog.split(" ", 1)[1] if " " in self.prog else ""
        where = f"{command}: " if command else ""
        print(f"clawkb: {where}{message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


class _Version(argparse.Action):
    """--version: the installed distribution's version, looked up only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"clawkb {installed_version() or 'unknown (not installed)'}")
        raise SystemExit(0)


def installed_version() -> Optional[str]:
    """The installed distribution's version (None when clawkb runs from a source tree not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("clawkb")
    except PackageNotFoundError:
        return None


def _global_options(p: argparse.ArgumentParser, *, top: bool) -> None:
    """Options every command takes, before or after its name (`clawkb match --signatures DIR`)."""
    hide = {} if top else {"default": argparse.SUPPRESS}  # a command's copy must not undo the top one's
    p.add_argument("--signatures", metavar="DIR", help="signature directory (default: $CLAWKB_SIGNATURES, else the "
                   "bundled set)", **hide)
    p.add_argument("--color", "--colour", dest="color", choices=("auto", "always", "never"),
                   help="colour in text output: auto (a terminal, no NO_COLOR or TERM=dumb; the default), "
                        "always or never", **({"default": "auto"} if top else hide))


def _command(sub, name: str, help: str):
    from .cli_help import DESCRIPTIONS, epilog

    c = sub.add_parser(name, help=help, description=DESCRIPTIONS.get(name, help), epilog=epilog(name))
    _global_options(c, top=False)
    return c


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _add_match(sub) -> None:
    m = _command(sub, "match", "diagnose logs, issue bodies or log files")
    m.add_argument("files", nargs="*", metavar="FILE", help="files or directories (read recursively); none or - "
                   "reads stdin")
    m.add_argument("--format", choices=("text", "json", "markdown", "sarif"), default="text",
                   help="text for a person (default), json (JSON Lines, one object per input), markdown (the "
                        "GitHub comment's report) or sarif (SARIF 2.1.0, one run for all inputs): clawkb help formats")
    m.add_argument("--min-confidence", type=_confidence, default=MIN_CONFIDENCE, metavar="X",
                   help=f"report diagnoses with at least this confidence (0..1, default {MIN_CONFIDENCE})")
    m.add_argument("--max-evidence", type=_positive, default=MAX_EVIDENCE, metavar="N",
                   help=f"evidence lines shown per diagnosis (at least 1, default {MAX_EVIDENCE})")
    m.add_argument("--detail", action="store_true", help="json: include each diagnosis' explanation and fix steps")
    m.add_argument("--quiet", "-q", action="store_true", help="no progress line on stderr (shown for inputs over "
                   "50 MB on a terminal)")
    m.add_argument("--follow", "-f", action="store_true",
                   help="keep reading a growing log (one FILE, rotation followed, or stdin) and print each new "
                        "diagnosis once, as it shows (text, or one JSON line per diagnosis)")
    m.add_argument("--poll", type=float, default=0.5, metavar="SECONDS", help="--follow: how often to look for new "
                   "lines (default 0.5)")
    m.set_defaults(func=cmd_match)


def _add_knowledge(sub) -> None:
    _command(sub, "list", "list the known failures").set_defaults(func=cmd_list)
    s = _command(sub, "show", "show one failure as a person reads it")
    s.add_argument("id", metavar="ID", help="a failure's id (see clawkb list)")
    s.set_defaults(func=cmd_show)
    _command(sub, "validate", "check every signature file").set_defaults(func=cmd_validate)
    t = _command(sub, "test", "run every signature's examples")
    t.add_argument("--verbose", "-v", action="store_true", help="show every example, not only failures")
    t.add_argument("--min-confidence", type=_confidence, default=MIN_CONFIDENCE, metavar="X",
                   help=f"the confidence a positive example must reach (default {MIN_CONFIDENCE})")
    t.set_defaults(func=cmd_test)
    sc = _command(sub, "schema", "print the signature JSON Schema (or, with --output, that of match's JSON)")
    sc.add_argument("--output", action="store_true", help="the schema of what match and doctor print as JSON "
                    "(docs/match-output.schema.json) instead of a signature file's")
    sc.set_defaults(func=cmd_schema)


def _add_state(sub) -> None:
    d = _command(sub, "doctor", "find known failure conditions in the local OpenClaw state (read-only)")
    where = d.add_mutually_exclusive_group()
    where.add_argument("--state-dir", metavar="DIR", help="OpenClaw's state directory (default: $OPENCLAW_STATE_DIR "
                       "or ~/.openclaw)")
    where.add_argument("--from", dest="from_file", metavar="FILE",
                       help="read what OpenClaw reports instead of its state dir (Docker, a remote box): the output of "
                            "`openclaw models status --json`, `openclaw doctor [--lint] --json` or "
                            "`openclaw models auth list --json` saved to FILE, or - for stdin; the repairs shown are "
                            "the openclaw commands to run where the state lives")
    d.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="text (default), json (one object, the same fields as match's) or markdown")
    d.set_defaults(func=cmd_doctor)
    from .remedies.arguments import add_arguments

    f = _command(sub, "fix", "repair the local state for a failure (dry run unless --apply)")
    f.add_argument("id", nargs="?", metavar="ID", help="the failure to repair (see clawkb doctor)")
    add_arguments(f)
    f.set_defaults(func=cmd_fix)


def _add_github(sub) -> None:
    g = _command(sub, "gh", "GitHub: diagnose issues and keep one comment up to date")
    gsub = g.add_subparsers(dest="gh_command", metavar="ACTION", required=True, help="comment or backfill")
    gc = gsub.add_parser("comment", help="handle one issues / issue_comment event (the Action runs this)",
                         description="Diagnose the issue of one `issues` or `issue_comment` event and create, update "
                                     "or delete clawkb's one comment on it.")
    gc.add_argument("--event", required=True, metavar="PATH", help="the event payload file ($GITHUB_EVENT_PATH)")
    gc.add_argument("--repo", required=True, metavar="OWNER/NAME", help="the repository the issue is in")
    gb = gsub.add_parser("backfill", help="diagnose existing issues in batch",
                         description="Diagnose a repository's existing issues and keep one comment on each.")
    gb.add_argument("--repo", required=True, metavar="OWNER/NAME", help="the repository whose issues to read")
    gb.add_argument("--state", choices=("open", "closed", "all"), default="open", help="which issues (default open)")
    gb.add_argument("--since", metavar="DATE", help="only issues updated since (YYYY-MM-DD)")
    gb.add_argument("--dry-run", action="store_true", help="say what would be posted, post nothing")
    for sp in (gc, gb):
        sp.add_argument("--min-confidence", type=_confidence, default=MIN_CONFIDENCE, metavar="X",
                        help=f"comment on diagnoses with at least this confidence (default {MIN_CONFIDENCE})")
        sp.add_argument("--labels", action="store_true", help="add/remove clawkb:<id> labels")
        sp.add_argument("--site-url", metavar="URL", help="the site diagnoses link to (default $CLAWKB_SITE_URL or "
                        "the public site)")
        sp.add_argument("--api-url", metavar="URL", help="GitHub API URL (default $GITHUB_API_URL or api.github.com)")
        sp.add_argument("--bot-login", metavar="LOGIN",
                        help="the login the token writes as (default $CLAWKB_BOT_LOGIN, else looked up)")
    gc.add_argument("--comment-on-no-match", action="store_true", help="comment even when no known failure matches")
    gc.set_defaults(func=cmd_gh_comment)
    gb.set_defaults(func=cmd_gh_backfill)


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .sigma import export

    for p in export(_kb(args), Path(args.dest)):
        output.write(sys.stdout, str(p))
    return 0


def _add_export(sub) -> None:
    e = _command(sub, "export", "write the signatures as rules for another tool (Sigma)")
    e.add_argument("format", choices=("sigma",), help="sigma: one Sigma rule per signature, for pySigma's backends "
                   "(Loki, Elasticsearch, Splunk)")
    e.add_argument("dest", metavar="DIR", help="the folder to write the rules into (made if missing)")
    e.set_defaults(func=cmd_export)


def _add_scripts(sub) -> None:
    sc = _command(sub, "scripts", "write the standalone repair scripts into a folder")
    sc.add_argument("dest", metavar="DIR", help="the folder to write them into (made if missing)")
    sc.set_defaults(func=cmd_scripts)


def _add_help(sub) -> None:
    h = _command(sub, "help", "help on a command or a topic")
    h.add_argument("topic", nargs="?", metavar="TOPIC", help="a command, or exit-codes, environment, formats, completion")
    h.set_defaults(func=cmd_help)
    c = _command(sub, "completion", "print the shell completion script")
    c.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell")
    c.set_defaults(func=cmd_completion)


# every command, in the order `clawkb --help` lists them, by the adder that defines it
_COMMANDS = {"match": _add_match, "list": _add_knowledge, "show": _add_knowledge, "validate": _add_knowledge,
             "test": _add_knowledge, "schema": _add_knowledge, "doctor": _add_state, "fix": _add_state,
             "gh": _add_github, "scripts": _add_scripts, "export": _add_export, "help": _add_help,
             "completion": _add_help}


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The command line. With `command`, only the commands defined with it are added (a run
    needs only its own; building all of them costs a pasted log's match a tenth of its time)."""
    p = _Parser(prog="clawkb", description="Diagnose OpenClaw gateway failures from logs, issue bodies and local "
                "state, and repair the state safely.",
                epilog="clawkb help COMMAND: a command's options and examples; clawkb help exit-codes, environment, "
                       "formats, completion")
    p.add_argument("--version", action=_Version, help="print clawkb's version")
    _global_options(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    adders = [_COMMANDS[command]] if command in _COMMANDS else _COMMANDS.values()
    for add in dict.fromkeys(adders):
        add(sub)
    return p


def cmd_help(args: argparse.Namespace) -> int:
    from .cli_help import TOPICS

    topic = args.topic
    if topic is None:
        build_parser().print_help()
        return 0
    if topic in _COMMANDS:
        build_parser(topic).parse_args([topic, "--help"])  # prints it and exits 0
    if topic in TOPICS or topic == "environment":
        from .cli_help import topic as text

        output.write(sys.stdout, text(topic))
        return 0
    raise UsageError(f"no help topic {topic!r}: a command ({', '.join(_COMMANDS)}) or exit-codes, environment, "
                     "formats, completion")


def cmd_completion(args: argparse.Namespace) -> int:
    try:
        import argcomplete
    except ImportError:
        raise UsageError("shell completion needs argcomplete: pip install argcomplete") from None
    output.write(sys.stdout, argcomplete.shellcode(["clawkb"], shell=args.shell).rstrip("\n"))
    return 0


def _confidence(text: str) -> float:
    try:
        return confidence(text)
    except SettingError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _command_of(argv: Sequence[str]) -> Optional[str]:
    """The command named on the line, after any global options."""
    value_next = False
    for arg in argv:
        if value_next:
            value_next = False
        elif arg in _COMMANDS:
            return arg
        elif arg in ("--signatures", "--color", "--colour"):
            value_next = True
        elif not arg.startswith("-"):
            return None
    return None


def main(argv: Optional[Sequence[str]] = None, settings: Optional[Settings] = None) -> int:
    """Run one command. `settings` default to the environment's, read here once and passed down."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        settings = settings or Settings.from_env(os.environ)
    except SettingError as exc:
        print(f"clawkb: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if settings.completing:  # the shell asks for completions (argcomplete's protocol): every command
        import argcomplete

        argcomplete.autocomplete(build_parser())
    parser = build_parser(_command_of(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error, already said in one line (2)
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    args.settings = settings
    try:
        return args.func(args)
    except (SourceError, UsageError) as exc:
        print(f"clawkb: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for users; CLAWKB_DEBUG=1 shows it
        if settings.debug:
            raise
        print(f"clawkb: internal error: {type(exc).__name__}: {exc} (set CLAWKB_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_ERROR


def entry() -> None:
    """The `clawkb` console script: `main()`, then out without tearing the interpreter down. Every
    command has finished its work (files written and closed, threads joined) when `main` returns;
    freeing the loaded knowledge base object by object and unloading every module would cost a
    pasted log a tenth of its match time. Only the standard streams are left to flush."""
    finish(main())


def finish(code: int) -> None:
    """Flush the standard streams and leave with `code` (see `entry`)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `clawkb match big.log | head`: the reader has what it wanted
        pass
    try:
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code)


if __name__ == "__main__":
    entry()
