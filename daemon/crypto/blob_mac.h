// A keyed tag over a stored blob's ciphertext, computed while the blob is written and recorded with the
// document version. Before a document is served, the whole file is checked against it: any truncation,
// reordering or change of a byte is refused before the first byte leaves, at about a sixth of the cost of
// decrypting the file, so a download decrypts once (while streaming) instead of twice.
//
// The MAC is Poly1305 (OpenSSL's vectorised implementation) under a key derived from the version's data key
// with libsodium's KDF. A data key encrypts exactly one blob, so each Poly1305 key tags exactly one message,
// as a one-time authenticator requires; a check only recomputes that one tag. Without the data key (sealed
// by the key hierarchy) nobody can produce a tag for altered bytes, even with write access to disk and
// database. The streaming decryption still authenticates every chunk: the tag is a check in front of it, not
// a replacement for it.
#pragma once

#include "common/hex.h"
#include "crypto/secret.h"

#include <array>
#include <cstdint>
#include <memory>

namespace kinvault::crypto {

inline constexpr std::size_t k_blob_mac_size = 16;
using BlobTag = std::array<std::uint8_t, k_blob_mac_size>;

class BlobMac {
public:
    // `data_key`: the 32-byte data key of the document version whose blob is tagged.
    explicit BlobMac(const Secret& data_key);
    ~BlobMac();
    BlobMac(const BlobMac&) = delete;
    BlobMac& operator=(const BlobMac&) = delete;

    void update(const std::uint8_t* data, std::size_t size);
    [[nodiscard]] BlobTag finish();
    // Bytes seen so far.
    [[nodiscard]] std::uint64_t size() const { return m_size; }

private:
    struct State;
    std::unique_ptr<State> m_state;
    std::uint64_t m_size{0};
};

// Constant-time comparison of a computed tag with a recorded one (false when the sizes differ).
[[nodiscard]] bool blob_tag_equal(const BlobTag& computed, const Bytes& recorded);

} // namespace kinvault::crypto
