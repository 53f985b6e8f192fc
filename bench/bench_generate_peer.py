"""Generation side by side with a peer: sdg-hub's LLMChatBlock (litellm, async) and labui on the same
scripted OpenAI-compatible server, same latency, same concurrency, one request per sample.

sdg-hub runs in a venv of its own (`python -m venv /tmp/sdgvenv && /tmp/sdgvenv/bin/pip install sdg-hub`,
or SDG_VENV=...); without it this prints that it is missing and measures labui alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT
from bench_generate import KNOWLEDGE, TAXONOMY, ServerProcess, _store

sys.path.insert(0, str(ROOT))

from labui.generate.pipelines import GenOptions
from labui.generate.runner import execute, plan_run
from labui.generate.teacher import TeacherClient, TeacherConfig
from labui.taxonomy import load_taxonomy

SDG_VENV = Path(os.environ.get("SDG_VENV", "/tmp/sdgvenv"))

# Run inside the sdg-hub venv: N chat requests through LLMChatBlock with max concurrency C.
PEER = r"""
import json, logging, sys, time
import pandas as pd
logging.disable(logging.CRITICAL)
from sdg_hub.core.blocks.llm.llm_chat_block import LLMChatBlock
url, n, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
prompt = 'Write ONE question and its answer. Reply with a JSON object only: {"question": "...", "answer": "..."}'
df = pd.DataFrame({"messages": [[{"role": "user", "content": f"{prompt} ({i})"}] for i in range(n)]})
block = LLMChatBlock(block_name="gen", input_cols="messages", output_cols="response",
                     model="hosted_vllm/scripted-teacher", api_base=url, api_key="none", async_mode=True,
                     max_tokens=64, temperature=0.7)
t = time.perf_counter()
out = block.generate(df, _flow_max_concurrency=c)
dt = time.perf_counter() - t
ok = sum(1 for r in out["response"] if r)
print(json.dumps({"seconds": dt, "ok": ok}))
"""


def peer(url: str, n: int, c: int) -> dict[str, float] | None:
    py = SDG_VENV / "bin" / "python"
    if not py.exists():
        return None
    proc = subprocess.run(
        [str(py), "-c", PEER, url, str(n), str(c)], capture_output=True, text=True, timeout=900
    )
    if proc.returncode != 0:
        print(f"sdg-hub failed: {proc.stderr[-1500:]}")
        return None
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def labui(url: str, n: int, c: int) -> float:
    config = TeacherConfig(urls=(url,), model="scripted-teacher", concurrency=c, timeout=30)
    store = _store()
    plan = plan_run(
        store, load_taxonomy(TAXONOMY), [KNOWLEDGE], GenOptions(num_samples=n, max_tokens=64), config
    )
    import openai  # noqa: F401 - imported before the clock, as the peer's imports are

    t = time.perf_counter()
    summary = execute(store, plan, TeacherClient(config))
    assert summary["samples"] == n, summary
    return time.perf_counter() - t


def main() -> int:
    latency = 1.0
    if not (SDG_VENV / "bin" / "python").exists():
        print(
            f"sdg-hub: no venv at {SDG_VENV} (python -m venv {SDG_VENV} && {SDG_VENV}/bin/pip install sdg-hub)"
        )
    for c, n in ((8, 80), (64, 640)):
        with ServerProcess(latency=latency) as server:
            ours = labui(server.url, n, c)
        with ServerProcess(latency=latency) as server:
            theirs = peer(server.url, n, c)
        line = f"C={c} L={latency}s, {n} samples: labui {n / ours:.1f} samples/s ({n / ours / (c / latency):.2f} of C/L)"
        if theirs:
            rate = theirs["ok"] / theirs["seconds"]
            line += f"; sdg-hub {rate:.1f} samples/s ({rate / (c / latency):.2f} of C/L, {int(theirs['ok'])}/{n} ok)"
            line += f"; labui / sdg-hub = {(n / ours) / rate:.2f}x"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
