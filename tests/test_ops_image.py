"""keras.ops.image against the real keras package (its JAX backend): the same numbers within 1e-5 for
every interpolation, antialias, aspect-ratio option and data format; symbolic calls record op nodes
with Keras's names and shapes (issue 17, item 3)."""

import numpy as np
import pytest

import keras  # the oracle (tests/conftest.py selects its JAX backend)
import kerasbook
from kerasbook.core import ops

RNG = np.random.RandomState(0)
IMAGES = RNG.rand(2, 9, 7, 3).astype("float32")  # a batch of two 9x7 RGB images
FIRST = np.ascontiguousarray(np.moveaxis(IMAGES, -1, 1))  # the same, channels first
VOLUMES = RNG.rand(1, 4, 6, 6, 2).astype("float32")
INTERPOLATIONS = ["bilinear", "nearest", "bicubic", "lanczos3", "lanczos5"]


def both(name, *args, **kwargs):
    """kerasbook's and Keras's `ops.image.<name>(*args, **kwargs)`, as NumPy arrays."""
    return (np.asarray(getattr(ops.image, name)(*args, **kwargs)),
            np.asarray(getattr(keras.ops.image, name)(*args, **kwargs)))


def assert_equal_to_keras(name, *args, atol=1e-5, **kwargs):
    ours, theirs = both(name, *args, **kwargs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (name, ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, atol=atol, rtol=1e-5, err_msg=name)


def test_ops_image_has_every_name_of_keras_ops_image():
    theirs = {n for n in dir(keras.ops.image) if not n.startswith("_")}
    assert theirs <= set(dir(kerasbook.ops.image))
    import kerasbook.ops.image as module  # the namespace is a module, as in Keras
    assert module.resize is kerasbook.ops.image.resize


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("aspect", [{}, {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True,
                                                                          "fill_value": 0.5}])
def test_resize_equals_keras(interpolation, antialias, aspect):
    for size in [(4, 5), (18, 11)]:  # smaller and larger, each of another aspect
        assert_equal_to_keras("resize", IMAGES, size, interpolation=interpolation, antialias=antialias, **aspect)


@pytest.mark.parametrize("aspect", [{}, {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True}])
def test_resize_channels_first_and_single_images_equal_keras(aspect):
    assert_equal_to_keras("resize", FIRST, (5, 11), data_format="channels_first", **aspect)
    assert_equal_to_keras("resize", IMAGES[0], (5, 4), **aspect)
    assert_equal_to_keras("resize", FIRST[0], (5, 4), data_format="channels_first", **aspect)


def test_resize_refuses_what_keras_refuses():
    for kwargs in [{"interpolation": "cubic"}, {"fill_mode": "reflect"},
                   {"crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}]:
        with pytest.raises(ValueError):
            ops.image.resize(IMAGES, (4, 4), **kwargs)
    with pytest.raises(ValueError, match="rank"):
        ops.image.resize(IMAGES[0, :, :, 0], (4, 4))


@pytest.mark.parametrize("data_format,images", [("channels_last", IMAGES), ("channels_first", FIRST)])
def test_colour_conversions_equal_keras(data_format, images):
    for name in ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb"]:
        assert_equal_to_keras(name, images, data_format=data_format)
        assert_equal_to_keras(name, images[0], data_format=data_format)
    hsv = ops.image.rgb_to_hsv(images, data_format=data_format)
    np.testing.assert_allclose(ops.image.hsv_to_rgb(hsv, data_format=data_format), images, atol=1e-5)
    assert_equal_to_keras("rgb_to_grayscale", (images * 255).astype("uint8"), data_format=data_format)


@pytest.mark.parametrize("kwargs", [{"size": 3}, {"size": (2, 3), "strides": (1, 2)},
                                    {"size": 2, "dilation_rate": 2, "strides": 1},
                                    {"size": 4, "strides": 3, "padding": "same"}])
def test_extract_patches_equals_keras(kwargs):
    assert_equal_to_keras("extract_patches", IMAGES, **kwargs)
    assert_equal_to_keras("extract_patches", IMAGES[0], **kwargs)
    assert_equal_to_keras("extract_patches", FIRST, data_format="channels_first", **kwargs)


def test_extract_patches_3d_equals_keras():
    assert_equal_to_keras("extract_patches_3d", VOLUMES, (2, 3, 3))
    assert_equal_to_keras("extract_patches_3d", VOLUMES, 2, strides=1)
    assert_equal_to_keras("extract_patches", VOLUMES, (2, 2, 2))  # three sizes: 3-D patches


TRANSFORMS = np.array([[1, 0, 0, 0, 1, 0, 0, 0],  # identity
                       [0.9, -0.3, 2.0, 0.2, 1.1, -1.5, 0, 0]], "float32")  # rotate, shear, shift


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_affine_transform_equals_keras(interpolation, fill_mode):
    kwargs = dict(interpolation=interpolation, fill_mode=fill_mode, fill_value=0.25)
    assert_equal_to_keras("affine_transform", IMAGES, TRANSFORMS, **kwargs)
    assert_equal_to_keras("affine_transform", IMAGES[0], TRANSFORMS[1], **kwargs)
    assert_equal_to_keras("affine_transform", FIRST, TRANSFORMS, data_format="channels_first", **kwargs)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_perspective_transform_equals_keras(interpolation):
    start = np.array([[0, 0], [6, 0], [0, 8], [6, 8]], "float32")
    end = np.array([[1, 0.5], [5, 1], [0, 7], [6.5, 8]], "float32")
    assert_equal_to_keras("perspective_transform", IMAGES, np.stack([start, end]), np.stack([end, start]),
                          interpolation=interpolation,
                          fill_value=0.5, atol=1e-4)
    assert_equal_to_keras("perspective_transform", FIRST[0], np.stack([start]), np.stack([end]),
                          data_format="channels_first", atol=1e-4)


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_map_coordinates_equals_keras(order, fill_mode):
    coordinates = RNG.uniform(-3, 11, size=(3, 5, 4)).astype("float32")
    coordinates[2] = np.round(np.clip(coordinates[2], 0, 2))
    assert_equal_to_keras("map_coordinates", IMAGES[0], coordinates, order, fill_mode=fill_mode, fill_value=0.5)


def test_crop_and_pad_images_equal_keras():
    for images, fmt in [(IMAGES, "channels_last"), (FIRST[0], "channels_first")]:
        assert_equal_to_keras("crop_images", images, 1, 2, 3, 1, data_format=fmt)
        assert_equal_to_keras("crop_images", images, top_cropping=2, left_cropping=1, target_height=4,
                              target_width=3, data_format=fmt)
        assert_equal_to_keras("crop_images", images, bottom_cropping=2, right_cropping=1, target_height=4,
                              target_width=3, data_format=fmt)
        assert_equal_to_keras("pad_images", images, 1, 2, 3, 0, data_format=fmt)
        assert_equal_to_keras("pad_images", images, bottom_padding=2, left_padding=1, target_height=15,
                              target_width=10, data_format=fmt)
    with pytest.raises(ValueError, match="exactly two"):
        ops.image.pad_images(IMAGES, 1, 1, 1, 1, target_height=20)
    with pytest.raises(ValueError, match="must be >= 0"):
        ops.image.crop_images(IMAGES, top_cropping=5, left_cropping=0, bottom_cropping=7, target_width=7)
    with pytest.raises(ValueError, match="goes past the 9x7 image"):  # Keras moves such a box up silently
        ops.image.crop_images(IMAGES, top_cropping=5, left_cropping=0, target_height=7, target_width=7)


@pytest.mark.parametrize("data_format,images", [("channels_last", IMAGES), ("channels_first", FIRST)])
def test_filters_and_ssim_equal_keras(data_format, images):
    assert_equal_to_keras("gaussian_blur", images, data_format=data_format)
    assert_equal_to_keras("gaussian_blur", images, (5, 3), (2.0, 0.7), data_format=data_format)
    assert_equal_to_keras("sobel_edges", images, data_format=data_format)
    other = np.clip(images + RNG.normal(0, 0.1, images.shape), 0, 1).astype("float32")
    assert_equal_to_keras("ssim", images, other, filter_size=5, data_format=data_format)
    assert_equal_to_keras("ssim", images[0], other[0], filter_size=3, data_format=data_format)
    np.testing.assert_allclose(ops.image.ssim(images, images, filter_size=5, data_format=data_format), 1.0,
                               atol=1e-5)


def test_scale_and_translate_equals_keras():
    assert_equal_to_keras("scale_and_translate", IMAGES, (2, 12, 5, 3), np.array([1.4, 0.8], "float32"),
                          np.array([0.5, -1.0], "float32"), (1, 2), "bilinear")


def test_elastic_transform_keeps_shapes_follows_its_seed_and_is_the_identity_without_strength():
    warped = ops.image.elastic_transform(IMAGES, seed=3)
    assert warped.shape == IMAGES.shape and warped.dtype == IMAGES.dtype
    np.testing.assert_array_equal(warped, ops.image.elastic_transform(IMAGES, seed=3))
    assert not np.allclose(warped, IMAGES, atol=1e-2)
    # Keras draws its noise from its own seed stream, so only the warp-free case is comparable.
    assert_equal_to_keras("elastic_transform", IMAGES, alpha=0.0, seed=1)


CALLS = [
    ("resize", (keras.Input((8, 8, 3)),), {"size": (4, 6), "interpolation": "nearest"}),
    ("rgb_to_grayscale", (keras.Input((8, 8, 3)),), {}),
    ("rgb_to_hsv", (keras.Input((8, 8, 3)),), {}),
    ("extract_patches", (keras.Input((8, 8, 3)),), {"size": 2}),
    ("crop_images", (keras.Input((8, 8, 3)),), {"top_cropping": 1, "left_cropping": 2, "bottom_cropping": 1,
                                                 "right_cropping": 0}),
    ("pad_images", (keras.Input((8, 8, 3)),), {"top_padding": 1, "left_padding": 2, "target_height": 12,
                                                "target_width": 12}),
    ("gaussian_blur", (keras.Input((8, 8, 3)),), {}),
    ("sobel_edges", (keras.Input((8, 8, 3)),), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CALLS, ids=[c[0] for c in CALLS])
def test_symbolic_calls_record_op_nodes_named_as_keras(name, args, kwargs):
    kerasbook.backend.clear_session()
    ours_input = kerasbook.Input(args[0].shape[1:])
    ours = getattr(kerasbook.ops.image, name)(ours_input, **kwargs)
    theirs = getattr(keras.ops.image, name)(*args, **kwargs)
    operation = ours._keras_history.operation
    assert operation.name == theirs._keras_history.operation.name == name
    assert tuple(ours.shape) == tuple(theirs.shape)
    model = kerasbook.Model(ours_input, ours)  # and it runs as a graph, giving what the op gives
    images = RNG.rand(2, 8, 8, 3).astype("float32")
    # (data_format given to Keras: its eager gaussian_blur reads None as channels_first)
    np.testing.assert_allclose(model.predict(images, verbose=0), getattr(keras.ops.image, name)(
        images, data_format="channels_last", **kwargs), atol=1e-5)


def test_a_model_with_image_ops_equals_keras_and_loads_both_ways(tmp_path):
    def build(k):
        x = k.Input((9, 7, 3))
        y = k.ops.image.resize(x, (6, 6), interpolation="bicubic", antialias=True)
        y = k.ops.image.extract_patches(k.ops.image.rgb_to_grayscale(y), 3)
        return k.Model(x, k.layers.Dense(2, kernel_initializer="ones")(y))
    ours, theirs = build(kerasbook), build(keras)
    np.testing.assert_allclose(ours.predict(IMAGES, verbose=0), theirs.predict(IMAGES, verbose=0), atol=1e-5)
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in theirs.layers]
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    np.testing.assert_allclose(keras.saving.load_model(tmp_path / "ours.keras").predict(IMAGES, verbose=0),
                               theirs.predict(IMAGES, verbose=0), atol=1e-5)
    np.testing.assert_allclose(kerasbook.models.load_model(tmp_path / "theirs.keras").predict(IMAGES, verbose=0),
                               theirs.predict(IMAGES, verbose=0), atol=1e-5)
