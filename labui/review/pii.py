"""Personal data and secrets in text, offline: e-mail, phone, card (Luhn), IBAN, IP, keys; with spans."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

_DIGITS = re.compile(r"\d(?:\D{0,3}\d){6}")  # seven digits, loosely spaced: a phone is possible
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b"
)
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{1,4})*(?![\w:])")
# detect-secrets plugins whose patterns are specific enough for prose (no entropy or keyword guessing).
_SECRET_PLUGINS = (
    "aws.AWSKeyDetector",
    "azure_storage_key.AzureStorageKeyDetector",
    "github_token.GitHubTokenDetector",
    "gitlab_token.GitLabTokenDetector",
    "jwt.JwtTokenDetector",
    "openai.OpenAIDetector",
    "private_key.PrivateKeyDetector",
    "slack.SlackDetector",
    "stripe.StripeDetector",
    "sendgrid.SendGridDetector",
    "twilio.TwilioKeyDetector",
    "npm.NpmDetector",
    "pypi_token.PypiTokenDetector",
    "basic_auth.BasicAuthDetector",
)


@dataclass(frozen=True, slots=True)
class PiiSpan:
    start: int
    end: int
    kind: str  # email | phone | card | iban | ip | secret
    text: str


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@cache
def _any_secret() -> re.Pattern[str]:
    """Every secret pattern in one alternation: one scan tells whether any plugin could match."""
    parts = [f"(?{'i' if rx.flags & re.IGNORECASE else ''}:{rx.pattern})" for _, rx in _secret_patterns()]
    return re.compile("|".join(parts))


@cache
def _secret_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    import importlib

    out: list[tuple[str, re.Pattern[str]]] = []
    for ref in _SECRET_PLUGINS:
        module, cls = ref.split(".")
        try:
            plugin: Any = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), cls)()
        except (ImportError, AttributeError):  # a plugin renamed in another detect-secrets release
            continue
        out += [(plugin.secret_type, rx) for rx in plugin.denylist]
    return tuple(out)


def _phones(text: str, region: str) -> Iterator[PiiSpan]:
    import phonenumbers

    for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        yield PiiSpan(m.start, m.end, "phone", m.raw_string)


def find_pii(text: str, region: str = "US") -> list[PiiSpan]:
    """Every personal-data or secret span in `text`, in order, overlapping spans merged to the first."""
    from stdnum import iban

    found: list[PiiSpan] = []
    found += [PiiSpan(m.start(), m.end(), "email", m.group()) for m in _EMAIL.finditer(text)]
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits) and len(set(digits)) > 1:
            found.append(PiiSpan(m.start(), m.end(), "card", m.group()))
    for m in _IBAN.finditer(text):
        if iban.is_valid(m.group()):
            found.append(PiiSpan(m.start(), m.end(), "iban", m.group()))
    for rx in (_IPV4, _IPV6):
        for m in rx.finditer(text):
            try:
                ip = ipaddress.ip_address(m.group())
            except ValueError:
                continue
            if not (ip.is_loopback or ip.is_unspecified):
                found.append(PiiSpan(m.start(), m.end(), "ip", m.group()))
    if _DIGITS.search(text):
        found += list(_phones(text, region))
    if _any_secret().search(text):
        for _kind, rx in _secret_patterns():
            found += [PiiSpan(m.start(), m.end(), "secret", m.group()) for m in rx.finditer(text)]
    found.sort(key=lambda s: (s.start, -s.end))
    merged: list[PiiSpan] = []
    for span in found:
        if merged and span.start < merged[-1].end:
            continue  # a card number is also digits a phone matcher likes: the first, longest wins
        merged.append(span)
    return merged
