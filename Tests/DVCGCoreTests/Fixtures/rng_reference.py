"""Independent reference values for SeededGenerator (xoshiro256** seeded by SplitMix64, Marsaglia
polar Gaussians with the series logarithm of deterministicLog). Python floats are IEEE 754 doubles
with the same correctly rounded +, -, *, / and sqrt, so these values must match bit for bit.
Run: python3 rng_reference.py"""
import math

M = (1 << 64) - 1


def splitmix(seed):
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & M
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        yield z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


class Xoshiro:
    def __init__(self, seed):
        g = splitmix(seed)
        self.s = [next(g) for _ in range(4)]

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53

    def gaussian(self):
        while True:
            u = 2 * self.uniform() - 1
            v = 2 * self.uniform() - 1
            s = u * u + v * v
            if 0 < s < 1:
                return u * math.sqrt(-2 * det_log(s) / s)


def det_log(x):
    m, e = math.frexp(x)  # x = m 2^e, m in [0.5, 1)
    m *= 2
    e -= 1  # m in [1, 2), as Swift's significand/exponent
    if m > 1.4142135623730951:
        m /= 2
        e += 1
    f = (m - 1) / (m + 1)
    f2 = f * f
    term, total, k = f, 0.0, 1.0
    for _ in range(20):
        total += term / k
        term *= f2
        k += 2
    ln2_hi = 6.93147180369123816490e-01
    ln2_lo = 1.90821492927058770002e-10
    return e * ln2_hi + (2 * total + e * ln2_lo)


if __name__ == "__main__":
    g = Xoshiro(0)
    print("seed0:", ", ".join(f"0x{g.next():016X}" for _ in range(4)))
    g = Xoshiro(12345)
    print("gaussianSeed12345:", ", ".join(repr(g.gaussian()) for _ in range(3)))
