#include "crypto/password.h"

#include <catch2/catch.hpp>

using namespace kinvault;
using namespace kinvault::crypto;

TEST_CASE("passwords are hashed with Argon2id and verified", "[password]") {
    const Secret pw = Secret::from_view("a long and careful passphrase");
    auto hash = hash_password(pw);
    REQUIRE(hash);
    CHECK(hash->rfind("$argon2id$", 0) == 0);
    CHECK(hash->find("careful") == std::string::npos);
    CHECK(verify_password(*hash, pw) == PasswordCheck::match);
    CHECK(verify_password(*hash, Secret::from_view("a long and careful passphrasE")) ==
          PasswordCheck::mismatch);
    CHECK(verify_password("garbage", pw) == PasswordCheck::mismatch);
}

TEST_CASE("the password policy counts characters, not bytes", "[password]") {
    CHECK_FALSE(check_password_policy(Secret::from_view("short")));
    CHECK(check_password_policy(Secret::from_view("ten chars!")));
    // Nine characters of two bytes each: 18 bytes but still too short.
    CHECK_FALSE(check_password_policy(Secret::from_view("ééééééééé")));
}
