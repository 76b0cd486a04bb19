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


def test_on_real_digits_real_data_scores_best_and_noise_or_shuffled_pixels_worst(mnist, domain):
    """The sanity order of every label-free registry metric in the domain space, on real MNIST."""
    from gan_bench.metrics import registry
    from gan_bench.metrics.sanity import registry_scores

    reference, candidates = comparisons(mnist.images[:4000])
    scores = registry_scores(candidates, reference, mnist.images[4000:5000], domain)
    ranked = {registry.result_key(result, "domain"): result.lower_is_better
              for metric in registry.METRICS.values() if metric.spaces and metric.needs_labels is None
              for result in metric.results if result.lower_is_better is not None and metric.name != "memorization"}
    assert {"fid_inf_domain", "precision_domain", "recall_domain", "coverage_domain"} <= set(ranked)
    for key, lower in ranked.items():
        real = scores["other half"][key]
        for bad in ("noise", "shuffled pixels"):
            assert (real < scores[bad][key]) if lower else (real > scores[bad][key]), (key, bad, scores)
    # Density's ideal is real data's value (about 1): real images sit nearer it than noise or shuffled pixels.
    assert all(abs(scores["other half"]["density_domain"] - 1) < abs(scores[bad]["density_domain"] - 1)
               for bad in ("noise", "shuffled pixels"))
    # Memorization has its own order: copies are caught, new real images sit at the 1 % threshold.
    assert scores["same half"]["memorized_domain"] == 1.0
    assert scores["other half"]["memorized_domain"] < 0.05
    assert scores["other half"]["nn_ratio_domain"] > 0.8
