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
