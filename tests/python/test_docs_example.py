"""The Python examples of docs/api.md and README.md run as written (from a scratch directory that
sees the repository's examples/)."""
import os
import re
import subprocess
import sys

import pytest


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.mark.parametrize("doc,section", [("docs/api.md", "## Python"), ("README.md", None)])
def test_the_documented_example_runs(root, tmp_path, doc, section):
    pytest.importorskip("matplotlib").use("Agg")
    text = (root / doc).read_text()
    if section:
        text = text[text.index(section):]
    code = python_blocks(text)[0]
    (tmp_path / "examples").symlink_to(root / "examples")
    env = dict(os.environ, MPLBACKEND="Agg")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "results/cuba/manifest.json").is_file()
