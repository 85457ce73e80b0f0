"""docs/api.md runs as written: its Python blocks run in order (EMA blocks need the extra), and every name of
`experiments.api` is documented there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import experiments.api
from experiments.discovery import ema_available

API_DOCS = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def blocks() -> list[str]:
    """The Python code blocks of docs/api.md, in order."""
    return re.findall(r"```python\n(.*?)```", API_DOCS.read_text(), re.S)


def test_the_python_blocks_of_the_api_docs_run():
    """Each block runs in one namespace, as a reader would paste them one after the other."""
    namespace: dict = {}
    ran = 0
    for block in blocks():
        if "ema_workbench" in block and not ema_available():
            continue  # the [ema] extra is not installed here (CI installs it)
        exec(compile(block, str(API_DOCS), "exec"), namespace)
        ran += 1
    assert ran >= 4
    assert len(namespace["outcome"].runs) == 8 and "robustness.csv" in namespace["tables"]


@pytest.mark.parametrize("name", experiments.api.__all__)
def test_every_public_name_is_documented(name):
    """Every name `experiments.api` exports appears in docs/api.md."""
    assert f"{name}" in API_DOCS.read_text(), name
