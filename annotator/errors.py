"""Errors a user can cause and read: each carries a one-line message.

The command line prints ``str(error)`` and exits 1; the window shows it in a
message box. Anything that is not an ``AnnotatorError`` is a bug.
"""

from __future__ import annotations


class AnnotatorError(Exception):
    """Base of every error whose message is meant for the user."""


class ProjectError(AnnotatorError):
    """The project file cannot be opened or used as asked."""


class ProjectTooNewError(ProjectError):
    """The file was written by a newer Annotator; it is left untouched."""


class ReadOnlyProjectError(ProjectError):
    """A change was asked of a project opened for reading only."""


class InvalidInputError(AnnotatorError):
    """A value given by the user or found in a file is not acceptable."""


class DuplicateTagError(InvalidInputError):
    """A tag of that kind and name (case-insensitive) exists already."""


class NotFoundError(AnnotatorError):
    """A document, tag or annotation named by the user does not exist."""


class ImportFailure(AnnotatorError):
    """One file could not be imported; the message names why."""
