"""REINFORCE with a learned baseline on CartPole, trained with treenet.

    python examples/reinforce.py [--seed 0] [--episodes 2000]

Uses gymnasium's CartPole-v1 when gymnasium is installed, else `CartPole` below: the same
classic dynamics (Barto, Sutton & Anderson, 1983, as in gym), episodes capped at 500 steps.
Solved: a mean return of at least 195 over 100 consecutive episodes; training stops there.

The policy (an MLP giving action logits) acts one step at a time with gradients off. After
each batch of episodes, one batched forward/backward over all their steps computes
-mean(log pi(a_t | s_t) * (G_t - V(s_t))), with G_t the discounted return-to-go and V a value
network (the baseline) fitted to G_t by squared error.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import numpy as np

import treenet as tn
from treenet import nn
from treenet._optional import optional_import

SOLVED_RETURN, SOLVED_WINDOW = 195.0, 100


class CartPole:
    """CartPole-v1's dynamics and API (reset/step as in gymnasium), in plain Python.

    State (x, x_dot, theta, theta_dot); action 0 pushes left, 1 right; reward 1 per step; the
    episode terminates when |theta| > 12 degrees or |x| > 2.4 and is truncated at 500 steps.
    """

    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_limit, x_limit, max_steps = 12 * 2 * math.pi / 360, 2.4, 500

    def __init__(self) -> None:
        self.rng = np.random.default_rng()
        self.state = np.zeros(4)
        self.steps = 0

    def reset(self, seed: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(-0.05, 0.05, 4)
        self.steps = 0
        return self.state.astype(np.float32), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        cos, sin = math.cos(theta), math.sin(theta)
        total_mass = self.masscart + self.masspole
        polemass_length = self.masspole * self.length
        temp = (force + polemass_length * theta_dot**2 * sin) / total_mass
        theta_acc = (self.gravity * sin - cos * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * cos**2 / total_mass))
        x_acc = temp - polemass_length * theta_acc * cos / total_mass
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * x_acc  # explicit Euler, as gym
        theta, theta_dot = theta + self.tau * theta_dot, theta_dot + self.tau * theta_acc
        self.state = np.array([x, x_dot, theta, theta_dot])
        self.steps += 1
        terminated = abs(x) > self.x_limit or abs(theta) > self.theta_limit
        truncated = self.steps >= self.max_steps and not terminated
        return self.state.astype(np.float32), 1.0, terminated, truncated, {}


def make_env() -> Any:
    """gymnasium's CartPole-v1 when installed, else the CartPole above."""
    gymnasium = optional_import("gymnasium")
    return gymnasium.make("CartPole-v1") if gymnasium is not None else CartPole()


class MLP(nn.Module):
    """in_dim -> hidden (tanh) -> out_dim: (n, in_dim) -> (n, out_dim)."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int) -> None:
        super().__init__()
        self.hidden = nn.Linear(in_dim, hidden)
        self.out = nn.Linear(hidden, out_dim)

    def forward(self, x: tn.Tensor) -> tn.Tensor:
        return self.out(tn.tanh(self.hidden(x)))


def run_episode(env: Any, policy: nn.Module, rng: np.random.Generator,
                seed: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One episode with actions sampled from the policy: states (T, 4), actions (T,),
    rewards (T,)."""
    obs, _ = env.reset(seed=seed)
    states, actions, rewards = [], [], []
    done = False
    with tn.no_grad():
        while not done:
            probs = tn.softmax(policy(tn.from_numpy(obs[None]))).numpy()[0]
            action = int(rng.random() < probs[1])
            states.append(obs)
            actions.append(action)
            obs, reward, terminated, truncated, _ = env.step(action)
            rewards.append(reward)
            done = terminated or truncated
    return np.array(states), np.array(actions), np.array(rewards, np.float32)


def returns_to_go(rewards: np.ndarray, gamma: float) -> np.ndarray:
    """G_t = r_t + gamma * G_{t+1}: (T,) -> (T,)."""
    out, running = np.empty_like(rewards), 0.0
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        out[t] = running
    return out


def update(policy: nn.Module, value: nn.Module, opt: tn.optim.Optimizer,
           episodes: list[tuple[np.ndarray, np.ndarray, np.ndarray]], gamma: float) -> None:
    """One gradient step of the policy (REINFORCE with the value baseline) and the value net."""
    states = tn.from_numpy(np.concatenate([s for s, _, _ in episodes]))
    actions = np.concatenate([a for _, a, _ in episodes])
    targets = np.concatenate([returns_to_go(r, gamma) for _, _, r in episodes])
    baseline = value(states).reshape(-1)
    advantages = targets - baseline.numpy()
    advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    neg_log_probs = tn.cross_entropy(policy(states), actions, reduction="none")
    policy_loss = (neg_log_probs * tn.from_numpy(advantages.astype(np.float32))).mean()
    value_loss = ((baseline - tn.from_numpy(targets)) ** 2).mean()
    opt.zero_grad()
    (policy_loss + value_loss).backward()
    opt.step()


def train(seed: int, max_episodes: int, batch_episodes: int, hidden: int, lr: float,
          gamma: float) -> tuple[int | None, list[float]]:
    """Train until solved or `max_episodes`; returns (episode at which solved or None, returns)."""
    tn.manual_seed(seed)
    rng = np.random.default_rng(seed)
    env = make_env()
    policy, value = MLP(4, hidden, 2), MLP(4, hidden, 1)
    opt = tn.optim.Adam([*policy.parameters(), *value.parameters()], lr=lr)
    returns: list[float] = []
    batch = []
    for episode in range(1, max_episodes + 1):
        batch.append(run_episode(env, policy, rng, seed if episode == 1 else None))
        returns.append(float(batch[-1][2].sum()))
        window = returns[-SOLVED_WINDOW:]
        if len(window) == SOLVED_WINDOW and np.mean(window) >= SOLVED_RETURN:
            return episode, returns
        if len(batch) == batch_episodes:
            update(policy, value, opt, batch, gamma)
            batch = []
    return None, returns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=2000, help="give up after this many")
    parser.add_argument("--batch-episodes", type=int, default=1, help="episodes per update")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--gamma", type=float, default=0.99)
    args = parser.parse_args()

    start = time.perf_counter()
    solved, returns = train(args.seed, args.episodes, args.batch_episodes, args.hidden, args.lr,
                            args.gamma)
    seconds = time.perf_counter() - start
    for k in range(100, len(returns) + 1, 100):
        print(f"episode {k:5d}: mean return of the last 100 {np.mean(returns[k - 100:k]):6.1f}")
    env = "gymnasium CartPole-v1" if optional_import("gymnasium") else "built-in CartPole"
    if solved is None:
        print(f"not solved in {len(returns)} episodes ({env}, seed {args.seed}, "
              f"{seconds:.1f} s); last return {returns[-1]:.0f}")
    else:
        print(f"solved at episode {solved}: mean return "
              f"{np.mean(returns[-SOLVED_WINDOW:]):.1f} over episodes {solved - 99}-{solved} "
              f"({env}, seed {args.seed}, {sum(returns):.0f} steps, {seconds:.1f} s)")


if __name__ == "__main__":
    main()
