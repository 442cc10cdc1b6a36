"""The fused C kernels of the Tree-LSTM cells give the numpy path's values and gradients."""

import numpy as np
import pytest

import treenet as tn
from treenet.ops import fused_cells

pytestmark = pytest.mark.skipif(
    fused_cells.KERNELS.get() is None,
    reason=f"fused cell kernels {fused_cells.KERNELS.status()}")

H = 6


def _calls(rng, dtype, rows):
    """(op, arguments) of the binary cell, the leaf, the LSTM ops and the child-sum cell
    (0, 1 and 3 children), some states strided."""
    def arr(*shape):
        return rng.standard_normal(shape).astype(dtype)

    wide = arr(rows, 2 * H)
    binary = (tn.binary_tree_lstm, [arr(rows, H), wide[:, :H], arr(rows, H), wide[:, H:],
                                    0.5 * arr(2 * H, 5 * H), arr(5 * H)])
    leaf = (tn.tree_lstm_leaf, [arr(rows, 4), 0.5 * arr(4, 3 * H), arr(3 * H)])
    cell = (tn.lstm_cell, [arr(rows, 4), arr(rows, H), wide[:, H:], 0.5 * arr(4, 4 * H),
                           0.5 * arr(H, 4 * H), arr(4 * H)])
    step = (tn.lstm_step, [arr(rows, 4 * H), arr(rows, H), wide[:, :H], 0.5 * arr(H, 4 * H)])
    sequences = (lambda gx, U: (tn.lstm_sequence(gx, U, lengths=(rows, 2 * rows)),) * 2,
                 [arr(3 * rows, 4 * H), 0.5 * arr(H, 4 * H)])
    childsum = [(lambda xw, U_iou, U_f, *s: tn.childsum_tree_lstm(
        xw, s[:len(s) // 2], s[len(s) // 2:], U_iou, U_f),
        [arr(rows, 4 * H), 0.5 * arr(H, 3 * H), 0.5 * arr(H, H),
         *(arr(rows, H) for _ in range(2 * k))]) for k in (0, 1, 3)]
    return [binary, leaf, cell, step, sequences, *childsum]


def _run(op, arrays, weights):
    """Both outputs and every input's gradient of sum(h * wh) + sum(c * wc) (for a sequence,
    its output twice)."""
    tensors = [tn.tensor(a, requires_grad=True) for a in arrays]
    h, c = op(*tensors)
    weights = [w[:len(h)] for w in weights]
    ((h * tn.tensor(weights[0])).sum() + (c * tn.tensor(weights[1])).sum()).backward()
    return [h.numpy(), c.numpy()] + [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("dtype,tolerance", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("rows", [1, 3, 40])
def test_fused_kernels_equal_the_numpy_path(monkeypatch, dtype, tolerance, rows):
    rng = np.random.default_rng(rows)
    for op, arrays in _calls(rng, dtype, rows):
        weights = [rng.standard_normal((3 * rows, H)).astype(dtype) for _ in range(2)]
        fused = _run(op, arrays, weights)
        monkeypatch.setattr(fused_cells.KERNELS, "enabled", False)
        reference = _run(op, arrays, weights)
        monkeypatch.setattr(fused_cells.KERNELS, "enabled", True)
        for got, want in zip(fused, reference, strict=True):
            assert got.dtype == dtype
            np.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance)


def test_other_dtypes_and_turned_off_kernels_leave_it_to_numpy(monkeypatch):
    z, b = np.zeros((2, 3 * H), np.float16), np.zeros(3 * H, np.float16)
    assert fused_cells.forward(np, z, b, ()) is None  # no float16 kernel
    z, b = z.astype(np.float32), b.astype(np.float32)
    assert fused_cells.forward(np, z.copy(), b, ()) is not None
    monkeypatch.setattr(fused_cells.KERNELS, "enabled", False)
    assert fused_cells.forward(np, z.copy(), b, ()) is None
