"""Settings for the benchmark and fault drills: production's, plus a baseline page for the run.

Everything production does stays as it is (debug off, WhiteNoise with the collected manifest,
persistent connections); the harness sets those through the environment. This module only adds
what a run needs: the baseline view's urlconf and template, and STATIC_ROOT in a temp dir.
"""

import os
from pathlib import Path
from typing import cast

from intimacy_app.settings import *  # noqa: F403
from intimacy_app.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "ops.harness_urls"

_PROJECT_TEMPLATE_DIRS = cast("list[Path]", TEMPLATES[0]["DIRS"])
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*_PROJECT_TEMPLATE_DIRS, BASE_DIR / "ops" / "templates"]}]

STATIC_ROOT = Path(os.environ.get("HARNESS_STATIC_ROOT", BASE_DIR / "staticfiles"))
