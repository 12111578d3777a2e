// PEM (RFC 7468) for private keys, written straight into secure memory so a key's text form never sits in
// an ordinary std::string.
#pragma once

#include "crypto/secret.h"

#include <cstdint>
#include <string_view>

namespace kinvault::crypto {

[[nodiscard]] Secret pem_encode_secret(const std::uint8_t* der, std::size_t size, std::string_view label);

} // namespace kinvault::crypto
