import torch

from gan_bench.metrics.sanity import comparisons


def test_halves_are_disjoint_and_the_controls_keep_shape_and_pixels():
    images = torch.arange(10 * 4, dtype=torch.int64).reshape(10, 1, 2, 2).to(torch.uint8)
    reference, candidates = comparisons(images)
    other = candidates["other half"]
    assert torch.equal(candidates["same half"], reference)
    assert not set(map(tuple, reference.flatten(1).tolist())) & set(map(tuple, other.flatten(1).tolist()))
    assert candidates["noise"].shape == other.shape and candidates["noise"].dtype == torch.uint8
    shuffled = candidates["shuffled pixels"]
    assert torch.equal(shuffled.flatten(1).sort(dim=1).values, other.flatten(1).sort(dim=1).values)
    assert not torch.equal(shuffled, other)
