// Byte-level work on a prepared PDF signature (no PoDoFo, safe on hostile input): hashing the /ByteRange and
// writing the CMS into the /Contents placeholder. The daemon runs this on bytes that come back from the
// sandboxed worker, so every offset is checked against the buffer before use.
//
// ISO 32000-1 §12.8.1: the byte range covers the whole file except the /Contents value, from its '<' to its
// '>' inclusive; the value is the DER of the CMS in hex, padded with zeros.
#pragma once

#include "common/hex.h"
#include "common/result.h"
#include "crypto/sha256.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace kinvault::pdf {

// The two covered spans [start1, start1 + length1) and [start2, start2 + length2); start1 is always 0.
struct ByteRange {
    std::uint64_t start1{0};
    std::uint64_t length1{0};
    std::uint64_t start2{0};
    std::uint64_t length2{0};

    friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// A PDF with one signature prepared but not yet signed.
struct PreparedPdf {
    Bytes pdf;
    ByteRange byte_range;
    std::size_t contents_offset{0}; // offset of the first hex digit of the placeholder (just after '<')
    std::size_t contents_length{0}; // number of hex digits reserved (twice the DER bytes that fit)
    std::string field_name;         // the signature field this update adds (informational)
};

// Largest placeholder we accept from anyone (bytes of DER), so a hostile size cannot make us allocate much.
inline constexpr std::size_t k_max_contents_bytes = 1024 * 1024;

// Checks that the recorded byte range and placeholder agree with the bytes: the range starts at 0 and ends
// at the end of the buffer, the gap is exactly "<" placeholder ">", the placeholder is all '0' (unsigned),
// and the /ByteRange array written just before the placeholder states the same numbers.
[[nodiscard]] Status check_prepared(const PreparedPdf& prepared);

// SHA-256 over the two covered spans, after check_prepared.
[[nodiscard]] Result<crypto::Digest> byte_range_digest(const PreparedPdf& prepared);

// Writes `cms_der` as upper-case hex into the placeholder (zero padding stays), after check_prepared.
// Errc::payload_too_large when the DER does not fit the reserved space.
[[nodiscard]] Result<Bytes> inject_signature(const PreparedPdf& prepared, const Bytes& cms_der);

} // namespace kinvault::pdf
