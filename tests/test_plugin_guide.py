"""docs/plugins.md stays true: its minimal plugin, built from the guide's own text, passes and trains."""

import re
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.e2e

GUIDE = REPO / "docs" / "plugins.md"


def block_after(text: str, marker: str, language: str) -> str:
    start = text.index(marker)
    match = re.compile(rf"```{language}\n(.*?)```", re.DOTALL).search(text, start)
    return match.group(1)


def test_guide_plugin_from_an_empty_folder(sganctl, data_dir, tmp_path):
    guide = GUIDE.read_text()
    project = tmp_path / "my-sgan"
    (project / "src" / "sganctl_tiny").mkdir(parents=True)
    (project / "src" / "sganctl_tiny" / "__init__.py").write_text(
        block_after(guide, "`src/sganctl_tiny/__init__.py`:", "python"))
    (project / "pyproject.toml").write_text(block_after(guide, "## 3. Register it", "toml"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    proc = subprocess.run([*pip, "install", "--quiet", "--no-deps", "-e", str(project)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    try:
        rows = {row["name"]: row for row in sganctl.json("archs")}
        assert rows["tiny"]["status"] == "ok" and rows["tiny"]["version"] == "0.1.0"
        assert sganctl.json("archs", "check", "tiny")["passed"]
        summary = sganctl.json("train", "--arch", "tiny", "--num-labeled", "100", "--iterations", "20",
                               "--data-dir", data_dir)
        assert summary["test_accuracy"] > 0.2, "20 iterations on 100 labels should beat chance"
    finally:
        subprocess.run([*pip, "uninstall", "--yes", "sganctl-tiny"], capture_output=True, check=False)
