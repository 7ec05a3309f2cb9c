"""`pad_sequences`: lists of different lengths (token ids of sentences) as one rectangular array,
which is what an `Embedding` layer or an RNN takes as a batch."""

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """An array of shape `(len(sequences), maxlen, *item_shape)`: each sequence cut to `maxlen`
    (dropping its start with `truncating="pre"`, its end with "post") and filled with `value`
    before it (`padding="pre"`, the default: an RNN then reads the real tokens last) or after it.
    `maxlen=None` takes the longest sequence. For strings, pass `dtype=object` (or a string dtype)."""
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths, item_shape = [], None
    for sequence in sequences:
        try:
            lengths.append(len(sequence))
        except TypeError as error:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {sequence}") from error
        if item_shape is None and len(sequence):  # the shape of one step, from the first non-empty one
            item_shape = np.asarray(sequence).shape[1:]
    item_shape = item_shape or ()
    if maxlen is None:
        maxlen = np.max(lengths)
    is_string_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_string_dtype:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")

    padded = np.full((len(sequences), maxlen) + item_shape, value, dtype=dtype)
    for index, sequence in enumerate(sequences):
        if not len(sequence):
            continue
        if truncating == "pre":
            kept = sequence[-maxlen:]
        elif truncating == "post":
            kept = sequence[:maxlen]
        else:
            raise ValueError(f'Truncating type "{truncating}" not understood')
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != item_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {index} is "
                             f"different from expected shape {item_shape}")
        if padding == "post":
            padded[index, :len(kept)] = kept
        elif padding == "pre":
            padded[index, -len(kept):] = kept
        else:
            raise ValueError(f'Padding type "{padding}" not understood')
    return padded
