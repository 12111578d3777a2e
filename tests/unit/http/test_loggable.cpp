// What the server log keeps of text a caller sent: bounded, on one line, and never a forged second entry.
#include "http/exchange.h"

#include <catch2/catch.hpp>

#include <string>

using kinvault::http::k_log_value_bytes;
using kinvault::http::loggable;

TEST_CASE("caller text reaches the log bounded and on one line", "[http][log]") {
    SECTION("a short value is kept whole, quoted") {
        CHECK(loggable("no such case") == "\"no such case\"");
    }
    SECTION("a megabyte of caller text is cut to the cap and says how long it was") {
        const std::string huge(1 << 20, 'A');
        const std::string logged = loggable(huge);
        CHECK(logged.size() < k_log_value_bytes + 40);
        CHECK(logged.find("...(1048576 bytes)") != std::string::npos);
    }
    SECTION("a newline cannot start a forged log entry") {
        const std::string logged = loggable("x\n2026-12-07 INFO login ok for admin\r");
        CHECK(logged.find('\n') == std::string::npos);
        CHECK(logged.find('\r') == std::string::npos);
    }
    SECTION("the cut never splits a UTF-8 character") {
        std::string text;
        for (int i = 0; i < 200; ++i) {
            text += "\xC3\xA9"; // é, two bytes
        }
        const std::string logged = loggable(text);
        const auto cut = logged.substr(1, logged.find("\"...") - 1);
        CHECK(cut.size() % 2 == 0);
    }
}
