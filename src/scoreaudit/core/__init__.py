"""Layer 0: the vocabulary, sufficient statistics (cells) and reference resolution every layer uses."""
