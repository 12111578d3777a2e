#include "pdf/codec.h"

#include "common/enum_names.h"
#include "common/utf8.h"
#include "json/reader.h"
#include "json/writer.h"

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

namespace kinvault::pdf::codec {
namespace {

using json::Problems;
using json::Value;

// Our structures nest at most five levels (request, fields, entry, placement, rect); a little headroom, and
// a hostile reply cannot make the parser recurse deeply.
constexpr std::size_t max_json_depth = 8;
constexpr int max_page_index = 100'000;

// ---------------------------------------------------------------------------------------------------------
// Writing

// The one writer's escaping and number form (json/writer.h), so both sides of the worker speak the same JSON
// as the HTTP API and the audit log.
void put_string(std::string& out, std::string_view text) {
    json::append_string(out, text);
}

void put_number(std::string& out, double value) {
    json::Writer w;
    w.number(value);
    out += w.str();
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

// Readers over the strict reader (json/reader.h): every key present and known, every wrong value named by its
// path, all of them collected rather than only the first.
using Fields = json::Object;

Rect read_rect(Fields f) {
    return Rect{f.required_number("x"), f.required_number("y"), f.required_number("width"),
                f.required_number("height")};
}

FieldKind read_kind(Fields& f) {
    const std::size_t before = f.problems().list().size();
    const std::string name = f.required_string("kind");
    const auto kind = parse_field_kind(name);
    if (!kind && f.is_object() && f.problems().list().size() == before) {
        f.problems().add(json::child_path(f.path(), "kind"), "unknown field kind");
    }
    return kind.value_or(FieldKind::signature);
}

int read_page(Fields& f) {
    return static_cast<int>(f.required_integer("page", 0, max_page_index));
}

FieldPlacement read_placement(Fields f) {
    FieldPlacement p;
    p.name = f.required_string("name");
    p.kind = read_kind(f);
    p.signer = f.required_string("signer");
    p.page = read_page(f);
    p.rect = read_rect(f.required_object("rect"));
    return p;
}

template <typename T, typename ReadOne>
std::vector<T> read_list(json::Array array, json::Keys keys, ReadOne read_one) {
    std::vector<T> list;
    list.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
        list.push_back(read_one(array.object(i, keys)));
    }
    return list;
}

template <typename T, typename ReadOne>
std::vector<T> read_list(json::Array array, ReadOne read_one) {
    return read_list<T>(std::move(array), json::Keys::known_only, read_one);
}

// Parses `text` (one value, nothing after it, no deeper than our structures need) and hands it to
// `read_all`; any failure becomes invalid_input naming `what` and every path at fault.
template <typename ReadAll>
auto decode(std::string_view text, std::string_view what, ReadAll read_all)
    -> Result<decltype(read_all(std::declval<const Value&>(), std::declval<Problems&>()))> {
    const auto parsed = json::parse(text, json::Limits{max_json_depth});
    if (!parsed.value) {
        std::string where = parsed.failure.path.empty() ? "" : parsed.failure.path + ": ";
        return make_error(Errc::invalid_input,
                          std::string(what) + ": not valid JSON (" + where + parsed.failure.problem + ")");
    }
    Problems problems;
    auto out = read_all(*parsed.value, problems);
    if (!problems.empty()) {
        return problems.error(what);
    }
    return out;
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

TemplateValues read_values(json::Object f) {
    TemplateValues values;
    values.fields = f.required_object("fields", json::Keys::any).string_members();
    Fields lists = f.required_object("lists", json::Keys::any);
    for (const auto& name : lists.keys()) {
        values.lists.emplace(name, read_list<std::map<std::string, std::string>>(
                                       lists.required_array(name), json::Keys::any,
                                       [](Fields entry) { return entry.string_members(); }));
    }
    return values;
}

Result<TemplateValues> decode_values(std::string_view text) {
    return decode(text, "template values",
                  [](const Value& root, Problems& problems) { return read_values(Fields(root, problems)); });
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

Result<std::vector<FieldPlacement>> decode_placements(std::string_view text) {
    return decode(text, "field placements", [](const Value& root, Problems& problems) {
        return read_list<FieldPlacement>(json::Array(&root, problems, ""), read_placement);
    });
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

Result<std::vector<StampItem>> decode_stamp_items(std::string_view text) {
    return decode(text, "stamp items", [](const Value& root, Problems& problems) {
        return read_list<StampItem>(json::Array(&root, problems, ""), [](Fields f) {
            StampItem item;
            item.text = f.required_string("text");
            item.page = read_page(f);
            item.rect = read_rect(f.required_object("rect"));
            item.font_size = f.required_number("font_size");
            return item;
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

Result<SignatureRequest> decode_signature_request(std::string_view text) {
    return decode(text, "signature request", [](const Value& root, Problems& problems) {
        Fields f(root, problems);
        SignatureRequest request;
        request.field_name = f.required_string("field_name");
        request.page = read_page(f);
        request.rect = read_rect(f.required_object("rect"));
        request.signer_name = f.required_string("signer_name");
        request.capacity = f.required_string("capacity");
        request.reason = f.required_string("reason");
        request.location = f.required_string("location");
        request.signature_id = f.required_string("signature_id");
        request.signing_time = f.required_integer("signing_time");
        request.contents_size = static_cast<std::size_t>(
            f.required_integer("contents_size", 0, static_cast<std::int64_t>(k_max_contents_bytes)));
        request.fields = read_list<FieldValue>(f.required_array("fields"), [](Fields entry) {
            FieldValue value;
            value.placement = read_placement(entry.required_object("placement"));
            value.text = entry.required_string("text");
            value.checked = entry.required_bool("checked");
            return value;
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

Result<PreparedPdf> decode_prepared(std::string_view text) {
    return decode(text, "prepared signature", [](const Value& root, Problems& problems) {
        constexpr auto any_offset = std::numeric_limits<std::int64_t>::max();
        Fields f(root, problems);
        json::Array range = f.required_array("byte_range");
        std::array<std::uint64_t, 4> numbers{};
        if (f.has("byte_range") && range.size() != 4) {
            problems.add("byte_range", "expected four integers");
        }
        for (std::size_t i = 0; i < range.size() && i < numbers.size(); ++i) {
            numbers[i] = static_cast<std::uint64_t>(range.integer(i, 0, any_offset).value_or(0));
        }
        PreparedPdf prepared;
        prepared.byte_range = ByteRange{numbers[0], numbers[1], numbers[2], numbers[3]};
        prepared.contents_offset =
            static_cast<std::size_t>(f.required_integer("contents_offset", 0, any_offset));
        prepared.contents_length = static_cast<std::size_t>(
            f.required_integer("contents_length", 0, 2 * static_cast<std::int64_t>(k_max_contents_bytes)));
        prepared.field_name = f.required_string("field_name");
        return prepared;
    });
}

namespace {
constexpr EnumNames<PageSize, 2> k_page_size_names{{{PageSize::a4, "a4"}, {PageSize::letter, "letter"}}};
} // namespace

std::string_view page_size_name(PageSize size) {
    return enum_name(k_page_size_names, size);
}

std::optional<PageSize> parse_page_size(std::string_view name) {
    return enum_value(k_page_size_names, name);
}

std::optional<Errc> parse_rejection_code(std::string_view name) {
    // Only the codes a worker may answer with; anything else is a worker fault, not a verdict on the input.
    const auto code = parse_errc(name);
    for (const Errc allowed : {Errc::invalid_input, Errc::conflict, Errc::payload_too_large,
                               Errc::unsupported_media, Errc::unprocessable, Errc::unavailable}) {
        if (code == allowed) {
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
    if (message.empty() || !utf8::valid_text(message)) {
        return make_error(Errc::internal, "The PDF worker rejected the job without a readable reason.");
    }
    return make_error(*code, message);
}

} // namespace kinvault::pdf::codec
