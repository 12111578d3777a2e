// Reading libsodium crypto_secretstream_xchacha20poly1305 chunks with OpenSSL's ChaCha20 and Poly1305.
//
// Every download decrypts the whole document, and libsodium's portable ChaCha20 and Poly1305 take about
// 0.8 ms per MiB on the machines Kinvault runs on, where OpenSSL's vectorised ones take under a third of
// that. Libsodium offers no faster path and OpenSSL has no secretstream, so this class computes exactly what
// crypto_secretstream_xchacha20poly1305_pull computes, from OpenSSL primitives:
//   - the stream key and nonce come from libsodium's own init_pull (HChaCha20 over the header);
//   - per chunk, ChaCha20 block 0 keys Poly1305, block 1 decrypts the tag byte, the message starts at
//     block 2;
//   - Poly1305 covers the associated data (padded to 16 bytes), the 64-byte tag block, the ciphertext
//     (followed by mlen mod 16 zero bytes: libsodium's rule, not RFC 8439's), then both lengths; the tag is
//     compared in constant time before anything is decrypted;
//   - the MAC is folded into the nonce and the counter advances; rekeying is left to libsodium's rekey.
// Writing stays with libsodium. Where OpenSSL lacks either primitive, every chunk goes through libsodium's
// pull instead; the unit tests hold both paths to libsodium's output, byte for byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace kinvault::crypto {

class SecretstreamPull {
public:
    // With `prefer_openssl` false (for tests), always uses libsodium.
    explicit SecretstreamPull(bool prefer_openssl = true);
    ~SecretstreamPull();
    SecretstreamPull(const SecretstreamPull&) = delete;
    SecretstreamPull& operator=(const SecretstreamPull&) = delete;

    // `header`: 24 bytes; `key`: 32 bytes. False if the header is refused.
    [[nodiscard]] bool init(const std::uint8_t* header, const std::uint8_t* key);

    // One chunk of `in_len` bytes (at least 17) into `out` (room for in_len - 17 bytes). False if it fails
    // authentication; then nothing was written to `out` and the stream must not be used further.
    [[nodiscard]] bool pull(std::uint8_t* out, std::size_t* out_len, std::uint8_t* tag,
                            const std::uint8_t* in, std::size_t in_len, const std::uint8_t* ad,
                            std::size_t ad_len);

    // Whether this reader decrypts with OpenSSL.
    [[nodiscard]] bool uses_openssl() const noexcept;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace kinvault::crypto
