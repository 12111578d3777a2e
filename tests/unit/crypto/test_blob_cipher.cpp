#include "crypto/blob_cipher.h"

#include <catch2/catch.hpp>

using namespace kinvault;
using namespace kinvault::crypto;

namespace {

Bytes encrypt(const Secret& key, const Bytes& plain, const std::string& ad, std::size_t slice = 1000) {
    Bytes out;
    BlobEncryptor enc(key, ad, [&](const std::uint8_t* d, std::size_t n) {
        out.insert(out.end(), d, d + n);
        return true;
    });
    for (std::size_t i = 0; i < plain.size(); i += slice) {
        REQUIRE(enc.write(plain.data() + i, std::min(slice, plain.size() - i)));
    }
    REQUIRE(enc.finish());
    return out;
}

Result<Bytes> decrypt(const Secret& key, const Bytes& cipher, const std::string& ad,
                      std::size_t slice = 777) {
    Bytes out;
    BlobDecryptor dec(key, ad, [&](const std::uint8_t* d, std::size_t n) {
        out.insert(out.end(), d, d + n);
        return true;
    });
    for (std::size_t i = 0; i < cipher.size(); i += slice) {
        Status st = dec.feed(cipher.data() + i, std::min(slice, cipher.size() - i));
        if (!st) {
            return std::move(st).error();
        }
    }
    Status st = dec.finish();
    if (!st) {
        return std::move(st).error();
    }
    return out;
}

Bytes pattern(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) {
        b[i] = static_cast<std::uint8_t>((i * 131) ^ (i >> 8));
    }
    return b;
}

} // namespace

TEST_CASE("documents round-trip through the blob cipher at every size boundary", "[blob]") {
    const Secret key = Secret::random(32);
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, k_blob_chunk - 1, k_blob_chunk,
                                k_blob_chunk + 1, 3 * k_blob_chunk, 3 * k_blob_chunk + 5}) {
        const Bytes plain = pattern(n);
        const Bytes cipher = encrypt(key, plain, "doc:a:v1:k1");
        CHECK(cipher.size() == blob_ciphertext_size(n));
        auto back = decrypt(key, cipher, "doc:a:v1:k1");
        REQUIRE(back);
        CHECK(*back == plain);
    }
}

TEST_CASE("the reader gives the same plaintext however the ciphertext is sliced", "[blob]") {
    // Whole chunks are decrypted straight from the caller's buffer and only split ones are assembled, so
    // slices on, just before and just after chunk boundaries must all give the same bytes.
    const Secret key = Secret::random(32);
    const std::size_t cipher_chunk = blob_ciphertext_size(k_blob_chunk) - blob_ciphertext_size(0);
    for (const std::size_t n : {std::size_t{0}, k_blob_chunk, 4 * k_blob_chunk + 3}) {
        const Bytes plain = pattern(n);
        const Bytes cipher = encrypt(key, plain, "doc:a:v1:k1");
        for (const std::size_t slice :
             {std::size_t{1}, std::size_t{28}, std::size_t{29}, cipher_chunk - 1, cipher_chunk,
              cipher_chunk + 1, 2 * cipher_chunk + 28, 256 * std::size_t{1024}, cipher.size()}) {
            auto back = decrypt(key, cipher, "doc:a:v1:k1", std::max<std::size_t>(slice, 1));
            INFO("size " << n << ", slice " << slice);
            REQUIRE(back);
            CHECK(*back == plain);
        }
    }
}

TEST_CASE("tampered, truncated, reordered or moved blobs are refused with an integrity error", "[blob]") {
    const Secret key = Secret::random(32);
    const Bytes plain = pattern(3 * k_blob_chunk + 100);
    const Bytes cipher = encrypt(key, plain, "doc:a:v1:k1");
    const std::size_t head = 4 + 24;
    const std::size_t chunk = k_blob_chunk + 17;

    SECTION("a modified byte in any chunk") {
        for (const std::size_t pos : {std::size_t{5}, head + 10, head + chunk + 3, cipher.size() - 1}) {
            Bytes bad = cipher;
            bad[pos] ^= 0x80;
            auto r = decrypt(key, bad, "doc:a:v1:k1");
            REQUIRE_FALSE(r);
            CHECK(r.error().code == Errc::integrity);
        }
    }
    SECTION("truncation at a chunk boundary (final chunk dropped)") {
        const Bytes bad(cipher.begin(), cipher.begin() + static_cast<std::ptrdiff_t>(head + 3 * chunk));
        auto r = decrypt(key, bad, "doc:a:v1:k1");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::integrity);
    }
    SECTION("truncation in the middle of a chunk") {
        const Bytes bad(cipher.begin(), cipher.end() - 50);
        CHECK_FALSE(decrypt(key, bad, "doc:a:v1:k1"));
    }
    SECTION("two chunks swapped") {
        Bytes bad = cipher;
        std::swap_ranges(bad.begin() + static_cast<std::ptrdiff_t>(head),
                         bad.begin() + static_cast<std::ptrdiff_t>(head + chunk),
                         bad.begin() + static_cast<std::ptrdiff_t>(head + chunk));
        CHECK_FALSE(decrypt(key, bad, "doc:a:v1:k1"));
    }
    SECTION("bytes appended after the final chunk") {
        Bytes bad = cipher;
        bad.push_back(0);
        CHECK_FALSE(decrypt(key, bad, "doc:a:v1:k1"));
    }
    SECTION("a blob bound to another document version") {
        CHECK_FALSE(decrypt(key, cipher, "doc:a:v2:k1"));
    }
    SECTION("the wrong data key") {
        CHECK_FALSE(decrypt(Secret::random(32), cipher, "doc:a:v1:k1"));
    }
    SECTION("an empty file") {
        CHECK_FALSE(decrypt(key, Bytes{}, "doc:a:v1:k1"));
    }
}

namespace {

// Decrypts a whole blob in two ranges split before chunk `split`, the second range first (as a second
// thread may finish first). Fails if either range fails.
Result<Bytes> decrypt_split(const Secret& key, const Bytes& cipher, const std::string& ad, std::size_t split) {
    auto chunks = BlobChunks::parse(cipher.data(), cipher.size());
    if (!chunks) {
        return std::move(chunks).error();
    }
    const std::size_t n = chunks->chunk_count();
    Bytes out(n * k_blob_chunk);
    auto dest = [&](std::size_t j) { return out.data() + j * k_blob_chunk; };
    Status second = chunks->decrypt(key, ad, split, n - split, dest);
    Status first = chunks->decrypt(key, ad, 0, split, dest);
    if (!first) {
        return std::move(first).error();
    }
    if (!second) {
        return std::move(second).error();
    }
    out.resize(chunks->plaintext_size());
    return out;
}

} // namespace

TEST_CASE("a blob decrypted in two ranges, split anywhere, gives the plaintext", "[blob]") {
    const Secret key = Secret::random(32);
    const std::string ad = "doc:doc_x:v1:k1";
    const std::size_t size = GENERATE(std::size_t{0}, std::size_t{1}, k_blob_chunk, k_blob_chunk + 1,
                                      5 * k_blob_chunk + 123, 8 * k_blob_chunk);
    const Bytes plain = pattern(size);
    const Bytes cipher = encrypt(key, plain, ad);
    auto chunks = BlobChunks::parse(cipher.data(), cipher.size());
    REQUIRE(chunks);
    CHECK(chunks->plaintext_size() == size);
    CHECK(chunks->chunk_count() == size / k_blob_chunk + 1); // the final chunk is always there
    for (std::size_t split = 0; split <= chunks->chunk_count(); ++split) {
        auto got = decrypt_split(key, cipher, ad, split);
        REQUIRE(got);
        CHECK(*got == plain);
    }
    SECTION("another key or other associated data fails") {
        CHECK_FALSE(decrypt_split(Secret::random(32), cipher, ad, chunks->chunk_count() / 2));
        CHECK_FALSE(decrypt_split(key, cipher, ad + "x", chunks->chunk_count() / 2));
    }
}

TEST_CASE("ranges refuse every damaged byte, a cut, and chunks taken from elsewhere", "[blob]") {
    const Secret key = Secret::random(32);
    const std::string ad = "doc:doc_y:v2:k1";
    const Bytes plain = pattern(5 * k_blob_chunk + 4321);
    const Bytes cipher = encrypt(key, plain, ad);
    const std::size_t n = BlobChunks::parse(cipher.data(), cipher.size())->chunk_count();
    // A byte in every region of every chunk (tag byte, message, each MAC byte), with the split before,
    // after and at the damaged chunk: the damage always fails one of the two ranges. Damage to a MAC before
    // the split fails its own range, and the second range, which starts from that MAC, too.
    const std::size_t head = 4 + 24;
    const std::size_t stride = k_blob_chunk + 17;
    for (std::size_t j = 0; j < n; ++j) {
        const std::size_t start = head + j * stride;
        const std::size_t end = std::min(cipher.size(), start + stride);
        for (std::size_t at : {start, start + 1, (start + end) / 2, end - 16, end - 9, end - 1}) {
            for (std::size_t split : {std::size_t{0}, j, j + 1, n}) {
                Bytes bad = cipher;
                bad[at] ^= 0x01;
                CHECK_FALSE(decrypt_split(key, bad, ad, std::min(split, n)));
            }
        }
    }
    SECTION("cut inside the last chunk, or at a chunk boundary") {
        Bytes cut(cipher.begin(), cipher.end() - 5);
        CHECK_FALSE(decrypt_split(key, cut, ad, 2));
        Bytes at_boundary(cipher.begin(), cipher.begin() + static_cast<std::ptrdiff_t>(head + 3 * stride));
        CHECK_FALSE(decrypt_split(key, at_boundary, ad, 1));
    }
    SECTION("two chunks swapped, or one chunk repeated") {
        Bytes swapped = cipher;
        std::swap_ranges(swapped.begin() + static_cast<std::ptrdiff_t>(head + stride),
                         swapped.begin() + static_cast<std::ptrdiff_t>(head + 2 * stride),
                         swapped.begin() + static_cast<std::ptrdiff_t>(head + 2 * stride));
        for (std::size_t split = 0; split <= n; ++split) {
            CHECK_FALSE(decrypt_split(key, swapped, ad, split));
        }
        Bytes repeated = cipher;
        std::copy(cipher.begin() + static_cast<std::ptrdiff_t>(head + stride),
                  cipher.begin() + static_cast<std::ptrdiff_t>(head + 2 * stride),
                  repeated.begin() + static_cast<std::ptrdiff_t>(head + 2 * stride));
        for (std::size_t split = 0; split <= n; ++split) {
            CHECK_FALSE(decrypt_split(key, repeated, ad, split));
        }
    }
    SECTION("the last chunk of another blob under the same key") {
        const Bytes other = encrypt(key, pattern(5 * k_blob_chunk + 4321), ad);
        Bytes mixed = cipher;
        std::copy(other.end() - static_cast<std::ptrdiff_t>(4321 + 17), other.end(),
                  mixed.end() - static_cast<std::ptrdiff_t>(4321 + 17));
        CHECK_FALSE(decrypt_split(key, mixed, ad, n - 1));
    }
    SECTION("not a blob at all") {
        CHECK_FALSE(BlobChunks::parse(cipher.data(), 10));
        Bytes wrong_magic = cipher;
        wrong_magic[0] = 'X';
        CHECK_FALSE(BlobChunks::parse(wrong_magic.data(), wrong_magic.size()));
    }
}
