#include "common/result.h"

#include <catch2/catch.hpp>

#include <memory>

using namespace kinvault;

namespace {
Result<int> half(int n) {
    if (n % 2 != 0) {
        return make_error(Errc::invalid_input, "odd");
    }
    return n / 2;
}
Result<int> quarter(int n) {
    auto h = half(n);
    if (!h) {
        return std::move(h).error();
    }
    return half(*h);
}
Status check(int n) {
    KV_TRY(half(n));
    return {};
}
} // namespace

TEST_CASE("results carry either a value or an error and propagate errors", "[result]") {
    CHECK(*quarter(8) == 2);
    CHECK_FALSE(quarter(6));
    CHECK(quarter(6).error().code == Errc::invalid_input);
    CHECK(check(4));
    CHECK_FALSE(check(3));
    Result<std::unique_ptr<int>> moved = std::make_unique<int>(7);
    CHECK(**moved == 7);
    CHECK(std::string(errc_name(Errc::payload_too_large)) == "payload_too_large");
}

namespace {
kinvault::Result<std::string> name_of(int id) {
    if (id < 0) {
        return kinvault::Error{kinvault::Errc::not_found, "no such name"};
    }
    return std::string(static_cast<std::size_t>(id), 'x');
}

kinvault::Result<std::size_t> doubled_length(int id) {
    auto name = KV_TRY_VALUE(name_of(id));
    return name.size() * 2;
}
} // namespace

TEST_CASE("KV_TRY_VALUE yields the value or returns the error", "[result]") {
    SECTION("a value comes out of the expression") {
        auto r = doubled_length(3);
        REQUIRE(r.ok());
        REQUIRE(r.value() == 6);
    }
    SECTION("an error leaves the function unchanged") {
        auto r = doubled_length(-1);
        REQUIRE_FALSE(r.ok());
        REQUIRE(r.error().code == kinvault::Errc::not_found);
        REQUIRE(r.error().message == "no such name");
    }
}
