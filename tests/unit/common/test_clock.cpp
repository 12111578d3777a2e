#include "common/clock.h"

#include <catch2/catch.hpp>

using namespace kinvault;

TEST_CASE("UTC times format and parse as RFC 3339", "[clock]") {
    CHECK(format_utc(0) == "1970-01-01T00:00:00Z");
    CHECK(format_utc(1234567890) == "2009-02-13T23:31:30Z");
    CHECK(format_date(1234567890) == "2009-02-13");
    UnixTime t = 0;
    REQUIRE(parse_utc("2009-02-13T23:31:30Z", t));
    CHECK(t == 1234567890);
    REQUIRE(parse_utc("2024-02-29", t));
    CHECK(format_utc(t) == "2024-02-29T00:00:00Z");
}

TEST_CASE("impossible dates and malformed times are refused", "[clock]") {
    UnixTime t = 0;
    CHECK_FALSE(parse_utc("2023-02-29", t));
    CHECK_FALSE(parse_utc("2023-13-01", t));
    CHECK_FALSE(parse_utc("2023-01-01T25:00:00Z", t));
    CHECK_FALSE(parse_utc("2023-01-01 10:00:00", t));
    CHECK_FALSE(parse_utc("", t));
    CHECK_FALSE(parse_utc("yesterday", t));
}

TEST_CASE("the fake clock moves only when told", "[clock]") {
    FakeClock clock(1000);
    CHECK(clock.now() == 1000);
    clock.advance(60);
    CHECK(clock.now() == 1060);
    clock.set(5);
    CHECK(clock.now() == 5);
}
