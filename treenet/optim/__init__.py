"""Optimizers (dense and row-sparse updates), gradient clipping and learning-rate schedules."""

from treenet.optim.adagrad import Adagrad
from treenet.optim.adam import Adam, AdamW
from treenet.optim.clip import clip_grad_norm
from treenet.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR
from treenet.optim.optimizer import Optimizer
from treenet.optim.sgd import SGD

__all__ = [
    "SGD", "Adagrad", "Adam", "AdamW", "CosineAnnealingLR", "ExponentialLR", "LRScheduler",
    "Optimizer", "StepLR", "clip_grad_norm",
]
