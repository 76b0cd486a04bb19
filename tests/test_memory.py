"""Peak memory of a run (the figures summary.json records) and out-of-memory detection."""

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from gan_bench import flops, memory
from gan_bench.training import trainer as train_module
from gan_bench.memory import PeakMemory, is_out_of_memory, nvml_used_mb
from gan_bench.training.spec import RunSpec
from tests.tiny_runs import prepared_digits, settings


def high_water_mark_mb() -> float:
    (line,) = [line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def test_a_cpu_run_records_peak_rss_and_no_gpu_figures():
    peak = PeakMemory(torch.device("cpu"))
    summary = peak.summary()
    assert summary["peak_torch_allocated_mb"] is None and summary["peak_torch_reserved_mb"] is None
    assert summary["peak_nvml_mb"] is None  # NVML is only asked on a GPU
    # The kernel's own record of this process's peak resident memory (kB) brackets ours (MB).
    low = high_water_mark_mb()
    rss = peak.summary()["peak_rss_mb"]
    assert low - 1 <= rss <= high_water_mark_mb() + 1 and rss > 50  # python + torch alone exceed 50 MB


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_gpu_run_records_the_allocator_peak():
    device = torch.device("cuda")
    peak = PeakMemory(device)
    block = torch.empty(256 * 2**20, dtype=torch.uint8, device=device)
    summary = peak.summary()
    del block
    assert summary["peak_torch_allocated_mb"] >= 256
    assert summary["peak_torch_reserved_mb"] >= summary["peak_torch_allocated_mb"]


def test_counting_flops_leaves_the_peak_unchanged(device, tmp_path, monkeypatch):
    """FLOP counting steps a copy of the model: it happens before the peak window opens, so a run's GPU peaks
    are those of its training steps, the same with counting on or off (the bench's memory table turns it off).
    On the CPU the peak is the process's RSS, which no window can reset: there the order is what is checked."""
    data = prepared_digits(tmp_path)
    events = []
    count = flops.count_step_flops
    monkeypatch.setattr(flops, "count_step_flops", lambda *args: events.append("count") or count(*args))

    class Window(PeakMemory):
        def __init__(self, device):
            events.append("peak window opens")
            super().__init__(device)

    monkeypatch.setattr(train_module, "PeakMemory", Window)

    def run(count_flops: bool, name: str = "") -> dict:
        run_settings = {**settings(count_flops=count_flops), "device": str(device)}
        out = tmp_path / (name or str(count_flops))
        return train_module.train(RunSpec("dcgan", "digits", 1, 32, run_settings, data, out))

    # The first run of a process also holds first-use allocations (on an H200: 32.7 MB against 2.3 MB for every
    # later run, counting or not): a first run warms up, so the comparison is counting on against off.
    run(False, "warm-up")
    events.clear()
    counted, plain = run(True), run(False)
    assert events == ["count", "peak window opens", "peak window opens"]
    assert counted["flops_per_step"] > 0 and plain["flops_per_step"] is None
    for key in ("peak_torch_allocated_mb", "peak_torch_reserved_mb"):
        if device.type == "cuda":
            assert counted[key] == pytest.approx(plain[key], abs=0.01), key
        else:
            assert counted[key] is None and plain[key] is None


@pytest.mark.parametrize("exc, expected", [
    (torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), True),
    (RuntimeError("CUDA out of memory. Tried to allocate 20.00 MiB"), True),
    (RuntimeError("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory"), True),
    (MemoryError(), True),
    (RuntimeError("mat1 and mat2 shapes cannot be multiplied (64x100 and 110x128)"), False),
    (ValueError("out of memory"), False),  # only allocator errors count, not any message that says so
])
def test_out_of_memory_is_told_apart_from_other_errors(exc, expected):
    assert is_out_of_memory(exc) is expected


class FakeNvml:
    """pynvml as a GPU machine answers it, with the processes NVML lists for the GPU."""

    def __init__(self, pids: list[int]):
        self.pids = pids

    def nvmlInit(self):
        pass

    def nvmlDeviceGetHandleByUUID(self, uuid):
        return "gpu"

    nvmlDeviceGetHandleByIndex = nvmlDeviceGetHandleByUUID

    def nvmlDeviceGetComputeRunningProcesses(self, handle):
        return [SimpleNamespace(pid=pid, usedGpuMemory=700 * 2**20) for pid in self.pids]

    def nvmlDeviceGetMemoryInfo(self, handle):
        return SimpleNamespace(used=900 * 2**20)


@pytest.fixture
def fake_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index: SimpleNamespace(uuid="0000"))
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)

    def install(pids):
        monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(pids))
    return install


def test_nvml_reads_this_process_where_it_is_listed(fake_gpu):
    fake_gpu([1, os.getpid()])
    assert nvml_used_mb(torch.device("cuda")) == (700, memory.PROCESS)


def test_nvml_in_its_own_pid_namespace_reads_the_device_and_says_so(fake_gpu):
    """In a container NVML lists the host's PIDs: this process is never found. The figure is then the whole
    GPU's, named as such, instead of a silent null."""
    fake_gpu([12345])
    peak = PeakMemory(torch.device("cpu"))
    peak.record_nvml(*nvml_used_mb(torch.device("cuda")))
    peak.record_nvml(*nvml_used_mb(torch.device("cuda")))
    summary = peak.summary()
    assert summary["peak_nvml_mb"] == 900
    assert "whole GPU" in summary["peak_nvml_how"] and "2 readings at log intervals" in summary["peak_nvml_how"]


def test_a_null_nvml_figure_says_why(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import fails: not installed
    peak = PeakMemory(torch.device("cpu"))
    peak.record_nvml(*nvml_used_mb(torch.device("cuda")))
    summary = peak.summary()
    assert summary["peak_nvml_mb"] is None and "pynvml" in summary["peak_nvml_how"]
