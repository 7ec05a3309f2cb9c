"""`keras.initializers.STFT`: convolution kernels that compute a short-time Fourier transform.

A kernel of shape `(T, 1, F // 2 + 1)` holds, for each time step `t` of a window of `T` samples and each
frequency bin `f`, `cos(-2 pi t f / F)` (the real side) or `sin(...)` (the imaginary side), times the
window function (Hann by default) and divided by a scaling; a Conv1D with it gives one side of the
spectrum of each frame. Window functions come from `scipy.signal.windows` (SciPy comes with JAX).
"""

import numpy as np

from kerasbook.core.initializers import Initializer


class STFT(Initializer):
    """STFT kernels: `side` "real" or "imag"; `window` a name from scipy.signal.windows, values, or
    None; `scaling` "density" (divide by the window's L2 norm), "spectrum" (its L1 norm) or None;
    `periodic` for a periodic rather than symmetric window."""

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ["real", "imag"]:
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            _window(window, 1, False)  # an unknown window name fails here, as in Keras
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        dtype = dtype or "float32"
        frame_length, _, bins = shape
        time = np.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        frequency = np.arange(bins, dtype=dtype).reshape(1, 1, bins) / ((bins - 1) * 2)
        angles = -2 * time * frequency * np.pi
        kernel = (np.cos(angles) if self.side == "real" else np.sin(angles)).astype(dtype)
        if self.window is None:
            return kernel
        window = self.window
        if isinstance(window, str):
            window = _window(window, frame_length, self.periodic)
        window = np.asarray(window, dtype)
        if window.ndim != 1 or window.shape[-1] != frame_length:
            raise ValueError(f"The shape of `window` must be equal to [frame_length].Received: window "
                             f"shape={window.shape}")
        scaling = {"density": np.sqrt(np.sum(np.square(window))), "spectrum": np.sum(np.abs(window)),
                   None: 1}[self.scaling]
        return (kernel * window.reshape(frame_length, 1, 1) / scaling).astype(dtype)

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic, "scaling": self.scaling}


def _window(name, length, periodic):
    import scipy.signal  # loaded when a window is asked for
    return scipy.signal.get_window(name, length, periodic)
