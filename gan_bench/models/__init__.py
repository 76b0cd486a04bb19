"""GAN variants. Each is a section of `declarations.py` (torch-free: options and facts) plus its PyTorch module."""
