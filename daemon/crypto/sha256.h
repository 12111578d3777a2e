// SHA-256 through Botan (it uses SHA-NI where the CPU has it; libsodium does not, see security.md).
#pragma once

#include "common/hex.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace kinvault::crypto {

using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const std::uint8_t* data, std::size_t size);
    void update(std::string_view text) {
        update(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    }
    void update(const Bytes& data) { update(data.data(), data.size()); }
    [[nodiscard]] Digest finish();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

[[nodiscard]] Digest sha256(const std::uint8_t* data, std::size_t size);
[[nodiscard]] inline Digest sha256(const Bytes& data) {
    return sha256(data.data(), data.size());
}
[[nodiscard]] Digest sha256(std::string_view text);
[[nodiscard]] inline std::string to_hex(const Digest& d) {
    return kinvault::to_hex(d.data(), d.size());
}

} // namespace kinvault::crypto
