"""Read a large input block by block and keep only the lines a diagnosis can depend on.

A rule scores only around its anchor hits: support evidence counts within `score.REACH` lines of
the best window, negatives within one window of the evidence. So the stream
  1. asks the scanner (`matcher.prefilter`) for the lines holding an anchor word or a version,
  2. normalises those lines with a little context and runs the anchor indicators on them,
  3. keeps every line within one window of each real anchor hit (where its rule's windows start), and
     further out, as far as the rule's evidence can count (two windows plus the reach), only the
     lines that can hold one of its support or negative indicators (`prefilter.ConditionCheck` on
     the raw line), each with a little context,
and hands the scorer a document of the kept lines, with their original line numbers. Scoring that
document gives the diagnoses scoring every line would (tests/test_stream.py proves it on the dev
corpus and on large logs with failures buried at random depths). Memory holds one block, the last
`margin` lines of the one before, and the kept lines; it does not grow with healthy traffic, and the
work done on a failure follows its evidence, not the width of the margin (in a busy log the margin
around 26 failures was 27,000 healthy lines, each normalised; 7,000 can be evidence).

No I/O here: the caller reads the input and feeds UTF-8 text bytes (`kb.inputs` opens gzip,
converts UTF-16 and refuses binary data).
"""
from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from .index import Index
from .model import WINDOW, Document, Elided, Line
from .normalise import LONG_LINE_READ, SECRET_REACH, document, normalise_lines
from .conditions import indicator_condition
from .prefilter import VERSION_CONTEXT, ConditionCheck, Scanner, selected_indicators
from .hits import Lookup, indicator_hits, timestamp_of
from .score import REACH

BLOCK = 16 * 1024 * 1024  # bytes scanned at a time
CONTEXT = 2  # lines kept on each side of a candidate (wrapped lines, adjacent-line phrases)
MAX_VERSION_LINES = 200  # version candidates kept (the start-up banner, an issue template)
MAX_WINDOWS = 16  # occurrences of one anchor read in full; later ones are counted (`Elided`), not kept
# bytes kept at each end of a longer line for the scanner: what the normaliser reads of it, in UTF-8's
# at most four bytes a character (`normalise.LONG_LINE_READ`)
READ_BYTES = 4 * (LONG_LINE_READ + SECRET_REACH)


def blank_unread(block: bytes, keep: int = READ_BYTES) -> bytes:
    """`block` with the middle of each line longer than `2 * keep` bytes (the part the normaliser does
    not read) turned to spaces: same length, same line breaks, so the scanner's offsets and line
    numbers hold, but it does not search megabytes no diagnosis will read (Hyperscan on a 50 MB line
    of log records took 14 s). Lines are found by probing every `keep` bytes."""
    limit = 2 * keep
    if len(block) <= limit:
        return block
    runs: list[tuple[int, int]] = []
    p = keep
    while p < len(block):
        start = block.rfind(b"\n", 0, p) + 1
        end = block.find(b"\n", p)
        end = len(block) if end < 0 else end
        if end - start > limit:
            runs.append((start + keep, end - keep))
            p = end + keep
        else:
            p += keep
    if not runs:
        return block
    out = bytearray(block)
    for a, b in runs:
        out[a:b] = b" " * (b - a)
    return bytes(out)


def reblock(chunks: Iterable[bytes], size: int = BLOCK) -> Iterator[bytes]:
    """Blocks of about `size` bytes that end at a line break (the last one may not): once `size`
    bytes are read, everything up to the last line break, copied once; a run of more than `size`
    bytes without a line break is passed on whole (normalising cuts such lines anyway)."""
    parts: list[bytes] = []
    have = 0
    for chunk in chunks:
        if not chunk:
            continue
        parts.append(chunk)
        have += len(chunk)
        if have < size:
            continue
        k = len(parts) - 1
        nl = parts[k].rfind(b"\n")
        while nl < 0 and k > 0:
            k -= 1
            nl = parts[k].rfind(b"\n")
        if nl < 0:
            yield b"".join(parts)
            parts, have = [], 0
            continue
        last = parts[k]
        cut = nl + 1
        if k == 0 and cut == len(last):
            yield last  # one whole chunk: no copy at all
        else:
            yield b"".join([*parts[:k], memoryview(last)[:cut]])
        parts = ([last[cut:]] if cut < len(last) else []) + parts[k + 1:]
        have = sum(len(p) for p in parts)
    if parts:
        yield b"".join(parts) if len(parts) > 1 else parts[0]


def margin_for(index: Index) -> int:
    widest = max((r.rule.window for r in index.rules), default=WINDOW)
    return 2 * widest + REACH


@dataclass
class Stream:
    """Feed blocks (`feed`), then take the document of the kept lines (`finish`)."""

    index: Index
    scanner: Scanner
    margin: int = 0
    bytes_read: int = 0
    lines_read: int = 0
    _base: int = 1  # line number of the next block's first line
    _kept: dict = field(default_factory=dict)  # line number -> raw bytes
    _tail: list = field(default_factory=list)  # (line number, raw bytes) of the previous block's end
    _pending_until: int = 0  # lines up to this number must be kept (an anchor near the last block's end)
    _pending: dict = field(default_factory=dict)  # rule id -> its evidence is looked for up to this line
    _versions: int = 0
    _windows: dict = field(default_factory=dict)  # (rule id, indicator id) -> windows kept for it
    _elided: dict = field(default_factory=dict)  # rule id -> [count, last line number, last time]
    _floor: int = 0  # no window reaches back to this line or before it (the last elided hit)

    def __post_init__(self) -> None:
        if not self.margin:
            self.margin = margin_for(self.index)
        # the indicators behind each of the scanner's conditions: a candidate line is checked only
        # against the indicators whose condition it meets
        position = {c: i for i, c in enumerate(self.scanner.conditions)}
        self._by_condition: dict[int, list] = {}
        for ind in selected_indicators(self.index):
            self._by_condition.setdefault(position[indicator_condition(ind)], []).append(ind)
        # whose anchor each indicator is (an `after` target that is only support counts for none)
        self._owner = {id(ind): (rule.rule.id, ind.spec.id, ind.spec.role == "anchor")
                       for rule in self.index.rules for ind in rule.indicators}
        self._window = {rule.rule.id: rule.rule.span for rule in self.index.rules}
        self._checks: dict[str, ConditionCheck] = {}

    def _evidence(self, rule_id: str) -> "ConditionCheck":
        """What a raw line must meet to be support or negative evidence of the rule (built on first need)."""
        check = self._checks.get(rule_id)
        if check is None:
            rule = self.index.rule(rule_id)
            conds = [indicator_condition(i) for i in (*rule.indicators, *rule.negatives) if i.spec.role != "anchor"]
            check = self._checks[rule_id] = ConditionCheck(list(dict.fromkeys(conds)))
        return check

    # ------------------------------------------------------------------ feeding

    def feed(self, block: bytes) -> None:
        if not block:
            return
        base = self._base
        found = self.scanner.candidates(blank_unread(block))
        view = _Lines(block, found.newlines)
        want, follow = self._carried(base)  # block-local line ranges to keep (inclusive); per rule, to follow
        for idx, off, _conds in found.anchors:
            view.know(idx, off)
        for idx, off in found.versions:
            if self._versions >= MAX_VERSION_LINES:
                break
            self._versions += 1
            view.know(idx, off)
            want.append((idx - VERSION_CONTEXT, idx))
        hits = self._anchor_hits(view, found.anchors, base)
        elided = self._around_hits(hits, base, want, follow)
        self._keep(want, view, base)
        for rule_id, ranges in follow.items():
            self._follow(rule_id, _merged(ranges), view, base)
        self._count_elided(elided, hits)
        self._tail = [(base + i, raw) for i, raw in view.last_lines(self.margin)]
        self._base = base + view.newlines  # a block cut inside a long line continues it
        self.bytes_read += len(block)
        self.lines_read = base + view.count - 1

    def _carried(self, base: int) -> tuple[list[tuple[int, int]], dict[str, list[tuple[int, int]]]]:
        """What the previous block asked to keep reading into this one (starting at line `base`)."""
        want = [(0, self._pending_until - base)] if self._pending_until >= base else []
        follow: dict[str, list[tuple[int, int]]] = {}
        for rule_id, until in self._pending.items():
            if until >= base:
                follow.setdefault(rule_id, []).append((0, until - base))
        self._pending = {}
        return want, follow

    def _around_hits(self, hits: dict, base: int, want: list, follow: dict) -> list[int]:
        """For the first MAX_WINDOWS hits of an indicator, the lines to keep: every line within one
        window of each (its rule's windows start there), and further out, as far as the rule's evidence
        counts, the lines that can hold one of its other indicators (`follow`). The hits all of whose
        indicators are past that are returned, to be counted."""
        elided = []
        for no in sorted(hits):
            keys = hits[no][0]
            if not any(self._windows.get(k, 0) < MAX_WINDOWS for k in keys):
                elided.append(no)
                continue
            for k in keys:
                self._windows[k] = self._windows.get(k, 0) + 1
            first = self._floor + 1
            for rule_id in sorted({k[0] for k in keys}):
                w = self._window[rule_id]
                want.append((max(no - w - CONTEXT, first) - base, no - base + w + CONTEXT))
                reach = 2 * w + REACH  # negatives count within a window of evidence REACH away
                follow.setdefault(rule_id, []).append((max(no - reach, first) - base, no - base + reach))
        return elided

    def _keep(self, want: list[tuple[int, int]], view: "_Lines", base: int) -> None:
        """Keep the lines of the block-local ranges `want`, reaching back into the previous block's
        tail and on into the next block."""
        n = view.count
        for lo, hi in want:
            if lo < 0:
                self._keep_tail(base + lo)
            if hi >= n:
                self._pending_until = max(self._pending_until, base + hi)
            for i, raw in view.lines(max(lo, 0), min(hi, n - 1)):
                self._kept.setdefault(base + i, raw)

    def _count_elided(self, elided: list[int], hits: dict) -> None:
        """Count, per rule, the hits not kept (with the last one's line and time)."""
        for no in elided:
            if no in self._kept:
                continue  # kept anyway, near another hit: the document counts it
            self._floor = max(self._floor, no)
            when = timestamp_of(hits[no][2])
            for rule_id in hits[no][1]:
                e = self._elided.setdefault(rule_id, [0, 0, None])
                e[0] += 1
                e[1], e[2] = no, when or e[2]

    def _follow(self, rule_id: str, ranges: list[tuple[int, int]], view: "_Lines", base: int) -> None:
        """Keep, with `CONTEXT` lines either side, the lines of the block-local `ranges` (reaching back
        into the previous block's tail and on into the next block) that can hold the rule's support or
        negative evidence: the work follows the evidence, not the width of the margin."""
        check = self._evidence(rule_id)
        n = view.count
        for lo, hi in ranges:
            if hi >= n:
                self._pending[rule_id] = max(self._pending.get(rule_id, 0), base + hi)
            run = [(no, raw) for no, raw in self._tail if no >= base + lo] if lo < 0 else []
            run += [(base + i, raw) for i, raw in view.lines(max(lo, 0), min(hi, n - 1))]
            for k, ((no, raw), met) in enumerate(zip(run, check.many([raw for _no, raw in run]))):
                if not met:
                    continue
                for no2, raw2 in run[max(0, k - CONTEXT):k + CONTEXT + 1]:
                    self._kept.setdefault(no2, raw2)
                if no + CONTEXT >= base + n:  # its context goes on into the next block
                    self._pending_until = max(self._pending_until, no + CONTEXT)

    def _keep_tail(self, first: int) -> None:
        for no, raw in self._tail:
            if no >= first:
                self._kept.setdefault(no, raw)

    def _anchor_hits(self, view: "_Lines", candidates, base: int) -> dict[int, tuple[set, set, str]]:
        """Line numbers where an anchor (or `after` target) really matches, each with the (rule id,
        indicator id) of the indicators that match there, the rules whose anchor it is, and the
        line's text: each candidate line is normalised with `CONTEXT` lines either side and checked
        against the indicators of the conditions it meets."""
        if not candidates:
            return {}
        runs: list[tuple[int, int, set]] = []
        for idx, _off, conds in candidates:
            lo, hi = max(0, idx - CONTEXT), min(view.count - 1, idx + CONTEXT)
            if runs and lo <= runs[-1][1] + 1:
                runs[-1] = (runs[-1][0], max(runs[-1][1], hi), runs[-1][2] | conds)
            else:
                runs.append((lo, hi, set(conds)))
        hits: dict[int, tuple[set, set, str]] = {}
        for lo, hi, conds in runs:
            raw = b"\n".join(r for _i, r in view.lines(lo, hi))
            checks = [ind for c in conds for ind in self._by_condition.get(c, ())]
            lines = normalise_lines(raw.decode("utf-8", "replace"), base + lo,
                                    masks=any(ind.spec.kind == "phrase" for ind in checks))
            lookup = Lookup(lines)
            for ind in checks:
                rule_id, ind_id, anchor = self._owner[id(ind)]
                for h in indicator_hits(ind, lines, lookup):
                    line = lines[h.pos]
                    got = hits.get(line.no)
                    if got is None:
                        got = hits[line.no] = (set(), set(), line.text)
                    keys, rules, _text = got
                    keys.add((rule_id, ind_id))
                    if anchor:
                        rules.add(rule_id)
        return hits

    # ------------------------------------------------------------------ result

    def lines(self) -> list[Line]:
        """The kept lines, normalised, in order."""
        out: list[Line] = []
        run: list[bytes] = []
        first = prev = None
        for no in sorted(self._kept):
            if prev is not None and no != prev + 1:
                out.extend(normalise_lines(b"\n".join(run).decode("utf-8", "replace"), first))
                run, first = [], None
            if first is None:
                first = no
            run.append(self._kept[no])
            prev = no
        if run:
            out.extend(normalise_lines(b"\n".join(run).decode("utf-8", "replace"), first))
        return out

    def finish(self) -> Document:
        """The document of the kept lines; hits past MAX_WINDOWS are in `Document.elided`."""
        doc = document(self.lines())
        if not self._elided:
            return doc
        return doc._replace(elided=tuple(Elided(r, c, no, t) for r, (c, no, t) in sorted(self._elided.items())))

    @property
    def kept(self) -> int:
        return len(self._kept)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Inclusive ranges, overlapping or adjacent ones joined."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


class _Lines:
    """Lines of one block, found by walking line breaks from lines whose start is known."""

    def __init__(self, block: bytes, newlines: "int | None" = None):
        self.block = block
        self.newlines = block.count(b"\n") if newlines is None else newlines
        self.count = self.newlines + (0 if block.endswith(b"\n") else 1)
        self._known: dict[int, int] = {0: 0}
        self._order: list[int] = [0]

    def know(self, idx: int, off: int) -> None:
        if idx not in self._known:
            self._known[idx] = off
            insort(self._order, idx)

    def _start(self, idx: int) -> int:
        """Byte offset of line `idx`, walking from the nearest known line (before or after it)."""
        if idx in self._known:
            return self._known[idx]
        at = bisect_right(self._order, idx)
        below = self._order[at - 1]
        above = self._order[at] if at < len(self._order) else None
        if above is not None and above - idx < idx - below:
            pos = self._known[above]
            rfind = self.block.rfind
            for _ in range(above - idx):
                pos = rfind(b"\n", 0, pos - 1) + 1
        else:
            pos = self._known[below]
            find = self.block.find
            for _ in range(idx - below):
                pos = find(b"\n", pos) + 1
        self.know(idx, pos)
        return pos

    def last_lines(self, k: int) -> list[tuple[int, bytes]]:
        """The last `k` lines (fewer if the block has fewer), found from the end."""
        block, end = self.block, len(self.block)
        if block.endswith(b"\n"):
            end -= 1
        out: list[tuple[int, bytes]] = []
        idx = self.count - 1
        while idx >= 0 and len(out) < k:
            start = block.rfind(b"\n", 0, end) + 1
            out.append((idx, block[start:end]))
            end, idx = start - 1, idx - 1
        out.reverse()
        if out:
            self.know(out[0][0], end + 1)
        return out

    def lines(self, lo: int, hi: int) -> Iterator[tuple[int, bytes]]:
        if hi < lo:
            return
        pos = self._start(lo)
        block = self.block
        for i in range(lo, hi + 1):
            end = block.find(b"\n", pos)
            if end < 0:
                end = len(block)
                yield i, block[pos:end]
                break
            yield i, block[pos:end]
            pos = end + 1
        self.know(hi + 1, pos)


def stream_document(chunks: Iterable[bytes], index: Index, scanner: Scanner,
                    block: int = BLOCK) -> tuple[Document, Stream]:
    """The document to score for an input given as byte chunks."""
    s = Stream(index, scanner)
    for b in reblock(chunks, block):
        s.feed(b)
    return s.finish(), s
