#include "common/enum_names.h"

#include <catch2/catch.hpp>

using namespace kinvault;

namespace {

enum class Colour { red, dark_green, blue };

constexpr EnumNames<Colour, 2> k_colours{{
    {Colour::red, "red"},
    {Colour::dark_green, "dark-green"},
}};

} // namespace

TEST_CASE("an enum name table looks names up both ways", "[enum_names]") {
    SECTION("a listed value has its name") {
        CHECK(enum_name(k_colours, Colour::dark_green) == "dark-green");
    }
    SECTION("a name gives its value back") {
        CHECK(enum_value(k_colours, "dark-green") == Colour::dark_green);
    }
    SECTION("an unlisted name is no value, compared exactly") {
        CHECK_FALSE(enum_value(k_colours, "Dark-Green"));
        CHECK_FALSE(enum_value(k_colours, "dark_green"));
        CHECK_FALSE(enum_value(k_colours, ""));
    }
    SECTION("a value missing from the table is named unknown") {
        CHECK(enum_name(k_colours, Colour::blue) == "unknown");
    }
    SECTION("lookups work at compile time") {
        static_assert(enum_name(k_colours, Colour::red) == "red");
        static_assert(enum_value(k_colours, "red") == Colour::red);
    }
}
