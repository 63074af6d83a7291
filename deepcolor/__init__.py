"""deepcolor: reproductions of five reports on automatic grayscale-image colorization."""
import os as _os

# TensorFlow's C++ start-up chatter (CUDA probing on CPU machines) hides our own output.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
