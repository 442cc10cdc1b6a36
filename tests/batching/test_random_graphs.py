"""Property test: random per-example graphs of registered ops give the same loss and parameter
gradients under "agenda" and "depth" as eager execution, example by example. Examples may start
with steps that need no gradient (so groups mix members with and without one) and read values
mid-graph (so later groups gather rows of groups computed by an earlier partial flush)."""

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

import treenet as tn

WIDTH = 4
STEPS = ["tanh", "sigmoid", "matmul", "scale", "add_prev", "mul_prev", "softmax",
         "log_softmax", "center", "concat_split", "relu_shift", "dropout", "max_pool", "exp_tanh",
         "read", "cell", "split_join", "reverse_rows"]
USES_PARAMS = {"matmul", "scale", "cell"}


def _apply(step, h, history, params, rng_seed):
    W, g, b, U, bU = params
    if step == "tanh":
        return tn.tanh(h)
    if step == "sigmoid":
        return tn.sigmoid(h)
    if step == "matmul":
        return h @ W + b
    if step == "scale":
        return h * g
    if step == "add_prev":
        return h + history[0]
    if step == "mul_prev":
        return h * history[-1]
    if step == "softmax":
        return tn.softmax(h, axis=-1)
    if step == "log_softmax":
        return tn.log_softmax(h, axis=-1) * 0.1
    if step == "center":
        return h - h.mean(axis=1, keepdims=True)
    if step == "concat_split":
        left, right = tn.split(h, 2, axis=1)
        return tn.concatenate([right, left * 2.0], axis=1)
    if step == "relu_shift":
        return tn.relu(h + 0.25)
    if step == "dropout":
        return tn.dropout(h, p=0.3)
    if step == "max_pool":
        return h * h.max(axis=0, keepdims=True)
    if step == "read":
        h.numpy()  # a value read mid-graph: under autobatch, a partial flush
        return h
    if step == "cell":  # a fused two-output op; h and c both flow on
        state, cell = tn.binary_tree_lstm(h, history[0], history[-1], h, U, bU)
        return state + cell
    if step == "split_join":  # every row as a view, joined again
        return tn.concatenate(tn.split(h, len(h)))
    if step == "reverse_rows":  # row views by index, in reverse
        return tn.concatenate([h[i:i + 1] for i in reversed(range(len(h)))]) * 0.5
    return tn.tanh(tn.exp(tn.clip(h, -3.0, 3.0)))


def _loss(programs, inputs, params, seed):
    tn.manual_seed(seed)  # dropout masks are drawn in recording order
    losses = []
    for (program, frozen), x in zip(programs, inputs, strict=True):
        W, g, b = params[:3]
        h = tn.tanh(x)  # the first `frozen` steps need no gradient
        history = [h]
        for step in program[:frozen]:
            if step not in USES_PARAMS:
                h = _apply(step, h, history, params, seed)
                history.append(h)
        h = h + tn.tanh(x @ W + b) * g  # every example uses W, g and b
        history = [h]
        for step in program[frozen:]:
            h = _apply(step, h, history, params, seed)
            history.append(h)
        losses.append((h * h).sum())
    return tn.stack(losses).sum()


def _grads(programs, inputs, params, seed, strategy):
    for p in params:
        p.grad = None
    with tn.autobatch(strategy):
        loss = _loss(programs, inputs, params, seed)
        loss.backward()
    return loss.item(), [np.zeros(p.shape) if p.grad is None else p.grad.numpy().copy()
                         for p in params]


def _relative_error(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)  # 1e-300 underflows float32
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


examples = st.lists(
    st.tuples(st.integers(1, 3), st.lists(st.sampled_from(STEPS), min_size=1, max_size=6),
              st.integers(0, 3)),
    min_size=1, max_size=6)


@given(examples=examples, seed=st.integers(0, 2**16), dtype=st.sampled_from(["float64",
                                                                              "float32"]))
# saturated float32 cell gates: a tanh less accurate than numpy's near +-1 (a rational
# approximation, 6 ulps) put the cell's weight gradients 1.6e-5 apart
@example(examples=[(3, ["tanh"], 0), (1, ["add_prev", "add_prev", "max_pool", "cell"], 0)],
         seed=456, dtype="float32")
def test_random_graphs_batched_equal_eager(examples, seed, dtype):
    rng = np.random.default_rng(seed)
    params = [tn.tensor(rng.standard_normal((WIDTH, WIDTH)) * 0.5, dtype=dtype,
                        requires_grad=True),
              tn.tensor(rng.standard_normal(WIDTH), dtype=dtype, requires_grad=True),
              tn.tensor(rng.standard_normal(WIDTH), dtype=dtype, requires_grad=True),
              tn.tensor(rng.standard_normal((2 * WIDTH, 5 * WIDTH)) * 0.5, dtype=dtype,
                        requires_grad=True),
              tn.tensor(rng.standard_normal(5 * WIDTH), dtype=dtype, requires_grad=True)]
    inputs = [tn.tensor(rng.standard_normal((rows, WIDTH)), dtype=dtype)
              for rows, _, _ in examples]
    programs = [(program, frozen) for _, program, frozen in examples]
    tolerance = 1e-10 if dtype == "float64" else 1e-5
    eager_loss, eager_grads = _grads(programs, inputs, params, seed, "none")
    for strategy in ("agenda", "depth"):
        loss, grads = _grads(programs, inputs, params, seed, strategy)
        assert abs(loss - eager_loss) <= tolerance * max(abs(eager_loss), 1.0)
        for a, b in zip(grads, eager_grads, strict=True):
            assert _relative_error(a, b) <= tolerance, (strategy, a, b)
