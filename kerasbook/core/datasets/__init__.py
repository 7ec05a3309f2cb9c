"""`keras.datasets`: small classic datasets, downloaded once into the Keras cache (`~/.keras/datasets`)."""

from kerasbook.core.datasets import mnist
