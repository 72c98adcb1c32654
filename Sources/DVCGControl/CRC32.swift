/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as gzip, zlib and PNG compute it: the checksum
/// dvcgctl and dvcgd use to agree that an archive file holds exactly the bytes the daemon serialised.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// The CRC-32 of `bytes`, continuing from `crc` (0 to start); `checksum(b, continuing: checksum(a))` is
    /// the checksum of `a` followed by `b`.
    public static func checksum(_ bytes: some Sequence<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        var value = ~crc
        for byte in bytes { value = table[Int((value ^ UInt32(byte)) & 0xFF)] ^ (value >> 8) }
        return ~value
    }
}
