#!/usr/bin/env python3
"""PyTorch reference for the CharRNN training-speed benchmark (see BENCHMARKS.md).

The same model and step as the extension's trainer: one-hot input over the vocabulary,
nn.LSTM(V, H, num_layers=L, batch_first=True), nn.Linear(H, V), cross-entropy, Adam,
clip_grad_norm_(..., 5), the LSTM state carried (detached) from one batch to the next.
Times `iters` optimizer steps after `warmup` steps on random characters and prints one JSON line:
{"charsPerSec": ..., "msPerStep": [...], "threads": ..., "torch": "..."}.
Exits with status 3 when torch cannot be imported.
"""
import argparse
import json
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--vocab", type=int, default=96)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(json.dumps({"error": f"torch is not available: {e}"}))
        return 3

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    V, H, L, B, T = a.vocab, a.hidden, a.layers, a.batch, a.steps

    class CharRnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(V, H, num_layers=L, batch_first=True)
            self.dense = nn.Linear(H, V)

        def forward(self, x, state):
            out, state = self.lstm(x, state)
            return self.dense(out), state

    model = CharRnn()
    opt = torch.optim.Adam(model.parameters(), lr=0.002)
    loss_fn = nn.CrossEntropyLoss()
    data = torch.randint(0, V, (B, (a.warmup + a.iters) * T + 1))
    eye = torch.eye(V)
    state = (torch.zeros(L, B, H), torch.zeros(L, B, H))
    times = []
    for i in range(a.warmup + a.iters):
        t0 = time.perf_counter()
        xs = data[:, i * T:(i + 1) * T]
        ys = data[:, i * T + 1:(i + 1) * T + 1]
        x = eye[xs]  # one-hot [B, T, V]
        state = (state[0].detach(), state[1].detach())
        logits, state = model(x, state)
        loss = loss_fn(logits.reshape(B * T, V), ys.reshape(B * T))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    times_sorted = sorted(times)
    median = times_sorted[len(times_sorted) // 2]
    print(json.dumps({
        "charsPerSec": B * T / (median / 1000),
        "msPerStep": times,
        "threads": a.threads,
        "torch": torch.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
