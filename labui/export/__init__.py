"""The export stage: the reviewed training set out of labui.

Takes: the workspace store (samples, review decisions, gate flags, diversity, agreement) and the
taxonomy (domains, seed questions, licences from attribution.txt). Gives: an export folder written
atomically (`train.jsonl` in instructlab-sdg's messages shape, `train.parquet` of the same rows, a
Hugging Face dataset card `README.md` with `per_leaf.png`, and `quality.json`), a zip of it, and
accepted samples promoted into their leaf's seed examples.

    messages.py  one row per sample: sdg's shape per kind, provenance metadata, the JSON schema
    source.py    reading reviewed samples, decisions and flags from the store, streamed
    figures.py   the quality figures, gathered in the same pass
    parquet.py   train.parquet written in row groups as rows stream in
    card.py      the dataset card (YAML header, tables; user text escaped)
    plot.py      the per-leaf bar plot (matplotlib, offline)
    writer.py    the export: temp folder beside the target, then one atomic exchange
    archive.py   a zip of an export for download
    promote.py   an accepted sample becomes a seed through the Editor's write path
"""
