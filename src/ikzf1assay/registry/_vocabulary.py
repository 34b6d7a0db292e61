"""The calls a reviewer may give: a tolerant reading of the assay's call vocabulary.

A reviewed or amended call is accepted when, after trimming (``∆`` read as ``Δ``, case ignored
for words), it is one of

- ``not detected`` (also ``negative``, ``none``), ``inconclusive``, ``invalid``;
- a deletion of the run: ``Δ4-7``, also written ``4-7``, ``del4-7`` or ``delta 4-7``; the
  deletions of a run are the four of the bundled assay (Δ4-7, Δ2-7, Δ2-8, Δ4-8) and every
  other ``Δa-b`` reaction of its wells or deletion of its calls;
- two or more such deletions joined by ``+`` or ``,`` (``Δ4-7+Δ2-8``): stored as the call
  ``mixed`` with its deletions listed (``Δ2-8,Δ4-7``), the form of calls.tsv;
- ``mixed`` alone (deletions not listed), or any call text found verbatim in the run's calls.

The stored call is always in the vocabulary of calls.tsv, so that the cohort side reads it.
Its status is ``inconclusive`` or ``invalid`` for those two calls and ``valid`` otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ikzf1assay.errors import RegistryError

__all__ = ["STANDARD_DELETIONS", "normalise_review_call"]

STANDARD_DELETIONS = ("Δ4-7", "Δ2-7", "Δ2-8", "Δ4-8")
_WORDS = {
    "not detected": "not detected",
    "negative": "not detected",
    "none": "not detected",
    "inconclusive": "inconclusive",
    "invalid": "invalid",
    "mixed": "mixed",
}
_DELETION = re.compile(r"^(?:Δ|∆|del(?:ta)?\s*)?\s*(\d+)\s*[-–—_]\s*(\d+)$", re.IGNORECASE)


def _deletion(text: str) -> str | None:
    m = _DELETION.match(text.strip())
    return f"Δ{m.group(1)}-{m.group(2)}" if m else None


def normalise_review_call(
    text: str, deletions: Iterable[str], table_calls: Iterable[str]
) -> tuple[str, str, str]:
    """The stored form of a reviewer's call.

    Parameters
    ----------
    text
        The call as given.
    deletions
        The deletions the run tests (reaction names such as ``Δ4-7``).
    table_calls
        The calls of the run's calls table (accepted verbatim).

    Returns
    -------
    tuple of str
        (call, deletions joined by ``,``, status).

    Raises
    ------
    RegistryError
        When the text is not a call of the vocabulary.
    """
    known = {d.replace("∆", "Δ") for d in (*STANDARD_DELETIONS, *deletions) if _deletion(d)}
    given = text.strip().replace("∆", "Δ")
    word = _WORDS.get(re.sub(r"\s+", " ", given.casefold()))
    if word is not None:
        status = word if word in ("inconclusive", "invalid") else "valid"
        return word, "", status
    parts = [p for p in re.split(r"\s*[+,]\s*", given) if p]
    found = [_deletion(p) for p in parts]
    if parts and all(d is not None and d in known for d in found):
        unique = sorted({d for d in found if d is not None})
        if len(unique) == 1:
            return unique[0], unique[0], "valid"
        return "mixed", ",".join(unique), "valid"
    verbatim = {c.strip() for c in table_calls if c and c.strip()}
    if given in verbatim:
        return given, "", "valid"
    raise RegistryError(
        f"call {text!r} is not in the assay's vocabulary: give one of "
        + ", ".join([*sorted(known), "a combination such as Δ4-7+Δ2-8", "mixed"])
        + ", not detected, inconclusive or invalid"
    )
