"""Whether a process still runs: how a run's owner and a killed export's leftovers are told apart."""

from __future__ import annotations

import os


def pid_alive(pid: int | None) -> bool:
    """True when a process with this id exists (even one we may not signal); False for none or 0."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
