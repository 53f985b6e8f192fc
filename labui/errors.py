"""Exceptions for input labui cannot use at all.

Problems *inside* user content are not exceptions: they are `Diagnostic`s. These are raised only
when there is nothing sensible to return (a folder that does not exist, a path outside the tree).
"""


class LabuiError(Exception):
    """Base class: the message is written for the person who ran the command."""


class UsageError(LabuiError):
    """The request itself is wrong (bad path, bad option); nothing was changed. CLI exit code 2."""


class ContentError(LabuiError):
    """The content does not validate, so it was not written. CLI exit code 1."""


class ConflictError(LabuiError):
    """The file changed on disk since it was read; the write was refused. CLI exit code 1."""
