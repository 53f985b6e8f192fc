"""labui: a studio for LAB-style synthetic data, from the taxonomy to the reviewed training set.

Takes: an InstructLab taxonomy folder (`qna.yaml` leaves), optionally real data files and a teacher
(any OpenAI-compatible endpoint). Gives: validated and edited leaves, a coverage report, generated
samples, review decisions and an exported training set (messages JSONL, parquet, dataset card).

One package per stage of the flow, each taking the previous stage's output:

    taxonomy/   a folder of leaves in; a validated tree (networkx) with diagnostics out
    editing/    leaves and seed examples written back safely; drafts
    coverage/   embeddings of seeds and real data; where the tree is thin, what no leaf covers
    generate/   samples from a teacher, per leaf kind, committed as they arrive
    review/     quality gates with evidence; people's decisions
    export/     the reviewed set as files

and the pieces they share:

    store/      the workspace database (SQLite): every SQL statement, one module per area
    fsio.py     the one place that opens user files (caps, no links out) and writes atomically
    errors.py   the one exception tree (the CLI maps it to exit codes)
    textutil.py word counts and plurals      csvsafe.py  spreadsheet-safe CSV cells
    procs.py    whether a process still runs (a run's owner, a killed export's leftovers)
    cli/        the `labui` command, one thin module per command group
    ui/         the Streamlit app, the only importer of streamlit
"""
