"""GAN variants. Each variant is one module here plus one line in `gan_bench/registry.py`."""
