#include "crypto/aead.h"

#include <sodium.h>
#include <stdexcept>

namespace kinvault::crypto {

Bytes aead_seal(const Secret& key, const std::uint8_t* plaintext, std::size_t size,
                std::string_view associated_data) {
    ensure_sodium();
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
        throw std::invalid_argument("aead_seal: wrong key size");
    }
    constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    Bytes out(nonce_size + size + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    randombytes_buf(out.data(), nonce_size);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + nonce_size, &written, plaintext, size,
                                               reinterpret_cast<const unsigned char*>(associated_data.data()),
                                               associated_data.size(), nullptr, out.data(), key.data());
    out.resize(nonce_size + written);
    return out;
}

Result<Secret> aead_open(const Secret& key, const std::uint8_t* sealed, std::size_t size,
                         std::string_view associated_data) {
    ensure_sodium();
    constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    constexpr std::size_t tag_size = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
        return make_error(Errc::internal, "wrong key size");
    }
    if (size < nonce_size + tag_size) {
        return make_error(Errc::integrity, "sealed value is too short");
    }
    Secret out(size - nonce_size - tag_size);
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            out.data(), &written, nullptr, sealed + nonce_size, size - nonce_size,
            reinterpret_cast<const unsigned char*>(associated_data.data()), associated_data.size(), sealed,
            key.data()) != 0) {
        return make_error(Errc::integrity,
                          "sealed value failed authentication (tampered, or bound elsewhere)");
    }
    return out;
}

Result<std::string> aead_open_text(const Secret& key, const std::uint8_t* sealed, std::size_t size,
                                   std::string_view associated_data) {
    ensure_sodium();
    constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    constexpr std::size_t tag_size = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
        return make_error(Errc::internal, "wrong key size");
    }
    if (size < nonce_size + tag_size) {
        return make_error(Errc::integrity, "sealed value is too short");
    }
    std::string out(size - nonce_size - tag_size, '\0');
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(out.data()), &written, nullptr, sealed + nonce_size,
            size - nonce_size, reinterpret_cast<const unsigned char*>(associated_data.data()),
            associated_data.size(), sealed, key.data()) != 0) {
        return make_error(Errc::integrity,
                          "sealed value failed authentication (tampered, or bound elsewhere)");
    }
    out.resize(written);
    return out;
}

} // namespace kinvault::crypto
