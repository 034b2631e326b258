"""Peak resident memory of a command, as the kernel accounts it for that one process.

``os.wait4`` returns the resource usage of exactly the child waited for, and ``ru_maxrss`` is its
resident-set high-water mark in KiB on Linux. That mark starts at the RSS the child had when it
was forked, i.e. its parent's: forked straight from a big process (a test run, the benchmark with
its frontend loaded) a small command would report the parent's size. So the command is started by
a small launcher process, which forks it and reports its ``wait4`` usage.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .sentences import RTF_SET

_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
proc.returncode = os.waitstatus_to_exitcode(status)
print(usage.ru_maxrss, proc.returncode)
"""


@dataclass(frozen=True)
class PeakRss:
    mb: float
    """Peak RSS in MiB."""
    returncode: int
    stderr: str


def peak_rss(command: Sequence[str], timeout: float = 600.0) -> PeakRss:
    """Run ``command`` (stdout discarded) and return its peak RSS; TimeoutError past ``timeout`` s."""
    with tempfile.TemporaryFile() as err:
        launcher = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER, *command], stdout=subprocess.PIPE,
                                    stderr=err, start_new_session=True)
        try:
            out, _ = launcher.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)  # the launcher and the command with it
            launcher.communicate()
            raise TimeoutError(f"{command[0]} ran past {timeout:.0f} s") from None
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    fields = out.split()
    if launcher.returncode != 0 or len(fields) != 2:
        raise RuntimeError(f"could not run {command[0]}: {text[-1000:]}")
    return PeakRss(int(fields[0]) / 1024, int(fields[1]), text)


def say_peak_rss(voice_dir: str | Path, threads: int = 1, text: str | None = None) -> PeakRss:
    """Peak RSS of ``sambert-edge say`` speaking ``text`` (default: the RTF set) with ``voice_dir``."""
    return peak_rss([sys.executable, "-m", "sambert_edge", "say", text or "".join(RTF_SET),
                     "--voice", str(voice_dir), "--threads", str(threads), "-o", os.devnull])
