"""Tests about the codebase itself."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_urls_are_kebab_case_with_typed_ids(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for part in re.split(r"/", rule.rule):
            if part.startswith("<"):
                name = part.strip("<>").split(":")[-1]
                if name.endswith("_id"):
                    assert part.startswith("<int:"), f"{rule.rule}: ids in URLs must be typed (<int:...>)"
                else:
                    assert part.startswith(("<int:", "<string:")), f"{rule.rule}: untyped URL parameter"
            else:
                assert re.fullmatch(r"[a-z0-9-]*(\.csv|\.pdf)?", part), f"{rule.rule}: URL segments must be kebab-case"


def test_no_inline_scripts_or_event_handlers_in_templates():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"{path}: inline <script>"
        assert not re.search(r"\son[a-z]+=", text), f"{path}: inline event handler"
        assert "hx-on" not in text, f"{path}: hx-on is inline script"


def test_no_legacy_query_api():
    for path in (ROOT / "portal").rglob("*.py"):
        text = path.read_text()
        assert ".query(" not in text and ".query." not in text, f"{path}: use select(), not the Query API"


def test_htmx_is_version_2():
    head = (ROOT / "static" / "vendor" / "htmx.min.js").read_text()[:20000]
    assert 'version:"2.0.11"' in head.replace(" ", "")


def test_govuk_frontend_without_the_gds_font():
    css = (ROOT / "static" / "vendor" / "govuk-frontend" / "govuk-frontend.min.css").read_text()
    assert '--govuk-frontend-version:"6.3.0"' in css
    assert "GDS Transport" not in css


def test_migrations_match_the_models(app):
    """`flask db check`: no model change without its migration."""
    import flask_migrate

    flask_migrate.check()  # raises (SystemExit) when the models and migrations differ


def test_every_domain_declares_its_blueprint_and_pages_one_way():
    """A domain package's __init__.py defines `bp` and VIEWS; every views.py or *_views.py
    module in it is listed there (else its routes would never be registered) and takes `bp`
    from the package; no module but the package creates the domain's Blueprint."""
    import importlib

    from portal import DOMAINS

    for name in DOMAINS:
        package = importlib.import_module(f"portal.{name}")
        folder = ROOT / "portal" / name
        modules = sorted(p.stem for p in folder.glob("*.py") if p.stem == "views" or p.stem.endswith("_views"))
        assert sorted(package.VIEWS) == modules, f"portal/{name}/__init__.py: VIEWS must list {modules}"
        for module in modules:
            text = (folder / f"{module}.py").read_text()
            assert f"from portal.{name} import bp" in re.sub(r"import bp, .*", "import bp", text), \
                f"portal/{name}/{module}.py: take bp from portal.{name}"
            assert "Blueprint(" not in text, f"portal/{name}/{module}.py: the package defines the blueprint"


def test_states_are_compared_to_their_enums_not_to_strings():
    """A status is an enum stored with a CHECK constraint (portal/states.py): code and templates
    compare it to the enum's members (`case.status == CaseStatus.closed`) or ask the model
    (`case.is_closed`), never to a bare string a typo would silently break."""
    bare = re.compile(r"""\.(?:match_)?status\s*(?:==|!=|(?:not\s+)?in)\s*\(?\s*["']"""
                      r"""|\.(?:match_)?status\.(?:not_)?in_\(\s*\(?\s*["']"""
                      r"""|selectattr\(\s*["'](?:match_)?status["']""")
    for path in [*(ROOT / "portal").rglob("*.py"), *(ROOT / "templates").rglob("*.html")]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not bare.search(line), f"{path}:{number}: compare the state to its enum: {line.strip()}"


def test_the_indexes_on_expressions_are_made_by_the_migrations(app):
    """They are left out of `flask db check` (PostgreSQL respells their expressions), so they are
    looked for here: each one the models name exists in the migrated database."""
    from sqlalchemy import text

    from portal.extensions import db
    from portal.pupils.models import EXPRESSION_INDEXES

    # SQLAlchemy's inspector leaves expression indexes out on SQLite: ask the catalogue
    catalogue = ("SELECT name FROM sqlite_master WHERE type = 'index'" if db.engine.dialect.name == "sqlite"
                 else "SELECT indexname FROM pg_indexes")
    names = set(db.session.scalars(text(catalogue)))
    assert EXPRESSION_INDEXES <= names
