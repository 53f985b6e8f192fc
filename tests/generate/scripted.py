"""A scripted OpenAI-compatible server on 127.0.0.1 for the generation tests and benchmarks.

A small asyncio HTTP/1.1 server (keep-alive, Content-Length bodies) in a thread of its own, so it
keeps up with hundreds of requests per second on one core. It answers /v1/models,
/v1/chat/completions and /v1/completions after a fixed latency, with faults injected by rate or by
a script: 429 with Retry-After, 500, timeouts (a reply slower than the client waits), HTML bodies,
unparseable, empty, empty-JSON and truncated content. It honours `response_format`: with a schema
it answers JSON with exactly the schema's properties; `accept_json_schema=False` refuses the
`json_schema` type the way llama-cpp-python's server does (422), accepting `json_object` + schema.
Every reply it sends with content is recorded in `sent`, so a test can compare the store with it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FAULTS = ("429", "500", "timeout", "html", "unparseable", "empty", "json_empty", "truncated", "bad_json")
_FIELDS_IN_PROMPT = re.compile(r'\{"(\w+)": ')


@dataclass
class Script:
    latency: float = 0.0
    rates: dict[str, float] = field(default_factory=dict)  # fault -> probability per request
    forced: list[str] = field(default_factory=list)  # faults for the first requests, in order ("ok" = none)
    retry_after: str = "0.05"
    hang: float = 5.0  # how long a "timeout" reply takes
    accept_json_schema: bool = True
    refuse_status: int = 422  # how a refused json_schema is answered (llama-cpp-python 0.3: 500)
    models: tuple[str, ...] = ("scripted-teacher",)
    api_key: str | None = None
    judge_score: int = 3
    answer: Callable[[str, int], str] | None = None  # (field, n) -> text; default "<field> #n"
    seed: int = 0


class ScriptedServer:
    def __init__(self, script: Script | None = None) -> None:
        self.script = script or Script()
        self.sent: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.faults_sent: dict[str, int] = {}
        self._counter = itertools.count(1)
        self._rng = random.Random(self.script.seed)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    # ---- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> ScriptedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _shutdown(self) -> None:
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    # ---- HTTP -----------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                status, extra, payload, ctype = await self._route(method, path, headers, body)
                head = [f"HTTP/1.1 {status} X", f"Content-Type: {ctype}", f"Content-Length: {len(payload)}"]
                head += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    async def _route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes, str]:
        js = "application/json"
        if (
            self.script.api_key is not None
            and headers.get("authorization") != f"Bearer {self.script.api_key}"
        ):
            return 401, {}, json.dumps({"error": {"message": "Incorrect API key provided"}}).encode(), js
        if method == "GET" and path == "/_stats":
            stats = {"faults": self.faults_sent, "sent": len(self.sent), "requests": len(self.requests)}
            return 200, {}, json.dumps(stats).encode(), js
        if method == "GET" and path.rstrip("/").endswith("/models"):
            data = [{"id": m, "object": "model", "owned_by": "test"} for m in self.script.models]
            return 200, {}, json.dumps({"object": "list", "data": data}).encode(), js
        if method != "POST" or not path.endswith(("/chat/completions", "/completions")):
            return 404, {}, b'{"error": {"message": "not found"}}', js
        req = json.loads(body)
        chat = path.endswith("/chat/completions")
        with self._lock:
            n = next(self._counter)
            self.requests.append(req)
            fault = self._fault(n)
            self.faults_sent[fault] = self.faults_sent.get(fault, 0) + 1
        if req.get("model") not in self.script.models:
            return (
                404,
                {},
                json.dumps({"error": {"message": f"model {req.get('model')} not found"}}).encode(),
                js,
            )
        fmt = req.get("response_format") or {}
        if fmt.get("type") == "json_schema" and not self.script.accept_json_schema:
            msg = "response_format.type: Input should be 'text' or 'json_object'"
            return (
                422,
                {},
                json.dumps({"detail": [{"msg": msg, "loc": ["body", "response_format"]}]}).encode(),
                js,
            )
        await asyncio.sleep(self.script.latency)
        if fault == "429":
            return 429, {"Retry-After": self.script.retry_after}, b'{"error": {"message": "slow down"}}', js
        if fault == "500":
            return 500, {}, b'{"error": {"message": "internal error"}}', js
        if fault == "timeout":
            await asyncio.sleep(self.script.hang)
        if fault == "html":
            return 200, {}, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"
        if fault == "bad_json":
            return 200, {}, b'{"choices": [', js
        content, finish = self._content(req, n, fault, chat)
        if fault in ("ok", "timeout"):
            with self._lock:
                self.sent.append({"n": n, "content": content})
        prompt = json.dumps(req.get("messages") or req.get("prompt"))
        choice: dict[str, Any] = {"index": 0, "finish_reason": finish}
        if chat:
            choice["message"] = {"role": "assistant", "content": content}
        else:
            choice["text"] = content
        usage = {"prompt_tokens": len(prompt) // 4, "completion_tokens": max(1, len(content) // 4)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        reply = {
            "id": f"r{n}",
            "object": "chat.completion",
            "model": req["model"],
            "choices": [choice],
            "usage": usage,
        }
        return 200, {}, json.dumps(reply).encode(), js

    def _fault(self, n: int) -> str:
        if n <= len(self.script.forced):
            return self.script.forced[n - 1]
        roll = self._rng.random()
        for fault, rate in self.script.rates.items():
            if roll < rate:
                return fault
            roll -= rate
        return "ok"

    def _content(self, req: dict[str, Any], n: int, fault: str, chat: bool) -> tuple[str, str]:
        if fault == "unparseable":
            return "{I am not sure what you want from me", "stop"
        if fault == "empty":
            return "", "stop"
        fmt = req.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema")
        if schema:
            names = list(schema.get("properties", {}))
        else:
            text = json.dumps(req.get("messages") or req.get("prompt"))
            names = _FIELDS_IN_PROMPT.findall(text.replace('\\"', '"'))[-3:] or ["answer"]
        if fault == "json_empty":
            return json.dumps(dict.fromkeys(names, "")), "stop"
        values: dict[str, Any] = {}
        for name in names:
            if name == "score":
                values[name] = self.script.judge_score
            elif name == "why":
                values[name] = "scripted"
            else:
                values[name] = self.script.answer(name, n) if self.script.answer else f"{name} #{n}"
        # Without structured output, answer in tags, as a plain chat model would.
        out = json.dumps(values) if schema else "\n".join(f"{k.capitalize()}: {v}" for k, v in values.items())
        if fault == "truncated":
            return out[: max(1, len(out) // 2)], "length"
        return out, "stop"


def main() -> None:
    """`python -m tests.generate.scripted '{"latency": 0.2}'`: serve in a process of its own (benchmarks,
    so the server does not share the client's interpreter); prints the port, then serves until killed.
    GET /_stats answers the faults sent and the number of replies with content."""
    import sys
    import time

    server = ScriptedServer(Script(**json.loads(sys.argv[1] if len(sys.argv) > 1 else "{}")))
    server.start()
    print(server.port, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
