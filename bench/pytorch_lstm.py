#!/usr/bin/env python3
"""PyTorch reference for the CharRNN training-speed benchmark (see BENCHMARKS.md).

The same model and step as the extension's trainer: one-hot input over the vocabulary,
nn.LSTM(V, H, num_layers=L, batch_first=True), nn.Linear(H, V), cross-entropy, Adam,
clip_grad_norm_(..., 5), the LSTM state carried (detached) from one batch to the next.
Times `iters` optimizer steps after `warmup` steps on random characters and prints one JSON line:
{"charsPerSec": ..., "msPerStep": [...], "threads": ..., "torch": "..."}.

With --learn DIR (the learning benchmark, bench/learning.ts) it trains instead on real text:
DIR/train.bin (int32 little-endian character ids, the trainer's training split), cut into
`batch` streams as karpathy/char-rnn and our BatchStream do (state carried, reset each epoch),
and at each training time in --points (seconds, the clock stops while it evaluates) scores the
held-out files DIR/test.bin + DIR/test.json (per-file lengths): each file read from a zero state,
the first character predicted from that state (as our inference model does), bits per character.
Prints one JSON line per point as it goes ({"point": ...}) and a last one with all of them.
Exits with status 3 when torch cannot be imported.
"""
import argparse
import json
import math
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
    ap.add_argument("--learn", help="folder with train.bin, test.bin, test.json: the learning benchmark")
    ap.add_argument("--points", default="60,120,300,600", help="training seconds at which to score (--learn)")
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--clip", type=float, default=5.0)
    a = ap.parse_args()
    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(json.dumps({"error": f"torch is not available: {e}"}))
        return 3

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.learn:
        return learn(a, torch, nn)
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


def learn(a, torch, nn) -> int:
    """Held-out bits/char at training-time points, the same recipe as the speed reference."""
    import os
    import numpy as np

    train = torch.from_numpy(np.fromfile(os.path.join(a.learn, "train.bin"), dtype="<i4").astype(np.int64))
    test_ids = np.fromfile(os.path.join(a.learn, "test.bin"), dtype="<i4").astype(np.int64)
    with open(os.path.join(a.learn, "test.json")) as f:
        lengths = json.load(f)["lengths"]
    V, H, L, B, T = a.vocab, a.hidden, a.layers, a.batch, a.steps
    points = sorted(float(p) for p in a.points.split(","))
    stream_len = (len(train) - 1) // B
    per_epoch = stream_len // T
    if per_epoch < 1:
        print(json.dumps({"error": "training text too short for one batch"}))
        return 2
    streams = torch.stack([train[b * stream_len:b * stream_len + stream_len + 1] for b in range(B)])  # [B, Ls+1]

    lstm = nn.LSTM(V, H, num_layers=L, batch_first=True)
    dense = nn.Linear(H, V)
    params = list(lstm.parameters()) + list(dense.parameters())
    opt = torch.optim.Adam(params, lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()
    eye = torch.eye(V)

    # Held-out files, padded into one batch (scored in chunks of 32 files).
    docs = []
    o = 0
    for n in lengths:
        docs.append(test_ids[o:o + n])
        o += n

    def held_out_bpc() -> float:
        lstm.eval()
        bits = 0.0
        chars = 0
        with torch.no_grad():
            for i in range(0, len(docs), 32):
                group = docs[i:i + 32]
                n = max(len(d) for d in group)
                x = torch.zeros(len(group), n, dtype=torch.int64)
                mask = torch.zeros(len(group), n, dtype=torch.bool)
                for j, d in enumerate(group):
                    x[j, :len(d)] = torch.from_numpy(d)
                    mask[j, :len(d)] = True
                out, _ = lstm(eye[x[:, :-1]]) if n > 1 else (torch.zeros(len(group), 0, H), None)
                h = torch.cat([torch.zeros(len(group), 1, H), out], dim=1)  # state before each char
                logp = torch.log_softmax(dense(h), dim=-1)
                lp = logp.gather(2, x.unsqueeze(2)).squeeze(2)
                bits -= float(lp[mask].sum()) / math.log(2)
                chars += int(mask.sum())
        lstm.train()
        return bits / chars

    state = (torch.zeros(L, B, H), torch.zeros(L, B, H))
    results = []
    clock = 0.0
    step = 0
    k = 0
    pi = 0
    while pi < len(points):
        if k == per_epoch:
            k = 0
            state = (torch.zeros(L, B, H), torch.zeros(L, B, H))
        t0 = time.perf_counter()
        xs = streams[:, k * T:(k + 1) * T]
        ys = streams[:, k * T + 1:(k + 1) * T + 1]
        state = (state[0].detach(), state[1].detach())
        out, state = lstm(eye[xs], state)
        logits = dense(out)
        loss = loss_fn(logits.reshape(B * T, V), ys.reshape(B * T))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, a.clip)
        opt.step()
        clock += time.perf_counter() - t0
        step += 1
        k += 1
        while pi < len(points) and clock >= points[pi]:
            t1 = time.perf_counter()
            bpc = held_out_bpc()
            r = {"point": points[pi], "elapsedSec": clock, "step": step, "charsSeen": step * B * T,
                 "bpc": bpc, "trainLoss": float(loss) / math.log(2), "evalSec": time.perf_counter() - t1}
            print(json.dumps(r), flush=True)
            results.append(r)
            pi += 1
    print(json.dumps({"points": results, "threads": a.threads, "torch": torch.__version__,
                      "charsPerSec": step * B * T / max(clock, 1e-9)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
