#pragma once

#include "common/hex.h"

#include <string>
#include <string_view>

namespace kinvault::crypto {

[[nodiscard]] Bytes random_bytes(std::size_t size);
// Object ids: a short type prefix and 80 random bits in lower-case base32 (e.g. "doc_k3j9x2m4q8p1v7t5").
// Random ids do not reveal how many objects exist and cannot be guessed.
[[nodiscard]] std::string random_id(std::string_view prefix);
// Bearer tokens: 256 random bits, URL-safe base64.
[[nodiscard]] std::string random_token();

} // namespace kinvault::crypto
