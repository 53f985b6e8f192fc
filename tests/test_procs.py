"""labui.procs: a live process is told from a finished one."""

from __future__ import annotations

import os
import subprocess
import sys

from labui.procs import pid_alive


def test_a_running_process_is_alive_and_a_reaped_one_is_not() -> None:
    assert pid_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its id names no process now
    assert not pid_alive(child.pid)
    assert not pid_alive(None) and not pid_alive(0)
