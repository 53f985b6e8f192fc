"""Packages that load their names on first use (labui.taxonomy, labui.store) list each name once in
`_HOMES` and once in `__all__`: the two lists agree, and every name loads from its home."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["labui.taxonomy", "labui.store"])
def test_every_lazy_name_is_exported_and_loads(package: str) -> None:
    module = importlib.import_module(package)
    homes = {name: home for home, names in module._HOMES.items() for name in names}
    assert sorted(homes) == sorted(module.__all__)
    for name, home in homes.items():
        value = getattr(module, name)
        assert value is getattr(importlib.import_module(f"{package}.{home}"), name)
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018
