#include "crypto/aead.h"

#include <catch2/catch.hpp>

using namespace kinvault;
using namespace kinvault::crypto;

TEST_CASE("a sealed value opens only with the same key and the same binding", "[aead]") {
    const Secret key = Secret::random(32);
    const Bytes msg = to_bytes("Reunification agreement, Smith family");
    const Bytes sealed = aead_seal(key, msg.data(), msg.size(), "field:doc_a:title");

    SECTION("round trip") {
        auto opened = aead_open(key, sealed, "field:doc_a:title");
        REQUIRE(opened);
        CHECK(opened->view() == "Reunification agreement, Smith family");
    }
    SECTION("a value moved to another row does not open") {
        auto opened = aead_open(key, sealed, "field:doc_b:title");
        REQUIRE_FALSE(opened);
        CHECK(opened.error().code == Errc::integrity);
    }
    SECTION("every flipped bit is detected") {
        for (std::size_t i = 0; i < sealed.size(); ++i) {
            Bytes bad = sealed;
            bad[i] ^= 0x01;
            CHECK_FALSE(aead_open(key, bad, "field:doc_a:title"));
        }
    }
    SECTION("another key does not open it") {
        CHECK_FALSE(aead_open(Secret::random(32), sealed, "field:doc_a:title"));
    }
    SECTION("a truncated value is refused") {
        CHECK_FALSE(aead_open(key, sealed.data(), 10, "field:doc_a:title"));
    }
    SECTION("the ciphertext does not contain the plaintext") {
        const std::string s(sealed.begin(), sealed.end());
        CHECK(s.find("Smith") == std::string::npos);
    }
}
