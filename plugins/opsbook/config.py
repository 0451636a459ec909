"""Opsbook's options, read from the ``opsbook`` entry of ``mkdocs.yml``.

The MkDocs plugin declares the same options in a typed ``Config`` class; this module reads them
without importing MkDocs so that ``opsbook validate`` works with any site engine.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import yaml

from opsbook.engine import Settings

#: Option names and defaults, shared with the plugin's ``Config`` class.
DEFAULTS: dict[str, Any] = {
    "playbooks_dir": "playbooks",
    "schemas_dir": "schemas",
    "templates_dir": "overrides/opsbook",
    "review_grace_days": 14,
    "today": "",
}
TODAY_ENV = "OPSBOOK_TODAY"


class ConfigError(Exception):
    """The configuration cannot be used; the message says why and what to do."""


class _TolerantLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, turning the tags MkDocs understands (``!ENV``, ``!!python/name``...)
    into nulls: Opsbook's own options never use them."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
    return None


_TolerantLoader.add_multi_constructor("!", _ignore_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)


def read_options(config_file: Path) -> dict[str, Any]:
    """The ``opsbook`` plugin options of ``config_file``, defaults filled in."""
    try:
        with config_file.open(encoding="utf-8-sig") as handle:
            config = yaml.load(handle, Loader=_TolerantLoader)
    except OSError as exc:
        raise ConfigError(f"{config_file}: cannot be read: {exc.strerror}.") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config_file}: is not valid YAML: {exc}") from exc
    options = dict(DEFAULTS)
    plugins = config.get("plugins", []) if isinstance(config, dict) else []
    entries = plugins.items() if isinstance(plugins, dict) else (
        (next(iter(p.items())) if isinstance(p, dict) else (p, None)) for p in plugins or [])
    for name, value in entries:
        if name == "opsbook" and isinstance(value, dict):
            unknown = sorted(set(value) - set(DEFAULTS))
            if unknown:
                raise ConfigError(f"{config_file}: unknown opsbook option(s): "
                                  f"{', '.join(unknown)}; the options are "
                                  f"{', '.join(DEFAULTS)}.")
            options.update(value)
    return options


def parse_today(value: str | dt.date | None) -> dt.date:
    """The day freshness is judged on: ``$OPSBOOK_TODAY``, else the option, else today."""
    text = os.environ.get(TODAY_ENV) or value
    if isinstance(text, dt.date):
        return text
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError as exc:
        raise ConfigError(f"today: {text!r} is not a date written YYYY-MM-DD.") from exc


def settings_for(root: Path, options: dict[str, Any]) -> Settings:
    """Settings for the project at ``root`` (the folder of mkdocs.yml)."""
    grace = options["review_grace_days"]
    if not isinstance(grace, int) or isinstance(grace, bool) or grace < 0:
        raise ConfigError(f"review_grace_days: {grace!r} is not a whole number of days.")
    return Settings(root=root, playbooks=(root / options["playbooks_dir"]).resolve(),
                    schemas=(root / options["schemas_dir"]).resolve(),
                    today=parse_today(options["today"]), review_grace_days=grace)
