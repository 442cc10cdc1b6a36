"""The C extension path: the softsign example built with cffi, checked against numpy, by
gradcheck, and eager against autobatch."""

import importlib.util
import shutil
import sysconfig
from pathlib import Path

import numpy as np
import pytest

import treenet as tn
from treenet._optional import optional_import
from treenet.extension import c_array, compile_c

EXAMPLE = Path(__file__).parents[2] / "examples" / "c_extension" / "softsign.py"


@pytest.fixture(scope="module")
def ext(tmp_path_factory):
    """The example module with its C kernels built (into a temporary folder)."""
    if optional_import("cffi") is None:
        pytest.skip("cffi is not installed (pip install cffi)")
    if shutil.which(sysconfig.get_config_var("CC").split()[0]) is None:
        pytest.skip("no C compiler found (the C extension path needs one, e.g. gcc)")
    spec = importlib.util.spec_from_file_location("treenet_example_softsign", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.kernels(build_dir=tmp_path_factory.mktemp("cext"))
    return module


def test_c_array_refuses_non_numpy_arrays(ext):
    class FakeDeviceArray:
        dtype = np.dtype(np.float64)

    with pytest.raises(TypeError, match="numpy \\(CPU\\) arrays"):
        c_array(ext.kernels()[0], FakeDeviceArray())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_c_kernel_matches_numpy(ext, dtype):
    x = np.random.default_rng(0).standard_normal((7, 5)).astype(dtype)
    y = ext.softsign(tn.from_numpy(x))
    assert y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), ext.numpy_softsign(x), rtol=1e-6)


def test_non_contiguous_input(ext):
    x = np.random.default_rng(1).standard_normal((6, 4))[:, ::2]
    np.testing.assert_allclose(ext.softsign(tn.from_numpy(x)).numpy(), ext.numpy_softsign(x))


def test_gradcheck(ext):
    x = tn.tensor(np.random.default_rng(2).uniform(-3, 3, (4, 6)), dtype=tn.float64,
                  requires_grad=True)
    assert tn.gradcheck(ext.softsign, [x])


def test_float32_gradient_matches_the_numpy_formula(ext):
    x = tn.randn(3, 3, requires_grad=True)
    ext.softsign(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1 / (1 + np.abs(x.numpy())) ** 2, rtol=1e-6)


def test_shape_is_checked_at_the_call_under_autobatch(ext):
    with tn.autobatch(), pytest.raises(ValueError, match="float32 or float64"):
        ext.softsign(tn.tensor([1, 2, 3]))


def test_eager_and_autobatch_agree(ext):
    rng = np.random.default_rng(3)
    rows = [rng.standard_normal((n, 5)) for n in (1, 3, 1, 2, 1)]

    def run(strategy: str):
        inputs = [tn.tensor(r, dtype=tn.float64, requires_grad=True) for r in rows]
        with tn.autobatch(strategy) as batch:
            # computed inputs: leaves that require grad count as parameters, never batched
            outs = [ext.softsign(x * 1.0) for x in inputs]
            tn.stack([(o * o).sum() for o in outs]).sum().backward()
        return [o.numpy() for o in outs], [x.grad.numpy() for x in inputs], batch.profile

    eager_outs, eager_grads, _ = run("none")
    outs, grads, profile = run("agenda")
    for a, b in zip(eager_outs + eager_grads, outs + grads, strict=True):
        np.testing.assert_array_equal(a, b)  # bit for bit
    name = ext.Softsign.op.name
    assert profile.nodes_by_op[name] == 5 and profile.launches_by_op[name] == 1


def test_cached_build_is_reused(ext, tmp_path):
    first = compile_c("cached_probe", "int twice(int);",
                                   "int twice(int x) { return 2 * x; }", build_dir=tmp_path)
    again = compile_c("cached_probe", "int twice(int);",
                                   "int twice(int x) { return 2 * x; }", build_dir=tmp_path)
    assert first[1].twice(21) == 42 and again[1] is first[1]
    assert len(list(tmp_path.glob("cached_probe_*.so"))) == 1


def test_c_array_rejects_what_c_cannot_read(ext):
    ffi, _ = ext.kernels()
    with pytest.raises(ValueError, match="C-contiguous"):
        c_array(ffi, np.zeros((4, 4))[:, ::2])
    with pytest.raises(TypeError, match="no C type"):
        c_array(ffi, np.zeros(3, np.complex64))
