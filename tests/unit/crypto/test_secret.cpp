#include "crypto/secret.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <unistd.h>

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

TEST_CASE("small secrets end on a guard page, whatever their size", "[secret]") {
    // A write one byte past a secret must fault, so the secret has to end exactly where its block's guard
    // page begins, for reused blocks as much as fresh ones.
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    for (int round = 0; round < 2; ++round) {
        for (std::size_t size : {1U, 16U, 24U, 32U, 63U, 64U, 65U, 200U}) {
            const Secret s = Secret::random(size);
            REQUIRE(s.size() == size);
            CHECK(reinterpret_cast<std::uintptr_t>(s.data() + s.size()) % page == 0);
        }
    }
}

TEST_CASE("a small secret's block is wiped when it is released and then reused", "[secret]") {
    { const Secret warm = Secret::random(32); } // make sure one block is idle
    const std::size_t idle_before = Secret::idle_small_blocks();
    REQUIRE(idle_before >= 1);
    const std::uint8_t* where = nullptr;
    {
        Secret key = Secret::random(32);
        std::memset(key.data(), 0xA5, key.size());
        where = key.data();
        CHECK(Secret::idle_small_blocks() == idle_before - 1); // reused, not newly mapped
    }
    CHECK(Secret::idle_small_blocks() == idle_before);
    // The block is still mapped (kept for reuse), so its old bytes can be inspected: all wiped.
    const std::uint8_t* block_start = where + 32 - 64;
    for (std::size_t i = 0; i < 64; ++i) {
        CHECK(block_start[i] == 0);
    }
    // A new secret of another small size starts zeroed in a reused block.
    const Secret fresh(17);
    for (std::size_t i = 0; i < fresh.size(); ++i) {
        CHECK(fresh.data()[i] == 0);
    }
}
