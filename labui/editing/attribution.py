"""attribution.txt: its fields, parsing, and which of them are still placeholders."""

from __future__ import annotations

from dataclasses import dataclass

ATTRIBUTION_FIELDS = (
    ("title", "Title of work"),
    ("link", "Link to work"),
    ("revision", "Revision"),
    ("license", "License of the work"),
    ("creator", "Creator names"),
)
PLACEHOLDER = "TODO"


@dataclass(frozen=True, slots=True)
class Attribution:
    title: str = ""
    link: str = ""
    revision: str = ""
    license: str = ""
    creator: str = ""

    def text(self) -> str:
        return "".join(
            f"{label}: {getattr(self, name) or PLACEHOLDER}\n" for name, label in ATTRIBUTION_FIELDS
        )

    @classmethod
    def parse(cls, text: str) -> Attribution:
        values: dict[str, str] = {}
        by_label = {label.lower(): name for name, label in ATTRIBUTION_FIELDS}
        for line in text.splitlines():
            label, sep, value = line.partition(":")
            name = by_label.get(label.strip().lower())
            if sep and name and name not in values:
                values[name] = value.strip()
        return cls(**values)


def attribution_warnings(text: str | None) -> list[str]:
    """What is still a placeholder or missing in an attribution.txt (advice; the validator wants it non-empty)."""
    if text is None:
        return ["attribution.txt is missing"]
    found = Attribution.parse(text)
    out = []
    for name, label in ATTRIBUTION_FIELDS:
        value = getattr(found, name)
        if not value or value.upper().startswith(PLACEHOLDER):
            out.append(f"attribution.txt: '{label}' is {'a placeholder' if value else 'missing'}")
    return out
