"""Preprocessing layers: data made ready inside the model (`Rescaling`, `Normalization`, `Resizing`,
`CenterCrop`), image augmentation that acts only in training (`RandomFlip`, `RandomRotation`, ...),
categories (`CategoryEncoding`, `Discretization`, `Hashing`, `HashedCrossing`) and vocabularies
(`StringLookup`, `IntegerLookup`, `TextVectorization`); hashing and vocabularies run on data before the model.
One family a module."""

from kerasbook.core.layers.preprocessing.categorical import CategoryEncoding, Discretization
from kerasbook.core.layers.preprocessing.hashed_crossing import HashedCrossing
from kerasbook.core.layers.preprocessing.hashing import Hashing
from kerasbook.core.layers.preprocessing.lookup import IntegerLookup, StringLookup
from kerasbook.core.layers.preprocessing.text_vectorization import TextVectorization
from kerasbook.core.layers.preprocessing.scaling import Normalization, Rescaling
from kerasbook.core.layers.preprocessing.sizing import CenterCrop, Resizing
from kerasbook.core.layers.preprocessing.augmentation import (RandomBrightness, RandomContrast, RandomCrop,
                                                              RandomFlip, RandomRotation, RandomTranslation,
                                                              RandomZoom)
from kerasbook.core.layers.preprocessing.color import (AutoContrast, RandomColorDegeneration, RandomColorJitter,
                                                       RandomGrayscale,
                                                       RandomHue, RandomInvert, RandomPosterization,
                                                       RandomSaturation, RandomSharpness, Solarization)
