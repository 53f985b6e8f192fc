"""Coverage: how well a taxonomy covers the requests it should teach, and where it is thin.

Takes: a `Taxonomy` (labui.taxonomy), an `Embedder` (any object turning texts into normalised
vectors; the default is a cached sentence-transformers encoder), and real-data texts (JSONL, CSV or
parquet, streamed in batches). Gives: a `CoverageReport`: per-leaf and per-branch thinness, demand
and gap, overlapping leaf pairs, every item's best leaves, and the uncovered items clustered with a
suggested new leaf (and the Editor prefill to start it).

    embed.py      the Embedder protocol, the sentence-transformers encoder, the capped LRU cache
    hf_encoder.py a standard sentence-transformers folder run on transformers directly (inference only)
    realdata.py   data files read as a stream of texts (through labui.fsio)
    index.py      the texts that describe each leaf and their vectors (TaxonomyIndex)
    scoring.py    items against leaves: top-k leaves and similarities under a representation
    metrics.py    seed diversity, effective seeds, thinness, demand, gap; branch roll-ups
    overlaps.py   leaf pairs with near-duplicate seeds or centroids on top of each other
    clusters.py   uncovered items: k-means, key terms, suggested paths, the leaf prefill
    sample.py     a bounded uniform sample (reservoir) of the uncovered rows the CLI clusters
    report.py     the report dataclasses, their JSON and the plain-text summary
    analysis.py   the pipeline: `Analysis` (step by step, batch by batch) and `analyse`
    run.py        `labui coverage` as a function (streaming, progress on stderr)
    viz.py        the sunburst, the 2-D map and the tables (no streamlit)
"""
