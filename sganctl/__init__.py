"""sganctl: semi-supervised GANs that turn a handful of labels into a classifier."""

__version__ = "0.1.0"
