"""The example service needs FastAPI, which only the ``test`` extra installs."""

from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("fastapi") else ["fastapi_app.py"]
