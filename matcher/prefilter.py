"""Find the lines worth looking at in a large input, fast, in raw bytes.

A rule can only be diagnosed where one of its anchor indicators matches, and every indicator names
needle words that must be on any line it can match (`indicator_condition`). The scanner looks for the
anchor words (and the words of indicators that others must follow, whose first hit is tracked over
the whole input) plus the shape of an OpenClaw calendar version, case-insensitively, in the raw
bytes: colour codes, JSON escaping and the `"key": "value"` -> `key=value` rewrite of the canonical
form cannot hide a word. Support and negative evidence is not scanned for: it only counts near an
anchor hit, where the stream (`matcher.stream`) checks each line for it with `ConditionCheck`.

Three engines give the same lines: Hyperscan (installed wherever it has a wheel), the system's `grep`
(POSIX, any Unix) and Python's `re` (portable, slow; used where neither exists).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Optional, Sequence

from .calver import SCAN_PREFIX
from .conditions import indicator_condition
from .index import CompiledIndicator, Index
from .regex_safety import BOUNDARY, plain
from .vocabulary import set_selectivity

VERSION_CONTEXT = 3  # an issue template puts "### OpenClaw version" up to three lines above the value


def line_pattern(condition: tuple[tuple[frozenset, ...], ...], gap: str, bound: str = "\\b") -> str:
    """One regex (Hyperscan, POSIX ERE or Python syntax alike) for a line meeting the condition:
    each alternative's needle sets in every order, joined by `gap` (any run of non-break characters).
    `bound` is what follows a number that no digit may follow (POSIX ERE has no `\\b`)."""
    from itertools import permutations

    out = []
    for conj in condition:
        groups = ["(" + "|".join(_escape(n, bound) for n in sorted(alts)) + ")" for alts in conj]
        out.extend(gap.join(order) for order in permutations(groups))
    return "|".join(dict.fromkeys(out))


def _escape(needle: str, bound: str = "\\b") -> str:
    return "".join("\\" + c if c in ".[]()*+?{}|^$\\" else c for c in plain(needle)) + (
        bound if needle.endswith(BOUNDARY) else "")


def selected_indicators(index: Index) -> list[CompiledIndicator]:
    """The indicators the scanner must find wherever they are: anchors, and `after` targets."""
    out = []
    for rule in index.rules:
        targets = {i.spec.after for i in rule.indicators if i.spec.after}
        out.extend(i for i in rule.indicators if i.spec.role == "anchor" or i.spec.id in targets)
    return out


def minimal(words) -> tuple[str, ...]:
    """A word containing another adds nothing to a substring search: keep the shortest ones."""
    kept: list[str] = []
    for w in sorted(set(words), key=lambda w: (len(w), w)):
        if not any(k in w for k in kept):
            kept.append(w)
    return tuple(sorted(kept))


def anchor_conditions(index: Index) -> list[tuple[tuple[frozenset, ...], ...]]:
    """The line conditions of every indicator the scanner must find, without repeats."""
    return list(dict.fromkeys(indicator_condition(i) for i in selected_indicators(index)))


def anchor_words(index: Index) -> tuple[str, ...]:
    """The literals a line must hold one of to be a candidate (`grep -F -f` of the same anchors)."""
    return _needles(anchor_conditions(index))


# --------------------------------------------------------------------------- engines

@dataclass
class Candidates:
    """Lines of one block: (0-based line index in the block, byte offset of the line start, and for
    anchor candidates the positions in `Scanner.conditions` of the conditions the line meets)."""

    anchors: list[tuple[int, int, frozenset]] = field(default_factory=list)
    versions: list[tuple[int, int]] = field(default_factory=list)
    newlines: Optional[int] = None  # line breaks in the block, when the scanner counted them anyway


def _lines_of(block: bytes, hits: Sequence[tuple[int, int]], start: int = 0,
              end: Optional[int] = None) -> tuple[list[tuple[int, int, frozenset]], int]:
    """The distinct lines of `block[start:end]` holding the (offset, id) hits, which are sorted by
    offset and inside that range, as (line index from `start`, line start, ids); and the number of
    line breaks in the range, counted in the same single pass."""
    end = len(block) if end is None else end
    out: list[tuple[int, int, set]] = []
    line, counted_to, line_end = 0, start, -1
    for off, cid in hits:
        if off < line_end:
            out[-1][2].add(cid)  # same line as the previous hit
            continue
        line_start = block.rfind(b"\n", start, off) + 1 or start
        line += block.count(b"\n", counted_to, line_start)
        nl = block.find(b"\n", off, end)
        line_end = end if nl < 0 else nl + 1
        out.append((line, line_start, {cid}))
        counted_to = line_start
    newlines = line + block.count(b"\n", counted_to, end)
    return [(i, s, frozenset(ids)) for i, s, ids in out], newlines


def _split_rows(rows, version_id: int, lines_before: int = 0):
    """Anchor rows and version rows (the lines holding `version_id`), line indices shifted."""
    anchors = [(i + lines_before, s, ids - {version_id}) for i, s, ids in rows if ids - {version_id}]
    versions = [(i + lines_before, s) for i, s, ids in rows if version_id in ids]
    return anchors, versions


class Scanner:
    """Finds the candidate lines of a block. `conditions` are `anchor_conditions(index)`, in order."""

    engine = "abstract"

    def __init__(self, conditions):
        self.conditions = tuple(conditions)

    def candidates(self, block: bytes) -> Candidates:
        raise NotImplementedError


class Store:
    """Where a scanner may keep its compiled form between runs (the caller decides where; the matcher
    does no I/O): `get(key)` returns the bytes put under `key`, or None."""

    def get(self, key: str):
        return None

    def put(self, key: str, data: bytes) -> None:
        pass


def _split(block: bytes, parts: int) -> list[tuple[int, int]]:
    """(start, end) of up to `parts` pieces of the block, cut after line breaks."""
    if parts < 2 or len(block) < (4 << 20):
        return [(0, len(block))]
    cuts = [0]
    for k in range(1, parts):
        nl = block.find(b"\n", len(block) * k // parts)
        if nl < 0 or nl + 1 <= cuts[-1]:
            continue
        cuts.append(nl + 1)
    cuts.append(len(block))
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _each_on_a_thread(work, n: int) -> None:
    """work(0) .. work(n - 1), each on a thread of its own when there are several; returns when all are done."""
    if n == 1:
        work(0)
        return
    import threading

    workers = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


class HyperscanScanner(Scanner):
    """Hyperscan as the multi-literal engine of `literal_plan`, as grep is for `GrepScanner`: one
    database of the plan's needles (plain literals), its weak conjunctions (`a[^\n]*b`, both orders)
    and the version pattern; each line it finds is then checked against the conditions
    (`ConditionCheck`). Large blocks are scanned in pieces on several threads (Hyperscan releases the
    GIL while it scans). Every condition as a regex of its own, in one database, read a busy log at
    70 MB/s a thread: the conditions' short words (`all`, `model`, `get`) start a match attempt at
    nearly every line; the plain literals are read at 500 MB/s."""

    engine = "hyperscan"

    def __init__(self, conditions, store: "Store | None" = None, threads: int = 0):
        import hyperscan  # type: ignore

        super().__init__(conditions)
        self._hs = hyperscan
        needles, conjunctions = literal_plan(self.conditions)
        exprs = ([_escape(n).encode("utf-8") for n in needles]
                 + [line_pattern((conj,), "[^\\n]*").encode("utf-8") for conj in conjunctions]
                 + [SCAN_PREFIX])
        flags = [hyperscan.HS_FLAG_CASELESS] * (len(exprs) - 1) + [0]
        self._version_pid = len(exprs) - 1
        self._vid = len(self.conditions)  # a version row's id among the condition ids (`_split_rows`)
        self._db = self._load(exprs, flags, store or Store())
        self._check = ConditionCheck(self.conditions)
        self.threads = threads or min(os.cpu_count() or 1, 4)
        self._scratch = [hyperscan.Scratch(self._db) for _ in range(self.threads)]

    def _load(self, exprs, flags, store: "Store"):
        import hashlib
        import platform

        hs = self._hs
        h = hashlib.sha256(repr((exprs, flags, getattr(hs, "__version__", ""), platform.machine())).encode())
        key = f"hyperscan-{h.hexdigest()[:24]}"
        data = store.get(key)
        if data:
            try:
                return hs.loadb(data, hs.HS_MODE_BLOCK)
            except Exception:  # another CPU or library version: compile again
                pass
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        db.compile(expressions=exprs, ids=list(range(len(exprs))), flags=flags)
        store.put(key, hs.dumpb(db))
        return db

    def candidates(self, block: bytes) -> Candidates:
        pieces = _split(block, self.threads)
        results: list = [None] * len(pieces)
        vid, version_pid, check = self._vid, self._version_pid, self._check

        def scan(i: int) -> None:
            """Scan one piece (outside the interpreter lock), then check its lines' conditions."""
            base, end = pieces[i]
            out: list[tuple[int, int]] = []
            # one hit per line is enough for a needle (then every condition is checked on the line)
            # and one for the version; a 50 MB line of log records holds millions
            line_end = [-1, -1]

            def on_match(pid, _start, to, _flags, _ctx):
                at = base + to - 1
                kind = 1 if pid == version_pid else 0
                if at < line_end[kind]:
                    return None
                nl = block.find(b"\n", at, end)
                line_end[kind] = end if nl < 0 else nl
                out.append((at, kind))
                return None

            self._db.scan(memoryview(block)[base:end], match_event_handler=on_match, scratch=self._scratch[i])
            out.sort()
            rows, newlines = _lines_of(block, out, base, end)
            checked = []
            for idx, start, kinds in rows:
                ids: set = {vid} if 1 in kinds else set()
                if 0 in kinds:
                    nl = block.find(b"\n", start, end)
                    ids.update(check(block[start:end if nl < 0 else nl]))
                if ids:
                    checked.append((idx, start, frozenset(ids)))
            results[i] = (checked, newlines)

        _each_on_a_thread(scan, len(pieces))
        found, lines = Candidates(), 0
        for rows, newlines in results:
            anchors, versions = _split_rows(rows, self._vid, lines)
            found.anchors += anchors
            found.versions += versions
            lines += newlines
        found.newlines = lines
        return found


class ReScanner(Scanner):
    """Portable: one `re` alternation of the needles, then each condition on the lines it finds."""

    engine = "re"

    def __init__(self, conditions):
        super().__init__(conditions)
        # searched in the lower-cased block: a case-folding alternation of 500 words tries every
        # word at every byte (14 s a megabyte); a trie of them, case-sensitive, skips the bytes no
        # word starts with and tries one branch at the others (0.2 s)
        self._first = re.compile(trie_pattern(w.encode("utf-8").lower() for w in _needles(self.conditions)))
        self._check = ConditionCheck(self.conditions)
        self._version = re.compile(SCAN_PREFIX)

    def _hits(self, rx: re.Pattern[bytes], block: bytes, check=None, cid: int = 0,
              low: Optional[bytes] = None) -> list[tuple[int, int]]:
        hits, pos, n = [], 0, len(block)
        subject = block if low is None else low
        while pos < n:
            m = rx.search(subject, pos)
            if m is None:
                break
            start = block.rfind(b"\n", 0, m.start()) + 1
            nl = block.find(b"\n", m.end())
            end = n if nl < 0 else nl
            ids = check(block[start:end]) if check is not None else (cid,)
            hits.extend((m.start(), i) for i in ids)
            pos = end + 1  # one search per line is enough
        return hits

    def candidates(self, block: bytes) -> Candidates:
        vid = len(self.conditions)
        hits = sorted(self._hits(self._first, block, self._check, low=block.lower())
                      + self._hits(self._version, block, cid=vid))
        rows, newlines = _lines_of(block, hits)
        anchors, versions = _split_rows(rows, vid)
        return Candidates(anchors, versions, newlines)


class GrepScanner(Scanner):
    """The system grep (POSIX, any Unix) as the multi-pattern engine of `literal_plan`, in the C locale
    (byte semantics, ASCII case folding, as the other engines), on as many pieces of the block at once
    as there are cores: `grep -F` of the plan's needles, the years a version starts with and the first
    needle sets of its weak conjunctions, piped through `grep -F` of the same needles and years and the
    conjunctions' other sets (so a conjunction's line holds a word of each, in any order); each
    condition is then checked on the lines printed. Fixed strings keep grep on its multi-string search:
    as one `grep -E` of the conditions (`a.*b`, boundaries) it read a busy 100 MiB log in 52 s, with
    `-F` in 1.2 s; with the weak conjunctions' first words alone (`telegram`, `delivered`) it printed
    94,000 of its lines, with both sets 3,800."""

    engine = "grep"

    def __init__(self, conditions, grep: str, threads: int = 0):
        super().__init__(conditions)
        self._grep = grep
        needles, conjunctions = literal_plan(self.conditions)
        years = [f"20{y:02d}." for y in range(100)]  # the start of calver.SCAN_PREFIX, checked per line
        always = (*needles, *years)
        if conjunctions:
            # a line holding a needle passes both; one holding a word of a weak conjunction's first
            # set passes the first, and the second only with a word of its other set as well
            firsts = [plain(n) for conj in conjunctions for n in conj[0]]
            others = [plain(n) for conj in conjunctions for group in conj[1:] for n in group]
            self._search = ["\n".join(minimal([*always, *firsts])), "\n".join(minimal([*always, *others]))]
        else:
            self._search = ["\n".join(minimal(always))]
        self._check = ConditionCheck(self.conditions)
        self._version = re.compile(SCAN_PREFIX)
        self.threads = threads or min(os.cpu_count() or 1, 4)

    def _run(self, piece: memoryview) -> list[tuple[int, int, bytes]]:
        """(0-based line, byte offset, text) of the lines grep prints: `grep -F` of the first of
        `_search`'s word lists numbers the lines, a `grep -F` of each further one filters its output.
        A thread writes the piece to grep's stdin in one call (no Python loop per pipe buffer) while
        this one reads the output."""
        import threading

        env, search = {"LC_ALL": "C"}, self._search
        procs = [subprocess.Popen([self._grep, "-a", "-n", "-b", "-i", "-F", "-e", search[0]], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)]
        for words in search[1:]:
            procs.append(subprocess.Popen([self._grep, "-a", "-i", "-F", "-e", words], stdin=procs[-1].stdout,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env))
            procs[-2].stdout.close()  # the next grep reads it now

        def feed() -> None:
            try:
                procs[0].stdin.write(piece)
                procs[0].stdin.close()
            except OSError:  # grep stopped reading: its exit status says why
                pass

        writer = threading.Thread(target=feed)
        writer.start()
        out = procs[-1].stdout.read()
        writer.join()
        for proc in procs:
            err = proc.stderr.read()
            if proc.wait() not in (0, 1):
                raise OSError(f"grep failed: {err.decode(errors='replace').strip()}")
        rows = []
        for row in out.split(b"\n"):
            if row:
                no, off, text = row.split(b":", 2)
                rows.append((int(no) - 1, int(off), text))
        return rows

    def candidates(self, block: bytes) -> Candidates:
        pieces = _split(block, self.threads)
        results: list[list[tuple[int, int, bytes]]] = [[] for _ in pieces]
        newlines = [0] * len(pieces)

        def run(i: int) -> None:
            start, end = pieces[i]
            results[i] = self._run(memoryview(block)[start:end])
            newlines[i] = block.count(b"\n", start, end)  # while grep works on the other pieces

        _each_on_a_thread(run, len(pieces))
        anchors, versions, lines = [], [], 0
        for (start, _end), rows, count in zip(pieces, results, newlines):
            checked = self._check.many([text for _no, _off, text in rows])
            for (no, off, text), ids in zip(rows, checked):
                if ids:
                    anchors.append((lines + no, start + off, frozenset(ids)))
                if self._version.search(text):
                    versions.append((lines + no, start + off))
            lines += count
        return Candidates(anchors, versions, lines)


WEAK = 3  # vocabulary.selectivity below which a needle set finds too many ordinary lines to search for


def literal_plan(conditions, weak: int = WEAK) -> tuple[tuple[str, ...], tuple[tuple[frozenset, ...], ...]]:
    """What an engine without Hyperscan looks for: needles (one of which is on any line meeting a
    condition) and conjunctions (needle sets all on the line, in any order). An alternative whose most
    selective needle set is still common (`delivered` with `false`, `whatsapp` with `status`) is a
    conjunction; any other alternative contributes its most selective set of needles."""
    needles, conjunctions = [], []
    for cond in conditions:
        for conj in cond:
            if len(conj) > 1 and set_selectivity(conj[0])[0] < weak:
                conjunctions.append(conj)
            else:
                needles.extend(plain(n) for n in conj[0])
    return minimal(needles), tuple(dict.fromkeys(conjunctions))


def trie_pattern(words) -> bytes:
    """One regex (bytes) matching any of `words` where it starts, as a trie: `(?:ab(?:c|d)|x)`. Python's
    `re` tries each branch of an alternation in turn at every position; a trie tries one per byte."""
    trie: dict = {}
    for w in set(words):
        node = trie
        for b in w:
            node = node.setdefault(b, {})
        node[None] = {}

    def emit(node: dict) -> bytes:
        branches = [re.escape(bytes([b])) + emit(child) for b, child in sorted((k, v) for k, v in node.items() if k is not None)]
        if not branches:
            return b""
        body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
        return b"(?:" + body + b")?" if None in node else body

    pattern = emit(trie)
    return pattern if pattern else b"(?!)"


def _needles(conditions) -> tuple[str, ...]:
    """The most selective needle set of each alternative (conditions are sorted that way): a line
    meeting a condition holds one of these."""
    return minimal(plain(n) for cond in conditions for conj in cond for n in conj[0])


class ConditionCheck:
    """Which conditions does a raw line meet? (Run on single candidate lines only, and only for the
    conditions one of whose needles is on the line.) The answer is `line_pattern`'s, but found with
    substring searches: each alternative's needle sets in some order, each starting after the end of
    the one before. The pattern itself (`(a|b)[^\\n]*(c|d)`) backtracks from every `a` to the end of
    the line: a 50 MB line of `k=v` pairs took minutes; this is linear in the line."""

    def __init__(self, conditions):
        def needle(n: str) -> tuple[bytes, "re.Pattern[bytes] | None"]:
            low = plain(n).encode("utf-8").lower()
            # `\\b` after a needle that ends in a word character: no word character next
            return low, (re.compile(re.escape(low) + rb"(?![0-9A-Za-z_])") if n.endswith(BOUNDARY) else None)

        self._checks = [(tuple({plain(n).encode("utf-8").lower() for conj in c for n in conj[0]}),
                         tuple(tuple(tuple(needle(n) for n in sorted(group)) for group in conj) for conj in c))
                        for c in conditions]
        # per condition, per alternative: the needles of each of its sets, to see first that the line
        # holds one of each at all (most candidate lines do not) before looking at their order
        self._sets = [tuple(tuple(frozenset(n for n, _b in group) for group in conj) for conj in alts)
                      for _needles, alts in self._checks]
        # the conditions each first needle can start, so that a line is checked only against those
        self._by_needle: dict[bytes, list[int]] = {}
        for i, (needles, _alts) in enumerate(self._checks):
            for n in needles:
                self._by_needle.setdefault(n, []).append(i)
        self._finder = None  # finds every needle of a line in one pass, built on first need

    def __call__(self, line: bytes) -> list[int]:
        low = line.lower()  # ASCII case folding, as the patterns' IGNORECASE on bytes
        return self._met(low, self._one_pass().find(low))

    def many(self, lines: Sequence[bytes]) -> list[list[int]]:
        """`[self(line) for line in lines]`, with the needles of all the lines found in one pass over
        them joined: the 94,000 lines grep prints for a busy 100 MiB log took 1.9 s one by one."""
        if not lines:
            return []
        joined = b"\n".join(lines).lower()
        starts, pos = [], 0
        for line in lines:
            starts.append(pos)
            pos += len(line) + 1
        present = self._one_pass().find_per_line(joined, starts)
        return [self._met(joined[starts[i]:starts[i] + len(lines[i])], present[i]) if i in present else []
                for i in range(len(lines))]

    def _met(self, low: bytes, present: set) -> list[int]:
        """The conditions a lower-cased line holding the needles `present` meets."""
        ids = sorted({i for n in present for i in self._by_needle.get(n, ())})
        return [i for i in ids if any(all(not present.isdisjoint(g) for g in sets) and _meets(low, conj, present)
                                      for conj, sets in zip(self._checks[i][1], self._sets[i]))]

    def _one_pass(self) -> "_OnePass":
        """Finds every needle of a text in one pass: a substring search per needle of every condition
        took 15 million generator steps on the candidate lines of a busy 60 MB log, and read a 50 MB
        line hundreds of times. Built on first need."""
        if self._finder is None:
            words = set(self._by_needle)
            words |= {n for _needles, alts in self._checks for conj in alts for group in conj for n, _b in group}
            self._finder = _OnePass(words)
        return self._finder


class _OnePass:
    """The `words` (lower-case bytes) a lower-cased text holds. With pyahocorasick, an Aho-Corasick
    automaton over the bytes read as Latin-1 (one character per byte, so a match is a byte match);
    else one regex trie that gives the longest word starting at each position, and with it every
    word that is a prefix of that one."""

    def __init__(self, words: set):
        from .needles import Needles

        self._needles = Needles(w.decode("latin-1") for w in words)
        self._bytes = tuple(w.encode("latin-1") for w in self._needles.order)
        if not self._needles.one_pass:
            self._prefixes = {w: [w[:k] for k in range(1, len(w) + 1) if w[:k] in words] for w in words}
            self._trie = re.compile(b"(?=(" + trie_pattern(words) + b"))")

    def find(self, low: bytes) -> set:
        if self._needles.one_pass:
            return {self._bytes[k] for k in self._needles.positions(low.decode("latin-1"))}
        return {p for w in set(self._trie.findall(low)) for p in self._prefixes[w]}

    def find_per_line(self, joined: bytes, starts: list[int]) -> dict[int, set]:
        """Line index -> the words it holds, for lines joined by line breaks (line i at `starts[i]`;
        no word holds a line break, so none runs from one line into the next)."""
        out: dict[int, set] = {}
        if self._needles.one_pass:
            for word, lines in self._needles.lines_holding(joined.decode("latin-1"), starts).items():
                w = word.encode("latin-1")
                for i in lines:
                    out.setdefault(i, set()).add(w)
            return out
        for m in self._trie.finditer(joined):
            i = bisect_right(starts, m.start()) - 1
            out.setdefault(i, set()).update(self._prefixes[m.group(1)])
        return out


def _meets(low: bytes, conj, present: set) -> bool:
    """Whether the needle sets of `conj` occur in `low` one after another, in some order. `present`:
    the needles `low` holds (others are not looked for)."""
    from itertools import permutations

    for order in permutations(conj):
        pos = 0
        for group in order:
            pos = _earliest_end(low, group, pos, present)
            if pos < 0:
                break
        else:
            return True
    return False


def _earliest_end(low: bytes, group, pos: int, present: set) -> int:
    """The earliest end of an occurrence, at or after `pos`, of one of the group's needles; -1 if none
    (the earliest end is what leaves the most room for the sets that follow)."""
    best = -1
    for n, bounded in group:
        if n not in present:
            continue
        if bounded is None:
            at = low.find(n, pos)
        else:
            m = bounded.search(low, pos)
            at = m.start() if m else -1
        if at >= 0 and (best < 0 or at + len(n) < best):
            best = at + len(n)
    return best


def build(index: Index, engine: str = "auto", store: "Store | None" = None) -> Scanner:
    """A scanner for the index's anchor conditions. engine: auto (the fastest available), hyperscan,
    grep or re. `store` keeps a compiled Hyperscan database between runs."""
    words = anchor_conditions(index)
    if engine in ("auto", "hyperscan"):
        try:
            return HyperscanScanner(words, store)
        except ImportError:
            if engine == "hyperscan":
                raise
    if engine in ("auto", "grep"):
        grep = shutil.which("grep")
        if grep is not None and _grep_works(grep):
            return GrepScanner(words, grep)
        if engine == "grep":
            raise OSError("no working grep on PATH")
    return ReScanner(words)


def _grep_works(grep: str) -> bool:
    try:
        proc = subprocess.run([grep, "-a", "-n", "-b", "-i", "-F", "-e", "zq\nbc"], input=b"x\nABC\n",
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={"LC_ALL": "C"},
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.stdout == b"2:2:ABC\n"
