"""The one jinja2 environment of the HTML reports (templates in ``report/templates``).

Autoescaping is on for every template: every user-supplied string (sample names, file names,
clinical values) is escaped; an undefined name in a template is an error, not an empty string.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import jinja2

__all__ = ["environment", "render"]


@cache
def environment() -> jinja2.Environment:
    """The shared environment (built once)."""
    templates = resources.files("ikzf1assay.report") / "templates"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render(template: str, **context: object) -> str:
    """``template`` (a file name under ``report/templates``) rendered with ``context``."""
    return environment().get_template(template).render(**context)
