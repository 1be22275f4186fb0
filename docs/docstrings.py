"""A griffe extension (``mkdocs.yml``: mkdocstrings ``extensions``) that adapts two docstring
habits of the package to Markdown when the API reference is rendered; the package is untouched.

- ``Example:`` sections hold ``>>>`` doctests. griffe's Google parser reads only the plural
  title, ``Examples:``, as an examples section (whose doctests it renders as Python sessions);
  the singular would be an admonition whose ``>>>`` lines Markdown reads as nested quotes.
- A paragraph ending in ``::`` introduces an indented formula (reStructuredText's literal
  block). Markdown already renders the indented block as code; the ``::`` is shown as ``:``.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)
_LITERAL = re.compile(r"(\S)::[ \t]*$", re.MULTILINE)


def adapt(text: str) -> str:
    """The docstring ``text`` with ``Example:`` titled ``Examples:`` and ``::`` as ``:``."""
    return _LITERAL.sub(r"\1:", _EXAMPLE.sub(r"\1Examples:", text))


class MarkdownDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = adapt(obj.docstring.value)
