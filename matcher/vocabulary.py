"""Words too common in OpenClaw gateway logs to find anything with.

A rule can only match a line that holds one of its indicators' anchor words, and the large-log
prefilter looks for those words in raw bytes. A word that every healthy gateway log repeats on most
lines (a field name, a subsystem, a provider) selects nearly every line and so finds nothing; where
an indicator offers a choice, a rarer word is taken instead.

The list is the vocabulary of OpenClaw's own healthy log lines (`<ts> [subsystem] message` and the
tslog JSON records: subsystem names, field names, channel and provider names, run bookkeeping), as
documented in ../shared/reference/openclaw-facts.md, plus general log words. It is not derived from
any failure: a word is here because healthy traffic is full of it.
"""
from __future__ import annotations

# English words that carry no meaning of their own in a phrase
STOP = frozenset("""
this that with from have your when were been into they them then than there their which while what
will would could should about after before other more most some such only also just very each every
none true false null value
""".split())

COMMON = frozenset("""
agent agents session sessions sessionid sessionkey run runid runs embedded lane lanes task tasks
model models provider providers request requests response responses message messages status reason
error errors failed failure warn warning info debug level time date hostname name runtime runtimeversion
openclaw gateway config channel channels chat tools tool command commands exec durationms duration
heartbeat health monitor cron job jobs sessiontarget wakemode started start done end finished ok success succeeded delivered
telegram discord slack whatsapp webchat signal imessage anthropic openai google claude gemini openrouter
deepseek sonnet opus haiku token tokens usage inputtokens outputtokens cacheread conn plugins plugin
code http https version decision candidate candidates requested next fallback inbound outbound chunks
credentials profile profiles default main direct auth one new unknown reload
""".split())




def size(word: str) -> int:
    """A word's length in UTF-8 bytes, the unit the scanner searches: a CJK character (three bytes) is
    as rare in a gateway log as three Latin letters, so `欠费` (arrears) is no common short word."""
    return len(word.encode("utf-8"))


def is_common_word(word: str) -> bool:
    """Too frequent to search for: short, listed, or part of a listed word (`mode` is in `model`)."""
    return size(word) < 4 or word in STOP or any(word in c for c in COMMON)


def selectivity(needle: str) -> tuple[int, int]:
    """How well a needle singles out lines: characters in uncommon words (a sequence of words,
    even common ones, counts three per word after the first: `out of` is rarer than `unknown`),
    then length."""
    bounded = needle.endswith("\x08")  # regex_safety.BOUNDARY: a number no digit follows
    words = needle.rstrip("\x08").split()
    return (sum(size(w) for w in words if not is_common_word(w)) + 3 * (len(words) - 1) + 2 * bounded,
            size(needle))


def set_selectivity(needles) -> tuple[int, int]:
    """A set of alternatives is as selective as its least selective member."""
    return min(selectivity(n) for n in needles)
