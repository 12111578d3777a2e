// Document bytes at rest: libsodium crypto_secretstream_xchacha20poly1305 in 64 KiB chunks (read back with
// OpenSSL primitives where available: secretstream_pull.h).
// Layout: "KVB1" || 24-byte stream header || chunk*, each chunk = ciphertext of up to 64 KiB + 17 bytes.
// Every chunk carries the binding (document id, version, KEK version) as associated data. The last chunk
// carries TAG_FINAL; a reader refuses a stream that ends without it (truncation) or continues after it, and
// secretstream's per-chunk nonce sequence refuses reordered or dropped chunks (security.md).
#pragma once

#include "common/hex.h"
#include "common/result.h"
#include "crypto/secret.h"

#include <functional>
#include <memory>
#include <string>

namespace kinvault::crypto {

inline constexpr std::size_t k_blob_chunk = 64 * 1024;

// Receives output bytes; returns false to abort (e.g. the client went away).
using ByteSink = std::function<bool(const std::uint8_t* data, std::size_t size)>;

class BlobEncryptor {
public:
    BlobEncryptor(const Secret& data_key, std::string associated_data, ByteSink sink);
    ~BlobEncryptor();
    BlobEncryptor(const BlobEncryptor&) = delete;
    BlobEncryptor& operator=(const BlobEncryptor&) = delete;

    // Buffers and emits whole chunks. Returns false if the sink refused.
    [[nodiscard]] bool write(const std::uint8_t* data, std::size_t size);
    // Emits the final chunk. Must be called exactly once.
    [[nodiscard]] bool finish();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// Incremental reader: feed ciphertext in any slices; plaintext goes to the sink chunk by chunk.
class BlobDecryptor {
public:
    BlobDecryptor(const Secret& data_key, std::string associated_data, ByteSink sink);
    // Takes the key over (no copy: every copy of a Secret is another guarded, locked allocation).
    BlobDecryptor(Secret&& data_key, std::string associated_data, ByteSink sink);
    ~BlobDecryptor();
    BlobDecryptor(const BlobDecryptor&) = delete;
    BlobDecryptor& operator=(const BlobDecryptor&) = delete;

    [[nodiscard]] Status feed(const std::uint8_t* data, std::size_t size);
    // Call at end of input: fails unless the final chunk was seen and nothing followed it.
    [[nodiscard]] Status finish();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// Size on disk of a blob holding `plaintext_size` bytes.
[[nodiscard]] std::uint64_t blob_ciphertext_size(std::uint64_t plaintext_size);

} // namespace kinvault::crypto
