"""Opsbook: a docs-as-code process handbook for Product Operations teams.

The engine (loading, validation, the model and rendering) is plain Python with no MkDocs
import; :mod:`opsbook.plugin` adapts it to MkDocs and :mod:`opsbook.cli` to the command line.
"""

from __future__ import annotations

__version__ = "0.1.0"
