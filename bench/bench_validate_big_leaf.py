"""One big leaf, and files that must be refused at once.

A leaf with N seed examples, validated by labui (hash-based uniqueness, libyaml tokens for yamllint)
beside the stock rule engines (jsonschema's pairwise `uniqueItems`, yamllint's own pure-Python
scans) on the same text, in the same run; the stock engines are quadratic, so they run at the
smaller sizes only unless --full. Then: a 20 MB qna.yaml and an alias bomb (refused: time to the
diagnostic), and `/` chosen as the taxonomy (refused: time to the error).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def big_leaf(n: int, duplicate: bool = False) -> str:
    lines = ["version: 3", "task_description: Many seeds.", "created_by: bench", "seed_examples:"]
    for i in range(n):
        j = 0 if duplicate and i == n - 1 else i
        lines += [f"  - question: What is item number {j} of the list?", f"    answer: It is item {j}."]
    return "\n".join(lines) + "\n"


def stock(text: str, path: str) -> list[Any]:
    """The same rules through the stock engines: yamllint.linter.run and jsonschema's own validator."""
    from jsonschema.validators import validator_for
    from yamllint import linter

    from labui.taxonomy import validate
    from labui.taxonomy.yamlsafe import parse_yaml

    contents, _node, _ = parse_yaml(text, path)
    problems: list[Any] = list(linter.run(text, validate._yamllint_config()))
    fast = validate._schema_validator(3, "compositional_skills")
    plain = validator_for(fast.schema)(fast.schema, registry=fast._registry)
    problems += [e.message for e in plain.iter_errors(contents)]
    return problems


CPU: list[float] = []  # CPU seconds of the last `timed` call: wall time on a shared machine counts
# the neighbours' work too (the load average here was 7 on 2 cores while this was written)


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    CPU[:] = [time.process_time() - c]
    return time.perf_counter() - t, out


def main() -> None:
    from labui.taxonomy import load_taxonomy
    from labui.taxonomy.validate import validate_text, warm_up

    warm_up()
    full = "--full" in sys.argv
    path = "compositional_skills/big/qna.yaml"
    for n in (1_000, 2_500, 10_000):
        for dup in (False, True):
            text = big_leaf(n, dup)
            ours, parsed = timed(validate_text, text, path, "x")
            codes = sorted({str(d.code) for d in parsed.diagnostics})
            line = f"{n:>6} seeds{' + a duplicate' if dup else ''}: labui {ours:.2f}s (CPU {CPU[0]:.2f}s) {codes}"
            if n <= 2_500 or full:
                base, problems = timed(stock, text, path)
                line += f"; stock engines {base:.2f}s (CPU {CPU[0]:.2f}s, {len(problems)} problems)"
                print(line)
                print(
                    f"RATIO validate_leaf_{n}_seeds{'_dup' if dup else ''} stock/labui = {base / ours:.1f}x"
                )
            else:
                print(line + " (goal < 2 s; the stock engines are quadratic: --full runs them here too)")
    with tempfile.TemporaryDirectory() as tmp:
        leaf = Path(tmp) / "compositional_skills" / "big"
        leaf.mkdir(parents=True)
        (leaf / "qna.yaml").write_text(big_leaf(5) + "# padding\n" * 2_000_000, encoding="utf-8")
        seconds, tx = timed(load_taxonomy, tmp)
        print(f"20 MB qna.yaml: {[str(d.code) for d in tx.diagnostics]} in {seconds * 1e3:.1f} ms")
        bomb = "".join(
            f"{c}: &{c} [{', '.join([f'*{p}'] * 9) if p else ', '.join(['lol'] * 9)}]\n"
            for p, c in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
        )
        (leaf / "qna.yaml").write_text(bomb, encoding="utf-8")
        seconds, tx = timed(load_taxonomy, tmp)
        print(
            f"alias bomb ({len(bomb)} bytes): {[str(d.code) for d in tx.diagnostics]} in {seconds * 1e3:.1f} ms"
        )
    from labui.errors import NotATaxonomyError

    t = time.perf_counter()
    try:
        load_taxonomy("/")
    except NotATaxonomyError as exc:
        print(f"'/' as the taxonomy: refused in {(time.perf_counter() - t) * 1e3:.1f} ms ({exc})")


if __name__ == "__main__":
    main()
