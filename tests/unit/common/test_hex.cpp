#include "common/hex.h"

#include <catch2/catch.hpp>

using namespace kinvault;

// RFC 4648 section 10 test vectors.
TEST_CASE("base64 and base64url match the RFC 4648 test vectors", "[hex]") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        CHECK(to_base64(to_bytes(plain)) == encoded);
        const auto back = from_base64(encoded);
        REQUIRE(back);
        CHECK(to_string(*back) == plain);
    }
    CHECK(to_base64url(reinterpret_cast<const std::uint8_t*>("\xfb\xff"), 2) == "-_8");
}

TEST_CASE("malformed base64 and hex are refused", "[hex]") {
    CHECK_FALSE(from_base64("Zm9v!"));
    CHECK_FALSE(from_base64("Zm9"));  // not a multiple of four
    CHECK_FALSE(from_base64("Zh==")); // non-zero leftover bits
    CHECK_FALSE(from_base64("Z==="));
    CHECK_FALSE(from_hex("abc"));
    CHECK_FALSE(from_hex("zz"));
    CHECK(from_hex("00fF") == Bytes{0x00, 0xff});
    CHECK(to_hex(Bytes{0xde, 0xad}) == "dead");
}
