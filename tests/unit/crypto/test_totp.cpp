#include "crypto/totp.h"

#include <catch2/catch.hpp>

using namespace kinvault;
using namespace kinvault::crypto;

// RFC 6238 Appendix B: seeds are the ASCII strings below, 8 digits, 30-second steps.
TEST_CASE("TOTP codes match the RFC 6238 appendix B test vectors", "[totp]") {
    const Bytes seed20 = to_bytes("12345678901234567890");
    const Bytes seed32 = to_bytes("12345678901234567890123456789012");
    const Bytes seed64 = to_bytes("1234567890123456789012345678901234567890123456789012345678901234");
    struct Row {
        UnixTime t;
        const char* sha1;
        const char* sha256;
        const char* sha512;
    };
    const Row rows[] = {
        {59, "94287082", "46119246", "90693936"},         {1111111109, "07081804", "68084774", "25091201"},
        {1111111111, "14050471", "67062674", "99943326"}, {1234567890, "89005924", "91819424", "93441116"},
        {2000000000, "69279037", "90698825", "38618901"}, {20000000000, "65353130", "77737706", "47863826"},
    };
    for (const Row& r : rows) {
        CHECK(totp_code(seed20, r.t, {TotpHash::sha1, 8, 30}) == r.sha1);
        CHECK(totp_code(seed32, r.t, {TotpHash::sha256, 8, 30}) == r.sha256);
        CHECK(totp_code(seed64, r.t, {TotpHash::sha512, 8, 30}) == r.sha512);
    }
}

TEST_CASE("a TOTP code is accepted within one step and only once", "[totp]") {
    const Bytes seed = to_bytes("12345678901234567890");
    const UnixTime now = 1111111111;
    const std::string code = totp_code(seed, now);

    SECTION("the current code is accepted") {
        CHECK(totp_verify(seed, code, now, -1).has_value());
    }
    SECTION("the previous step's code is still accepted") {
        CHECK(totp_verify(seed, totp_code(seed, now - 30), now, -1).has_value());
    }
    SECTION("a code two steps old is refused") {
        CHECK_FALSE(totp_verify(seed, totp_code(seed, now - 60), now, -1).has_value());
    }
    SECTION("a code cannot be replayed once its step is used") {
        const auto step = totp_verify(seed, code, now, -1);
        REQUIRE(step);
        CHECK_FALSE(totp_verify(seed, code, now, *step).has_value());
    }
    SECTION("a wrong code or wrong length is refused") {
        CHECK_FALSE(totp_verify(seed, "000000", now, -1).has_value());
        CHECK_FALSE(totp_verify(seed, code + "1", now, -1).has_value());
    }
}

TEST_CASE("base32 matches the RFC 4648 section 10 vectors", "[totp]") {
    CHECK(base32_encode(to_bytes("foobar")) == "MZXW6YTBOI");
    CHECK(base32_encode(to_bytes("f")) == "MY");
    CHECK(*base32_decode("MZXW6YTBOI======") == to_bytes("foobar"));
    CHECK_FALSE(base32_decode("MZ1W").has_value());
}
