#include "crypto/random.h"

#include "crypto/secret.h"

#include <sodium.h>

namespace kinvault::crypto {

Bytes random_bytes(std::size_t size) {
    ensure_sodium();
    Bytes out(size);
    randombytes_buf(out.data(), size);
    return out;
}

std::string random_id(std::string_view prefix) {
    static constexpr char k_alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789"; // 32 symbols, no l/o/0/1
    const Bytes raw = random_bytes(16);
    std::string out(prefix);
    out.push_back('_');
    for (std::size_t i = 0; i < 16; ++i) {
        out.push_back(k_alphabet[raw[i] & 31]);
    }
    return out;
}

std::string random_token() {
    const Bytes raw = random_bytes(32);
    return to_base64url(raw.data(), raw.size());
}

} // namespace kinvault::crypto
