"""Every recipe runs one short epoch on a sample of the real corpora (TREENET_DATA)."""

import pytest

from treenet.models import load_run
from treenet.models.recipes import RECIPES, main, run_recipe


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_runs_on_real_data(name, data_dir, tmp_path, capsys):
    trained = run_recipe(name, tmp_path / name, data_dir=str(data_dir), vectors="none",
                         embed_dim=8, hidden_size=6, limit=30, epochs=1)
    printed = capsys.readouterr().out
    assert f"{name}: vectors none" in printed and "best dev:" in printed
    assert trained.history.epochs[0].dev == trained.metrics
    assert load_run(tmp_path / name).config["config"]["limit"] == 30


def test_main_parses_overrides(tiny_sst, capsys):
    main(["sst-fine", "--set", f"data_dir={tiny_sst}", "--set", "vectors=none",
          "--set", "hidden_size=4", "--set", "embed_dim=4", "--set", "epochs=1",
          "--set", "max_seconds=null"])
    assert "sst-fine: vectors none, batching dynamic, 1 epochs" in capsys.readouterr().out
