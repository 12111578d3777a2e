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
