"""tether: a coding assistant you keep on a leash.

Four levels of autonomy (complete, edit a selection, edit a file, edit the repo), each
ending in a small reviewable proposal accepted or rejected hunk by hunk.
"""

__version__ = "0.1.0"
