"""What a run's records say about the conditions it ran under."""

from types import SimpleNamespace

import torch


def test_a_gpu_run_records_how_many_jobs_could_share_its_gpu():
    from gan_bench.training.records import spec_jobs_per_gpu

    def setup(device, jobs):
        return SimpleNamespace(spec=SimpleNamespace(jobs_per_gpu=jobs), device=torch.device(device))

    assert spec_jobs_per_gpu(setup("cuda", 3)) == 3 and spec_jobs_per_gpu(setup("cuda", 0)) == 0
    assert spec_jobs_per_gpu(setup("cpu", 3)) is None  # no GPU to share
