"""Generation: takes leaves of a loaded taxonomy (their seeds and documents) and a teacher (any
OpenAI-compatible endpoint, or the local llama.cpp one); gives samples in the workspace store (runs,
samples, attempts), committed as they arrive, for review and export to read.

teacher.py  the client: several base URLs, bounded in flight, retries with backoff, structured output
prompts.py  the versioned prompt files in prompts/, rendered on demand; the context-length check
parse.py    replies into fields: JSON first, tolerant tags second
pipelines.py  the named stages per leaf kind (freeform, grounded, knowledge; optional judges)
runner.py   runs: plan, execute, cancel, resume (slots), summaries in the CLI's JSON shapes
local.py    the local teacher: llama-cpp-python's server with SmolLM2-135M-Instruct
"""
