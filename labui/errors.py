"""One exception tree for everything labui refuses to do.

Problems *inside* user content are not exceptions: they are `Diagnostic`s with a stable code. These
are raised only when there is nothing sensible to return. The message is written for the person who
ran the command; the CLI prints it on one line (never a traceback) and exits with the code the tree
gives (`labui.cli.exit_code_for`):

    LabuiError                    base class
    ├── UsageError                unusable input: a bad path, option or file; nothing changed   exit 2
    │   ├── FileRefusedError      not a regular file, a link out of the tree, over the size cap
    │   ├── NotATaxonomyError     a folder that does not look like an InstructLab taxonomy
    │   └── TeacherUnreachableError  the teacher cannot be reached or refuses us at the start
    ├── ContentError              the content does not validate, so it was not written          exit 1
    ├── ConflictError             the file changed on disk since it was read; write refused     exit 1
    ├── WorkspaceError            the workspace (.labui/) cannot be read or written: disk full,
    │                             a locked or damaged database                                  exit 1
    ├── TeacherError              the teacher failed a job that had started                     exit 1
    └── JobCancelled              the user cancelled a long job; what was done is kept          exit 130
"""


class LabuiError(Exception):
    """Base class: the message is written for the person who ran the command."""


class UsageError(LabuiError):
    """The request itself is unusable (bad path, option or file); nothing was changed."""


class FileRefusedError(UsageError):
    """A file labui will not read: not a regular file, a link out of the tree, or over the size cap."""


class NotATaxonomyError(UsageError):
    """A folder that does not look like an InstructLab taxonomy (no branch folders, no leaves)."""


class TeacherUnreachableError(UsageError):
    """The teacher endpoint cannot be reached, or refuses the model or key, before any work started."""


class ContentError(LabuiError):
    """The content does not validate, so it was not written."""


class ConflictError(LabuiError):
    """The file changed on disk since it was read; the write was refused."""


class WorkspaceError(LabuiError):
    """The workspace cannot be read or written (disk full, a locked or damaged database)."""


class TeacherError(LabuiError):
    """The teacher failed a job that had started (every retry spent, a reply that never parses)."""


class JobCancelled(LabuiError):
    """A long job was cancelled by the user; everything finished before the cancel is kept."""
