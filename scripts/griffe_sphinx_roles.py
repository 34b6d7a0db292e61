"""Griffe extension for the documentation site: Sphinx roles in docstrings as Markdown.

The docstrings are numpydoc and cross-reference with Sphinx roles (``:func:`read_run```,
``:class:`~ikzf1assay.qpcr.plate.Plate```), which ``help()`` and IDEs show as they are but
MkDocs would print literally. Each role becomes a code span of what Sphinx would display:
the last component after ``~``, the title of ``title <target>``, else the target.
Loaded by mkdocs.yml (``plugins: mkdocstrings: ... extensions``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|data|mod|meth|attr|exc|obj|const):`([^`]+)`")
# reST's "text::" before an indented literal block: Markdown shows the indented block as code
# already, so "::" at the end of a line becomes ":" ("text ::" becomes "text")
LITERAL = re.compile(r"(\S)( ?)::[ \t]*$", re.M)


def role_text(match: re.Match[str]) -> str:
    """The code span Sphinx would show for one role."""
    target = match.group(1).strip()
    titled = re.fullmatch(r"(.+?)\s*<([^>]+)>", target)
    if titled:
        return f"`{titled.group(1)}`"
    if target.startswith("~"):
        return f"`{target[1:].rsplit('.', 1)[-1]}`"
    return f"`{target.lstrip('.!')}`"


def markdown_roles(text: str) -> str:
    """``text`` with every Sphinx cross-reference role replaced by a Markdown code span, and
    each literal-block marker ``::`` at a line's end by ``:``."""
    text = ROLE.sub(role_text, text)
    return LITERAL.sub(lambda m: m.group(1) + ("" if m.group(2) else ":"), text)


class SphinxRoles(griffe.Extension):
    """Rewrite the roles of every docstring once the package is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Walk the loaded package and rewrite each docstring in place."""
        seen: set[int] = set()
        stack: list[griffe.Object] = [pkg]
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if obj.docstring is not None:
                obj.docstring.value = markdown_roles(obj.docstring.value)
            stack.extend(m for m in obj.members.values() if isinstance(m, griffe.Object))
