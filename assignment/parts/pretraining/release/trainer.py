"""Part 3 (given): a small training loop (AdamW, linear warmup then cosine decay to 10%, grad clipping)."""
import math
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader

try:
    from tqdm import tqdm
except ImportError:  # progress bars are optional
    def tqdm(iterable, **kwargs):
        return iterable


@dataclass
class TrainerConfig:
    max_epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 1e-3
    betas: tuple = (0.9, 0.95)
    grad_norm_clip: float = 1.0
    weight_decay: float = 0.0
    warmup_steps: int = 100
    seed: int = 0
    progress: bool = True


class Trainer:
    def __init__(self, model, train_dataset, config, device="cpu"):
        self.model, self.train_dataset, self.config, self.device = model, train_dataset, config, device

    def train(self):
        model, config = self.model.to(self.device), self.config
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, betas=config.betas,
                                      weight_decay=config.weight_decay)
        loader = DataLoader(self.train_dataset, batch_size=config.batch_size, shuffle=True, num_workers=0,
                            generator=torch.Generator().manual_seed(config.seed))
        total = config.max_epochs * len(loader)
        warmup = min(config.warmup_steps, max(1, total // 10))
        step, losses = 0, []
        model.train()
        bar = tqdm(range(config.max_epochs), desc="epochs", disable=not config.progress)
        for _ in bar:
            for x, y in loader:
                # drop the columns that are PAD in every example (no loss there, causal model: same result)
                keep = int(((x != 0) | (y != 0)).any(dim=0).nonzero().max()) + 1 if bool((x != 0).any()) else 1
                x, y = x[:, :keep].to(self.device), y[:, :keep].to(self.device)
                if step < warmup:
                    mult = (step + 1) / warmup
                else:
                    progress = (step - warmup) / max(1, total - warmup)
                    mult = max(0.1, 0.5 * (1.0 + math.cos(math.pi * progress)))
                for group in optimizer.param_groups:
                    group["lr"] = config.learning_rate * mult
                _, loss = model(x, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_norm_clip)
                optimizer.step()
                losses.append(loss.item())
                step += 1
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{sum(losses[-50:]) / len(losses[-50:]):.3f}", steps=step)
        return losses
