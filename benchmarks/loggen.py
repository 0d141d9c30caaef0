"""Deterministic generator of realistic OpenClaw gateway logs.

Healthy traffic uses the real line shapes of OpenClaw's console and file logs (`<ISO ts> [subsystem]
message`, and the tslog JSON records of `/tmp/openclaw/openclaw-YYYY-MM-DD.log`): gateway start-up,
websocket RPCs, channel traffic, heartbeats, cron runs that succeed, embedded runs that end without
error, model fallback decisions that succeed. Nothing in it is a failure that clawkb should report.

`inject` buries failure excerpts at known line positions, for tests and benchmarks.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Iterator, Optional

PROVIDERS = [("anthropic", "claude-sonnet-4-6"), ("anthropic", "claude-opus-4-7"), ("openai", "gpt-5.4"),
             ("google", "gemini-3-flash"), ("openrouter", "moonshotai/kimi-k2.5"), ("deepseek", "deepseek-v4-flash")]
CHANNELS = ["telegram", "discord", "slack", "whatsapp", "webchat"]
RPCS = ["chat.history", "chat.send", "sessions.list", "models.list", "status", "config.get", "cron.list", "health"]


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _uuid(rng: random.Random) -> str:
    h = _hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _healthy_message(rng: random.Random, kind: Optional[int] = None) -> tuple[str, str]:
    """(subsystem, message) of one healthy event (of the given kind, else a random one)."""
    kind = rng.randrange(14) if kind is None else kind
    provider, model = rng.choice(PROVIDERS)
    channel = rng.choice(CHANNELS)
    if kind == 0:
        return "ws", f"⇄ res ✓ {rng.choice(RPCS)} {rng.randrange(2, 400)}ms conn={_hex(rng, 8)}…{_hex(rng, 4)} id={_hex(rng, 8)}…{_hex(rng, 4)}"
    if kind == 1:
        return "agent/embedded", f"embedded run start: runId={_uuid(rng)} sessionId={_uuid(rng)} provider={provider} model={model} thinking=low messageChannel={channel}"
    if kind == 2:
        return "agent/embedded", f"embedded run agent end: runId={_uuid(rng)} isError=false model={model} provider={provider} durationMs={rng.randrange(900, 40000)}"
    if kind == 3:
        return f"{channel}", f"inbound message: chat={rng.randrange(10**6, 10**9)} len={rng.randrange(2, 900)} session=agent:main:{channel}:direct:{rng.randrange(10**5, 10**8)}"
    if kind == 4:
        return "heartbeat", f"heartbeat ok: agent=main durationMs={rng.randrange(200, 4000)} nextInMs={rng.randrange(1, 30) * 60000}"
    if kind == 5:
        return "cron", f"cron job finished: jobId={_hex(rng, 8)} name=daily-digest status=ok durationMs={rng.randrange(2000, 90000)} sessionTarget=main"
    if kind == 6:
        return "model-fallback/decision", (f"model fallback decision: decision=candidate_succeeded requested={provider}/{model} "
                                           f"candidate={provider}/{model} reason=none next=none")
    if kind == 7:
        return "diagnostic", f"lane task done: lane=session:agent:main:{channel} durationMs={rng.randrange(500, 30000)}"
    if kind == 8:
        return "gateway", f"config hot-reload applied: {rng.choice(['agents.defaults.model', 'channels.telegram', 'cron.jobs'])}"
    if kind == 9:
        return "tools", f"exec ok: command=\"{rng.choice(['ls -la', 'git status', 'python3 -V', 'cat notes.md'])}\" durationMs={rng.randrange(5, 3000)}"
    if kind == 10:
        return "agents/auth-profiles", f"synced {provider} credentials from external cli"
    if kind == 11:
        return "health-monitor", f"health ok: channels={rng.randrange(1, 5)} sessions={rng.randrange(0, 40)} memoryMb={rng.randrange(120, 900)}"
    if kind == 12:
        return f"{channel}", f"outbound message delivered: chat={rng.randrange(10**6, 10**9)} chunks={rng.randrange(1, 4)}"
    return "agent/embedded", f"usage: provider={provider} model={model} inputTokens={rng.randrange(500, 90000)} outputTokens={rng.randrange(10, 4000)} cacheRead={rng.randrange(0, 80000)}"


QUIET_KINDS = (7, 11)  # lane bookkeeping and health checks: no rule looks at them (heartbeats are
# background runs and `cron.list` replies name cron, both of which the extra-usage rule counts)


def healthy_lines(n: int, rng: random.Random, *, start: Optional[datetime] = None, form: str = "console",
                  quiet: bool = False) -> Iterator[str]:
    """n healthy log lines; form is 'console' (`ts [subsystem] msg`) or 'json' (tslog records).
    quiet: only the kinds of line that no signature mentions, not even as a negative look-alike
    (healthy fallback decisions are negatives of the billing rules: beside an excerpt they rightly
    lower its confidence)."""
    t = start or datetime(2026, 5, 14, 6, 0, 0, tzinfo=timezone.utc)
    for _ in range(n):
        t += timedelta(milliseconds=rng.randrange(5, 4000))
        sub, msg = _healthy_message(rng, rng.choice(QUIET_KINDS) if quiet else None)
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
        if form == "json":
            yield json.dumps({"0": json.dumps({"subsystem": sub}), "1": msg,
                              "_meta": {"runtime": "node", "runtimeVersion": "22.22.0", "hostname": "unknown",
                                        "name": "openclaw", "date": ts, "logLevelId": 3, "logLevelName": "INFO"},
                              "time": ts}, ensure_ascii=False)
        else:
            yield f"{ts} [{sub}] {msg}"


STARTUP = """{ts} [gateway] [plugins] loaded 14 plugins
{ts} [canvas] host mounted at http://127.0.0.1:18789/__openclaw__/canvas/ (root /home/user/.openclaw/canvas)
{ts} [heartbeat] started
{ts} [health-monitor] started (interval: 300s, grace: 60s)
{ts} [gateway] agent model: anthropic/claude-sonnet-4-6
{ts} [gateway] listening on ws://127.0.0.1:18789 (PID 41231)
{ts} [gateway] listening on ws://[::1]:18789
{ts} [gateway] log file: /tmp/openclaw/openclaw-2026-05-14.log
{ts} [browser/service] Browser control service ready (profiles=2)"""


def benign_log(n: int, rng: random.Random, form: str = "console") -> str:
    head = STARTUP.format(ts="2026-05-14T05:59:58.120Z") if form == "console" else ""
    body = "\n".join(healthy_lines(n, rng, form=form))
    return (head + "\n" + body) if head else body


def inject(background: list[str], excerpts: list[str], rng: random.Random) -> tuple[list[str], list[int]]:
    """Bury each excerpt at a random depth; returns the lines and the start line (1-based) of each."""
    lines = list(background)
    positions = sorted(rng.randrange(0, len(lines) + 1) for _ in excerpts)
    out: list[str] = []
    starts: list[int] = []
    prev = 0
    for pos, excerpt in zip(positions, excerpts):
        out.extend(lines[prev:pos])
        starts.append(len(out) + 1)
        out.extend(excerpt.split("\n"))
        prev = pos
    out.extend(lines[prev:])
    return out, starts


def write_log(fh, size: int, rng: random.Random, *, form: str = "json", excerpts: tuple[str, ...] = (),
              margin: int = 150) -> list[int]:
    """Write about `size` bytes of healthy traffic to the binary file `fh`, with each excerpt buried at
    a random depth inside `margin` quiet lines either side (see `healthy_lines`); returns the 1-based
    line number where each excerpt starts. Timestamps run on across the whole file."""
    depths = sorted(rng.uniform(0.05, 0.95) * size for _ in excerpts)
    t = datetime(2026, 5, 14, 6, 0, 0, tzinfo=timezone.utc)
    written, line_no, starts = 0, 0, []
    pending = list(zip(depths, excerpts))
    per_line = 300.0  # bytes, re-estimated as lines are written
    while written < size or pending:
        if pending and (written >= pending[0][0] or written >= size):
            _depth, excerpt = pending.pop(0)
            parts = list(healthy_lines(margin, rng, start=t, form=form, quiet=True))
            starts.append(line_no + margin + 1)
            parts += excerpt.rstrip("\n").split("\n")
            parts += list(healthy_lines(margin, rng, start=t + timedelta(seconds=30), form=form, quiet=True))
        else:
            goal = min(size, pending[0][0]) if pending else size
            parts = list(healthy_lines(max(1, min(2000, int((goal - written) / per_line) + 1)), rng, start=t, form=form))
        t += timedelta(seconds=len(parts) * 2)
        data = ("\n".join(parts) + "\n").encode("utf-8")
        fh.write(data)
        written += len(data)
        line_no += len(parts)
        per_line = 0.9 * per_line + 0.1 * (len(data) / len(parts))
    return starts


def _versioned_message(rng: random.Random) -> tuple[str, str]:
    """A healthy line that carries a version string, as busy gateways log them (webchat clients,
    plugins, the node runtime): the version prefilter's worst case."""
    v = f"2026.{rng.randrange(2, 11)}.{rng.randrange(1, 30)}"
    kind = rng.randrange(3)
    if kind == 0:
        return "webchat", f"client connected: webchat v{v} session=agent:main:webchat:direct:{rng.randrange(10**5, 10**8)}"
    if kind == 1:
        return "plugins", f"plugin ready: name={rng.choice(['memory', 'browser', 'canvas', 'voice'])} version={v} durationMs={rng.randrange(2, 900)}"
    return "gateway", f"update check: current={v} channel=stable next=6h"


def write_busy_log(fh, size: int, rng: random.Random, *, excerpts: tuple[str, ...], every: int = 20_000,
                   versioned: int = 0) -> list[int]:
    """Write about `size` bytes of a busy gateway's log to the binary file `fh`: console and tslog JSON
    lines mixed, healthy events that share the failures' event names (`embedded run agent end ...
    isError=false`, `decision=candidate_succeeded`), and a failure excerpt (taken in turn from
    `excerpts`) every `every` lines or so; with `versioned`, one healthy line in `versioned` carries a
    version string. Returns the 1-based line number where each excerpt starts."""
    t = datetime(2026, 5, 14, 6, 0, 0, tzinfo=timezone.utc)
    written, line_no, starts, k = 0, 0, [], 0
    while written < size:
        parts: list[str] = []
        for _ in range(every):
            t += timedelta(milliseconds=rng.randrange(5, 400))
            if versioned and rng.randrange(versioned) == 0:
                sub, msg = _versioned_message(rng)
            else:
                sub, msg = _healthy_message(rng, rng.choice((2, 6)) if rng.randrange(4) == 0 else None)
            ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
            if rng.randrange(2):
                parts.append(json.dumps({"0": json.dumps({"subsystem": sub}), "1": msg,
                                         "_meta": {"name": "openclaw", "date": ts, "logLevelName": "INFO"},
                                         "time": ts}, ensure_ascii=False))
            else:
                parts.append(f"{ts} [{sub}] {msg}")
        cut = rng.randrange(len(parts))
        excerpt = excerpts[k % len(excerpts)].rstrip("\n").split("\n")
        k += 1
        starts.append(line_no + cut + 1)
        parts[cut:cut] = excerpt
        data = ("\n".join(parts) + "\n").encode("utf-8")
        fh.write(data)
        written += len(data)
        line_no += len(parts)
    return starts
