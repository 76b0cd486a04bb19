"""Do conditional models draw the class they are asked for? A CPU check on offline MNIST.

Not part of the package or the workflow: a one-off measurement for the models-a issue.

  PYTHONPATH=. python benchmarks/class_accuracy.py --work /tmp/ma classifier
  PYTHONPATH=. python benchmarks/class_accuracy.py --work /tmp/ma train cgan --budget-s 240 [--option width=32 ...]
  PYTHONPATH=. python benchmarks/class_accuracy.py --work /tmp/ma evaluate cgan acgan cwgan_gp

(PYTHONPATH=. so this checkout's gan_bench is used rather than an installed one.)

`classifier` prepares MNIST (the offline 10k t10k images) at 32x32, splits it 90/10 with seed 0 and
trains a small CNN on the 90% for 2 epochs, reporting held-out accuracy. `train` trains a model on
random batches of the same 90% for a wall-clock budget and saves a checkpoint with the step count.
`evaluate` samples 1000 images per model (labels 0..9, 100 each, fixed noise seed) and reports the
classifier's accuracy w.r.t. the requested labels.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from torch import nn

from gan_bench.checkpoint import load_model, save_model
from gan_bench.data.base import load_prepared, prepare
from gan_bench.models.base import DatasetInfo
from gan_bench.registry import dataset_class, model_class

SIZE = 32


def data(work: Path):
    path = work / "mnist32.pt"
    if not path.exists():
        prepare(dataset_class("mnist")("mnist", {}, "/work/shared/data"), SIZE, path)
    prepared = load_prepared(path)
    order = torch.randperm(len(prepared.labels), generator=torch.Generator().manual_seed(0))
    cut = int(0.9 * len(order))
    images = prepared.images.float() / 127.5 - 1
    return (images[order[:cut]], prepared.labels[order[:cut]]), (images[order[cut:]], prepared.labels[order[cut:]])


def small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10),
    )


@torch.no_grad()
def accuracy(net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    net.eval()
    return (net(images).argmax(1) == labels).float().mean().item()


def cmd_classifier(args) -> None:
    torch.manual_seed(0)
    (x, y), (x_test, y_test) = data(args.work)
    net = small_cnn()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for _ in range(2):
        net.train()
        for idx in torch.randperm(len(y)).split(128):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    acc = accuracy(net, x_test, y_test)
    torch.save(net.state_dict(), args.work / "classifier.pt")
    print(json.dumps({"classifier_heldout_accuracy": acc, "train": len(y), "heldout": len(y_test)}))


def cmd_train(args) -> None:
    torch.manual_seed(args.seed)
    (x, y), _ = data(args.work)
    cls = model_class(args.model)
    options = {"image_size": SIZE, **{k: json.loads(v) for k, v in (o.split("=", 1) for o in args.option)}}
    model = cls(cls.Config.from_options(options), DatasetInfo("mnist", 1, SIZE, 10, len(y)), "cpu")
    steps, spent, checkpoint = 0, 0.0, args.work / f"{args.model}.pt"
    if args.resume:  # continue a saved run (weights and optimizer state), adding to its step count
        _, model = load_model(checkpoint)
        meta = torch.load(checkpoint, weights_only=False)["meta"]
        steps, spent, options = meta["steps"], meta["wall_s"], meta["options"]
        torch.manual_seed(args.seed + steps)  # new batch order and noise, not a replay of the first part
    start = time.time()
    while time.time() - start < args.budget_s:
        for idx in torch.randperm(len(y)).split(args.batch_size):
            if len(idx) < args.batch_size or time.time() - start >= args.budget_s:
                break  # the suite's loop drops the last incomplete batch too
            losses = model.train_step(x[idx], y[idx])
            steps += 1
            if steps % 100 == 0:
                print(args.model, steps, {k: round(v.item(), 3) for k, v in losses.items()}, flush=True)
    wall = time.time() - start + spent
    save_model(checkpoint, args.model, model,
               meta={"steps": steps, "batch_size": args.batch_size, "wall_s": wall, "options": options})
    print(json.dumps({"model": args.model, "steps": steps, "batch_size": args.batch_size, "wall_s": round(wall)}))


def cmd_evaluate(args) -> None:
    from gan_bench.artifacts import save_grid

    net = small_cnn()
    net.load_state_dict(torch.load(args.work / "classifier.pt"))
    labels = torch.arange(10).repeat_interleave(100)
    for name in args.models:
        _, model = load_model(args.work / f"{name}.pt")
        meta = torch.load(args.work / f"{name}.pt", weights_only=False)["meta"]
        images = model.sample(1000, labels=labels, generator=torch.Generator().manual_seed(123))
        save_grid(images[::10], args.work / f"{name}_grid.png", nrow=10)
        predicted = net.eval()(images).argmax(1)
        per_class = [(predicted[labels == k] == k).float().mean().item() for k in range(10)]
        print(json.dumps({"model": name, "class_accuracy": (predicted == labels).float().mean().item(),
                          "per_class": [round(a, 2) for a in per_class], **meta}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ma"))
    parser.add_argument("--threads", type=int, default=1)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("classifier").set_defaults(func=cmd_classifier)
    train = sub.add_parser("train")
    train.add_argument("model")
    train.add_argument("--budget-s", type=float, default=240)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--seed", type=int, default=1)
    train.add_argument("--resume", action="store_true", help="continue the saved checkpoint")
    train.add_argument("--option", action="append", default=[], help="model option key=json_value")
    train.set_defaults(func=cmd_train)
    evaluate = sub.add_parser("evaluate")
    evaluate.add_argument("models", nargs="+")
    evaluate.set_defaults(func=cmd_evaluate)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    args.func(args)


if __name__ == "__main__":
    main()
