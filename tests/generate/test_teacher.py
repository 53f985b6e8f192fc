"""The teacher client against the scripted server: retries by reason, Retry-After, fleets, refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from labui.errors import TeacherUnreachableError
from labui.generate.parse import schema_for
from labui.generate.teacher import RequestFailed, TeacherClient, TeacherConfig, config_from, retry_after
from tests.generate.conftest import MODEL
from tests.generate.scripted import ScriptedServer

SCHEMA = schema_for(["question"])


def _complete(client: TeacherClient, **kw: Any) -> Any:
    async def go() -> Any:
        try:
            return await client.complete(
                "Reply with a JSON object only", schema=SCHEMA, max_tokens=32, temperature=0.5, **kw
            )
        finally:
            await client.aclose()

    return asyncio.run(go())


def _config(*urls: str, **kw: Any) -> TeacherConfig:
    base: dict[str, Any] = {"timeout": 0.5, "backoff_base": 0.01, "max_retries": 6}
    return TeacherConfig(urls=urls, model=MODEL, **{**base, **kw})


def test_every_transient_fault_is_retried_with_its_reason(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(forced=["429", "500", "html", "timeout", "bad_json", "ok"], hang=2.0)
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(s)

    reply = _complete(TeacherClient(_config(server.url), sleep=sleep))
    assert reply.text == '{"question": "question #6"}'
    assert reply.retry_reasons == ["http_429", "http_500", "bad_body", "timeout", "bad_body"]
    assert waits[0] >= 0.05  # the server's Retry-After (0.05 s) was honoured
    assert reply.prompt_tokens > 0 and reply.completion_tokens > 0  # counted from `usage`


def test_a_request_that_keeps_failing_says_why(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(rates={"500": 1.0})
    with pytest.raises(RequestFailed) as exc:
        _complete(TeacherClient(_config(server.url, max_retries=2)))
    assert exc.value.reason == "http_500"
    assert exc.value.retries == 2 and len(server.requests) == 3


def test_a_wrong_model_at_request_time_is_not_retried(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted()
    client = TeacherClient(TeacherConfig(urls=(server.url,), model="nope", backoff_base=0.01))
    with pytest.raises(RequestFailed) as exc:
        _complete(client)
    assert exc.value.reason == "http_404" and len(server.requests) == 1


def test_structured_output_steps_down_to_llama_cpp_json_object(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = scripted(accept_json_schema=False)
    client = TeacherClient(_config(server.url))
    reply = _complete(client)
    assert reply.mode == "json_object" and client.mode == "json_object"
    assert [r.get("response_format", {}).get("type") for r in server.requests] == [
        "json_schema",
        "json_object",
    ]
    assert server.requests[-1]["response_format"]["schema"] == SCHEMA
    assert reply.text.startswith("{")


def test_text_mode_and_completions_api(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted()
    reply = _complete(TeacherClient(_config(server.url, api="completions", template="chatml")))
    assert "response_format" not in server.requests[0]
    assert server.requests[0]["prompt"].startswith("<|im_start|>system")
    assert reply.text  # tagged text, parsed by the pipeline's tolerant parser


def test_a_fleet_shares_the_load(scripted: Callable[..., ScriptedServer]) -> None:
    a, b = scripted(latency=0.05), scripted(latency=0.05)
    client = TeacherClient(_config(a.url, b.url, concurrency=8))

    async def go() -> None:
        await asyncio.gather(
            *(client.complete("p", schema=SCHEMA, max_tokens=8, temperature=0) for _ in range(16))
        )
        await client.aclose()

    asyncio.run(go())
    assert len(a.requests) == len(b.requests) == 8


def test_check_refuses_unreachable_wrong_model_and_bad_key(scripted: Callable[..., ScriptedServer]) -> None:
    def check(config: TeacherConfig, key: str | None = None) -> None:
        async def go() -> None:
            client = TeacherClient(config, key)
            try:
                await client.check()
            finally:
                await client.aclose()

        asyncio.run(go())

    with pytest.raises(TeacherUnreachableError, match="cannot reach"):
        check(_config("http://127.0.0.1:9/v1"))
    server = scripted()
    with pytest.raises(TeacherUnreachableError, match="does not serve the model 'gpt-x'"):
        check(TeacherConfig(urls=(server.url,), model="gpt-x"))
    locked = scripted(api_key="sk-right")
    with pytest.raises(TeacherUnreachableError, match="refuses the API key"):
        check(_config(locked.url), "sk-wrong")
    check(_config(locked.url), "sk-right")


def test_the_key_is_never_in_the_stored_config_or_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-123")
    config, key = config_from("http://127.0.0.1:1/v1", "m")
    assert key == "sk-secret-123"
    assert "sk-secret" not in repr(config.to_json()) + repr(TeacherClient(config, key))


def test_retry_after_forms() -> None:
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after": "86400"}) == 60.0  # capped
    assert retry_after({}) is None
