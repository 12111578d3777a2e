#include "json/reader.h"
#include "json/value.h"

#include <catch2/catch.hpp>

#include <string>

using namespace kinvault;
using json::Value;

namespace {

json::Parsed parse(const std::string& text, std::size_t depth = 32) {
    return json::parse(text, json::Limits{depth});
}

// The one failure of a document the parser refuses.
json::Problem refusal(const std::string& text) {
    const auto parsed = parse(text);
    REQUIRE_FALSE(parsed.value.has_value());
    return parsed.failure;
}

bool names(const json::Problems& problems, const std::string& path, const std::string& words) {
    for (const auto& p : problems.list()) {
        if (p.path == path && p.problem.find(words) != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("the parser accepts exactly one RFC 8259 value", "[json][parse]") {
    SECTION("objects, arrays, strings, numbers, booleans and null") {
        const auto parsed = parse(R"( {"a":[1,-2.5e3,true,false,null],"b":{"c":"d\u00e9\ud83d\ude00"}} )");
        REQUIRE(parsed.value.has_value());
        const Value& a = *parsed.value->find("a");
        CHECK(a.items().at(0).as_int64() == 1);
        CHECK(a.items().at(1).as_double() == -2500.0);
        CHECK(a.items().at(4).is_null());
        CHECK(parsed.value->find("b")->find("c")->text() == "d\xC3\xA9\xF0\x9F\x98\x80");
    }
    SECTION("keys keep the order they were written in") {
        const auto parsed = parse(R"({"z":1,"a":2})");
        REQUIRE(parsed.value.has_value());
        CHECK(parsed.value->members().at(0).first == "z");
    }
    SECTION("text after the value, comments, NaN, leading zeros and trailing commas are refused") {
        CHECK(refusal(R"({} [])").problem.find("unexpected text") != std::string::npos);
        refusal("{} // note");
        refusal("NaN");
        refusal("01");
        refusal("[1,]");
        refusal(R"({"a":1,})");
        refusal("\xEF\xBB\xBF{}");
        refusal("");
    }
    SECTION("a number beyond a double's range is refused") {
        CHECK(refusal("1e999").problem.find("out of range") != std::string::npos);
    }
}

TEST_CASE("the parser refuses what could smuggle or exhaust", "[json][parse]") {
    SECTION("a key given twice is named by its path") {
        const auto p = refusal(R"({"signers":[{"slot":"a","slot":"b"}]})");
        CHECK(p.path == "signers[0].slot");
        CHECK(p.problem.find("appears twice") != std::string::npos);
    }
    SECTION("nesting past the limit is refused at the level that crosses it") {
        CHECK(parse(std::string(32, '[') + std::string(32, ']')).value.has_value());
        const auto deep = parse(std::string(33, '[') + std::string(33, ']'));
        REQUIRE_FALSE(deep.value.has_value());
        CHECK(deep.failure.problem.find("nested deeper than 32") != std::string::npos);
        CHECK_FALSE(parse(R"({"a":{"b":{}}})", 2).value.has_value());
    }
    SECTION("strings that are not UTF-8 are refused, overlong and surrogate forms included") {
        CHECK(refusal("{\"name\":\"\xC0\xAF\"}").problem.find("UTF-8") != std::string::npos);
        CHECK(refusal("{\"name\":\"\xED\xA0\x80\"}").path == "name");
        refusal("[\"\xF4\x90\x80\x80\"]");
        refusal("[\"\xFF\"]");
    }
    SECTION("a lone surrogate escape is refused") {
        CHECK(refusal(R"(["\ud800"])").problem.find("surrogate") != std::string::npos);
        refusal(R"(["\udc00"])");
        refusal(R"(["\ud800\u0041"])");
    }
    SECTION("NUL is refused, escaped or raw, and so are raw control characters") {
        CHECK(refusal(R"(["a\u0000b"])").problem.find("NUL") != std::string::npos);
        refusal(std::string("[\"a\0b\"]", 7));
        refusal("[\"a\nb\"]");
    }
}

TEST_CASE("an object reader names every wrong field by its path", "[json][reader]") {
    const auto parsed = parse(
        R"({"name":7,"accept":null,"mode":"sideways","signers":[{"slot":"a"},{"slot":"b","capacity":3}],"extra":1})");
    REQUIRE(parsed.value.has_value());
    json::Problems problems;
    json::Object body(*parsed.value, problems);
    (void)body.required_string("name");
    (void)body.required_bool("accept");
    (void)body.optional_enum("mode", {"open", "closed"});
    (void)body.required_string("title");
    auto signers = body.required_array("signers");
    for (std::size_t i = 0; i < signers.size(); ++i) {
        auto s = signers.object(i);
        (void)s.required_string("slot");
        (void)s.optional_string("capacity");
    }
    CHECK_FALSE(body.ok());

    SECTION("a wrong type") {
        CHECK(names(problems, "name", "expected a string, got a number"));
    }
    SECTION("null where a value is required") {
        CHECK(names(problems, "accept", "expected true or false, got null"));
    }
    SECTION("a name outside the enumeration") {
        CHECK(names(problems, "mode", "expected one of open, closed"));
    }
    SECTION("a missing key") {
        CHECK(names(problems, "title", "missing"));
    }
    SECTION("a wrong type inside a list") {
        CHECK(names(problems, "signers[1].capacity", "expected a string"));
    }
    SECTION("a key nobody reads") {
        CHECK(names(problems, "extra", "unknown key"));
    }
    SECTION("all of them, not just the first") {
        CHECK(problems.list().size() == 6);
        CHECK(problems.summary().find("signers[1].capacity: expected a string") != std::string::npos);
    }
}

TEST_CASE("optional keys, integers and open maps", "[json][reader]") {
    SECTION("an optional key that is absent or null is not given") {
        const auto parsed = parse(R"({"a":null})");
        json::Problems problems;
        json::Object o(*parsed.value, problems);
        CHECK_FALSE(o.optional_string("a").has_value());
        CHECK_FALSE(o.optional_bool("b").has_value());
        CHECK(o.string_or("c", "fallback") == "fallback");
        CHECK(o.ok());
    }
    SECTION("integers are written as integers and within range") {
        const auto parsed = parse(R"({"a":1.5,"b":-1,"c":3})");
        json::Problems problems;
        json::Object o(*parsed.value, problems);
        (void)o.required_integer("a");
        (void)o.required_integer("b", 0, 10);
        CHECK(o.required_integer("c", 0, 10) == 3);
        CHECK_FALSE(o.ok());
        CHECK(names(problems, "a", "expected an integer"));
        CHECK(names(problems, "b", "integer out of range (0 to 10)"));
    }
    SECTION("an object opened for any keys reads its members as text and refuses other kinds") {
        const auto parsed = parse(R"({"values":{"x":"1","y":2}})");
        json::Problems problems;
        json::Object o(*parsed.value, problems);
        const auto map = o.required_object("values", json::Keys::any).string_members();
        CHECK(map.at("x") == "1");
        CHECK_FALSE(o.ok());
        CHECK(names(problems, "values.y", "expected a string, got a number"));
    }
    SECTION("a document that is not an object is named at the root") {
        const auto parsed = parse("[1]");
        json::Problems problems;
        json::Object o(*parsed.value, problems);
        (void)o.required_string("a");
        CHECK_FALSE(o.ok());
        REQUIRE(problems.list().size() == 1);
        CHECK(problems.list()[0].path.empty());
        CHECK(problems.list()[0].problem == "expected an object, got a list");
    }
}

TEST_CASE("a request body leaves an absent required key to the route, but still refuses null",
          "[json][reader]") {
    const auto parsed = parse(R"({"accept":null})");
    json::Problems problems;
    json::Object body(*parsed.value, problems);
    body.absence_judged_later();
    CHECK(body.required_string("disclosure_version").empty());
    (void)body.required_bool("accept");
    CHECK_FALSE(body.ok());
    REQUIRE(problems.list().size() == 1);
    CHECK(names(problems, "accept", "got null"));
}
