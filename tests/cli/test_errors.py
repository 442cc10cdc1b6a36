"""Errors a user can act on: one line on stderr, exit status 2, no traceback (unless --debug)."""

import pytest

from treenet._optional import optional_import
from treenet.cli import main
from treenet.data import DatasetNotFoundError


@pytest.fixture
def no_data(monkeypatch, tmp_path):
    """No TREENET_DATA and an empty cache, so nothing is found on disk."""
    monkeypatch.delenv("TREENET_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def error_line(capsys, argv):
    """Run main(argv); check exit status 2 and return its one stderr line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("treenet: error: ")
    return err


def test_missing_sst_says_where_it_looked(no_data, capsys, tmp_path):
    err = error_line(capsys, ["train", "sst", "--data", str(tmp_path / "nowhere"),
                              "--out", str(tmp_path / "run")])
    assert str(tmp_path / "nowhere") in err and "TREENET_DATA" in err and "--data" in err


def test_missing_tagger_corpus(no_data, capsys, tmp_path):
    err = error_line(capsys, ["train", "tagger", "--task", "ner", "--out", str(tmp_path)])
    assert "TREENET_DATA" in err and "--data" in err
    err = error_line(capsys, ["train", "tagger", "--task", "ner", "--data", str(tmp_path),
                              "--out", str(tmp_path / "run")])
    assert str(tmp_path / "wnut17" / "train.txt") in err


def test_unknown_vectors_file(sst_data, capsys, tmp_path):
    err = error_line(capsys, ["train", "sst", "--data", str(sst_data), "--vectors",
                              str(tmp_path / "missing.txt"), "--out", str(tmp_path / "run")])
    assert "missing.txt" in err and "glove50" in err
    assert not (tmp_path / "run").exists()


def test_run_folder_of_another_task(chunk_run, sst_run, capsys):
    err = error_line(capsys, ["train", "sst", "--resume", "--out", str(chunk_run)])
    assert "holds a tagging run, not a sentiment run" in err
    err = error_line(capsys, ["train", "tagger", "--task", "chunk", "--resume", "--out",
                              str(sst_run)])
    assert "holds a sentiment run, not a tagging run" in err


def test_not_a_run_folder(capsys, tmp_path):
    err = error_line(capsys, ["eval", str(tmp_path), "--file", str(tmp_path / "x.txt")])
    assert "not a treenet run folder" in err


def test_corrupted_checkpoints(sst_run, capsys, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    for path in sst_run.iterdir():
        data = path.read_bytes()
        if path.suffix == ".safetensors":  # flip one byte of the last weight
            data = data[:-1] + bytes([data[-1] ^ 1])
        (run / path.name).write_bytes(data)
    err = error_line(capsys, ["eval", str(run), "--file", str(sst_run / "vocab.json")])
    assert "model.safetensors" in err and "corrupted" in err
    err = error_line(capsys, ["train", "sst", "--resume", "--out", str(run)])
    assert "last.safetensors" in err and "corrupted" in err


def test_resume_with_other_settings(sst_data, sst_run, capsys):
    err = error_line(capsys, ["train", "sst", "--resume", "--out", str(sst_run), "--lr", "1",
                              "--epochs", "3"])
    assert "--lr (saved: 0.05, given: 1.0)" in err and "--epochs" not in err


def test_existing_run_is_not_overwritten(sst_data, sst_run, capsys):
    err = error_line(capsys, ["train", "sst", "--data", str(sst_data), "--out", str(sst_run)])
    assert "--resume" in err


def test_data_format_error_names_file_and_line(capsys, tmp_path):
    (tmp_path / "sst").mkdir()
    (tmp_path / "sst" / "train.txt").write_text("(3 (2 a) (3 good))\n(3 (2 a) (3 good)\n")
    (tmp_path / "sst" / "dev.txt").write_text("(3 (2 a) (3 good))\n")
    err = error_line(capsys, ["train", "sst", "--data", str(tmp_path), "--out",
                              str(tmp_path / "run"), "--vectors", "none"])
    assert f"{tmp_path / 'sst' / 'train.txt'}:2" in err


def test_eval_file_errors(sst_run, capsys, tmp_path):
    err = error_line(capsys, ["eval", str(sst_run), "--file", str(tmp_path / "none.txt")])
    assert "none.txt" in err
    bad = tmp_path / "bad.txt"
    bad.write_text("(3 (2 a) (9 good))\n")
    assert f"{bad}:1" in error_line(capsys, ["eval", str(sst_run), "--file", str(bad)])


def test_cuda_without_gpu(sst_data, capsys, tmp_path):
    if optional_import("cupy") is not None:
        pytest.skip("cupy is installed: --device cuda may work here")
    err = error_line(capsys, ["train", "sst", "--data", str(sst_data), "--device", "cuda",
                              "--out", str(tmp_path / "run")])
    assert "cupy" in err


def test_debug_shows_the_exception(no_data, tmp_path):
    with pytest.raises(DatasetNotFoundError):
        main(["train", "sst", "--data", str(tmp_path), "--out", str(tmp_path / "run"),
              "--debug"])
