// The one JSON writer (RFC 8259), for audit entries, HTTP responses and the PDF worker protocol.
//
// Canonical form: no whitespace at all; keys in the order the caller writes them (insertion order, not
// sorted: an audit entry's fixed field order is part of its Merkle leaf, and a Poco object hands its keys
// over already sorted); strings escape '"', '\', and control characters ("\n", "\r", "\t" in short form,
// the rest as \u00XX with lowercase hex), everything else, UTF-8 included, as is; a byte sequence that is
// not UTF-8 is written as U+FFFD, so the output is always valid UTF-8; integers in decimal; doubles in their
// shortest form that reads back as the same double (std::to_chars); NaN and infinities, which JSON cannot
// carry, as null (a strict reader then refuses them by name).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::json {

void append_string(std::string& out, std::string_view text);
[[nodiscard]] std::string quote(std::string_view text);

// Streaming writer: begin_object().key("a").integer(1).end_object(). Commas are placed for the caller.
class Writer {
public:
    Writer& begin_object();
    Writer& end_object();
    Writer& begin_array();
    Writer& end_array();
    Writer& key(std::string_view name);
    Writer& string(std::string_view text);
    Writer& integer(std::int64_t value);
    Writer& number(double value);
    Writer& boolean(bool value);
    Writer& null();
    // Already-encoded JSON (from this writer), inserted as one value.
    Writer& raw(std::string_view json);

    [[nodiscard]] const std::string& str() const noexcept { return m_out; }
    [[nodiscard]] std::string take() && { return std::move(m_out); }

private:
    std::string m_out;
    std::vector<bool> m_first; // one per open object/array: nothing written in it yet
    bool m_after_key{false};
    void before_value();
};

// One flat object of text and integer fields, as audit entries are written.
class ObjectWriter {
public:
    ObjectWriter& field(std::string_view key, std::string_view value);
    ObjectWriter& field(std::string_view key, std::int64_t value);
    ObjectWriter& raw(std::string_view key, std::string_view json);
    [[nodiscard]] std::string str() const { return m_out + "}"; }

private:
    std::string m_out{"{"};
    void key(std::string_view k);
};

} // namespace kinvault::json
