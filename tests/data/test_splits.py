"""The seeded training / held-out split."""

import torch

from gan_bench.data.splits import holdout_split


def test_holdout_split_is_disjoint_complete_and_seeded():
    train, held = holdout_split(100, 0.2, seed=5)
    assert len(held) == 20 and len(set(train.tolist()) | set(held.tolist())) == 100
    assert not set(train.tolist()) & set(held.tolist())
    assert torch.equal(held, holdout_split(100, 0.2, seed=5)[1])
    assert not torch.equal(held, holdout_split(100, 0.2, seed=6)[1])
