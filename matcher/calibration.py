"""A fitted calibration table applied: a raw score in, the probability of being right out.

Apart from `matcher.similarity` so that a paste the rules decide (calibrated, on every run) loads
neither the similarity layer nor its index.
"""
from __future__ import annotations

from typing import Sequence


def calibrate(table: Sequence[Sequence[float]], raw: float) -> float:
    """The probability of being right at this raw score: linear between the table's points (sorted
    by raw score), flat beyond its ends. An empty table leaves the score as it is."""
    if not table:
        return raw
    if raw <= table[0][0]:
        return table[0][1]
    for (x0, y0), (x1, y1) in zip(table, table[1:]):
        if raw <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (raw - x0) / (x1 - x0)
    return table[-1][1]
