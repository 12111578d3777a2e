#include "json/poco.h"
#include "json/value.h"
#include "json/writer.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>

#include <limits>

using namespace kinvault;

TEST_CASE("the writer writes one canonical form", "[json][writer]") {
    SECTION("keys stay in the order written, with no whitespace anywhere") {
        json::Writer w;
        w.begin_object()
            .key("b")
            .integer(1)
            .key("a")
            .begin_array()
            .string("x")
            .boolean(true)
            .null()
            .end_array();
        w.key("c").begin_object().end_object().end_object();
        CHECK(w.str() == R"({"b":1,"a":["x",true,null],"c":{}})");
    }
    SECTION("quotes, backslashes and control characters are escaped; other text goes as is") {
        CHECK(json::quote("a\"b\\c\n\r\t\x01/\xC3\xA9") == "\"a\\\"b\\\\c\\n\\r\\t\\u0001/\xC3\xA9\"");
    }
    SECTION("bytes that are not UTF-8 become U+FFFD, so the output is always valid") {
        CHECK(json::quote("a\xFF"
                          "b") == "\"a\xEF\xBF\xBD"
                                  "b\"");
        CHECK(json::quote("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
    }
    SECTION("doubles in their shortest exact form; NaN as null") {
        json::Writer w;
        w.begin_array().number(0.1).number(72).number(std::numeric_limits<double>::quiet_NaN()).end_array();
        CHECK(w.str() == "[0.1,72,null]");
    }
    SECTION("the flat object writer gives audit entries their fixed field order") {
        CHECK(json::ObjectWriter().field("z", "1").field("a", std::int64_t{2}).raw("m", "[]").str() ==
              R"({"z":"1","a":2,"m":[]})");
    }
    SECTION("a Poco object is written through the same writer") {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("name", "Ana\n");
        o->set("n", 3);
        Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
        a->add(true);
        o->set("list", a);
        CHECK(json::write_poco(o) == R"({"list":[true],"n":3,"name":"Ana\n"})");
    }
}

TEST_CASE("what the writer writes, the reader reads back unchanged", "[json][writer]") {
    const std::string text = "caf\xC3\xA9 \"quoted\" \\ \x1F \U0001F600";
    json::Writer w;
    w.begin_object().key(text).string(text).key("n").number(-1.5e-7).end_object();
    const auto parsed = json::parse(w.str());
    REQUIRE(parsed.value.has_value());
    REQUIRE(parsed.value->members().size() == 2);
    CHECK(parsed.value->members()[0].first == text);
    CHECK(parsed.value->members()[0].second.text() == text);
    CHECK(parsed.value->find("n")->as_double() == -1.5e-7);
}
