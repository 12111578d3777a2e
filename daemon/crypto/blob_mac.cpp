#include "crypto/blob_mac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdexcept>

namespace kinvault::crypto {

namespace {

constexpr char k_kdf_context[crypto_kdf_CONTEXTBYTES + 1] = "KVBLBMAC";
constexpr std::uint64_t k_kdf_subkey_id = 1;

// OpenSSL's Poly1305 is several times faster than libsodium's on AVX2/AVX-512 machines; both compute the
// same RFC 8439 tag, so libsodium takes over if this OpenSSL lacks it.
EVP_MAC* openssl_poly1305() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_POLY1305, nullptr);
    return mac;
}

} // namespace

struct BlobMac::State {
    EVP_MAC_CTX* ctx{nullptr};
    crypto_onetimeauth_state sodium{};
    bool finished{false};
};

BlobMac::BlobMac(const Secret& data_key) : m_state(std::make_unique<State>()) {
    ensure_sodium();
    if (data_key.size() != crypto_kdf_KEYBYTES) {
        throw std::invalid_argument("BlobMac: wrong key size");
    }
    std::uint8_t key[crypto_onetimeauth_KEYBYTES];
    crypto_kdf_derive_from_key(key, sizeof key, k_kdf_subkey_id, k_kdf_context, data_key.data());
    if (EVP_MAC* mac = openssl_poly1305()) {
        m_state->ctx = EVP_MAC_CTX_new(mac);
        if (m_state->ctx != nullptr && EVP_MAC_init(m_state->ctx, key, sizeof key, nullptr) != 1) {
            EVP_MAC_CTX_free(m_state->ctx);
            m_state->ctx = nullptr;
        }
    }
    if (m_state->ctx == nullptr) {
        crypto_onetimeauth_init(&m_state->sodium, key);
    }
    sodium_memzero(key, sizeof key);
}

BlobMac::~BlobMac() {
    if (m_state->ctx != nullptr) {
        EVP_MAC_CTX_free(m_state->ctx); // OpenSSL cleanses the context's key
    }
    sodium_memzero(&m_state->sodium, sizeof m_state->sodium);
}

void BlobMac::update(const std::uint8_t* data, std::size_t size) {
    if (m_state->finished) {
        throw std::logic_error("BlobMac: update after finish");
    }
    m_size += size;
    if (m_state->ctx != nullptr) {
        if (EVP_MAC_update(m_state->ctx, data, size) != 1) {
            throw std::runtime_error("BlobMac: Poly1305 update failed");
        }
    } else {
        crypto_onetimeauth_update(&m_state->sodium, data, size);
    }
}

BlobTag BlobMac::finish() {
    if (m_state->finished) {
        throw std::logic_error("BlobMac: finish called twice");
    }
    m_state->finished = true;
    BlobTag tag{};
    if (m_state->ctx != nullptr) {
        std::size_t len = 0;
        if (EVP_MAC_final(m_state->ctx, tag.data(), &len, tag.size()) != 1 || len != tag.size()) {
            throw std::runtime_error("BlobMac: Poly1305 final failed");
        }
    } else {
        crypto_onetimeauth_final(&m_state->sodium, tag.data());
    }
    return tag;
}

bool blob_tag_equal(const BlobTag& computed, const Bytes& recorded) {
    return recorded.size() == computed.size() &&
           sodium_memcmp(computed.data(), recorded.data(), computed.size()) == 0;
}

} // namespace kinvault::crypto
