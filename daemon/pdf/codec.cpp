#include "pdf/codec.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>
#include <set>
#include <utility>

namespace kinvault::pdf::codec {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// Our structures nest at most five levels (request, fields, entry, placement, rect); a little headroom, and
// a hostile reply cannot make the parser recurse deeply.
constexpr std::size_t max_json_depth = 8;
constexpr int max_page_index = 100'000;

constexpr std::array all_field_kinds{FieldKind::signature, FieldKind::initials, FieldKind::date,
                                     FieldKind::text, FieldKind::checkbox};

// ---------------------------------------------------------------------------------------------------------
// Writing

void put_string(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            // RFC 8259 §7: control characters must be escaped; everything else (UTF-8 included) goes as is.
            constexpr std::string_view digits = "0123456789abcdef";
            out += "\\u00";
            out += digits[byte >> 4];
            out += digits[byte & 0x0F];
        } else {
            out += c;
        }
    }
    out += '"';
}

// Shortest form that reads back as the same double (std::to_chars), so coordinates survive exactly.
// NaN and infinities have no JSON form; null makes the decoder refuse them by name.
void put_number(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    std::array<char, 64> buffer{};
    const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), error == std::errc{} ? end : buffer.data());
}

template <typename Int>
void put_integer(std::string& out, Int value) {
    out += std::to_string(value);
}

void put_key(std::string& out, std::string_view key) {
    if (out.back() != '{') {
        out += ',';
    }
    put_string(out, key);
    out += ':';
}

void put_rect(std::string& out, const Rect& rect) {
    out += '{';
    put_key(out, "x");
    put_number(out, rect.x);
    put_key(out, "y");
    put_number(out, rect.y);
    put_key(out, "width");
    put_number(out, rect.width);
    put_key(out, "height");
    put_number(out, rect.height);
    out += '}';
}

void put_placement(std::string& out, const FieldPlacement& placement) {
    out += '{';
    put_key(out, "name");
    put_string(out, placement.name);
    put_key(out, "kind");
    put_string(out, field_kind_name(placement.kind));
    put_key(out, "signer");
    put_string(out, placement.signer);
    put_key(out, "page");
    put_integer(out, placement.page);
    put_key(out, "rect");
    put_rect(out, placement.rect);
    out += '}';
}

void put_string_map(std::string& out, const std::map<std::string, std::string>& map) {
    out += '{';
    for (const auto& [key, value] : map) {
        put_key(out, key);
        put_string(out, value);
    }
    out += '}';
}

// ---------------------------------------------------------------------------------------------------------
// Reading

// Thrown only inside this file and caught by decode(): every accessor below can fail, and a decode stops at
// the first failure with the path of the value that caused it.
struct DecodeFailure {
    std::string path;
    std::string problem;
};

struct DuplicateKey {
    std::string key;
};

// Poco's handler keeps the last of two equal keys; a duplicate could smuggle a second value past a reader
// that looked at the first, so it is refused instead.
class StrictHandler : public Poco::JSON::ParseHandler {
public:
    void reset() override {
        m_open.clear();
        ParseHandler::reset();
    }
    void startObject() override {
        m_open.emplace_back();
        ParseHandler::startObject();
    }
    void endObject() override {
        if (!m_open.empty()) {
            m_open.pop_back();
        }
        ParseHandler::endObject();
    }
    void key(const std::string& k) override {
        if (!m_open.empty() && !m_open.back().insert(k).second) {
            throw DuplicateKey{k};
        }
        ParseHandler::key(k);
    }

private:
    std::vector<std::set<std::string>> m_open;
};

// RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF. NUL is refused as well: no value
// we carry may contain it, and C APIs downstream would cut the text short.
bool valid_text(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead == 0) {
            return false;
        }
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        char32_t code = 0;
        char32_t minimum = 0;
        if ((lead & 0xE0) == 0xC0) {
            length = 2;
            code = lead & 0x1F;
            minimum = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            code = lead & 0x0F;
            minimum = 0x800;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            code = lead & 0x07;
            minimum = 0x10000;
        } else {
            return false;
        }
        if (i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            code = (code << 6) | (next & 0x3F);
        }
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

std::string child(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string element(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

[[noreturn]] void fail(const std::string& path, std::string problem) {
    throw DecodeFailure{path.empty() ? std::string("value") : path, std::move(problem)};
}

Object::Ptr as_object(const Var& value, const std::string& path) {
    if (value.type() != typeid(Object::Ptr)) {
        fail(path, "expected an object");
    }
    auto object = value.extract<Object::Ptr>();
    if (object.isNull()) {
        fail(path, "expected an object");
    }
    return object;
}

Array::Ptr as_array(const Var& value, const std::string& path) {
    if (value.type() != typeid(Array::Ptr)) {
        fail(path, "expected an array");
    }
    auto array = value.extract<Array::Ptr>();
    if (array.isNull()) {
        fail(path, "expected an array");
    }
    return array;
}

std::string as_string(const Var& value, const std::string& path) {
    if (!value.isString()) {
        fail(path, "expected a string");
    }
    std::string text = value.extract<std::string>();
    if (!valid_text(text)) {
        fail(path, "not valid UTF-8 text");
    }
    return text;
}

bool as_bool(const Var& value, const std::string& path) {
    if (!value.isBoolean()) {
        fail(path, "expected true or false");
    }
    return value.extract<bool>();
}

double as_number(const Var& value, const std::string& path) {
    if (value.isEmpty() || !value.isNumeric() || value.isBoolean()) {
        fail(path, "expected a number");
    }
    double number = 0;
    try {
        number = value.convert<double>();
    } catch (const Poco::Exception&) {
        fail(path, "expected a number");
    }
    if (!std::isfinite(number)) {
        fail(path, "expected a finite number");
    }
    return number;
}

// Integers must be written as integers ("3", not "3.0"), within [minimum, maximum].
std::int64_t as_integer(const Var& value, const std::string& path, std::int64_t minimum,
                        std::int64_t maximum) {
    if (value.isEmpty() || !value.isInteger() || value.isBoolean()) {
        fail(path, "expected an integer");
    }
    std::int64_t number = 0;
    try {
        if (!value.isSigned()) {
            const auto unsigned_value = value.convert<Poco::UInt64>();
            if (unsigned_value > static_cast<Poco::UInt64>(std::numeric_limits<std::int64_t>::max())) {
                fail(path, "integer out of range");
            }
            number = static_cast<std::int64_t>(unsigned_value);
        } else {
            number = value.convert<Poco::Int64>();
        }
    } catch (const Poco::Exception&) {
        fail(path, "integer out of range");
    }
    if (number < minimum || number > maximum) {
        fail(path,
             "integer out of range (" + std::to_string(minimum) + " to " + std::to_string(maximum) + ")");
    }
    return number;
}

// An object that has exactly these keys: a missing one and an unknown one are both named.
class Fields {
public:
    Fields(const Var& value, std::string path, std::initializer_list<std::string_view> keys)
        : m_object(as_object(value, path)), m_path(std::move(path)) {
        for (const auto key : keys) {
            if (!m_object->has(std::string(key))) {
                fail(child(m_path, key), "missing");
            }
        }
        for (const auto& entry : *m_object) {
            bool known = false;
            for (const auto key : keys) {
                known = known || entry.first == key;
            }
            if (!known) {
                fail(child(m_path, entry.first), "unknown key");
            }
        }
    }

    [[nodiscard]] Var get(std::string_view key) const { return m_object->get(std::string(key)); }
    [[nodiscard]] std::string path(std::string_view key) const { return child(m_path, key); }

    [[nodiscard]] std::string text(std::string_view key) const { return as_string(get(key), path(key)); }
    [[nodiscard]] double number(std::string_view key) const { return as_number(get(key), path(key)); }
    [[nodiscard]] bool boolean(std::string_view key) const { return as_bool(get(key), path(key)); }
    [[nodiscard]] std::int64_t integer(std::string_view key, std::int64_t minimum,
                                       std::int64_t maximum) const {
        return as_integer(get(key), path(key), minimum, maximum);
    }

private:
    Object::Ptr m_object;
    std::string m_path;
};

Rect read_rect(const Var& value, const std::string& path) {
    const Fields f(value, path, {"x", "y", "width", "height"});
    return Rect{f.number("x"), f.number("y"), f.number("width"), f.number("height")};
}

FieldKind read_kind(const Var& value, const std::string& path) {
    const auto kind = parse_field_kind(as_string(value, path));
    if (!kind) {
        fail(path, "unknown field kind");
    }
    return *kind;
}

int read_page(const Fields& f) {
    return static_cast<int>(f.integer("page", 0, max_page_index));
}

FieldPlacement read_placement(const Var& value, const std::string& path) {
    const Fields f(value, path, {"name", "kind", "signer", "page", "rect"});
    return FieldPlacement{f.text("name"), read_kind(f.get("kind"), f.path("kind")), f.text("signer"),
                          read_page(f), read_rect(f.get("rect"), f.path("rect"))};
}

std::map<std::string, std::string> read_string_map(const Var& value, const std::string& path) {
    const Object::Ptr object = as_object(value, path);
    std::map<std::string, std::string> map;
    for (const auto& [key, entry] : *object) {
        if (!valid_text(key)) {
            fail(path, "a key is not valid UTF-8 text");
        }
        map.emplace(key, as_string(entry, child(path, key)));
    }
    return map;
}

template <typename T, typename ReadOne>
std::vector<T> read_list(const Var& value, const std::string& path, ReadOne read_one) {
    const Array::Ptr array = as_array(value, path);
    std::vector<T> list;
    list.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
        list.push_back(read_one(array->get(static_cast<unsigned int>(i)), element(path, i)));
    }
    return list;
}

// Parses `json` (one value, nothing after it) and hands it to `read`; any failure becomes invalid_input
// naming `what` and the path.
template <typename ReadAll>
auto decode(std::string_view json, std::string_view what, ReadAll read_all)
    -> Result<decltype(read_all(Var{}))> {
    const std::string prefix = std::string(what) + ": ";
    try {
        Poco::JSON::Parser parser(new StrictHandler);
        parser.setDepth(max_json_depth);
        parser.setAllowNullByte(false);
        const Var root = parser.parse(std::string(json));
        return read_all(root);
    } catch (const DecodeFailure& failure) {
        return make_error(Errc::invalid_input, prefix + failure.path + ": " + failure.problem);
    } catch (const DuplicateKey& duplicate) {
        return make_error(Errc::invalid_input, prefix + "the key \"" + duplicate.key + "\" appears twice");
    } catch (const Poco::Exception& error) {
        return make_error(Errc::invalid_input, prefix + "not valid JSON (" + error.displayText() + ")");
    } catch (const std::exception& error) {
        return make_error(Errc::invalid_input, prefix + "not valid JSON (" + error.what() + ")");
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------------------

std::string encode_values(const TemplateValues& values) {
    std::string out = "{";
    put_key(out, "fields");
    put_string_map(out, values.fields);
    put_key(out, "lists");
    out += '{';
    for (const auto& [name, items] : values.lists) {
        put_key(out, name);
        out += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i > 0) {
                out += ',';
            }
            put_string_map(out, items[i]);
        }
        out += ']';
    }
    out += "}}";
    return out;
}

Result<TemplateValues> decode_values(std::string_view json) {
    return decode(json, "template values", [](const Var& root) {
        const Fields f(root, "", {"fields", "lists"});
        TemplateValues values;
        values.fields = read_string_map(f.get("fields"), "fields");
        const Object::Ptr lists = as_object(f.get("lists"), "lists");
        for (const auto& [name, items] : *lists) {
            const std::string path = child("lists", name);
            if (!valid_text(name)) {
                fail("lists", "a list name is not valid UTF-8 text");
            }
            values.lists.emplace(name,
                                 read_list<std::map<std::string, std::string>>(items, path, read_string_map));
        }
        return values;
    });
}

std::string encode_placements(const std::vector<FieldPlacement>& placements) {
    std::string out = "[";
    for (std::size_t i = 0; i < placements.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        put_placement(out, placements[i]);
    }
    out += ']';
    return out;
}

Result<std::vector<FieldPlacement>> decode_placements(std::string_view json) {
    return decode(json, "field placements",
                  [](const Var& root) { return read_list<FieldPlacement>(root, "", read_placement); });
}

std::string encode_stamp_items(const std::vector<StampItem>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += '{';
        put_key(out, "text");
        put_string(out, items[i].text);
        put_key(out, "page");
        put_integer(out, items[i].page);
        put_key(out, "rect");
        put_rect(out, items[i].rect);
        put_key(out, "font_size");
        put_number(out, items[i].font_size);
        out += '}';
    }
    out += ']';
    return out;
}

Result<std::vector<StampItem>> decode_stamp_items(std::string_view json) {
    return decode(json, "stamp items", [](const Var& root) {
        return read_list<StampItem>(root, "", [](const Var& value, const std::string& path) {
            const Fields f(value, path, {"text", "page", "rect", "font_size"});
            return StampItem{f.text("text"), read_page(f), read_rect(f.get("rect"), f.path("rect")),
                             f.number("font_size")};
        });
    });
}

std::string encode_signature_request(const SignatureRequest& request) {
    std::string out = "{";
    put_key(out, "field_name");
    put_string(out, request.field_name);
    put_key(out, "page");
    put_integer(out, request.page);
    put_key(out, "rect");
    put_rect(out, request.rect);
    put_key(out, "signer_name");
    put_string(out, request.signer_name);
    put_key(out, "capacity");
    put_string(out, request.capacity);
    put_key(out, "reason");
    put_string(out, request.reason);
    put_key(out, "location");
    put_string(out, request.location);
    put_key(out, "signature_id");
    put_string(out, request.signature_id);
    put_key(out, "signing_time");
    put_integer(out, request.signing_time);
    put_key(out, "contents_size");
    put_integer(out, request.contents_size);
    put_key(out, "fields");
    out += '[';
    for (std::size_t i = 0; i < request.fields.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += '{';
        put_key(out, "placement");
        put_placement(out, request.fields[i].placement);
        put_key(out, "text");
        put_string(out, request.fields[i].text);
        put_key(out, "checked");
        out += request.fields[i].checked ? "true" : "false";
        out += '}';
    }
    out += "]}";
    return out;
}

Result<SignatureRequest> decode_signature_request(std::string_view json) {
    return decode(json, "signature request", [](const Var& root) {
        const Fields f(root, "",
                       {"field_name", "page", "rect", "signer_name", "capacity", "reason", "location",
                        "signature_id", "signing_time", "contents_size", "fields"});
        SignatureRequest request;
        request.field_name = f.text("field_name");
        request.page = read_page(f);
        request.rect = read_rect(f.get("rect"), "rect");
        request.signer_name = f.text("signer_name");
        request.capacity = f.text("capacity");
        request.reason = f.text("reason");
        request.location = f.text("location");
        request.signature_id = f.text("signature_id");
        request.signing_time = f.integer("signing_time", std::numeric_limits<std::int64_t>::min(),
                                         std::numeric_limits<std::int64_t>::max());
        request.contents_size = static_cast<std::size_t>(
            f.integer("contents_size", 0, static_cast<std::int64_t>(k_max_contents_bytes)));
        request.fields =
            read_list<FieldValue>(f.get("fields"), "fields", [](const Var& value, const std::string& path) {
                const Fields entry(value, path, {"placement", "text", "checked"});
                return FieldValue{read_placement(entry.get("placement"), entry.path("placement")),
                                  entry.text("text"), entry.boolean("checked")};
            });
        return request;
    });
}

std::string encode_prepared(const PreparedPdf& prepared) {
    std::string out = "{";
    put_key(out, "byte_range");
    out += '[';
    put_integer(out, prepared.byte_range.start1);
    out += ',';
    put_integer(out, prepared.byte_range.length1);
    out += ',';
    put_integer(out, prepared.byte_range.start2);
    out += ',';
    put_integer(out, prepared.byte_range.length2);
    out += ']';
    put_key(out, "contents_offset");
    put_integer(out, prepared.contents_offset);
    put_key(out, "contents_length");
    put_integer(out, prepared.contents_length);
    put_key(out, "field_name");
    put_string(out, prepared.field_name);
    out += '}';
    return out;
}

Result<PreparedPdf> decode_prepared(std::string_view json) {
    return decode(json, "prepared signature", [](const Var& root) {
        constexpr auto any_offset = std::numeric_limits<std::int64_t>::max();
        const Fields f(root, "", {"byte_range", "contents_offset", "contents_length", "field_name"});
        const auto range = read_list<std::uint64_t>(
            f.get("byte_range"), "byte_range", [](const Var& value, const std::string& path) {
                return static_cast<std::uint64_t>(as_integer(value, path, 0, any_offset));
            });
        if (range.size() != 4) {
            fail("byte_range", "expected four integers");
        }
        PreparedPdf prepared;
        prepared.byte_range = ByteRange{range[0], range[1], range[2], range[3]};
        prepared.contents_offset = static_cast<std::size_t>(f.integer("contents_offset", 0, any_offset));
        prepared.contents_length = static_cast<std::size_t>(
            f.integer("contents_length", 0, 2 * static_cast<std::int64_t>(k_max_contents_bytes)));
        prepared.field_name = f.text("field_name");
        return prepared;
    });
}

std::string_view page_size_name(PageSize size) {
    switch (size) {
    case PageSize::a4:
        return "a4";
    case PageSize::letter:
        return "letter";
    }
    return "a4";
}

std::optional<PageSize> parse_page_size(std::string_view name) {
    for (const PageSize size : {PageSize::a4, PageSize::letter}) {
        if (page_size_name(size) == name) {
            return size;
        }
    }
    return std::nullopt;
}

std::optional<FieldKind> parse_field_kind(std::string_view name) {
    for (const FieldKind kind : all_field_kinds) {
        if (field_kind_name(kind) == name) {
            return kind;
        }
    }
    return std::nullopt;
}

std::optional<Errc> parse_rejection_code(std::string_view name) {
    for (const Errc code : {Errc::invalid_input, Errc::conflict, Errc::payload_too_large,
                            Errc::unsupported_media, Errc::unprocessable, Errc::unavailable}) {
        if (errc_name(code) == name) {
            return code;
        }
    }
    return std::nullopt;
}

wire::Header rejection_header(const Error& error) {
    return wire::Header{{"status", std::string(wire::status_ok)},
                        {"rejected", errc_name(error.code)},
                        {"message", error.message}};
}

std::optional<Error> rejection_of(const wire::Header& reply) {
    const auto rejected = wire::find(reply, "rejected");
    if (!rejected) {
        return std::nullopt;
    }
    const auto code = parse_rejection_code(*rejected);
    const std::string message(wire::find(reply, "message").value_or(""));
    if (!code) {
        return make_error(Errc::internal, "The PDF worker rejected the job with an unknown code.");
    }
    if (message.empty() || !valid_text(message)) {
        return make_error(Errc::internal, "The PDF worker rejected the job without a readable reason.");
    }
    return make_error(*code, message);
}

} // namespace kinvault::pdf::codec
