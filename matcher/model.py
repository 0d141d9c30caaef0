"""The matcher's vocabulary: what a rule asks for and what a diagnosis reports.

These types know nothing of YAML files or web pages: `kb` builds `Rule`s from signature files,
the matcher scores them against a `Document`, and returns `Diagnosis` values.

(No `from __future__ import annotations` here: NamedTuple would turn every string annotation into a
ForwardRef, compiling each one, a millisecond of every run's start-up.)
"""
from typing import Literal, NamedTuple, Optional

# the defaults, named once (the signature schema, the loader, the scorer and the command line use these)
MIN_CONFIDENCE = 0.5  # reported diagnoses: the evidence is more likely than not to mean this failure
WINDOW = 40  # lines within which a rule's indicators count in full
MIN_SIMILARITY = 88  # a phrase's rapidfuzz partial-ratio cut-off
MAX_EVIDENCE = 8  # evidence lines shown per diagnosis
CLOSEST_MIN = 0.15  # rule scores below reporting still named as the closest failures (and fitted by calibration)

IndicatorKind = Literal["phrase", "literal", "regex"]
Role = Literal["anchor", "support"]


class Indicator(NamedTuple):
    """One piece of evidence a rule looks for.

    kind:
      phrase  -- compared fuzzily (rapidfuzz partial ratio) against masked, lower-cased lines;
      literal -- exact substring of the canonical line (case-insensitive unless case_sensitive);
      regex   -- a linear-time regular expression over the canonical line.
    after: the id of another indicator of the same rule; this one counts only where it occurs on a
      later line than that indicator's first hit (for example: a skip *after* a billing failure).
    weight: in (0, 1], the author's estimate that this indicator alone establishes the failure.
    role: an `anchor` can establish the rule on its own; a `support` only strengthens a rule that
      already has an anchor (for example a bare `reason=billing`).
    """

    id: str
    kind: IndicatorKind
    pattern: str
    weight: float
    role: Role = "anchor"
    case_sensitive: bool = False
    min_similarity: float = MIN_SIMILARITY
    after: Optional[str] = None  # counts only on lines after a hit of this indicator (sequence evidence)


class Capture(NamedTuple):
    """A named fact pulled out of the input with a regex holding a group of the same name."""

    name: str
    pattern: str


class VersionRange(NamedTuple):
    """An OSV-style range: ordered events `introduced`, `fixed`, `last_affected`."""

    events: tuple[tuple[str, str], ...]


class Rule(NamedTuple):
    """What the engine needs of one signature."""

    id: str
    indicators: tuple[Indicator, ...]
    negatives: tuple[Indicator, ...] = ()
    captures: tuple[Capture, ...] = ()
    window: int = WINDOW
    affected: tuple[VersionRange, ...] = ()
    explains: tuple[str, ...] = ()

    @property
    def span(self) -> int:
        """Lines either side of an anchor the rule reads: its window, at least one (the scorer and
        the stream both measure by it)."""
        return max(self.window, 1)


class Line(NamedTuple):
    """One logical line of the normalised input.

    no: 1-based line number in the original input where the logical line starts.
    text: the line as a person should see it (colour, quoting and escapes removed, secrets redacted).
    canon: `text` lower-cased with `"key": "value"` pairs rewritten as `key=value`.
    masked: `canon` with volatile values (timestamps, ids, numbers, paths...) masked.
    at: where the line stands counted in logical lines (a hard-wrapped paragraph or a continued
        record counts once; pieces of one cut line share it): the scale windows are measured on, so
        that the same text pasted wrapped or unwrapped keeps its evidence together. 0: as `no`.
    """

    no: int
    text: str
    canon: str
    masked: str
    at: int = 0

    @property
    def place(self) -> int:
        return self.at or self.no


class Elided(NamedTuple):
    """Hits of a rule's anchors that a large log had too many of to keep (`matcher.stream`): how
    many lines, and the line number and timestamp of the last."""

    rule: str
    count: int
    last_line: int
    last_time: Optional[str] = None


class Document(NamedTuple):
    lines: tuple[Line, ...]
    openclaw_version: Optional[str] = None  # the version the text reports (the first it states)
    version_line: Optional[int] = None
    elided: tuple[Elided, ...] = ()
    # every version the text states, as (line position, version) in line order: a log that spans an
    # upgrade is judged, failure by failure, by the version in force where it occurs
    versions: tuple[tuple[int, str], ...] = ()


class EvidenceHit(NamedTuple):
    line: int
    text: str
    indicator: str
    strength: float


class VersionVerdict(NamedTuple):
    """What the user's OpenClaw version means for a diagnosis.

    status:
      affected        -- the version is inside an affected range; `fixed_in` names the upgrade if any;
      fixed-later     -- (same as affected, with a known fix) kept separate so callers can say "upgrade to X";
      fixed-before    -- the version already contains the fix: probably something else;
      not-introduced  -- the version predates the failure;
      unknown         -- the signature gives no ranges.
    """

    version: str
    status: Literal["affected", "fixed-later", "fixed-before", "not-introduced", "unknown"]
    fixed_in: Optional[str] = None


class Diagnosis(NamedTuple):
    id: str
    confidence: float
    evidence: tuple[EvidenceHit, ...]
    evidence_total: int
    captures: dict[str, tuple[str, ...]] = {}  # never mutated: a shared empty default is safe
    verdict: Optional[VersionVerdict] = None
    first_line: int = 0  # first and last line where an anchor (the failure itself) shows
    last_line: int = 0
    occurrences: int = 0  # lines where an anchor shows
    first_time: Optional[str] = None  # their timestamps, when the lines carry one
    last_time: Optional[str] = None
