"""Reviewing colleagues' project files: read-only loading, agreement, disagreements, merge.

Nothing here ever writes to a colleague's file: ``loading`` copies it into a
folder of ours first. Documents are matched by the SHA-256 of their text,
tags by kind and name (case-insensitive), annotators by name.
"""
