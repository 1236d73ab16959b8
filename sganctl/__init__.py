"""sganctl: semi-supervised GANs that turn a handful of labels into a classifier.

The Python API mirrors the command line::

    from sganctl import train, evaluate, sample, load_classifier

    run = train("compact", num_labeled=100, iterations=2000, data_dir="../shared/data")
    print(evaluate(run.run_dir).accuracy)
    sample(run.run_dir, grid=(4, 4), out="grid.png")
    classifier = load_classifier(run.run_dir)   # a torch module with class_names and preprocess
"""

__version__ = "0.1.0"

__all__ = ["Classifier", "__version__", "evaluate", "list_runs", "load_classifier", "resume", "sample", "train"]
_API = set(__all__) - {"__version__"}


def __getattr__(name):
    # Imported on first use, so that plugins importing sganctl.api do not pull in the whole core.
    if name in _API:
        from . import library

        return getattr(library, name)
    raise AttributeError(f"module 'sganctl' has no attribute {name!r}")
