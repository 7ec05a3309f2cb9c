"""Stable 64-bit hashes of byte strings, the two Keras's `Hashing` layer uses (through TensorFlow's
`tf.strings.to_hash_bucket_fast` and `to_hash_bucket_strong`):

- `fingerprint64(data)`: FarmHash's Fingerprint64 (`farmhashna::Hash64`), the same number on every
  machine and in every run, which is what makes a hashed feature reproducible. It mixes the bytes
  with multiplications by large odd constants, rotations and shifts, in a few cases by length.
- `siphash64(data, key)`: SipHash-2-4 keyed by two 64-bit words (Keras's `salt`): without the key,
  nobody can choose inputs that land in the same bin.

Both are written in plain Python on integers kept to 64 bits with `& MASK` (C's unsigned overflow):
a few microseconds a string, fine for the vocabularies and feature columns this is used on, and
no dependency to install. The tests compare them with the C library (pyfarmhash) and the SipHash
paper's test vector.
"""

MASK = (1 << 64) - 1
K0, K1, K2 = 0xC3A5C85C97CB3127, 0xB492B66FBE98F273, 0x9AE16A3B2F90404F


def _fetch64(data, at):
    return int.from_bytes(data[at:at + 8], "little")


def _fetch32(data, at):
    return int.from_bytes(data[at:at + 4], "little")


def _rotate(value, shift):
    """Rotate a 64-bit word right by `shift` bits."""
    return ((value >> shift) | (value << (64 - shift))) & MASK if shift else value


def _shift_mix(value):
    return value ^ (value >> 47)


def _hash_len16(u, v, mul):
    """Two words -> one, Murmur-style."""
    a = ((u ^ v) * mul) & MASK
    a ^= a >> 47
    b = ((v ^ a) * mul) & MASK
    b ^= b >> 47
    return (b * mul) & MASK


def _hash_len0to16(s, n):
    if n >= 8:
        mul = K2 + n * 2
        a = (_fetch64(s, 0) + K2) & MASK
        b = _fetch64(s, n - 8)
        c = (_rotate(b, 37) * mul + a) & MASK
        d = ((_rotate(a, 25) + b) * mul) & MASK
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = K2 + n * 2
        return _hash_len16(n + (_fetch32(s, 0) << 3), _fetch32(s, n - 4), mul)
    if n > 0:
        y = s[0] + (s[n >> 1] << 8)
        z = n + (s[n - 1] << 2)
        return (_shift_mix(((y * K2) ^ (z * K0)) & MASK) * K2) & MASK
    return K2


def _hash_len17to32(s, n):
    mul = K2 + n * 2
    a = (_fetch64(s, 0) * K1) & MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & MASK
    d = (_fetch64(s, n - 16) * K2) & MASK
    return _hash_len16((_rotate((a + b) & MASK, 43) + _rotate(c, 30) + d) & MASK,
                       (a + _rotate((b + K2) & MASK, 18) + c) & MASK, mul)


def _hash_len33to64(s, n):
    mul = K2 + n * 2
    a = (_fetch64(s, 0) * K2) & MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & MASK
    d = (_fetch64(s, n - 16) * K2) & MASK
    y = (_rotate((a + b) & MASK, 43) + _rotate(c, 30) + d) & MASK
    z = _hash_len16(y, (a + _rotate((b + K2) & MASK, 18) + c) & MASK, mul)
    e = (_fetch64(s, 16) * mul) & MASK
    f = _fetch64(s, 24)
    g = ((y + _fetch64(s, n - 32)) * mul) & MASK
    h = ((z + _fetch64(s, n - 24)) * mul) & MASK
    return _hash_len16((_rotate((e + f) & MASK, 43) + _rotate(g, 30) + h) & MASK,
                       (e + _rotate((f + a) & MASK, 18) + g) & MASK, mul)


def _weak_hash_len32_with_seeds(s, at, a, b):
    """32 bytes and two seeds -> two words ("quick and dirty", as FarmHash calls it)."""
    w, x, y, z = (_fetch64(s, at + i) for i in (0, 8, 16, 24))
    a = (a + w) & MASK
    b = _rotate((b + a + z) & MASK, 21)
    c = a
    a = (a + x + y) & MASK
    b = (b + _rotate(a, 44)) & MASK
    return (a + z) & MASK, (b + c) & MASK


def _hash_long(s, n):
    """More than 64 bytes: 64-byte blocks mixed into a state of five words (v, w: pairs)."""
    x, y = 81, (81 * K1 + 113) & MASK
    z = (_shift_mix((y * K2 + 113) & MASK) * K2) & MASK
    v, w = (0, 0), (0, 0)
    x = (x * K2 + _fetch64(s, 0)) & MASK
    end, last64 = ((n - 1) // 64) * 64, n - 64
    for at in range(0, end, 64):
        x = (_rotate((x + y + v[0] + _fetch64(s, at + 8)) & MASK, 37) * K1) & MASK
        y = (_rotate((y + v[1] + _fetch64(s, at + 48)) & MASK, 42) * K1) & MASK
        x ^= w[1]
        y = (y + v[0] + _fetch64(s, at + 40)) & MASK
        z = (_rotate((z + w[0]) & MASK, 33) * K1) & MASK
        v = _weak_hash_len32_with_seeds(s, at, (v[1] * K1) & MASK, (x + w[0]) & MASK)
        w = _weak_hash_len32_with_seeds(s, at + 32, (z + w[1]) & MASK, (y + _fetch64(s, at + 16)) & MASK)
        z, x = x, z
    mul = K1 + ((z & 0xFF) << 1)
    w0 = (w[0] + ((n - 1) & 63)) & MASK
    v0 = (v[0] + w0) & MASK
    w0 = (w0 + v0) & MASK
    v, w = (v0, v[1]), (w0, w[1])
    x = (_rotate((x + y + v[0] + _fetch64(s, last64 + 8)) & MASK, 37) * mul) & MASK
    y = (_rotate((y + v[1] + _fetch64(s, last64 + 48)) & MASK, 42) * mul) & MASK
    x ^= (w[1] * 9) & MASK
    y = (y + v[0] * 9 + _fetch64(s, last64 + 40)) & MASK
    z = (_rotate((z + w[0]) & MASK, 33) * mul) & MASK
    v = _weak_hash_len32_with_seeds(s, last64, (v[1] * mul) & MASK, (x + w[0]) & MASK)
    w = _weak_hash_len32_with_seeds(s, last64 + 32, (z + w[1]) & MASK, (y + _fetch64(s, last64 + 16)) & MASK)
    z, x = x, z
    return _hash_len16((_hash_len16(v[0], w[0], mul) + _shift_mix(y) * K0 + z) & MASK,
                       (_hash_len16(v[1], w[1], mul) + x) & MASK, mul)


def fingerprint64(data):
    """FarmHash Fingerprint64 of `data` (bytes; a str is encoded as UTF-8): an int in [0, 2**64)."""
    s = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    n = len(s)
    if n <= 16:
        return _hash_len0to16(s, n)
    if n <= 32:
        return _hash_len17to32(s, n)
    if n <= 64:
        return _hash_len33to64(s, n)
    return _hash_long(s, n)


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & MASK
    v1 = _rotate(v1, 64 - 13) ^ v0
    v0 = _rotate(v0, 64 - 32)
    v2 = (v2 + v3) & MASK
    v3 = _rotate(v3, 64 - 16) ^ v2
    v0 = (v0 + v3) & MASK
    v3 = _rotate(v3, 64 - 21) ^ v0
    v2 = (v2 + v1) & MASK
    v1 = _rotate(v1, 64 - 17) ^ v2
    v2 = _rotate(v2, 64 - 32)
    return v0, v1, v2, v3


def siphash64(data, key):
    """SipHash-2-4 of `data` (bytes; a str is encoded as UTF-8) under `key`, two ints in [0, 2**64)
    (Keras's `salt`): two rounds per 8-byte word, four at the end. An int in [0, 2**64)."""
    s = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    k0, k1 = (int(k) & MASK for k in key)
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573
    last = (len(s) & 0xFF) << 56  # the length's low byte, above the tail's bytes
    words = [_fetch64(s, at) for at in range(0, len(s) - len(s) % 8, 8)]
    words.append(last | int.from_bytes(s[len(s) - len(s) % 8:], "little"))
    for m in words:
        v3 ^= m
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 ^= m
    v2 ^= 0xFF
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3
