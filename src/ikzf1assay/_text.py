"""Text exports as labs have them: encodings, line endings, delimiters and number formats.

Decoding order: a byte-order mark decides (UTF-8, UTF-16 LE/BE); UTF-16 without a mark is
recognised by its NUL bytes; then strict UTF-8; then charset-normalizer chooses among the
Windows code pages instrument PCs use (GB18030 for Chinese-locale Windows, which contains GBK;
cp1252 for Western Europe). Numbers may use a decimal comma (European locales) or thousands
separators; the convention is decided once per file from values that can only be read one way.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from ikzf1assay.errors import InputFormatError

__all__ = ["Numbers", "decode_text", "guess_delimiter", "split_line", "split_rows"]

_CANDIDATE_CODEPAGES = ["gb18030", "cp1252", "shift_jis", "big5"]


def decode_text(raw: bytes, source: str) -> str:
    """Bytes of a text export to str, with line endings made ``\\n``."""
    try:
        return _decode(raw, source)
    except UnicodeDecodeError as exc:
        raise InputFormatError(
            f"not valid {exc.encoding} text at byte {exc.start} ({exc.reason}); "
            "is the file damaged or truncated?",
            source=source,
        ) from None


def _decode(raw: bytes, source: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        text = raw[3:].decode("utf-8", errors="strict")
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    elif len(raw) >= 4 and raw[1:4:2] == b"\x00\x00" and raw[0] != 0:
        text = raw.decode("utf-16-le", errors="strict")
    elif len(raw) >= 4 and raw[0:4:2] == b"\x00\x00" and raw[1] != 0:
        text = raw.decode("utf-16-be", errors="strict")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            best = from_bytes(raw, cp_isolation=_CANDIDATE_CODEPAGES).best()
            if best is None:
                raise InputFormatError(
                    "cannot tell the text encoding; save the export as UTF-8 or UTF-16",
                    source=source,
                ) from None
            text = str(best)
    if "\x00" in text:
        raise InputFormatError("binary content (NUL bytes) in a text export", source=source)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def guess_delimiter(header: str) -> str:
    """Tab, semicolon or comma: whichever splits a header line into the most fields."""
    counts = {d: header.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else "\t"


def split_line(line: str, delimiter: str) -> list[str]:
    """The fields of one line (``[]`` for a blank line), honouring quotes, trimmed."""
    rows = split_rows([line], delimiter)
    return rows[0] if rows else []


def split_rows(lines: list[str], delimiter: str) -> list[list[str]]:
    """Split lines into fields, honouring double quotes, trimming spaces.

    A field may be of any length (a pasted comment, a long sample name): the csv module's
    field limit (128 KiB by default) is raised to the text's length when needed.
    """
    if not any('"' in line for line in lines):
        # no quotes: the csv module would give the same fields, slower
        return [[f.strip() for f in line.split(delimiter)] if line else [] for line in lines]
    text = "\n".join(lines)
    if len(text) >= csv.field_size_limit():
        csv.field_size_limit(len(text) + 1)  # process-wide, only ever raised
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"')
    return [[f.strip() for f in row] for row in reader]


_PLAIN = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[-+]?\d+,\d+$")
_THOUSANDS_POINT = re.compile(r"^[-+]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$")  # 100,000,000.000
_THOUSANDS_COMMA = re.compile(r"^[-+]?\d{1,3}([. \u00a0\u202f]\d{3})+(,\d+)?$")  # 1.234,5
_MISSING = {"", "-", "nan", "n/a", "na", "none", "null"}


@dataclass(frozen=True)
class Numbers:
    """The number convention of one file: ``decimal_comma`` or not."""

    decimal_comma: bool = False

    @classmethod
    def infer(cls, fields: list[str]) -> Numbers:
        """Decide from values that can only be read one way (``0,627`` or ``30.155``)."""
        comma = point = 0
        for f in fields:
            f = f.strip()
            if _COMMA_DECIMAL.match(f) and not _THOUSANDS_POINT.match(f):
                comma += 1
            elif _PLAIN.match(f) and "." in f:
                point += 1
        return cls(decimal_comma=comma > 0 and point == 0)

    def parse(self, text: str) -> float:
        """A float; NaN for an empty or missing-value field.

        Raises
        ------
        ValueError
            When the text is not a number in this file's convention.
        """
        f = text.strip()
        if f.lower() in _MISSING:
            return math.nan
        if self.decimal_comma:
            if _THOUSANDS_COMMA.match(f):
                f = re.sub(r"[. \u00a0\u202f]", "", f)
            f = f.replace(",", ".")
        elif _THOUSANDS_POINT.match(f):
            f = f.replace(",", "")
        if not _PLAIN.match(f):
            raise ValueError(f"{text!r} is not a number")
        return float(f)
