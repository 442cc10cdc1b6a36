"""The profile's time accounting: what counts as kernel time, and where it is reported."""

import numpy as np

import treenet as tn


def test_weight_gradient_products_are_backward_kernel_time():
    """A shared weight's factored gradients are multiplied out at the end of backward: that
    product is kernel time of the backward pass, not scheduling."""
    rng = np.random.default_rng(0)
    W = tn.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = tn.tensor(rng.standard_normal(3), requires_grad=True)
    xs = [tn.tensor(rng.standard_normal((n, 4))) for n in (2, 1, 3)]
    with tn.autobatch() as batch:
        hidden = [tn.tanh(tn.linear(x, W, b)) for x in xs]
        loss = tn.stack([tn.linear(h, W[:3], b).sum() for h in hidden]).sum()
        loss.backward()
    profile = batch.profile
    assert "weight gradients" in profile.kernel_seconds_by_op, profile.table()
    assert np.isclose(profile.kernel_seconds, sum(profile.kernel_seconds_by_op.values()))
    assert profile.backward_seconds >= profile.kernel_seconds_by_op["weight gradients"]
