#include "common/utf8.h"

#include <catch2/catch.hpp>

#include <string>

using namespace kinvault;

TEST_CASE("the UTF-8 decoder accepts exactly RFC 3629", "[utf8]") {
    SECTION("ASCII, two-, three- and four-byte sequences decode to their code points") {
        const auto decoded = utf8::decode("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
        REQUIRE(decoded.has_value());
        CHECK(*decoded == std::u32string{U'a', U'\u00E9', U'\u20AC', U'\U0001F600'});
    }
    SECTION("overlong forms are refused, the slash and NUL alike") {
        CHECK_FALSE(utf8::valid("\xC0\xAF"));
        CHECK_FALSE(utf8::valid("\xE0\x80\xAF"));
        CHECK_FALSE(utf8::valid("\xF0\x80\x80\xAF"));
        CHECK_FALSE(utf8::valid("\xC0\x80"));
    }
    SECTION("encoded surrogates are refused") {
        CHECK_FALSE(utf8::valid("\xED\xA0\x80"));
        CHECK_FALSE(utf8::valid("\xED\xBF\xBF"));
    }
    SECTION("code points past U+10FFFF and bytes F5-FF are refused") {
        CHECK_FALSE(utf8::valid("\xF4\x90\x80\x80"));
        CHECK_FALSE(utf8::valid("\xF8\x88\x80\x80\x80"));
        CHECK_FALSE(utf8::valid("\xFF"));
    }
    SECTION("a truncated sequence or a lone continuation byte is refused") {
        CHECK_FALSE(utf8::valid("\xE2\x82"));
        CHECK_FALSE(utf8::valid("\x80"));
        CHECK_FALSE(utf8::valid("\xC3("));
    }
    SECTION("text for records is valid UTF-8 without NUL") {
        CHECK(utf8::valid(std::string("a\0b", 3)));
        CHECK_FALSE(utf8::valid_text(std::string("a\0b", 3)));
    }
}

TEST_CASE("encoding and cutting keep text valid", "[utf8]") {
    SECTION("every code point round-trips") {
        for (const char32_t cp :
             {U'\0', U'\x7F', U'\x80', U'\u07FF', U'\u0800', U'\uFFFF', U'\U00010000', U'\U0010FFFF'}) {
            std::string text;
            utf8::append(text, cp);
            const auto back = utf8::decode(text);
            REQUIRE(back.has_value());
            CHECK(*back == std::u32string(1, cp));
        }
    }
    SECTION("a surrogate code point is written as U+FFFD") {
        std::string text;
        utf8::append(text, 0xD800);
        CHECK(text == "\xEF\xBF\xBD");
    }
    SECTION("a prefix never splits a sequence") {
        CHECK(utf8::prefix("ab\xE2\x82\xAC", 3) == "ab");
        CHECK(utf8::prefix("ab\xE2\x82\xAC", 5) == "ab\xE2\x82\xAC");
        CHECK(utf8::prefix("abc", 10) == "abc");
    }
}
