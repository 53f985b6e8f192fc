"""Round-trip fidelity of qna.yaml writes on the real 148-leaf taxonomy: before (the whole file
re-emitted by `qna_yaml.dumps`, what labui wrote until now) and after (`LeafModel.to_text`, which
patches the file's own text), measured in the same run.

  untouched   open a leaf and save it unchanged: how many files stay byte-identical, and the median
              number of changed lines (removed + added) of those that do not
  add seed    append one seed (knowledge: one Q&A pair to a new context) as `labui seeds import`
              does: lines removed from the file (goal: none) and lines changed besides the new seed's
  edit answer change one answer in the middle seed to one line: lines added (goal: 1; only the old
              answer's lines are removed, which the tests check)
Prints counts and medians, and the time per leaf of each writer.
"""

from __future__ import annotations

import difflib
import statistics
import sys
import time

from _common import REAL_TAXONOMY, ROOT, require

sys.path.insert(0, str(ROOT))

from labui.editing import model_from_leaf
from labui.editing.seeds import merge_seeds, seeds_from_rows
from labui.taxonomy import load_taxonomy, qna_yaml
from labui.taxonomy.model import LeafKind

NEW = {"question": "Which line is new?", "answer": "Only this one,\nand the one below it."}


def changed(old: str, new: str) -> tuple[int, int]:
    """(lines removed, lines added)."""
    removed = added = 0
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        if line.startswith("-"):
            removed += 1
        else:
            added += 1
    return removed, added


def whole(model: object, text: str) -> str:
    """Before: the whole file re-emitted from the contents."""
    contents = model.to_contents()  # type: ignore[attr-defined]
    return qna_yaml.dumps(contents, document_start=qna_yaml.has_document_start(text))


def patched(model: object, text: str) -> str:
    """After: the file's own text, changed where the contents changed."""
    return str(model.to_text())  # type: ignore[attr-defined]


def main() -> None:
    require(REAL_TAXONOMY)
    leaves = load_taxonomy(REAL_TAXONOMY).leaves
    print(f"{len(leaves)} real leaves from {REAL_TAXONOMY.name}")
    for name, write in (("before (whole file)", whole), ("after (patched)", patched)):
        same, diffs, add_removed, add_extra, edit_lines, seconds = 0, [], [], [], [], 0.0
        for leaf in leaves:
            t = time.perf_counter()
            text = write(model_from_leaf(leaf), leaf.text)
            seconds += time.perf_counter() - t
            if text == leaf.text:
                same += 1
            else:
                diffs.append(sum(changed(leaf.text, text)))
            model = model_from_leaf(leaf)
            row = {**NEW, "context": "A paragraph to read."} if leaf.kind is LeafKind.KNOWLEDGE else NEW
            merge_seeds(model, seeds_from_rows([row], model.kind, model.seed_keys))
            removed, added = changed(leaf.text, write(model, leaf.text))
            new_lines = len(qna_yaml.dumps({"seed_examples": [row]}).splitlines()) - 1
            add_removed.append(removed)
            add_extra.append(max(0, added - new_lines))
            model = model_from_leaf(leaf)
            seed = model.seeds[len(model.seeds) // 2]
            if seed.qnas:
                seed.qnas[0].answer = "A new answer."
            else:
                seed.answer = "A new answer."
            removed, added = changed(leaf.text, write(model, leaf.text))
            edit_lines.append(added)
        median_diff = statistics.median(diffs) if diffs else 0
        print(f"\n{name}")
        print(
            f"  untouched:   {same}/{len(leaves)} byte-identical; median {median_diff} changed lines in the rest"
        )
        print(
            f"  add seed:    {sum(1 for r in add_removed if r == 0)}/{len(leaves)} leaves lose no line; "
            f"lines removed median {statistics.median(add_removed)}, max {max(add_removed)}; "
            f"other lines changed median {statistics.median(add_extra)}"
        )
        print(
            f"  edit answer: lines added median {statistics.median(edit_lines)}, max {max(edit_lines)} (goal: 1, the new answer)"
        )
        print(f"  time:        {1000 * seconds / len(leaves):.2f} ms per leaf (untouched save)")


if __name__ == "__main__":
    main()
