"""Piccolo app for the whole platform: one migration history under `migrations/corriere/`."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from corriere.platform.schema import TABLES

MIGRATIONS_FOLDER = Path(__file__).resolve().parents[3] / "migrations" / "corriere"

APP_CONFIG = AppConfig(
    app_name="corriere",
    migrations_folder_path=str(MIGRATIONS_FOLDER),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
