"""`keras.datasets`: small classic datasets, downloaded once into the Keras cache (`~/.keras/datasets`).

One module a dataset, each with Keras's `load_data` (file names, addresses, hashes, arguments and
return values as Keras 3): mnist (with an offline sample), fashion_mnist, cifar10, cifar100, imdb and
reuters (word ids, with `get_word_index`), boston_housing and california_housing. The download and
the cache are `keras.utils.get_file`'s (`kerasbook/core/utils_files.py`); cifar.py, word_ids.py and
safe_pickle.py hold what several datasets share.
"""

from kerasbook.core.datasets import (boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb,
                                     mnist, reuters)
