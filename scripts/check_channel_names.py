"""Lint: outside its own package and the registry, no code line names a channel.

The hub loops over ``channels/registry.py``; a channel's name in a view, a command or a template
is a channel leaking into the core. This walks ``src/satustok`` (channel packages, migrations
and translations left out) and reports every identifier, string constant and template text that
names one. Comments and docstrings may name channels: they explain, they do not branch.

Run by ``make lint``; exits 1 with ``path:line: text`` for each finding.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "satustok"
CHANNEL_WORDS = re.compile(r"tokopedia|shopee|tiktok", re.IGNORECASE)
ALLOWED = ("channels/registry.py",)
SKIPPED_PARTS = {"migrations", "locale", "__pycache__"}
TEMPLATE_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.DOTALL)


def channel_packages() -> set[Path]:
    """Every package under ``channels/`` with a ``channel.py``: a channel's own folder."""
    return {path.parent for path in (ROOT / "channels").glob("*/channel.py")}


def files_to_check() -> Iterator[Path]:
    own = channel_packages()
    for path in sorted(ROOT.rglob("*")):
        if path.suffix not in {".py", ".html"} or SKIPPED_PARTS & set(path.parts):
            continue
        if any(package in path.parents for package in own):
            continue
        if path.relative_to(ROOT).as_posix() in ALLOWED:
            continue
        yield path


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def python_findings(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = docstrings(tree)
    for node in ast.walk(tree):
        text = _code_text(node, skip)
        if text and CHANNEL_WORDS.search(text):
            yield getattr(node, "lineno", 0), text


def _code_text(node: ast.AST, docstring_ids: set[int]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "" if id(node) in docstring_ids else node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
        return node.name
    if isinstance(node, ast.alias):
        return node.name
    if isinstance(node, ast.ImportFrom):
        return node.module or ""
    return ""


def template_findings(path: Path) -> Iterator[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    blanked = TEMPLATE_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for number, line in enumerate(blanked.splitlines(), start=1):
        if CHANNEL_WORDS.search(line):
            yield number, line.strip()


def main() -> int:
    problems = []
    for path in files_to_check():
        finder = python_findings if path.suffix == ".py" else template_findings
        for line, text in finder(path):
            problems.append(f"{path.relative_to(ROOT.parent.parent)}:{line}: {text[:80]}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} channel name(s) outside channel packages and the registry")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
