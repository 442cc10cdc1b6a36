"""The benchmark harness runs end to end on a few sentences and reports the protocol's fields."""

import json

import pytest

from treenet.cli import main


@pytest.fixture
def tiny(monkeypatch, data_dir):
    monkeypatch.setenv("TREENET_BENCH_SIZES", "25,50")
    return data_dir


def test_bench_json_lines_for_dynamic_and_unbatched(tiny, capsys):
    assert main(["bench", "--task", "treelstm", "--batching", "dynamic,none", "--repeat", "1",
                 "--data", str(tiny), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["system"] for line in lines] == ["treenet dynamic (agenda)", "treenet none"]
    for line in lines:
        assert line["task"] == "treelstm" and line["batch_size"] == 25
        assert line["sentences_per_sec"] > 0 and line["peak_mem_mb"] > 0
    dynamic, eager = lines
    assert dynamic["loss"] == pytest.approx(eager["loss"], rel=1e-4)  # same model, same data
    assert dynamic["mean_group_size"] > 1 and eager["launches"] is None


def test_missing_peer_is_reported_as_skipped(tiny, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TREENET_PEERS", str(tmp_path))
    assert main(["bench", "--batching", "dynamic", "--peers", "dynet", "--repeat", "1",
                 "--data", str(tiny)]) == 0
    out = capsys.readouterr().out
    assert "dynet" in out and "skipped: peer scripts not found" in out
