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

// One whole stored blob in memory, decrypted in ranges of chunks that threads may take in parallel. Each
// range is authenticated on its own; the blob is authentic when every range of a partition of
// [0, chunk_count()) has succeeded (the ranges after the first start from the MACs stored before them, which
// the earlier ranges prove). Every chunk but the last must be tagged MESSAGE, the last FINAL.
class BlobChunks {
public:
    // Fails if `size` cannot be a blob (no header, or a last chunk shorter than its MAC).
    [[nodiscard]] static Result<BlobChunks> parse(const std::uint8_t* blob, std::size_t size);

    [[nodiscard]] std::size_t chunk_count() const noexcept { return m_chunks; }
    [[nodiscard]] std::uint64_t plaintext_size() const noexcept;
    // Decrypts chunks [first, first + count). Chunk j's plaintext (up to k_blob_chunk bytes) is written to
    // dest(j).
    [[nodiscard]] Status decrypt(const Secret& data_key, const std::string& associated_data,
                                 std::size_t first, std::size_t count,
                                 const std::function<std::uint8_t*(std::size_t chunk)>& dest) const;

private:
    BlobChunks(const std::uint8_t* blob, std::size_t size, std::size_t chunks)
        : m_blob(blob), m_size(size), m_chunks(chunks) {}
    const std::uint8_t* m_blob;
    std::size_t m_size;
    std::size_t m_chunks;
};

// Size on disk of a blob holding `plaintext_size` bytes.
[[nodiscard]] std::uint64_t blob_ciphertext_size(std::uint64_t plaintext_size);

} // namespace kinvault::crypto
