#include "crypto/secretstream_pull.h"

#include "crypto/secret.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <climits>
#include <cstring>

namespace kinvault::crypto {

namespace {

using StreamState = crypto_secretstream_xchacha20poly1305_state;

constexpr std::size_t k_block = 64;
constexpr std::size_t k_mac = crypto_onetimeauth_poly1305_BYTES;
constexpr std::size_t k_abytes = crypto_secretstream_xchacha20poly1305_ABYTES; // tag byte + MAC
constexpr std::size_t k_counter = 4;                                           // nonce[0..4): chunk counter
constexpr std::size_t k_inonce = 8;                                            // nonce[4..12): inner nonce
constexpr std::uint8_t k_zero[16] = {};

static_assert(sizeof(StreamState::k) == 32 && sizeof(StreamState::nonce) == 12, "libsodium state layout");
static_assert(k_counter + k_inonce == sizeof(StreamState::nonce), "libsodium nonce layout");

EVP_CIPHER* openssl_chacha20() {
    static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr);
    return cipher;
}

EVP_MAC* openssl_poly1305() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_POLY1305, nullptr);
    return mac;
}

void store_le64(std::uint8_t out[8], std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        out[i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
}

} // namespace

struct SecretstreamPull::State {
    StreamState st{};
    EVP_CIPHER_CTX* cipher{nullptr};
    EVP_MAC_CTX* mac{nullptr};
    bool broken{false};

    ~State() {
        EVP_CIPHER_CTX_free(cipher); // both free functions cleanse the keys they hold
        EVP_MAC_CTX_free(mac);
        sodium_memzero(&st, sizeof st);
    }

    // ChaCha20 (RFC 8439 layout: 32-bit block counter, 96-bit nonce) keystream XOR from block `counter`.
    bool chacha_xor(std::uint8_t* out, const std::uint8_t* in, std::size_t len, std::uint32_t counter) {
        if (len == 0) {
            return true;
        }
        if (len > static_cast<std::size_t>(INT_MAX)) {
            return false;
        }
        std::uint8_t iv[16];
        for (int i = 0; i < 4; ++i) {
            iv[i] = static_cast<std::uint8_t>(counter >> (8 * i));
        }
        std::memcpy(iv + 4, st.nonce, sizeof st.nonce);
        int produced = 0;
        const bool ok = EVP_CipherInit_ex2(cipher, nullptr, st.k, iv, 1, nullptr) == 1 &&
                        EVP_CipherUpdate(cipher, out, &produced, in, static_cast<int>(len)) == 1 &&
                        static_cast<std::size_t>(produced) == len;
        sodium_memzero(iv, sizeof iv);
        return ok;
    }

    bool mac_update(const std::uint8_t* data, std::size_t len) {
        return len == 0 || EVP_MAC_update(mac, data, len) == 1;
    }

    bool pull_openssl(std::uint8_t* out, std::size_t* out_len, std::uint8_t* tag_out, const std::uint8_t* in,
                      std::size_t in_len, const std::uint8_t* ad, std::size_t ad_len) {
        const std::size_t mlen = in_len - k_abytes;
        const std::uint8_t* c = in + 1;
        const std::uint8_t* stored_mac = c + mlen;
        std::uint8_t block[k_block] = {};
        std::uint8_t computed[k_mac];
        std::uint8_t lengths[16];
        std::size_t mac_len = 0;
        // Block 0 keys Poly1305 (its first 32 bytes); block 1 encrypts the 64-byte block whose first byte is
        // the chunk's tag.
        bool ok = chacha_xor(block, block, k_block, 0) && EVP_MAC_init(mac, block, 32, nullptr) == 1;
        std::uint8_t tag = 0;
        if (ok) {
            std::memset(block, 0, sizeof block);
            block[0] = in[0];
            ok = chacha_xor(block, block, k_block, 1);
            tag = block[0];
            block[0] = in[0];
        }
        // The padding after the ciphertext is (0x10 - 64 + mlen) mod 16, that is mlen mod 16 bytes:
        // libsodium's format computes it so (not the RFC 8439 rule), and a reader must hash exactly what the
        // writer did.
        store_le64(lengths, ad_len);
        store_le64(lengths + 8, k_block + mlen);
        ok = ok && mac_update(ad, ad_len) && mac_update(k_zero, (0x10 - ad_len) & 0xf) &&
             mac_update(block, k_block) && mac_update(c, mlen) &&
             mac_update(k_zero, (0x10 - k_block + mlen) & 0xf) && mac_update(lengths, sizeof lengths) &&
             EVP_MAC_final(mac, computed, &mac_len, sizeof computed) == 1 && mac_len == k_mac;
        sodium_memzero(block, sizeof block);
        if (!ok || sodium_memcmp(computed, stored_mac, k_mac) != 0) {
            sodium_memzero(computed, sizeof computed);
            return false;
        }
        if (!chacha_xor(out, c, mlen, 2)) {
            sodium_memzero(computed, sizeof computed);
            return false;
        }
        for (std::size_t i = 0; i < k_inonce; ++i) {
            st.nonce[k_counter + i] ^= computed[i];
        }
        sodium_memzero(computed, sizeof computed);
        sodium_increment(st.nonce, k_counter);
        if ((tag & crypto_secretstream_xchacha20poly1305_TAG_REKEY) != 0 ||
            sodium_is_zero(st.nonce, k_counter)) {
            crypto_secretstream_xchacha20poly1305_rekey(&st);
        }
        *out_len = mlen;
        *tag_out = tag;
        return true;
    }
};

SecretstreamPull::SecretstreamPull(bool prefer_openssl) : m_state(std::make_unique<State>()) {
    ensure_sodium();
    if (prefer_openssl && openssl_chacha20() != nullptr && openssl_poly1305() != nullptr) {
        m_state->cipher = EVP_CIPHER_CTX_new();
        m_state->mac = EVP_MAC_CTX_new(openssl_poly1305());
        if (m_state->cipher == nullptr || m_state->mac == nullptr ||
            EVP_CipherInit_ex2(m_state->cipher, openssl_chacha20(), nullptr, nullptr, 1, nullptr) != 1) {
            EVP_CIPHER_CTX_free(m_state->cipher);
            EVP_MAC_CTX_free(m_state->mac);
            m_state->cipher = nullptr;
            m_state->mac = nullptr;
        }
    }
}

SecretstreamPull::~SecretstreamPull() = default;

bool SecretstreamPull::uses_openssl() const noexcept {
    return m_state->cipher != nullptr;
}

bool SecretstreamPull::init(const std::uint8_t* header, const std::uint8_t* key) {
    m_state->broken = crypto_secretstream_xchacha20poly1305_init_pull(&m_state->st, header, key) != 0;
    return !m_state->broken;
}

bool SecretstreamPull::pull(std::uint8_t* out, std::size_t* out_len, std::uint8_t* tag,
                            const std::uint8_t* in, std::size_t in_len, const std::uint8_t* ad,
                            std::size_t ad_len) {
    if (m_state->broken || in_len < k_abytes) {
        m_state->broken = true;
        return false;
    }
    bool ok = false;
    if (uses_openssl()) {
        ok = m_state->pull_openssl(out, out_len, tag, in, in_len, ad, ad_len);
    } else {
        unsigned long long len = 0;
        unsigned char t = 0;
        ok = crypto_secretstream_xchacha20poly1305_pull(&m_state->st, out, &len, &t, in, in_len, ad,
                                                        ad_len) == 0;
        if (ok) {
            *out_len = static_cast<std::size_t>(len);
            *tag = t;
        }
    }
    if (!ok) {
        m_state->broken = true;
    }
    return ok;
}

} // namespace kinvault::crypto
