#include "crypto/secret.h"

#include <catch2/catch.hpp>

using namespace kinvault::crypto;

TEST_CASE("secrets compare by content and move without copying", "[secret]") {
    const Secret a = Secret::from_view("correct horse battery staple");
    const Secret b = Secret::from_view("correct horse battery staple");
    const Secret c = Secret::from_view("correct horse battery stapler");
    CHECK(a.equals(b));
    CHECK_FALSE(a.equals(c));
    Secret moved = Secret::from_view("x");
    Secret target = std::move(moved);
    CHECK(moved.empty()); // NOLINT(bugprone-use-after-move): checking the moved-from state on purpose
    CHECK(target.view() == "x");
    CHECK(Secret::random(32).size() == 32);
    CHECK_FALSE(Secret::random(32).equals(Secret::random(32)));
}
