"""Text helpers shared by ingest, validation, widgets and rendering.

Chinese text is measured in characters; answers are compared after folding
full-width to half-width forms (NFKC), dropping white space and case.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "CJK",
    "count_cjk",
    "count_words",
    "fold",
    "plain",
    "reading_minutes",
    "split_emphasis",
]

# Han ideographs, CJK punctuation, full-width forms and the curly quotes Chinese text uses.
CJK = (
    "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
    "\u2018\u2019\u201c\u201d\u2014\u2026"
)
_EMPHASIS = re.compile(r"\*\*(.+?)\*\*", re.S)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")

# Characters a Chinese reader reads per minute; the reader states this rate.
READING_RATE = 400


def plain(text: str) -> str:
    """The text without ``**emphasis**`` markers."""
    return _EMPHASIS.sub(r"\1", text)


def split_emphasis(text: str) -> list[tuple[str, bool]]:
    """``text`` as runs of ``(raw text, emphasised)``, without the ``**`` markers."""
    return [(part, bool(i % 2)) for i, part in enumerate(_EMPHASIS.split(text)) if part]


#: Quotation marks and book-title marks, which learners type in any form (“”, "", 「」,
#: 『』, ‘’, '', 《》); an answer is the same with or without them.
_QUOTES = dict.fromkeys(map(ord, "\"'“”‘’「」『』〝〞＂＇《》〈〉"))


def fold(text: str) -> str:
    """Fold an answer for comparison: NFKC, no white space, no quotation marks, lower case,
    no end punctuation."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    folded = "".join(ch for ch in folded if not ch.isspace())
    return folded.strip("。.，,；;！!").casefold()


def count_cjk(text: str) -> int:
    """Number of Han characters in ``text``."""
    return len(_HAN.findall(text))


def count_words(text: str) -> int:
    """Number of Latin words (runs of letters and digits) in ``text``."""
    return len(_LATIN_WORD.findall(text))


def reading_minutes(chars: int, rate: int = READING_RATE) -> int:
    """Whole minutes to read ``chars`` characters at ``rate`` per minute (at least 1)."""
    return max(1, -(-chars // rate))
