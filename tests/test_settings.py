"""Settings (assistant/settings.py): defaults, SHOPASSIST_* environment overrides with their types,
explicit overrides last, and the paths derived from them."""
import dataclasses
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def no_shopassist_environment(monkeypatch):
    """Each test starts from the defaults, whatever the shell running the tests sets."""
    import os
    for name in [n for n in os.environ if n.startswith("SHOPASSIST_")]:
        monkeypatch.delenv(name)


def test_every_field_is_read_from_its_environment_variable_with_its_type(monkeypatch, tmp_path):
    examples = {int: ("7", 7), float: ("0.25", 0.25), str: ("custom", "custom"), Path: (str(tmp_path), tmp_path)}
    expected = {}
    for f in dataclasses.fields(Settings):
        annotation = f.type if isinstance(f.type, str) else f.type.__name__
        kind = {"int": int, "float": float, "str": str, "Path": Path}[annotation]
        raw, value = examples[kind]
        monkeypatch.setenv(f"SHOPASSIST_{f.name.upper()}", raw)
        expected[f.name] = value
    settings = Settings.from_env()
    for name, value in expected.items():
        assert getattr(settings, name) == value and type(getattr(settings, name)) is type(value), name


def test_explicit_overrides_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SHOPASSIST_TOP_K", "9")
    monkeypatch.setenv("SHOPASSIST_DATA_DIR", str(tmp_path / "from-env"))
    settings = Settings.from_env(top_k=3, data_dir=str(tmp_path / "given"))
    assert settings.top_k == 3 and settings.data_dir == tmp_path / "given"  # a string becomes a Path
    assert Settings.from_env().top_k == 9


def test_defaults_and_derived_paths(tmp_path):
    defaults = Settings.from_env()
    assert defaults == Settings() and defaults.data_dir == PROJECT_ROOT / "data" and defaults.max_steps == 3
    settings = Settings.from_env(data_dir=tmp_path)
    assert (settings.db_path, settings.sessions_path, settings.uploads_dir) == (
        tmp_path / "catalog.sqlite", tmp_path / "sessions.sqlite", tmp_path / "uploads")
    assert settings.recommender_dir == tmp_path / "models" / "recommender" and settings.index_dir == tmp_path / "index"


@pytest.mark.parametrize("adapter,where", [("shipped", PROJECT_ROOT / "assistant" / "weights" / "controller"),
                                           ("none", None), ("", None), ("base", None),
                                           ("/somewhere/adapter", Path("/somewhere/adapter"))])
def test_the_chat_adapter_setting_names_the_adapter_directory(adapter, where):
    assert Settings(chat_adapter=adapter).controller_adapter_dir == where


def test_a_value_of_the_wrong_type_is_refused(monkeypatch):
    monkeypatch.setenv("SHOPASSIST_MAX_STEPS", "three")
    with pytest.raises(ValueError):
        Settings.from_env()
