"""Review: quality gates and people's decisions on generated samples.

Takes: the samples of the generation stage (store area `samples`), the taxonomy's seeds, optionally
the user's real records and an embedder. Gives: flags with evidence and diversity per leaf (gates.py),
decisions with history, undo and bulk actions (decisions.py), reviewer agreement (agreement.py), all
stored in the store areas `review` and `gates` that export reads.

    gates.py      run every gate over a run and store the flags
    arrival.py    the model-free gates over newly arrived samples (called when a run ends)
    dedup.py      exact / near (MinHash LSH) / semantic (faiss) duplicates
    copies.py     seed copies and closeness to real records
    pii.py        personal data and secrets with spans
    form.py       empty, truncated, refusal, length outliers
    diversity.py  Vendi score and mean distance
    decisions.py  accept / reject / edit / restore / bulk / undo, text diffs
    agreement.py  Cohen's kappa per leaf and the disagreement queue
    similar.py    most and least similar samples to one sample (faiss)
"""
