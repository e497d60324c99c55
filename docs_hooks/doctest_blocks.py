"""MkDocs hook: show docstring doctests as code, not as Markdown.

Docstrings hold ``>>>`` examples (they run as doctests). Rendered as plain
Markdown, their output such as ``['97530']`` reads as a link reference. This
hook adds a Markdown preprocessor that fences every run of doctest lines
outside existing code fences.
"""

from __future__ import annotations

from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor


class _DoctestFence(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fenced = False
        in_doctest = False
        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith(("```", "~~~")):
                fenced = not fenced
            if not fenced and not in_doctest and stripped.startswith(">>>"):
                out += ["", "```pycon"]
                in_doctest = True
            elif in_doctest and not stripped:
                out += ["```", ""]
                in_doctest = False
            out.append(stripped if in_doctest else line)
        if in_doctest:
            out.append("```")
        return out


class DoctestFenceExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(_DoctestFence(md), "doctest_fence", 30)


def on_config(config: Any) -> Any:
    config.markdown_extensions.append(DoctestFenceExtension())
    return config
