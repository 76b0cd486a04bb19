"""Datasets: sources that read raw files, and the prepared (cached, resized) tensor files runs train on."""
