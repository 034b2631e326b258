"""The runtime path never imports torch (checked in a fresh interpreter)."""

import subprocess
import sys

RUNTIME_CODE = """
import sys
import sambert_edge, sambert_edge.cli, sambert_edge.service
from sambert_edge.frontend import Frontend
Frontend().analyze("今天天气很好，我们去公园吧。")
from sambert_edge.cli import main
main(["g2p", "你好"])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "sambert_edge.train", "misaki"))
heavy += sorted(m for m in sys.modules if m.startswith("sambert_edge.train"))
print("HEAVY:" + ",".join(heavy))
"""


def test_runtime_imports_and_runs_without_torch():
    result = subprocess.run([sys.executable, "-c", RUNTIME_CODE], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    line = [x for x in result.stdout.splitlines() if x.startswith("HEAVY:")][0]
    assert line == "HEAVY:", f"runtime pulled in: {line}"
