/// Values printed by Fixtures/rng_reference.py, an independent Python implementation.
enum RNGReference {
    static let seed0: [UInt64] = [
        0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0, 0x6AA5_94F1_262D_2D2C,
    ]
    static let gaussianSeed12345: [Double] = [0.38264563425510895, 0.02769454206835323, -0.8245283486377718]
}
