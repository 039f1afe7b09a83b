"""Analysis: what a project's annotations say, computed from the store, for any face to show.

This package holds the numbers and tables a researcher reads off a coded
corpus: project statistics today (``annotator.analysis.stats``), and the
retrieval of coded segments and code matrices (code by document, code by
speaker, co-occurrence) as they are added. Each module takes an open
``Store`` (or values read from one) and returns plain Python values or
frozen dataclasses; the command line and the window only format them.

What does not belong here: SQL (it stays behind named read methods in
``annotator.store``), Qt (``annotator.gui`` is the only package that imports
it), printing or file formats (``annotator.cli`` and ``annotator.exporters``),
and comparing annotators or project files (``annotator.review``). Code here
never changes a project, and keeps its imports light: ``annotator stats``
must start in well under a fifth of a second.
"""
