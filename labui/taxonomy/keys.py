"""Content keys for the verdict cache: of one leaf, and of a whole tree.

A leaf's key hashes its place, its qna.yaml bytes, its attribution and the version of the rules, so
a cached verdict is exactly what validating again would give. A tree's key hashes its leaves' keys
in order, so it changes when any leaf is added, removed, moved or edited. Light on purpose (hashlib
only, loaded on first use): a cached `labui validate` computes these before it knows whether
anything must be validated (and an unchanged tree answered from statindex.py never does).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

# The version of the rules as far as cached verdicts are concerned: bump it whenever a change in
# validate.py, yamlsafe.py or fastlint.py could change a verdict (the official packages' versions
# are added by `rules_version`).
RULES_VERSION = "2"  # 2: `version: true` is "unsupported", whatever was validated before it


@functools.cache
def rules_version() -> str:
    """What a cached verdict depends on besides the file: these rules and the official rule sets.

    Read from the packages' version files without importing them (importing instructlab.schema alone
    costs more than a whole cached run's work).
    """
    import importlib.util
    import re
    from pathlib import Path

    parts = [f"labui-rules-{RULES_VERSION}"]
    for module, file in (("instructlab.schema", "_version.py"), ("yamllint", "__init__.py")):
        spec = importlib.util.find_spec(module)
        folder = Path(spec.origin).parent if spec is not None and spec.origin else None
        text = (folder / file).read_text(encoding="utf-8") if folder and (folder / file).is_file() else ""
        found = re.search(r"""(?:__version__|APP_VERSION)\s*=\s*(?:version\s*=\s*)?['"]([^'"]+)""", text)
        parts.append(f"{module}-{found.group(1) if found else 'unknown'}")
    return "/".join(parts)


def _hash_parts(parts: Iterable[bytes]) -> str:
    import hashlib  # here, not at the top: an unchanged tree answered from the stat index never hashes

    h = hashlib.sha256()
    for part in parts:  # length-prefixed: no two different part lists hash alike
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def verdict_key(rel_dir: str, data: bytes, attribution: str | None) -> str:
    """The content key of a leaf's verdict: its place, its bytes, its attribution, the rules' version."""
    return _hash_parts((rules_version().encode(), rel_dir.encode(), data, (attribution or "\0none").encode()))


def tree_key(leaf_keys: Iterable[str]) -> str:
    """The content key of a whole tree, from its leaves' keys in walk order."""
    return _hash_parts((b"tree", rules_version().encode(), *(k.encode() for k in leaf_keys)))
