"""Shapes of the identifiers people type: usernames and e-mail addresses."""

from __future__ import annotations

import re

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$")
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]{2,}$")
