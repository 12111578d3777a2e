#include "crypto/blob_mac.h"

#include <catch2/catch.hpp>
#include <sodium.h>

using namespace kinvault;
using namespace kinvault::crypto;

namespace {

Bytes pattern(std::size_t n, std::uint8_t salt = 0) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) {
        b[i] = static_cast<std::uint8_t>((i * 167) ^ (i >> 9) ^ salt);
    }
    return b;
}

BlobTag tag_of(const Secret& key, const Bytes& data, std::size_t slice = 4096) {
    BlobMac mac(key);
    for (std::size_t i = 0; i < data.size(); i += slice) {
        mac.update(data.data() + i, std::min(slice, data.size() - i));
    }
    CHECK(mac.size() == data.size());
    return mac.finish();
}

} // namespace

TEST_CASE("the ciphertext tag is standard Poly1305 under a key derived from the data key", "[blob-mac]") {
    // Recomputed here with libsodium alone (KDF + crypto_onetimeauth): the tag does not depend on which
    // library computed it, so a tag recorded today verifies with any conforming implementation.
    const Secret key = Secret::random(32);
    const Bytes data = pattern(300'000);
    std::uint8_t sub[crypto_onetimeauth_KEYBYTES];
    REQUIRE(crypto_kdf_derive_from_key(sub, sizeof sub, 1, "KVBLBMAC", key.data()) == 0);
    std::uint8_t expected[crypto_onetimeauth_BYTES];
    crypto_onetimeauth(expected, data.data(), data.size(), sub);
    const BlobTag tag = tag_of(key, data);
    CHECK(std::equal(tag.begin(), tag.end(), expected));
    CHECK(blob_tag_equal(tag, Bytes(expected, expected + sizeof expected)));
}

TEST_CASE("any change to the tagged bytes or the key changes the tag", "[blob-mac]") {
    const Secret key = Secret::random(32);
    const Bytes data = pattern(200'000);
    const BlobTag tag = tag_of(key, data);
    const Bytes recorded(tag.begin(), tag.end());

    // Slicing does not matter.
    CHECK(blob_tag_equal(tag_of(key, data, 1), recorded));
    CHECK(blob_tag_equal(tag_of(key, data, 65'553), recorded));
    CHECK(blob_tag_equal(tag_of(key, data, data.size()), recorded));

    SECTION("a flipped bit") {
        for (const std::size_t at : {std::size_t{0}, std::size_t{65'535}, data.size() - 1}) {
            Bytes changed = data;
            changed[at] ^= 0x01;
            CHECK_FALSE(blob_tag_equal(tag_of(key, changed), recorded));
        }
    }
    SECTION("truncated or extended") {
        CHECK_FALSE(blob_tag_equal(tag_of(key, Bytes(data.begin(), data.end() - 1)), recorded));
        Bytes longer = data;
        longer.push_back(0);
        CHECK_FALSE(blob_tag_equal(tag_of(key, longer), recorded));
    }
    SECTION("two slices swapped") {
        Bytes swapped(data.begin() + 100'000, data.end());
        swapped.insert(swapped.end(), data.begin(), data.begin() + 100'000);
        CHECK_FALSE(blob_tag_equal(tag_of(key, swapped), recorded));
    }
    SECTION("another data key") {
        CHECK_FALSE(blob_tag_equal(tag_of(Secret::random(32), data), recorded));
    }
    SECTION("a recorded tag of the wrong size or missing") {
        CHECK_FALSE(blob_tag_equal(tag, Bytes(recorded.begin(), recorded.end() - 1)));
        CHECK_FALSE(blob_tag_equal(tag, Bytes{}));
    }
}

TEST_CASE("a blob MAC refuses a wrong key size and double use", "[blob-mac]") {
    CHECK_THROWS_AS(BlobMac(Secret::random(16)), std::invalid_argument);
    BlobMac mac(Secret::random(32));
    (void)mac.finish();
    CHECK_THROWS_AS(mac.finish(), std::logic_error);
    CHECK_THROWS_AS(mac.update(nullptr, 0), std::logic_error);
}
