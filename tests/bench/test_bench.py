"""The benchmark harness runs end to end on a few sentences: the fields it reports, equal losses
across batching modes, the report folder, and skipped peers."""

import importlib.util
import json

import pytest

from treenet.cli import main

FIELDS = {"task", "batching", "batch_size", "device", "sentences_per_sec", "tokens_per_sec",
          "peak_mem_mb", "launches", "mean_group_size", "loss", "repeats", "padding_fraction"}


@pytest.fixture
def tiny(monkeypatch, data_dir):
    monkeypatch.setenv("TREENET_BENCH_SIZES", "8,16")  # warm-up, timed sentences
    return data_dir


@pytest.mark.parametrize("task, batchings", [
    ("treelstm", ["dynamic", "none", "padded"]),
    ("tagger", ["dynamic", "dynamic-steps", "none", "padded", "padded-sorted"]),
])
def test_every_batching_mode_reports_the_fields_and_the_same_loss(tiny, capsys, task, batchings):
    assert main(["bench", "--task", task, "--batching", ",".join(batchings), "--batch-size",
                 "8", "--repeat", "1", "--data", str(tiny), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["batching"] for line in lines] == batchings
    for line in lines:
        assert FIELDS <= set(line)
        assert line["batch_size"] == 8 and line["device"] == "cpu" and line["repeats"] == 1
        assert line["sentences_per_sec"] > 0 and line["peak_mem_mb"] > 0
    same_batches = [line for line in lines if line["batching"] != "padded-sorted"]
    for line in same_batches[1:]:  # same model, same data, same steps
        assert line["loss"] == pytest.approx(same_batches[0]["loss"], rel=1e-4)
    dynamic = lines[0]
    assert dynamic["mean_group_size"] > 1 and dynamic["launches"] > 0
    parts = dynamic["kernel_fraction"] + dynamic["optimizer_fraction"]
    assert 0 < dynamic["kernel_fraction"] and 0 < dynamic["optimizer_fraction"]
    assert dynamic["outside_kernels_fraction"] == pytest.approx(1 - parts, abs=2e-3)
    padded = {line["batching"]: line["padding_fraction"] for line in lines}
    if task == "tagger":
        assert padded["padded"] > padded["padded-sorted"] > 0 == padded["dynamic"]


def test_report_folder_has_markdown_table_and_plots(tiny, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["bench", "--batching", "dynamic", "--batch-size", "4,8", "--repeat", "1",
                 "--data", str(tiny), "--out", str(out)]) == 0
    text = (out / "bench.md").read_text()
    assert "treelstm train, batch size 4" in text and "treelstm train, batch size 8" in text
    assert (out / "treelstm-train-throughput.png").stat().st_size > 1000
    assert (out / "treelstm-train-memory.png").stat().st_size > 1000
    assert len((out / "bench.jsonl").read_text().splitlines()) == 2


def test_missing_peer_is_reported_as_skipped(tiny, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TREENET_PEERS", str(tmp_path))
    assert main(["bench", "--batching", "dynamic", "--peers", "dynet", "--repeat", "1",
                 "--data", str(tiny)]) == 0
    out = capsys.readouterr().out
    assert "dynet" in out and "skipped: peer scripts not found" in out


def test_an_unknown_device_is_refused_with_a_clear_message(tiny, capsys):
    assert main(["bench", "--device", "tpu", "--data", str(tiny)]) == 2
    assert "unknown device 'tpu'" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None,
                    reason="cupy is installed here: --device cuda would run (tests/gpu covers it)")
def test_cuda_without_cupy_says_what_to_install(tiny, capsys):
    assert main(["bench", "--device", "cuda", "--data", str(tiny)]) == 2
    assert "needs the package 'cupy'" in capsys.readouterr().err


def test_peers_are_refused_on_a_gpu(tiny, capsys):
    assert main(["bench", "--device", "cuda", "--peers", "torch", "--data", str(tiny)]) == 2
    assert "the reference peers run on the CPU" in capsys.readouterr().err


def test_a_mode_only_some_tasks_have_is_left_out_for_the_others():
    import argparse

    from treenet.cli.bench import configurations

    args = argparse.Namespace(task="treelstm,tagger", mode="train", batch_size="",
                              batching="dynamic,dynamic-steps,bogus", strategy="agenda",
                              peers="", device="cpu")
    asked = [(c.task, c.batching) for c in configurations(args)]
    assert asked == [("treelstm", "dynamic"), ("treelstm", "bogus"), ("tagger", "dynamic"),
                     ("tagger", "dynamic-steps"), ("tagger", "bogus")]  # bogus: skipped later
