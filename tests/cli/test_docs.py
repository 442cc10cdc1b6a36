"""docs/make_api.py renders the API reference from the docstrings and the command line's help."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "docs" / "make_api.py"


def test_api_reference_renders_and_is_current(monkeypatch):
    pytest.importorskip("spacy")  # the reference covers treenet.spacy_component
    monkeypatch.setenv("COLUMNS", "100")  # as make_api.py's main sets it
    spec = importlib.util.spec_from_file_location("make_api", SCRIPT)
    make_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_api)
    text = make_api.render()
    for heading in ("## treenet.models", "### `treenet.models.fit(", "## Command line",
                    "### `treenet train sst --help`", "### class `treenet.Tensor("):
        assert heading in text
    assert " at 0x" not in text and "'Tensor'" not in text  # stable, annotations unquoted
    assert text == make_api.OUT.read_text(), "docs/api.md is stale: run python docs/make_api.py"
