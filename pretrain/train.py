#!/usr/bin/env python3
"""Pretrains the base CharRNN on the corpus of `npm run pretrain:corpus` (.cache/pretrain/corpus/).

    npm run pretrain -- --hours 3          # or: python3 pretrain/train.py --hours 3

The model is the extension's default CharRNN (src/core/lstm/weights.ts): one-hot input over the base
vocabulary (src/core/text/baseVocab.ts, 98 symbols), nn.LSTM(V, 256, num_layers=2), nn.Linear(256, V),
cross-entropy, Adam, global-norm clipping at 5, the state carried (detached) between batches of
`--batch` parallel streams of `--steps` characters, as karpathy/char-rnn trains. PyTorch is used for
this offline step because it trains 3-4x faster than our engine on these CPUs
(shared/notes/performance.md); the weights are exported to our layout.

Resumable: every `--save-minutes` it writes .cache/pretrain/run/state.pt (model, optimizer, position,
elapsed seconds) and exports to .cache/pretrain/export/ weights.bin + base.json (what the extension and
a later run need) and base-reference.json (this model's probabilities on 1,000 held-out characters,
which our engine must reproduce); `npm run pretrain:publish` puts the latest export into media/base.
A run with no state.pt (e.g. on another machine) continues from the committed media/base weights. `--hours` is the total pretraining time (the process's CPU time, counted over all runs): the
learning rate is constant, then falls linearly to a tenth over the last 30% of it.

Held-out bits per character, per language, are measured on the corpus's held-out files (each file
from a zero state, as the extension reads a document) at every save.
"""
import argparse
import json
import math
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(REPO, ".cache", "pretrain", "corpus")
RUN = os.path.join(REPO, ".cache", "pretrain", "run")
EXPORT = os.path.join(REPO, ".cache", "pretrain", "export")  # `npm run pretrain:publish` copies it into media/base
BASE = os.path.join(REPO, "media", "base")  # the published base, where a run with no state.pt continues from
REFERENCE_IDS = " \n\te(),.;:_0aA{}"  # the characters whose probabilities the reference records


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=3.0, help="total pretraining time over all runs")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--save-minutes", type=float, default=10.0)
    ap.add_argument("--eval-chars", type=int, default=150_000, help="held-out characters scored per language at each save")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    import numpy as np
    import torch
    from torch import nn

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    vocab = json.load(open(os.path.join(CORPUS, "vocab.json")))["chars"]
    V, H, L, B, T = len(vocab), a.hidden, a.layers, a.batch, a.steps
    data = torch.from_numpy(np.fromfile(os.path.join(CORPUS, "train.u8"), dtype=np.uint8).astype(np.int64))
    heldout = {}
    for name in sorted(os.listdir(CORPUS)):
        if name.startswith("heldout-") and name.endswith(".u8"):
            lang = name[len("heldout-"):-3]
            ids = np.fromfile(os.path.join(CORPUS, name), dtype=np.uint8).astype(np.int64)
            lengths = json.load(open(os.path.join(CORPUS, f"heldout-{lang}.json")))["lengths"]
            heldout[lang] = (torch.from_numpy(ids), lengths)

    class CharRnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(V, H, num_layers=L, batch_first=True)
            self.dense = nn.Linear(H, V)
            self.eye = torch.eye(V)

        def forward(self, x, state=None):
            out, state = self.lstm(self.eye[x], state)
            return self.dense(out), state

    model = CharRnn()
    with torch.no_grad():  # the forget gate's bias starts at 1, as src/core/lstm/lstmGates.ts
        for l in range(L):
            getattr(model.lstm, f"bias_ih_l{l}")[H:2 * H] = 1.0
            getattr(model.lstm, f"bias_hh_l{l}")[H:2 * H] = 0.0
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    state_file = os.path.join(RUN, "state.pt")
    per_stream = (len(data) - 1) // B
    run = {"elapsed": 0.0, "steps": 0, "chars": 0, "pos": 0, "epoch": 0, "history": []}
    if os.path.exists(state_file):
        saved = torch.load(state_file)
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        run = saved["run"]
        print(f"resumed {state_file}: {run['elapsed'] / 3600:.2f} h, {run['chars'] / 1e6:.1f} M chars", flush=True)
    elif os.path.exists(os.path.join(BASE, "base.json")):
        meta = json.load(open(os.path.join(BASE, "base.json")))
        import_weights(model, meta, os.path.join(BASE, "weights.bin"), H, L, np, torch)
        run.update(meta["pretraining"]["run"])
        print(f"continued from media/base: {run['elapsed'] / 3600:.2f} h", flush=True)

    budget = a.hours * 3600
    def lr_at(elapsed: float) -> float:
        frac = elapsed / budget
        if frac < 0.7:
            return a.lr
        return a.lr * max(0.1, 1 - 0.9 * (frac - 0.7) / 0.3)

    streams = data[: per_stream * B + 1]
    state = None
    last_save = time.time()
    # Training time is this process's CPU time (one thread): on a shared machine the schedule then
    # follows the work done, not the wall clock.
    clock = time.process_time
    t0 = clock() - run["elapsed"]
    window = []
    while True:
        elapsed = clock() - t0
        if elapsed >= budget or time.time() - last_save >= a.save_minutes * 60:
            run["elapsed"] = elapsed
            save(model, opt, run, heldout, a, vocab, np, torch)
            last_save = time.time()
            t0 = clock() - run["elapsed"]  # evaluation time is not training time
            if elapsed >= budget:
                break
        if run["pos"] + T >= per_stream:
            run["pos"] = 0
            run["epoch"] += 1
            state = None
        idx = torch.arange(B) * per_stream + run["pos"]
        cols = idx[:, None] + torch.arange(T + 1)[None, :]
        chunk = streams[cols]
        for g in opt.param_groups:
            g["lr"] = lr_at(clock() - t0)
        if state is not None:
            state = (state[0].detach(), state[1].detach())
        logits, state = model(chunk[:, :-1], state)
        loss = nn.functional.cross_entropy(logits.reshape(-1, V), chunk[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        run["pos"] += T
        run["steps"] += 1
        run["chars"] += B * T
        window.append(loss.item() / math.log(2))
        if run["steps"] % 200 == 0:
            print(json.dumps({"step": run["steps"], "hours": round((clock() - t0) / 3600, 3), "epoch": run["epoch"],
                              "trainBits": round(sum(window) / len(window), 4), "lr": opt.param_groups[0]["lr"]}), flush=True)
            run["history"].append({"step": run["steps"], "seconds": round(clock() - t0), "trainBits": round(sum(window) / len(window), 4)})
            window = []
    return 0


def evaluate(model, heldout, max_chars, torch):
    """Bits per character per language: each held-out file from a zero state, the first character
    predicted from that state's output (as the extension's inference model does)."""
    out = {}
    with torch.no_grad():
        for lang, (ids, lengths) in heldout.items():
            total, n, at = 0.0, 0, 0
            for length in lengths:
                doc = ids[at: at + length]
                at += length
                if n >= max_chars:
                    break
                if length < 2:
                    continue
                logits, _ = model(doc[None, :-1])
                lp = torch.log_softmax(logits[0], dim=-1)
                total -= lp.gather(1, doc[1:, None]).sum().item()
                n += length - 1
            out[lang] = round(total / max(n, 1) / math.log(2), 4)
    return out


def save(model, opt, run, heldout, a, vocab, np, torch):
    bits = evaluate(model, heldout, a.eval_chars, torch)
    run["heldout"] = bits
    run.setdefault("evals", []).append({"seconds": round(run["elapsed"]), "chars": run["chars"], "heldoutBits": bits})
    print(json.dumps({"save": True, "hours": round(run["elapsed"] / 3600, 3), "chars": run["chars"], "heldoutBits": bits}), flush=True)
    os.makedirs(RUN, exist_ok=True)
    tmp = os.path.join(RUN, f"state.pt.{os.getpid()}.tmp")
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "run": run}, tmp)
    os.replace(tmp, os.path.join(RUN, "state.pt"))
    export(model, run, a, vocab, heldout, np, torch)


def layout(model, H, L, np):
    """Our checkpoint's weights (src/core/lstm/weights.ts): Keras order i|f|g|o, which is PyTorch's too."""
    out = []
    for l in range(L):
        w_ih = getattr(model.lstm, f"weight_ih_l{l}").detach().numpy()
        w_hh = getattr(model.lstm, f"weight_hh_l{l}").detach().numpy()
        b = (getattr(model.lstm, f"bias_ih_l{l}") + getattr(model.lstm, f"bias_hh_l{l}")).detach().numpy()
        out.append((f"lstm_{l}/kernel", np.ascontiguousarray(w_ih.T)))
        out.append((f"lstm_{l}/recurrent_kernel", np.ascontiguousarray(w_hh.T)))
        out.append((f"lstm_{l}/bias", b))
    out.append(("dense/kernel", np.ascontiguousarray(model.dense.weight.detach().numpy().T)))
    out.append(("dense/bias", model.dense.bias.detach().numpy()))
    return out


def import_weights(model, meta, path, H, L, np, torch):
    flat = np.fromfile(path, dtype="<f4")
    at = 0
    got = {}
    for w in meta["weights"]:
        n = int(np.prod(w["shape"]))
        got[w["name"]] = flat[at: at + n].reshape(w["shape"])
        at += n
    with torch.no_grad():
        for l in range(L):
            getattr(model.lstm, f"weight_ih_l{l}").copy_(torch.from_numpy(got[f"lstm_{l}/kernel"].T.copy()))
            getattr(model.lstm, f"weight_hh_l{l}").copy_(torch.from_numpy(got[f"lstm_{l}/recurrent_kernel"].T.copy()))
            getattr(model.lstm, f"bias_ih_l{l}").copy_(torch.from_numpy(got[f"lstm_{l}/bias"].copy()))
            getattr(model.lstm, f"bias_hh_l{l}").zero_()
        model.dense.weight.copy_(torch.from_numpy(got["dense/kernel"].T.copy()))
        model.dense.bias.copy_(torch.from_numpy(got["dense/bias"].copy()))


def write_atomic(path, data: bytes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def export(model, run, a, vocab, heldout, np, torch):
    H, L = a.hidden, a.layers
    weights = layout(model, H, L, np)
    blob = b"".join(w.astype("<f4").tobytes() for _, w in weights)
    corpus_summary = json.load(open(os.path.join(CORPUS, "summary.json")))
    meta = {
        "format": "charrnn-base",
        "formatVersion": 1,
        "name": "charrnn-base-256x2",
        "config": {"lstmSize": H, "numLayers": L},
        "vocab": {"chars": vocab},
        "weights": [{"name": n, "shape": list(w.shape)} for n, w in weights],
        "pretraining": {
            "corpus": "pretrain/corpus-manifest.json",
            "trainChars": corpus_summary["trainChars"],
            "batchSize": a.batch, "numSteps": a.steps, "learningRate": a.lr, "gradClip": a.clip,
            "plannedHours": a.hours, "threads": a.threads,
            "torch": torch.__version__,
            "run": {k: run[k] for k in ("elapsed", "steps", "chars", "pos", "epoch")},
            "heldoutBits": run["heldout"],
            "evals": run["evals"],
        },
    }
    # The reference is written first and base.json last: publish copies an export whose base.json
    # is complete, and the three files are written within a second of each other.
    # The reference: this model's probabilities on the first 1,000 characters of the TypeScript
    # held-out text, from a zero state (the unit test runs our engine on the same text).
    ids, _ = heldout["typescript"]
    text_ids = ids[:1000]
    with torch.no_grad():
        logits, _ = model(text_ids[None, :])
        probs = torch.softmax(logits[0], dim=-1).numpy()
    cols = [vocab.index(c) for c in REFERENCE_IDS]
    ref = {
        "note": "Written by pretrain/train.py at export; test/unit/baseModel.test.ts checks our engine against it.",
        "steps": run["steps"],
        "text": "".join(vocab[i] for i in text_ids.tolist()),
        "chars": REFERENCE_IDS,
        "probs": [[float(f"{probs[t, c]:.7g}") for c in cols] for t in range(len(text_ids))],
        "nextProb": [float(f"{probs[t, text_ids[t + 1]]:.7g}") for t in range(len(text_ids) - 1)],
    }
    write_atomic(os.path.join(EXPORT, "base-reference.json"), (json.dumps(ref) + "\n").encode())
    write_atomic(os.path.join(EXPORT, "weights.bin"), blob)
    write_atomic(os.path.join(EXPORT, "base.json"), (json.dumps(meta, indent=1) + "\n").encode())


if __name__ == "__main__":
    sys.exit(main())
