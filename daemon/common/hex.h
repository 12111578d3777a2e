#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault {

using Bytes = std::vector<std::uint8_t>;

[[nodiscard]] std::string to_hex(const std::uint8_t* data, std::size_t size);
[[nodiscard]] inline std::string to_hex(const Bytes& data) {
    return to_hex(data.data(), data.size());
}
[[nodiscard]] std::optional<Bytes> from_hex(std::string_view text);
// The value of one hex digit (either case), or -1.
[[nodiscard]] int hex_digit_value(unsigned char c) noexcept;

// RFC 4648 section 4 (standard alphabet, padded) and section 5 (URL-safe, unpadded).
[[nodiscard]] std::string to_base64(const std::uint8_t* data, std::size_t size);
[[nodiscard]] inline std::string to_base64(const Bytes& data) {
    return to_base64(data.data(), data.size());
}
[[nodiscard]] std::optional<Bytes> from_base64(std::string_view text);
[[nodiscard]] std::string to_base64url(const std::uint8_t* data, std::size_t size);

[[nodiscard]] inline Bytes to_bytes(std::string_view s) {
    return Bytes(s.begin(), s.end());
}
[[nodiscard]] inline std::string to_string(const Bytes& b) {
    return std::string(b.begin(), b.end());
}

} // namespace kinvault
