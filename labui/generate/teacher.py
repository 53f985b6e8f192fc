"""The teacher client: one OpenAI-compatible endpoint or several, bounded in flight, retried with backoff.

Built on openai's AsyncOpenAI with its own retries switched off, because ours count every retry by
reason, honour Retry-After, and spread a retry over the other base URLs of a fleet. A request that
keeps failing raises `RequestFailed` with the reason; the caller records it and moves on. The API key
is held in memory only: never in `TeacherConfig` (which is stored with the run), a file or a log.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from labui.errors import TeacherUnreachableError, UsageError
from labui.generate.prompts import SYSTEM_PROMPT

ENV_URL = "LABUI_TEACHER_URL"
ENV_MODEL = "LABUI_TEACHER_MODEL"
ENV_KEY = "OPENAI_API_KEY"
# Structured-output modes, strongest first; `auto` starts at the top and steps down when refused.
MODES = ("json_schema", "json_object", "text")
# Prompt templates for the completions API, by model family.
TEMPLATES: dict[str, str] = {
    "chatml": "<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
    "<|im_start|>assistant\n",
    "llama3": "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|><|start_header_id|>assistant"
    "<|end_header_id|>\n\n",
    "plain": "{system}\n\n{user}\n\n",
}
RETRY_AFTER_CAP = 60.0
CONNECTIONS_PER_CLIENT = 16


@dataclass(frozen=True, slots=True)
class TeacherConfig:
    """Where the teacher is and how to talk to it; stored with the run (there is no key in here)."""

    urls: tuple[str, ...]
    model: str
    api: str = "chat"  # chat | completions
    structured: str = "auto"  # auto | json_schema | json_object | text
    template: str = "chatml"  # for api=completions
    concurrency: int = 8
    timeout: float = 120.0
    max_retries: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    context_tokens: int = 8192

    def __post_init__(self) -> None:
        if not self.urls or not all(u.startswith(("http://", "https://")) for u in self.urls):
            raise UsageError(
                "the teacher URL must start with http:// or https:// (e.g. http://127.0.0.1:8000/v1)"
            )
        if not self.model:
            raise UsageError(f"no teacher model given: pass --model or set {ENV_MODEL}")
        if self.api not in ("chat", "completions"):
            raise UsageError("--api must be chat or completions")
        if self.structured not in ("auto", *MODES):
            raise UsageError("structured output must be auto, json_schema, json_object or text")
        if self.template not in TEMPLATES:
            raise UsageError(f"unknown prompt template {self.template!r}; known: {', '.join(TEMPLATES)}")
        if not 1 <= self.concurrency <= 1024:
            raise UsageError("--concurrency must be between 1 and 1024")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Reply:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    url: str
    retries: int
    retry_reasons: list[str] = field(default_factory=list)
    mode: str = "text"


class RequestFailed(Exception):
    """Every retry of one request was spent (or the error cannot be retried)."""

    def __init__(self, reason: str, detail: str, retries: int, retry_reasons: Sequence[str], raw: str = ""):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.retries = retries
        self.retry_reasons = list(retry_reasons)
        self.raw = raw


class _Retry(Exception):
    def __init__(self, reason: str, detail: str, wait: float | None = None, raw: str = "") -> None:
        super().__init__(detail)
        self.reason, self.detail, self.wait, self.raw = reason, detail, wait, raw


class _Refused(Exception):
    """The endpoint refused the structured-output option: step down a mode and ask again."""


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date), capped."""
    ms = headers.get("retry-after-ms")
    try:
        if ms is not None:
            return min(max(float(ms) / 1000, 0.0), RETRY_AFTER_CAP)
    except ValueError:
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), RETRY_AFTER_CAP)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return min(max(parsed.timestamp() - time.time(), 0.0), RETRY_AFTER_CAP)


def config_from(
    url: str | Sequence[str] | None, model: str | None, **options: Any
) -> tuple[TeacherConfig, str | None]:
    """A config from arguments, falling back on LABUI_TEACHER_URL / _MODEL; and the key from the env."""
    raw = url or os.environ.get(ENV_URL, "")
    urls = tuple(
        u.strip().rstrip("/") for u in ([raw] if isinstance(raw, str) else raw) for u in u.split(",")
    )
    urls = tuple(u for u in urls if u)
    if not urls:
        raise UsageError(
            f"no teacher given: pass --teacher-url or set {ENV_URL} (or run `labui teacher serve`)"
        )
    config = TeacherConfig(urls=urls, model=model or os.environ.get(ENV_MODEL, ""), **options)
    return config, os.environ.get(ENV_KEY)


class TeacherClient:
    """Sends prompts to the teacher; at most `concurrency` requests in flight over all base URLs."""

    def __init__(
        self,
        config: TeacherConfig,
        api_key: str | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._key = api_key or "none"  # local servers want no key; the client insists on one
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clients: dict[str, Any] = {}
        self._inflight = dict.fromkeys(config.urls, 0)
        self._next = 0
        self._turn = 0
        self._sem: asyncio.Semaphore | None = None
        self.mode = "json_schema" if config.structured == "auto" else config.structured
        if config.api == "completions" and config.structured == "auto":
            self.mode = "text"

    def __repr__(self) -> str:  # never show the key
        return f"TeacherClient(urls={self.config.urls!r}, model={self.config.model!r})"

    def _client(self, url: str) -> Any:
        # A few clients per URL, in turn: one HTTP connection pool scans all its connections for
        # every request, which costs more than the request itself at high concurrency.
        shards = max(1, -(-self.config.concurrency // CONNECTIONS_PER_CLIENT))
        self._turn += 1
        key = f"{url}#{self._turn % shards}"
        if key not in self._clients:
            from openai import AsyncOpenAI

            self._clients[key] = AsyncOpenAI(
                base_url=url, api_key=self._key, max_retries=0, timeout=self.config.timeout
            )
        return self._clients[key]

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()

    def _pick(self, avoid: str | None) -> str:
        urls = [u for u in self.config.urls if u != avoid] or list(self.config.urls)
        self._next += 1
        # The least busy URL; ties go round-robin so a fleet shares the load evenly.
        return min(urls, key=lambda u: (self._inflight[u], (urls.index(u) - self._next) % len(urls)))

    async def check(self) -> list[str]:
        """Before any work: every URL answers and serves the model; else TeacherUnreachableError."""
        import openai

        served: list[str] = []
        for url in self.config.urls:
            try:
                page = await self._client(url).models.list()
                names = [m.id for m in page.data]
            except openai.AuthenticationError as exc:
                raise TeacherUnreachableError(
                    f"the teacher at {url} refuses the API key ({exc.status_code})"
                ) from exc
            except openai.PermissionDeniedError as exc:
                raise TeacherUnreachableError(f"the teacher at {url} refuses access (403)") from exc
            except openai.NotFoundError:
                continue  # a server without /models: the first request will tell
            except openai.APIStatusError as exc:
                raise TeacherUnreachableError(f"the teacher at {url} answers HTTP {exc.status_code}") from exc
            except (openai.APIConnectionError, openai.APIResponseValidationError, ValueError) as exc:
                raise TeacherUnreachableError(
                    f"cannot reach the teacher at {url} ({type(exc).__name__}); is the server running?"
                ) from exc
            if names and self.config.model not in names:
                raise TeacherUnreachableError(
                    f"the teacher at {url} does not serve the model {self.config.model!r}; it serves: "
                    + ", ".join(names[:10])
                )
            served += names
        return served

    def _response_format(self, fields_schema: dict[str, Any]) -> dict[str, Any] | None:
        if self.mode == "json_schema":
            return {
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": fields_schema, "strict": True},
            }
        if self.mode == "json_object":  # llama-cpp-python's server: a schema rides along, enforced by grammar
            return {"type": "json_object", "schema": fields_schema}
        return None

    async def complete(
        self,
        prompt: str,
        *,
        schema: dict[str, Any],
        max_tokens: int,
        temperature: float,
        seed: int | None = None,
    ) -> Reply:
        """One reply to `prompt`, retried on 429, 5xx, timeouts, broken bodies; RequestFailed when spent."""
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.config.concurrency)
        reasons: list[str] = []
        avoid: str | None = None
        attempt = 0
        while True:
            url = self._pick(avoid)
            try:
                async with self._sem:
                    self._inflight[url] += 1
                    try:
                        return await self._once(url, prompt, schema, max_tokens, temperature, seed, reasons)
                    finally:
                        self._inflight[url] -= 1
            except _Refused:
                self.mode = MODES[MODES.index(self.mode) + 1]
                continue
            except _Retry as exc:
                reasons.append(exc.reason)
                if attempt >= self.config.max_retries:
                    raise RequestFailed(exc.reason, exc.detail, attempt, reasons, exc.raw) from None
                wait = exc.wait
                if wait is None:  # full jitter: spreads the herd of retries after a burst of faults
                    wait = self._rng.uniform(
                        0, min(self.config.backoff_cap, self.config.backoff_base * 2**attempt)
                    )
                else:
                    wait += self._rng.uniform(0, 0.1 * wait + 0.01)
                attempt += 1
                avoid = (
                    url
                    if exc.reason in ("connection", "timeout") or exc.reason.startswith("http_5")
                    else None
                )
                await self._sleep(wait)

    async def _once(
        self,
        url: str,
        prompt: str,
        schema: dict[str, Any],
        max_tokens: int,
        temperature: float,
        seed: int | None,
        reasons: list[str],
    ) -> Reply:
        import httpx2 as httpx
        import openai

        client = self._client(url)
        common: dict[str, Any] = {
            "model": self.config.model,
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if seed is not None:
            common["seed"] = seed
        mode = self.mode
        try:
            # The body goes as JSON through the client's own post(): the typed create() walks every
            # parameter recursively (about 4 ms of CPU per request), which caps throughput at high
            # concurrency; errors, timeouts and status codes are the client's, as with create().
            if self.config.api == "chat":
                messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}]
                body = {"messages": messages, **common}
                fmt = self._response_format(schema)
                if fmt is not None:
                    body["response_format"] = fmt
                raw = await client.post("/chat/completions", cast_to=httpx.Response, body=body)
            else:
                text = TEMPLATES[self.config.template].format(system=SYSTEM_PROMPT, user=prompt)
                raw = await client.post(
                    "/completions", cast_to=httpx.Response, body={"prompt": text, **common}
                )
        except openai.RateLimitError as exc:
            raise _Retry("http_429", "rate limited", retry_after(exc.response.headers)) from None
        except openai.APITimeoutError:
            raise _Retry("timeout", f"no reply within {self.config.timeout:g} s") from None
        except openai.APIConnectionError as exc:
            raise _Retry("connection", f"cannot reach {url}: {exc}") from None
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            said = f"{exc} {exc.response.text}".lower()
            if mode != "text" and any(
                w in said for w in ("response_format", "json_schema", "schema", "json")
            ):
                raise _Refused from None
            raise RequestFailed(f"http_{exc.status_code}", str(exc)[:300], len(reasons), reasons) from None
        except openai.APIStatusError as exc:
            code = exc.status_code
            # llama-cpp-python answers an unknown response_format type with a 500 naming the field.
            if mode != "text" and code == 500 and "response_format" in exc.response.text:
                raise _Refused from None
            if code >= 500 or code in (408, 409):
                raise _Retry(
                    f"http_{code}", f"the server answered {code}", retry_after(exc.response.headers)
                ) from None
            # 401, 403, 404 (wrong model), ...: asking again will not help.
            raise RequestFailed(f"http_{code}", str(exc)[:300], len(reasons), reasons) from None
        return self._read(raw.content, url, mode, reasons)

    def _read(self, content: bytes, url: str, mode: str, reasons: list[str]) -> Reply:
        text = content.decode("utf-8", errors="replace")
        try:
            body = json.loads(text)
            choice = body["choices"][0]
            reply = choice["message"]["content"] if self.config.api == "chat" else choice["text"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise _Retry("bad_body", "the reply is not an OpenAI-style JSON body", raw=text[:2000]) from None
        usage = body.get("usage") or {}
        return Reply(
            text=reply if isinstance(reply, str) else "",
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            url=url,
            retries=len(reasons),
            retry_reasons=list(reasons),
            mode=mode,
        )


def check_teacher(config: TeacherConfig, key: str | None) -> list[str]:
    """`TeacherClient.check` from synchronous code (the CLI, a page's callback), on a loop of its own.

    Returns the model names served; raises TeacherUnreachableError as `check` does."""

    async def probe() -> list[str]:
        client = TeacherClient(config, key)
        try:
            return await client.check()
        finally:
            await client.aclose()

    return asyncio.run(probe())
