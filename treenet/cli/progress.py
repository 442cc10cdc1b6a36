"""Training progress on the terminal: a bar per epoch (sentences/s, loss) and a line per epoch."""

from __future__ import annotations

from tqdm import tqdm

from treenet.models.train import Event


class Progress:
    """A `fit` callback: a tqdm bar on stderr while an epoch runs, showing sentences/s and the
    epoch's mean loss so far, then the epoch's summary line on stdout; nothing when quiet."""

    def __init__(self, sentences: int, quiet: bool = False) -> None:
        self.sentences = sentences
        self.quiet = quiet
        self.bar: tqdm | None = None
        self.loss_sum = 0.0
        self.seen = 0

    def __call__(self, event: Event) -> None:
        if event.kind == "batch":
            if self.bar is None:
                self.bar = tqdm(total=self.sentences, desc=f"epoch {event.epoch}", unit="sent",
                                leave=False, disable=self.quiet, dynamic_ncols=True)
                self.loss_sum, self.seen = 0.0, 0
            self.loss_sum += event.loss * event.size
            self.seen += event.size
            self.bar.set_postfix(loss=f"{self.loss_sum / self.seen:.3f}", refresh=False)
            self.bar.update(event.size)
            return
        self.close()
        if not self.quiet:
            print(event.record.summary(), flush=True)

    def close(self) -> None:
        """Close the current epoch's bar, if any."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
