"""A GAN on a ring of 8 Gaussians, trained with treenet; plots real vs generated samples.

    python examples/gan.py [--steps 8000] [--out gan.png] [--seed 0]

The data: 8 modes on a circle of radius 2, each with standard deviation 0.02 (the mixture of
Metz et al., 2017). Generator and discriminator are 3-layer ReLU MLPs trained with Adam on the
non-saturating loss, the learning rate annealed to 0 on a cosine. The discriminator judges packs
of `--pack` samples at once (PacGAN, Lin et al., 2018), which lets it see when the generator
collapses onto a few modes. Quality: the fraction of generated samples within 3 standard
deviations of a mode ("high quality"), and how many modes get at least 1% of the samples so.
"""

from __future__ import annotations

import argparse
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import treenet as tn  # noqa: E402
from treenet import nn  # noqa: E402

MODES = 2.0 * np.stack([np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], 1)
STD = 0.02


def real_samples(rng: np.random.Generator, n: int) -> np.ndarray:
    """n points (n, 2) from the ring mixture, float32."""
    centers = MODES[rng.integers(0, len(MODES), n)]
    return (centers + STD * rng.standard_normal((n, 2))).astype(np.float32)


class MLP(nn.Module):
    """in_dim -> hidden -> hidden -> out_dim with ReLUs between: (n, in_dim) -> (n, out_dim)."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(in_dim, hidden), nn.Linear(hidden, hidden),
                                     nn.Linear(hidden, out_dim)])

    def forward(self, x: tn.Tensor) -> tn.Tensor:
        *hidden, last = self.layers
        for layer in hidden:
            x = tn.relu(layer(x))
        return last(x)


def quality(samples: np.ndarray) -> tuple[float, int]:
    """(fraction of samples within 3 std of their nearest mode, modes holding >= 1% of them)."""
    distances = np.linalg.norm(samples[:, None, :] - MODES[None], axis=2)
    nearest, close = distances.argmin(1), distances.min(1) <= 3 * STD
    counts = np.bincount(nearest[close], minlength=len(MODES))
    return float(close.mean()), int((counts >= 0.01 * len(samples)).sum())


def train(steps: int, batch_size: int, noise_dim: int, pack: int, seed: int, lr: float,
          log_every: int) -> nn.Module:
    """Alternate one discriminator and one generator Adam step per iteration."""
    tn.manual_seed(seed)
    rng = np.random.default_rng(seed)
    generator, critic = MLP(noise_dim, 128, 2), MLP(2 * pack, 128, 2)  # logits (fake, real)
    opt_g = tn.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = tn.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.999))
    schedules = [tn.optim.CosineAnnealingLR(opt, T_max=steps) for opt in (opt_g, opt_d)]
    packs = batch_size // pack
    real_label, fake_label = np.ones(packs, np.int64), np.zeros(packs, np.int64)

    def judge(points: tn.Tensor) -> tn.Tensor:  # (packs * pack, 2) -> logits (packs, 2)
        return critic(points.reshape(packs, 2 * pack))

    start = time.perf_counter()
    for step in range(1, steps + 1):
        with tn.no_grad():
            fake = generator(tn.randn(packs * pack, noise_dim))
        real = tn.from_numpy(real_samples(rng, packs * pack))
        loss_d = tn.cross_entropy(judge(real), real_label) + tn.cross_entropy(judge(fake),
                                                                             fake_label)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()

        loss_g = tn.cross_entropy(judge(generator(tn.randn(packs * pack, noise_dim))),
                                  real_label)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        for schedule in schedules:
            schedule.step()
        if step % log_every == 0 or step == steps:
            with tn.no_grad():
                high, modes = quality(generator(tn.randn(2500, noise_dim)).numpy())
            print(f"step {step:5d}  loss D {loss_d.item():.3f}  G {loss_g.item():.3f}  "
                  f"high-quality {high:.3f}  modes {modes}/8  "
                  f"({time.perf_counter() - start:.1f} s)")
    return generator


def plot(real: np.ndarray, fake: np.ndarray, path: str, title: str) -> None:
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(real[:, 0], real[:, 1], s=4, c="tab:blue", alpha=0.4, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=4, c="tab:red", alpha=0.4, label="generated")
    ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", title=title)
    ax.legend(loc="upper right")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--noise-dim", type=int, default=16)
    parser.add_argument("--pack", type=int, default=4, help="samples per discriminator input")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-every", type=int, default=1000)
    parser.add_argument("--out", default="gan.png", help="where to write the plot")
    args = parser.parse_args()

    generator = train(args.steps, args.batch_size, args.noise_dim, args.pack, args.seed,
                      args.lr, args.log_every)
    with tn.no_grad():
        fake = generator(tn.randn(2500, args.noise_dim)).numpy()
    high, modes = quality(fake)
    print(f"final: {high:.1%} of 2500 generated samples within 3 std of a mode, "
          f"{modes}/8 modes covered")
    real = real_samples(np.random.default_rng(args.seed + 1), 2500)
    plot(real, fake, args.out, f"{args.steps} steps: {high:.0%} high quality, {modes}/8 modes")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
