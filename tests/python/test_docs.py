"""docs/python.md's walk-through is itself a test: its ```python blocks run
in order, in one namespace, from the repository's root."""

import os
import re

from conftest import REPO


def test_python_md_walkthrough_runs(monkeypatch):
    text = (REPO / "docs" / "python.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(REPO)
    namespace = {"__name__": "walkthrough"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/python.md block {i + 1}", "exec"), namespace)
    assert os.getcwd() == str(REPO)
