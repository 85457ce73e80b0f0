"""The documentation and the code stand on their own: they cite public sources, never files outside the repository."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Text files of the repository (docs, README, code and its comments, the About page's sources, configuration).
SUFFIXES = {".md", ".py", ".toml", ".vue", ".txt", ".cfg", ".ini", ".sh"}
SKIPPED = {".git", ".venv", "results", "output", "__pycache__", "node_modules", ".pytest_cache", ".ruff_cache"}
#: Ways of pointing at the design notes, the calibration fact list or folders kept beside the repository.
OUTSIDE = re.compile(
    r"DESIGN\.md"
    r"|facts(-stewards-and-responses)?\.md"
    r"|\bfacts (§|table|tables|section|[A-D][0-9])"
    r"|calibration/facts"
    r"|(?<![\w.-])(\.\./)?(shared|seed)/"
)


def repository_texts() -> list[Path]:
    """Every text file of the repository, this test excepted."""
    files = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED and not name.endswith(".egg-info")]
        for name in names:
            path = Path(folder) / name
            if (path.suffix in SUFFIXES or name in {"run", "README"}) and path != Path(__file__):
                files.append(path)
    return sorted(files)


def test_the_pattern_finds_each_kind_of_outside_reference():
    for text in (
        "see DESIGN.md §3",
        "facts §A1",
        "facts table 5",
        "calibration/facts.md",
        "(see ../shared/recipes/x.md)",
        "the seed/ talk",
    ):
        assert OUTSIDE.search(text), text
    for text in ("results/status-quo-seed0/", "tests/test_fact3_history.py", "shared browser fixtures", "a seed"):
        assert not OUTSIDE.search(text), text


def test_no_doc_or_code_refers_to_files_outside_the_repository():
    files = repository_texts()
    assert any(path.name == "calibration.md" for path in files) and any(path.name == "about.py" for path in files)
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert not found, "cite the public source instead:\n" + "\n".join(found)
