"""Starting the local teacher: an engine that dies on its first computation is caught at start, with
the reason, rather than failing every sample of a run with a bare connection error.

The server is a stand-in at the process boundary: a tiny HTTP server that lists its model, then dies of
the signal given when asked to compute (as a llama.cpp built for CPU features the machine lacks does)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from labui.errors import TeacherUnreachableError
from labui.generate import local

SERVER = """
import http.server, json, os, signal, sys
port, sig = int(sys.argv[1]), int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        body = json.dumps({"data": [{"id": "m"}]}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        if sig: os.kill(os.getpid(), sig)
        body = json.dumps({"choices": [{"message": {"content": "Hi"}}]}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


def _stand_in(monkeypatch: pytest.MonkeyPatch, sig: int) -> None:
    monkeypatch.setattr(local, "server_available", lambda: True)
    monkeypatch.setattr(local, "find_gguf", lambda: Path("model.gguf"))
    monkeypatch.setattr(
        local, "serve_command", lambda model, port, **kw: [sys.executable, "-c", SERVER, str(port), str(sig)]
    )


def test_an_engine_that_dies_on_its_first_token_is_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _stand_in(monkeypatch, signal.SIGILL)
    with pytest.raises(TeacherUnreachableError) as err:
        local.start_local_teacher(wait_s=60)
    assert "died on its first completion: signal SIGILL (illegal instruction)" in str(err.value)
    assert "GGML_NATIVE=OFF" in str(err.value)  # what to do about it


def test_an_engine_that_computes_is_returned_running(monkeypatch: pytest.MonkeyPatch) -> None:
    _stand_in(monkeypatch, 0)
    teacher = local.start_local_teacher(wait_s=60)
    try:
        assert teacher.alive()
    finally:
        teacher.stop()
    assert not teacher.alive()


def test_exit_reasons_in_words() -> None:
    assert local.exit_reason(1) == "code 1"
    assert local.exit_reason(-signal.SIGKILL) == "signal SIGKILL (killed)"
    assert local.exit_reason(-signal.SIGILL).startswith("signal SIGILL (illegal instruction); ")
