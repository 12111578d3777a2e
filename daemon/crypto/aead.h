// XChaCha20-Poly1305 (libsodium, IETF construction) for small sealed values: wrapped keys and encrypted
// metadata fields. The associated data names what the value is and where it belongs, so a ciphertext copied
// to another row, document or key version fails to open.
#pragma once

#include "common/hex.h"
#include "common/result.h"
#include "crypto/secret.h"

#include <string_view>

namespace kinvault::crypto {

inline constexpr std::size_t k_key_size = 32;

// Output: 24-byte random nonce || ciphertext || 16-byte tag.
[[nodiscard]] Bytes aead_seal(const Secret& key, const std::uint8_t* plaintext, std::size_t size,
                              std::string_view associated_data);
[[nodiscard]] Result<Secret> aead_open(const Secret& key, const std::uint8_t* sealed, std::size_t size,
                                       std::string_view associated_data);
// For values that are confidential at rest but not secrets in memory (names, titles, consent records): opens
// into an ordinary string, skipping the guarded allocation a Secret costs (it dominated listing time).
[[nodiscard]] Result<std::string> aead_open_text(const Secret& key, const std::uint8_t* sealed,
                                                 std::size_t size, std::string_view associated_data);
[[nodiscard]] inline Result<Secret> aead_open(const Secret& key, const Bytes& sealed,
                                              std::string_view associated_data) {
    return aead_open(key, sealed.data(), sealed.size(), associated_data);
}

} // namespace kinvault::crypto
