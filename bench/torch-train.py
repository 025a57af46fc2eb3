"""PyTorch side of `npm run bench:engine`: trains one workload from the bench's data and initial
weights (raw little-endian float32 files written by bench/torch.ts) and prints one JSON line.

Usage: python3 bench/torch-train.py DESCRIPTOR.json THREADS
The descriptor names the files, the layer sizes and activations, batch size, learning rate,
warm-up rows and rounds. Each round trains one epoch (no shuffling, Adam, float32) and reports
its seconds; the warm-up epoch on the first rows is not timed.
"""
import json
import sys
import time

import numpy as np
import torch


def build(desc):
    layers = []
    in_size = desc["inputSize"]
    acts = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}
    for layer in desc["layers"]:
        layers.append(torch.nn.Linear(in_size, layer["units"]))
        if layer["activation"] in acts:
            layers.append(acts[layer["activation"]]())
        in_size = layer["units"]
    model = torch.nn.Sequential(*layers)
    weights = np.fromfile(desc["weightsFile"], dtype="<f4")
    offset = 0
    with torch.no_grad():
        for module in model:
            if isinstance(module, torch.nn.Linear):
                w = module.weight
                n = w.numel()
                # our W[j][k] (units × inSize, row-major) is torch's weight[j][k]
                w.copy_(torch.from_numpy(weights[offset:offset + n].reshape(w.shape)))
                offset += n
                b = module.bias
                b.copy_(torch.from_numpy(weights[offset:offset + b.numel()]))
                offset += b.numel()
    return model


def epoch(model, opt, x, y, batch):
    last = 0.0
    for start in range(0, x.shape[0], batch):
        xb = x[start:start + batch]
        yb = y[start:start + batch]
        opt.zero_grad(set_to_none=True)
        # softmax + categorical cross-entropy, as the engine's cross_entropy on a softmax layer
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        last = loss.item() if start + batch >= x.shape[0] else last
    return last


def main():
    desc = json.load(open(sys.argv[1]))
    threads = int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    samples, in_size, out_size = desc["samples"], desc["inputSize"], desc["outputSize"]
    x = torch.from_numpy(np.fromfile(desc["inputsFile"], dtype="<f4").reshape(samples, in_size).copy())
    y = torch.from_numpy(np.fromfile(desc["targetsFile"], dtype="<f4").reshape(samples, out_size).copy())
    seconds = []
    loss = float("nan")
    for _ in range(desc["rounds"]):
        model = build(desc)
        opt = torch.optim.Adam(model.parameters(), lr=desc["learningRate"], betas=(0.9, 0.999), eps=1e-8)
        warm = desc["warmupRows"]
        epoch(model, opt, x[:warm], y[:warm], desc["batchSize"])
        model = build(desc)
        opt = torch.optim.Adam(model.parameters(), lr=desc["learningRate"], betas=(0.9, 0.999), eps=1e-8)
        t0 = time.perf_counter()
        loss = epoch(model, opt, x, y, desc["batchSize"])
        seconds.append(time.perf_counter() - t0)
    print(json.dumps({"version": torch.__version__, "threads": threads, "seconds": seconds, "finalLoss": loss}))


if __name__ == "__main__":
    main()
