"""Configuration from the environment; production refuses unsafe settings."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from portal import config
from portal.config import ROOT


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.load({"PORTAL_ENV": "production"})


def test_production_sets_secure_cookies():
    settings = config.load({"PORTAL_ENV": "production", "SECRET_KEY": "x" * 40})
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert config.load({})["SESSION_COOKIE_SECURE"] is False


def test_defaults_for_the_embedded_mode():
    settings = config.load({})
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["SESSION_IDLE_MINUTES"] == 30
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config.load({"REDIS_URL": "redis://127.0.0.1:6379/0"})["RATELIMIT_STORAGE_URI"].startswith("redis://")


def test_bad_number_is_a_clear_error():
    with pytest.raises(config.ConfigError, match="SESSION_IDLE_MINUTES"):
        config.load({"SESSION_IDLE_MINUTES": "soon"})


def test_postgresql_connections_plan_for_fast_storage(app):
    pg = "postgresql+psycopg://u@h/db"
    assert config.load({"DATABASE_URL": pg})["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {
        "options": "-c random_page_cost=1.1"}
    assert "random_page_cost=4" in config.load({"DATABASE_URL": pg, "PG_RANDOM_PAGE_COST": "4"})[
        "SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    assert "connect_args" not in config.load({})["SQLALCHEMY_ENGINE_OPTIONS"]  # SQLite: nothing to set
    # options the URL gives itself (a search_path) are kept, not replaced
    assert config.engine_options(pg + "?options=-csearch_path%3Dscratch", {})["connect_args"] == {
        "options": "-csearch_path=scratch -c random_page_cost=1.1"}
    with pytest.raises(config.ConfigError, match="PG_RANDOM_PAGE_COST"):
        config.load({"DATABASE_URL": pg, "PG_RANDOM_PAGE_COST": "cheap"})
    from portal.extensions import db

    if db.engine.dialect.name == "postgresql":  # the setting reaches the server
        assert db.session.scalar(db.text("SHOW random_page_cost")) == "1.1"


def _flask(args, env):
    full = {**os.environ, **env}
    full.pop("TEST_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT,
                          env=full, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_seed_demo_data(tmp_path):
    env = {"PORTAL_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"}
    assert _flask(["db", "upgrade"], env).returncode == 0
    result = _flask(["seed-demo"], env)
    assert result.returncode != 0
    assert "Refusing to seed demo data" in result.stderr


def test_production_app_does_not_start_without_secret_key(tmp_path):
    result = _flask(["routes"], {"PORTAL_ENV": "production", "SECRET_KEY": "",
                                 "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_warmed_up_process_freezes_what_is_alive_for_the_garbage_collector(app):
    import gc

    from portal import create_app

    probe = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": "x", "GC_FREEZE_AFTER": 3})
    client = probe.test_client()
    gc.unfreeze()
    try:
        for _ in range(2):
            client.get("/healthz").close()
        assert gc.get_freeze_count() == 0  # not yet warm
        client.get("/healthz").close()
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the app, its modules and caches
        for _ in range(3):
            client.get("/healthz").close()
        assert gc.get_freeze_count() <= frozen  # once per process (frozen objects may still be freed)
    finally:
        gc.unfreeze()
