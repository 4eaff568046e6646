"""Reference data, sample catalogue, synthetic generator, storage models and loaders."""
